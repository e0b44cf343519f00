"""The one crisis detector of this process, loaded once and shared."""

from __future__ import annotations

import threading

import anyio.to_thread

from crisis_engine import Assessment, Context, CrisisDetector
from crisis_engine.detector import DetectorConfig
from crisis_engine.lexicon import Lexicon
from hp_agent.config import get_settings
from hp_agent.observability import metrics

_lock = threading.Lock()
_detector: CrisisDetector | None = None
# The detector as loaded (packaged lexicon); ``_detector`` is it with the database overlay, if any.
_base: CrisisDetector | None = None
# Short chat messages take a few milliseconds: run them inline. Long journal entries are
# chunked through the classifier and would stall the event loop, so they go to a thread.
_INLINE_MAX_CHARS = 600


def get_detector() -> CrisisDetector:
    global _detector, _base
    if _detector is None:
        with _lock:
            if _detector is None:
                settings = get_settings()
                _base = _detector = CrisisDetector.load(
                    config=DetectorConfig(cascade=settings.crisis_cascade, preset=settings.crisis_preset),
                    encoder_threads=settings.crisis_encoder_threads,
                )
    return _detector


def use_overlay(overlay: Lexicon | None) -> CrisisDetector:
    """Layer ``overlay`` (the ``crisis_keywords`` rows) over the packaged lexicon, replacing the
    previous overlay; None goes back to the packaged lexicon alone. The classifier is shared, so
    this costs only building a keyword scorer. Assessments already running finish with the
    detector they started with; cached context-free ones belong to the old one (``assessor``)."""
    global _detector
    get_detector()
    with _lock:
        base = _base
        assert base is not None
        lexicon = base.keyword_scorer.lexicon
        _detector = base if overlay is None else base.with_lexicon(lexicon.merge(overlay))
        return _detector


async def assess(text: str, context: Context | None = None) -> Assessment:
    detector = get_detector()
    with metrics.Timer() as took:
        if len(text) <= _INLINE_MAX_CHARS:
            result = detector.assess(text, context)
        else:
            result = await anyio.to_thread.run_sync(detector.assess, text, context)
    metrics.observe_engine("single", took.seconds, [result.level])
    return result
