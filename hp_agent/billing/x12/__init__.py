"""Small, readable X12 writers and readers for the transactions insurance billing uses:
270/271 eligibility, 837P professional claims and 835 remittance advice."""
