"""Insurance & Billing: payers, plans, patients' insurance policies, eligibility checks, claims and
invoices."""
