"""Journaling: encrypted journal entries, CBT thought records, gratitude entries and the
reference prompt library."""
