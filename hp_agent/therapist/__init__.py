"""The therapist console's live channel (``/v1/ws/therapist``)."""
