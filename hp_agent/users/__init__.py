"""User Management: accounts, profiles, preferences, refresh sessions and consent state."""
