"""A deterministic stand-in for the crisis engine, so evaluation code is tested on its own."""

from __future__ import annotations

from collections.abc import Sequence

from crisis_engine.types import Assessment, Category, Context, RiskLevel

# (phrase, level, score, category): first match wins, checked in order.
RULES: tuple[tuple[str, RiskLevel, float, Category | None], ...] = (
    ("pills", RiskLevel.IMMINENT, 0.95, Category.PLAN_OR_MEANS),
    ("kill myself", RiskLevel.HIGH, 0.85, Category.SUICIDAL_IDEATION),
    ("want to die", RiskLevel.MODERATE, 0.7, Category.SUICIDAL_IDEATION),
    ("killing me", RiskLevel.MODERATE, 0.6, Category.SUICIDAL_IDEATION),  # a deliberate idiom false alarm
    ("sad", RiskLevel.LOW, 0.3, None),
)


class FakeEngine:
    """Keyword rules; with context, a bare "tonight" after a risky message becomes IMMINENT."""

    def __init__(self, blind: bool = False):
        self.blind = blind  # a "regressed" engine that never alerts

    def assess(self, text: str, context: Context | None = None) -> Assessment:
        lowered = text.lower()
        if self.blind:
            return Assessment(
                RiskLevel.NONE, 0.05 + len(text) % 7 / 100, (), (), "blind", engine_version="fake-blind"
            )
        risky_before = context is not None and any("die" in m.text for m in context.recent_messages)
        if risky_before and lowered.strip() == "tonight":
            return Assessment(
                RiskLevel.IMMINENT, 0.9, (Category.IMMINENT,), (), "context", engine_version="fake"
            )
        for phrase, level, score, cat in RULES:
            if phrase in lowered:
                cats = (cat,) if cat else ()
                return Assessment(level, score, cats, (), f"matched '{phrase}'", engine_version="fake")
        return Assessment(RiskLevel.NONE, 0.1, (), (), "no match", engine_version="fake")

    def assess_batch(self, texts: Sequence[str]) -> list[Assessment]:
        return [self.assess(t) for t in texts]


ITEMS_JSONL = "\n".join(
    [
        '{"id": "a", "text": "i want to kill myself", "min_level": "moderate", "max_level": "high",'
        ' "category": "suicidal_ideation"}',
        '{"id": "b", "text": "i have the pills here", "level": "imminent", "category": ["plan_or_means"]}',
        '{"id": "c", "text": "i want to die", "min_level": "moderate", "max_level": "high"}',
        '{"id": "d", "text": "tonight", "level": "imminent", "conversation": ["i want to die", "i mean it"]}',
        '{"id": "e", "text": "this homework is killing me", "level": "none", "hard_negative": true,'
        ' "tags": ["idiom"]}',
        '{"id": "f", "text": "feeling sad today", "min_level": "none", "max_level": "low"}',
        '{"id": "g", "text": "had a nice walk", "level": "none"}',
        '{"id": "h", "text": "i feel empty and hopeless", "min_level": "moderate", "max_level": "high",'
        ' "suite": "oblique"}',
    ]
)
