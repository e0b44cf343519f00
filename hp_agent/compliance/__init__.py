"""Compliance & Privacy: audit trail, consent history, data-subject requests and registers."""
