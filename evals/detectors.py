"""Run a detector over evaluation items: the engine, its keyword-only mode, or a baseline.

Every detector turns ``EvalItem``s into ``Prediction``s in item order. Multi-turn items pass
their earlier messages to the engine as ``Context`` (each with its own stand-alone assessment,
as the service would have stored it); multi-document items (C-SSRS users) are assessed post by
post and aggregated by ``evals.cssrs.aggregate_user``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from crisis_engine.types import Assessment, Context, ContextMessage
from evals.cssrs import aggregate_user
from evals.items import EvalItem, Prediction

CONTEXT_MESSAGES = 6  # hp_agent.chat.service.CONTEXT_MESSAGES (the engine's ContextRules.window)


class Detector(Protocol):
    name: str

    def predict(self, items: Sequence[EvalItem]) -> list[Prediction]: ...


class AssessingEngine(Protocol):
    """The part of ``crisis_engine.CrisisDetector`` the evaluation relies on."""

    def assess(self, text: str, context: Context | None = None) -> Assessment: ...

    def assess_batch(self, texts: Sequence[str]) -> list[Assessment]: ...


def evidence_of(a: Assessment) -> str:
    """A text-free account of the decision: categories of the lexicon hits with their modifiers
    and the two signal scores. No term or span appears, not even lexicon terms, because a term
    that matched is by construction a piece of the user's text."""
    hits: Counter[str] = Counter()
    for m in a.matches:
        mods = "+".join(mod.value for mod in m.modifiers)
        hits[f"{m.category.value}({mods})" if mods else m.category.value] += 1
    found = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in sorted(hits.items())) or "no lexicon hits"
    cats = ", ".join(c.value for c in a.categories) or "none"
    scores = f"keyword {a.keyword_score:.2f}, classifier {a.classifier_score:.2f}"
    return f"categories: {cats}; {scores}; hits: {found}"


def to_prediction(a: Assessment, latency_ms: float) -> Prediction:
    extra: dict[str, float] = {}
    if a.details.get("mode") == "full":
        # The calibrated classifier probability and the raw risk it came from, for the
        # reliability table (issue #23).
        extra["classifier_probability"] = float(a.classifier_score)
        raw = a.details.get("classifier_raw")
        if raw is not None:
            extra["classifier_raw"] = float(raw)
        # 1: the engine's first stage settled it without the sentence encoder (issue #15).
        extra["first_stage"] = 1.0 if a.stage == "first" else 0.0
        # 1: a language the encoder does not cover, read by the lexicon alone (issue #18).
        extra["lexicon_path"] = 0.0 if a.language_supported else 1.0
    return Prediction(
        level=a.level,
        score=float(a.score),
        categories=frozenset(a.categories),
        explanation=a.explanation,
        evidence=evidence_of(a),
        latency_ms=latency_ms,
        extra=extra,
    )


class EngineDetector:
    """Adapter from a ``CrisisDetector`` (full or keyword-only) to the ``Detector`` protocol."""

    def __init__(
        self, name: str, engine: AssessingEngine, progress: Callable[[int, int], None] | None = None
    ):
        self.name = name
        self.engine = engine
        self.progress = progress
        self.version = ""  # engine_version of the last assessment, for the report header
        self._chain: dict[tuple[str, ...], Assessment] = {}

    def _context(self, conversation: Sequence[str]) -> Context:
        """The context the chat gives the engine (``hp_agent/chat/service.py``): the person's
        earlier messages, each with the assessment the chat stored for it, which was itself
        made with the messages before it as context. Memoised by conversation prefix, so the
        turns of one conversation cost one assessment each."""
        messages: list[ContextMessage] = []
        for i, text in enumerate(conversation):
            key = tuple(conversation[: i + 1])
            assessment = self._chain.get(key)
            if assessment is None:
                ctx = Context(recent_messages=tuple(messages[-CONTEXT_MESSAGES:])) if messages else None
                assessment = self._chain[key] = self.engine.assess(text, context=ctx)
            messages.append(ContextMessage(text=text, assessment=assessment))
        return Context(recent_messages=tuple(messages[-CONTEXT_MESSAGES:]))

    def predict_one(self, item: EvalItem) -> Prediction:
        if item.documents:
            start = time.perf_counter()
            assessments = self.engine.assess_batch(list(item.documents))
            # Batch latency amortised per post: what a per-message figure means for batches.
            per_post = (time.perf_counter() - start) * 1000 / len(item.documents)
            self.version = assessments[0].engine_version if assessments else self.version
            user = aggregate_user([to_prediction(a, per_post) for a in assessments])
            settled = sum(a.stage == "first" for a in assessments)
            return replace(user, extra={**user.extra, "first_stage_posts": float(settled)})
        context = self._context(item.conversation) if item.conversation else None
        start = time.perf_counter()
        assessment = self.engine.assess(item.text, context=context)
        elapsed_ms = (time.perf_counter() - start) * 1000
        self.version = assessment.engine_version
        return to_prediction(assessment, elapsed_ms)

    def predict(self, items: Sequence[EvalItem]) -> list[Prediction]:
        out: list[Prediction] = []
        for i, item in enumerate(items):
            out.append(self.predict_one(item))
            if self.progress is not None:
                self.progress(i + 1, len(items))
        return out


def load_engine(
    classifier: bool = True, cascade: bool = True, *, languages: bool = True, preset: str = "standard"
) -> AssessingEngine:
    """``cascade=False``: every message takes the full path (the first stage off), for
    comparison with the shipped engine in the same run; ``languages=False``: every message takes
    the encoder path, whatever its language (the engine before issue #18); ``preset``: a named
    operating point (``crisis_engine.presets``)."""
    # Imported lazily so metric code and tests do not need the engine's model files.
    from crisis_engine import CrisisDetector
    from crisis_engine.detector import DetectorConfig

    engine: AssessingEngine = CrisisDetector.load(
        classifier=classifier,
        config=DetectorConfig(cascade=cascade, languages=languages, preset=preset),
    )
    return engine
