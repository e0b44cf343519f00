"""The labelled item every dataset adapter produces, and what the engine said about it."""

from __future__ import annotations

from dataclasses import dataclass, field

from crisis_engine.types import Category, RiskLevel

LEVELS: tuple[RiskLevel, ...] = (
    RiskLevel.NONE,
    RiskLevel.LOW,
    RiskLevel.MODERATE,
    RiskLevel.HIGH,
    RiskLevel.IMMINENT,
)
# "Needs attention": the level at which the app switches to the scripted crisis flow.
ALERT_LEVEL = RiskLevel.MODERATE


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One labelled unit of evaluation (a message, or a whole user for C-SSRS).

    The gold label is a closed range of acceptable levels: a single ``level`` is the range
    ``[level, level]``; ``min_level``/``max_level`` express "reasonable people disagree".
    """

    id: str
    text: str
    min_level: RiskLevel
    max_level: RiskLevel
    categories: frozenset[Category] = frozenset()
    hard_negative: bool = False
    suite: str = ""
    # Finer subtypes inside a suite (e.g. "idiom", "negation", "passive"), for the per-tag table.
    tags: tuple[str, ...] = ()
    # Earlier messages by the same person, oldest first; the engine gets them as Context.
    conversation: tuple[str, ...] = ()
    # Several documents scored separately and aggregated (C-SSRS users); empty = use ``text``.
    documents: tuple[str, ...] = ()
    # Whether the text may be shown in reports (False for third-party data).
    show_text: bool = True
    source_label: str = ""

    def accepts(self, level: RiskLevel) -> bool:
        return self.min_level <= level <= self.max_level

    @property
    def is_alert_positive(self) -> bool:
        """Every acceptable answer needs the crisis flow."""
        return self.min_level >= ALERT_LEVEL

    @property
    def is_alert_negative(self) -> bool:
        """No acceptable answer needs the crisis flow."""
        return self.max_level < ALERT_LEVEL


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a detector (the engine or a baseline) said about one item."""

    level: RiskLevel
    score: float
    categories: frozenset[Category] = frozenset()
    explanation: str = ""
    # Text-free account of the decision (lexicon terms, categories, modifiers): what reports show
    # for third-party data, whose matched spans must not be quoted.
    evidence: str = ""
    latency_ms: float = 0.0
    # For aggregated items: which document drove the prediction (index into ``documents``).
    document_index: int | None = None
    extra: dict[str, float] = field(default_factory=dict)
