"""Public value types of the crisis engine.

These names are a contract: the service, the evaluation suite and the CLI rely on them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class RiskLevel(str, enum.Enum):
    """Ordered risk levels; comparison follows clinical severity, not alphabetical order."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank >= other.rank

    @classmethod
    def from_rank(cls, rank: int) -> RiskLevel:
        return _BY_RANK[max(0, min(rank, len(_BY_RANK) - 1))]


_BY_RANK = [RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT]
_RANK = {level: i for i, level in enumerate(_BY_RANK)}


class Category(str, enum.Enum):
    SUICIDAL_IDEATION = "suicidal_ideation"
    SELF_HARM = "self_harm"
    PLAN_OR_MEANS = "plan_or_means"
    IMMINENT = "imminent"
    ABUSE = "abuse"
    EATING_DISORDER = "eating_disorder"
    HARM_TO_OTHERS = "harm_to_others"
    CONCERN_FOR_OTHER = "concern_for_other"
    HOPELESSNESS = "hopelessness"


class Modifier(str, enum.Enum):
    """Context that changes what a keyword match means."""

    NEGATION = "negation"
    THIRD_PERSON = "third_person"
    PAST_OR_RESOLVED = "past_or_resolved"
    HYPOTHETICAL = "hypothetical"
    QUOTATION_OR_MEDIA = "quotation_or_media"
    CLINICAL = "clinical"
    IDIOM = "idiom"
    FUZZY = "fuzzy"
    RETRACTION = "retraction"


@dataclass(frozen=True, slots=True)
class Match:
    """One lexicon hit in the normalised text."""

    term: str
    category: Category
    span: tuple[int, int]  # character offsets in the *normalised* text
    weight: float  # lexicon weight before modifiers
    effective_weight: float  # after modifiers
    modifiers: tuple[Modifier, ...] = ()
    matched_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "category": self.category.value,
            "span": list(self.span),
            "weight": round(self.weight, 4),
            "effective_weight": round(self.effective_weight, 4),
            "modifiers": [m.value for m in self.modifiers],
            "matched_text": self.matched_text,
        }


EVIDENCE_LEXICON = "lexicon"
EVIDENCE_CLASSIFIER = "classifier"
EVIDENCE_CONTEXT = "context"
EVIDENCE_ORDER = (EVIDENCE_LEXICON, EVIDENCE_CLASSIFIER, EVIDENCE_CONTEXT)


@dataclass(frozen=True, slots=True)
class Assessment:
    level: RiskLevel
    score: float  # calibrated probability-like score in [0, 1]
    categories: tuple[Category, ...]
    matches: tuple[Match, ...]
    explanation: str
    keyword_score: float = 0.0
    classifier_score: float = 0.0
    context_adjusted: bool = False
    engine_version: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    # The message's sentence embedding (384 floats, L2-normalised; the riskiest window of a long
    # text), None in keyword-only mode. Not part of ``to_dict``: it is for in-process reuse.
    embedding: Any = field(default=None, repr=False, compare=False)
    # What supports a level of MODERATE or above (empty below MODERATE), in this order:
    # "lexicon" (the keyword layer on its own puts the message at MODERATE+, or one of its
    # first-person floors fired), "classifier" (the fused model puts it at MODERATE+ before any
    # keyword floor), "context" (earlier turns: the level was raised by them, the conversation
    # was risky in the last turns, or a HIGH+ assessment is in ``recent_assessments``).
    # ``("classifier",)`` alone is ``classifier_only``: uncertain evidence (issue #23).
    evidence: tuple[str, ...] = ()
    # Which stage of the engine settled the message: "first" (the cheap first stage found it
    # clearly benign and the sentence encoder never ran; ``crisis_engine.cascade``), "full" (the
    # whole pipeline), "keywords" (keyword-only mode). Evaluations report the share settled.
    stage: str = "full"
    # The message's language (ISO 639-1, "und" when not told: too short, unsure, or languages
    # off) and whether the engine's classifier covers it. False: a language the English encoder
    # does not read, assessed by the lexicon alone (stage "lexicon"; ``crisis_engine.language``).
    language: str = "und"
    language_supported: bool = True

    @property
    def needs_attention(self) -> bool:
        return self.level >= RiskLevel.MODERATE

    @property
    def classifier_only(self) -> bool:
        """MODERATE or above from the classifier alone: no lexicon support and no risk in the
        conversation around it. The service answers these with one gentle check, not the
        screener."""
        return self.level >= RiskLevel.MODERATE and self.evidence == (EVIDENCE_CLASSIFIER,)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "score": round(self.score, 6),
            "categories": [c.value for c in self.categories],
            "matches": [m.to_dict() for m in self.matches],
            "explanation": self.explanation,
            "keyword_score": round(self.keyword_score, 6),
            "classifier_score": round(self.classifier_score, 6),
            "context_adjusted": self.context_adjusted,
            "engine_version": self.engine_version,
            "evidence": list(self.evidence),
            "stage": self.stage,
            "language": self.language,
            "language_supported": self.language_supported,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class ContextMessage:
    """A recent message by the same person, oldest first, with its assessment if known."""

    text: str
    assessment: Assessment | None = None
    seconds_ago: float | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What the engine may know about the conversation around a message."""

    recent_messages: tuple[ContextMessage, ...] = ()
    recent_assessments: tuple[Assessment, ...] = ()  # e.g. from earlier days or other sources
