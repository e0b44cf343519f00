"""Mood Tracking: one daily mood entry per user, the factors behind it, goals, and computed
patterns and insights."""
