"""Appointment Scheduling: appointment types, therapists' availability and time off, appointments,
reminders, the waitlist, video sessions and cancellations/no-shows."""
