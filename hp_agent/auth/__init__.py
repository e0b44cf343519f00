"""Authentication: registration, login, refresh-token rotation, sessions and the CurrentUser dependency."""
