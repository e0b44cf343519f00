"""A person's rights over their data: consents, the access log (docs/privacy.md)."""
