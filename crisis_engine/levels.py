"""Rules that turn a keyword signal into a risk level.

Two uses:
- keyword-only mode (``CrisisDetector.load(classifier=False)``, the evaluation baseline): the
  rules below are the whole decision;
- floors in the full pipeline: explicit, unmodified first-person statements of plan, means or
  timing must raise the level whatever the classifier says ("plan/means + first-person ideation
  -> HIGH; + timing or an act already done -> IMMINENT").

Only unmodified matches count towards a level here (negated, third-person, past, hypothetical,
quoted, clinical and idiomatic matches are left to the scores), so these rules can raise a level
but never turn "i would never kill myself" into a crisis.
"""

from __future__ import annotations

from dataclasses import dataclass

from crisis_engine.keywords import KeywordSignal
from crisis_engine.types import Category, Modifier, RiskLevel

__all__ = ["LevelRules", "keyword_level", "rule_floor", "score_band", "strongest"]

_ALLOWED = frozenset({Modifier.FUZZY, Modifier.RETRACTION})


@dataclass(frozen=True, slots=True)
class LevelRules:
    """Thresholds on unmodified match weights (see the lexicon weight scale)."""

    imminent_alone: float = 0.85  # an act already done or a last message
    imminent_timing: float = 0.4  # timing words, which need ideation or a plan too
    imminent_moderate: float = 0.5  # an imminent phrase alone ("i'm at the bridge")
    imminent_high: float = 0.75  # a strong one alone ("when you read this", "i'm on the ledge")
    ideation: float = 0.55  # MODERATE in keyword-only mode (passive ideation included)
    ideation_floor: float = 0.75  # MODERATE floor in the full pipeline (direct ideation)
    ideation_with_plan: float = 0.6
    ideation_intent: float = 0.9  # stated intent ("going to kill myself"), which timing makes imminent
    plan: float = 0.5
    plan_alone_high: float = 0.8  # "stockpiling pills", "wrote a suicide note"
    self_harm: float = 0.55
    self_harm_floor: float = 0.75
    abuse: float = 0.6
    abuse_floor: float = 0.8
    # Abuse with the danger present ("he's outside my door and says he'll kill me"): HIGH.
    abuse_high: float = 0.92
    eating_disorder: float = 0.6
    eating_disorder_floor: float = 0.75
    harm_to_others: float = 0.6
    harm_to_others_high: float = 0.85
    concern_low: float = 0.3
    # Someone else's act in progress ("my sister took a bunch of pills"): third-person imminent
    # matches (weight >= 0.95, x0.7) land here; direct concern entries stay below it.
    concern_emergency: float = 0.66
    low: float = 0.25  # any match this strong after modifiers makes the message LOW
    # Score bands per level for keyword-only mode, so score and level tell the same story.
    bands: tuple[tuple[float, float], ...] = (
        (0.0, 0.15),
        (0.15, 0.4),
        (0.4, 0.65),
        (0.65, 0.85),
        (0.85, 1.0),
    )


def strongest(signal: KeywordSignal, category: Category) -> float:
    """Largest effective weight of an unmodified match in ``category``."""
    return max(
        (
            m.effective_weight
            for m in signal.matches
            if m.category == category and set(m.modifiers) <= _ALLOWED
        ),
        default=0.0,
    )


def combined(signal: KeywordSignal, category: Category) -> float:
    """Noisy-OR of the unmodified matches in ``category``."""
    rest = 1.0
    for m in signal.matches:
        if m.category == category and set(m.modifiers) <= _ALLOWED:
            rest *= 1.0 - min(m.effective_weight, 1.0)
    return 1.0 - rest


def _level(signal: KeywordSignal, rules: LevelRules, *, floor: bool) -> RiskLevel:
    si = strongest(signal, Category.SUICIDAL_IDEATION)
    sh = strongest(signal, Category.SELF_HARM)
    plan = strongest(signal, Category.PLAN_OR_MEANS)
    imm = combined(signal, Category.IMMINENT)  # "when you read this" + "i'll be gone"
    if imm >= rules.imminent_alone or (
        imm >= rules.imminent_timing and (si >= rules.ideation_intent or plan >= rules.ideation_with_plan)
    ):
        return RiskLevel.IMMINENT
    if imm >= rules.imminent_high or (imm >= rules.imminent_timing and si >= rules.ideation_with_plan):
        return RiskLevel.HIGH  # "i'm suicidal right now": acute, but no stated intent or plan
    hto = strongest(signal, Category.HARM_TO_OTHERS)
    if (plan >= rules.plan and si >= rules.ideation_with_plan) or plan >= rules.plan_alone_high:
        return RiskLevel.HIGH
    if hto >= rules.harm_to_others_high:
        return RiskLevel.HIGH
    abuse = strongest(signal, Category.ABUSE)
    if abuse >= rules.abuse_high:
        return RiskLevel.HIGH
    ed = strongest(signal, Category.EATING_DISORDER)
    if floor:
        moderate = (
            si >= rules.ideation_floor
            or sh >= rules.self_harm_floor
            or abuse >= rules.abuse_floor
            or ed >= rules.eating_disorder_floor
        )
    else:
        moderate = (
            si >= rules.ideation
            or imm >= rules.imminent_moderate
            or sh >= rules.self_harm
            or plan >= rules.plan
            or abuse >= rules.abuse
            or ed >= rules.eating_disorder
            or hto >= rules.harm_to_others
        )
    if moderate:
        return RiskLevel.MODERATE
    if floor:
        return RiskLevel.NONE
    top = max((m.effective_weight for m in signal.matches), default=0.0)
    concern = max(
        (m.effective_weight for m in signal.matches if m.category == Category.CONCERN_FOR_OTHER), default=0.0
    )
    if concern >= rules.concern_emergency:
        return RiskLevel.MODERATE
    if top >= rules.low or concern >= rules.concern_low:
        return RiskLevel.LOW
    return RiskLevel.NONE


def keyword_level(signal: KeywordSignal, rules: LevelRules | None = None) -> RiskLevel:
    """The level from keywords alone (keyword-only mode)."""
    return _level(signal, rules or LevelRules(), floor=False)


def rule_floor(signal: KeywordSignal, rules: LevelRules | None = None) -> RiskLevel:
    """The lowest level the full pipeline may return for this keyword signal."""
    return _level(signal, rules or LevelRules(), floor=True)


def score_band(level: RiskLevel, score: float, rules: LevelRules | None = None) -> float:
    """``score`` clamped into the band of ``level`` (keyword-only mode)."""
    lo, hi = (rules or LevelRules()).bands[level.rank]
    return round(min(max(score, lo), hi), 6)
