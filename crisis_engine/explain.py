"""Short, human-readable reasons for an assessment, safe to show a therapist.

Only matched terms are quoted (never the surrounding message), each cut to a few words.
"""

from __future__ import annotations

from collections.abc import Sequence

from crisis_engine.types import Category, Match, Modifier, RiskLevel

__all__ = ["explain"]

_NAMES: dict[Category, str] = {
    Category.SUICIDAL_IDEATION: "suicidal ideation",
    Category.SELF_HARM: "self-harm",
    Category.PLAN_OR_MEANS: "plan or means",
    Category.IMMINENT: "timing or an act in progress",
    Category.ABUSE: "abuse or being unsafe",
    Category.EATING_DISORDER: "eating-disorder behaviour",
    Category.HARM_TO_OTHERS: "harm to others",
    Category.CONCERN_FOR_OTHER: "concern for someone else",
    Category.HOPELESSNESS: "hopelessness",
}
_ORDER = (
    Category.IMMINENT,
    Category.PLAN_OR_MEANS,
    Category.SUICIDAL_IDEATION,
    Category.SELF_HARM,
    Category.HARM_TO_OTHERS,
    Category.ABUSE,
    Category.EATING_DISORDER,
    Category.HOPELESSNESS,
    Category.CONCERN_FOR_OTHER,
)
_MOD_TEXT: dict[Modifier, str] = {
    Modifier.NEGATION: "negated",
    Modifier.THIRD_PERSON: "about someone else",
    Modifier.PAST_OR_RESOLVED: "in the past or resolved",
    Modifier.HYPOTHETICAL: "hypothetical",
    Modifier.QUOTATION_OR_MEDIA: "quoted or about media",
    Modifier.CLINICAL: "clinical or academic discussion",
    Modifier.IDIOM: "figure of speech",
}
_MAX_QUOTE_WORDS = 6


def _quote(m: Match) -> str:
    words = (m.matched_text or m.term).split()
    text = " ".join(words[:_MAX_QUOTE_WORDS]) + (" ..." if len(words) > _MAX_QUOTE_WORDS else "")
    return f"'{text}'"


def explain(
    level: RiskLevel,
    matches: Sequence[Match],
    *,
    classifier_score: float | None,
    context_reasons: Sequence[str] = (),
    retraction: bool = False,
) -> str:
    reducing = set(_MOD_TEXT)
    plain = [m for m in matches if not set(m.modifiers) & reducing]
    modified = [m for m in matches if set(m.modifiers) & reducing]
    parts: list[str] = []
    for cat in _ORDER:
        hits = sorted((m for m in plain if m.category == cat), key=lambda m: -m.effective_weight)
        if not hits:
            continue
        quotes = ", ".join(dict.fromkeys(_quote(m) for m in hits[:2]))
        if cat == Category.IMMINENT and level >= RiskLevel.HIGH:
            parts.append(f"timing or an act in progress ({quotes}) raises the level")
            continue
        strength = "direct first-person" if hits[0].weight >= 0.8 else "first-person"
        if cat in (Category.CONCERN_FOR_OTHER, Category.HARM_TO_OTHERS, Category.HOPELESSNESS):
            strength = ""
        parts.append(f"{strength} {_NAMES[cat]} ({quotes})".strip())
    for m in modified[:3]:
        why = ", ".join(_MOD_TEXT[x] for x in m.modifiers if x in _MOD_TEXT)
        parts.append(f"{_quote(m)} {why}, weight lowered")
    if len(modified) > 3:
        parts.append(f"{len(modified) - 3} more lowered by context")
    if classifier_score is not None:
        if not matches:
            parts.append(f"no keywords; classifier risk {classifier_score:.2f}")
        elif (classifier_score >= 0.5) == (level >= RiskLevel.MODERATE):
            parts.append(f"classifier agrees ({classifier_score:.2f})")
        else:
            parts.append(f"classifier disagrees ({classifier_score:.2f})")
    if retraction:
        parts.append("a retraction right after a risky message does not cancel it")
    for reason in context_reasons:
        parts.append(f"raised by conversation context: {reason}")
    if not parts:
        return "No risk indicators found."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]
