"""Crisis Management: lexicon rows, persisted engine detections, escalations, safety plans and
crisis resources."""
