"""Medication Management: the medication catalogue and interaction pairs, people's medications and
schedules, intake logs (adherence), reminders and side-effect reports."""
