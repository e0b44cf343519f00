"""Answers for the guided flows, in step order: (step key, answer)."""

from __future__ import annotations

from typing import Any

Steps = list[tuple[str, dict[str, Any]]]

THOUGHT_RECORD: Steps = [
    ("situation", {"situation": "My manager asked to see me at the end of the day."}),
    (
        "automatic_thought",
        {"automatic_thought": "I'm going to be fired, I always mess everything up.", "belief_before": 85},
    ),
    ("emotions", {"emotions": [{"name": "Anxious", "intensity": 80}, {"name": "ashamed", "intensity": 40}]}),
    ("distortions", {"distortions": ["fortune_telling", "all_or_nothing"]}),
    (
        "evidence",
        {"evidence_for": "I missed a deadline last week.", "evidence_against": "My review was good."},
    ),
    ("balanced_thought", {"balanced_thought": "She may just want to plan next month.", "belief_after": 30}),
    (
        "rerate",
        {"rerated_emotions": [{"name": "anxious", "intensity": 35}, {"name": "ashamed", "intensity": 10}]},
    ),
]

ACTIVATION: Steps = [
    ("check_in", {"mood_before": 3}),
    ("values", {"values": "Being outdoors and seeing friends."}),
    ("activities", {"activities": ["walk round the block", "text Sam"]}),
    ("plan", {"chosen_activity": "walk round the block", "when": "Tomorrow at 8, before work"}),
    ("obstacles", {"obstacles": "Rain: take the umbrella."}),
]

GRATITUDE: Steps = [
    ("items", {"items": ["Coffee with Ana", "Sunshine"]}),
    ("savour", {"reflection": "Ana made me laugh."}),
    ("mood", {"mood_after": 7}),
]

RISKY = "Alone at home again. I keep thinking everyone would be better off if I was dead."
