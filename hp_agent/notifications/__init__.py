"""The notification inbox: stored notifications, live delivery, per-kind preferences, quiet hours."""
