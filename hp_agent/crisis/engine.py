"""The one crisis detector of this process, loaded once and shared."""

from __future__ import annotations

import threading

import anyio.to_thread

from crisis_engine import Assessment, Context, CrisisDetector
from crisis_engine.detector import DetectorConfig
from hp_agent.config import get_settings
from hp_agent.observability import metrics

_lock = threading.Lock()
_detector: CrisisDetector | None = None
# Short chat messages take a few milliseconds: run them inline. Long journal entries are
# chunked through the classifier and would stall the event loop, so they go to a thread.
_INLINE_MAX_CHARS = 600


def get_detector() -> CrisisDetector:
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                settings = get_settings()
                _detector = CrisisDetector.load(
                    config=DetectorConfig(cascade=settings.crisis_cascade),
                    encoder_threads=settings.crisis_encoder_threads,
                )
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
