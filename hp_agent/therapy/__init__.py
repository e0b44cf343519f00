"""Clinical Therapy: therapy sessions, signed clinical notes, treatment plans and goals, homework
and diagnoses."""
