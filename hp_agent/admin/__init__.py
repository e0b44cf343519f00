"""System Administration: feature flags, announcements, in-app notifications, API keys and system
configuration."""
