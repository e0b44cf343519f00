"""Assessment & Screening: validated instruments (PHQ-9, GAD-7, PCL-5, C-SSRS screener),
administrations, per-item answers, recurring schedules and clinician assignments."""
