"""Care Coordination: therapeutic relationships, clinician profiles and on-call rosters, care teams,
referrals and care plans."""
