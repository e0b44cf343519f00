"""Crisis assessments for the chat, batched across sockets and kept off the event loop.

One engine pass embeds each text with a small transformer: about 20 ms on this class of machine,
far too long to run inline while a thousand other sockets wait. Requests from all sockets of an
event loop queue here; one worker thread runs ``CrisisDetector.assess_batch`` over everything that
queued while the previous batch ran, so the embedding cost is shared and the loop stays free.

Assessments made without context (every agent reply, and a conversation's first message) are a
pure function of the detector and the text, so they are memoised per detector (``plain``): the
scripted agents reuse their phrasings, and the same reply text never costs a second engine pass.
Anything assessed with context always runs the engine.

Each user message's assessment is also remembered by message id (bounded, per process) and handed
back as the ``assessment`` of that message when it is context for later ones, so context costs no
re-assessment. A cache miss (another instance wrote the message, or it was evicted) only means
the engine assesses that context message again itself.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref

import anyio.to_thread

from crisis_engine import Assessment, Context, CrisisDetector
from hp_agent.crisis import engine
from hp_agent.lru import LRU
from hp_agent.observability import metrics

MAX_BATCH = 32
CACHE_SIZE = 50_000
PLAIN_CACHE_SIZE = 20_000

_Request = tuple[str, Context | None, "asyncio.Future[Assessment]"]


class BatchAssessor:
    def __init__(self) -> None:
        self._pending: list[_Request] = []
        self._worker: asyncio.Task[None] | None = None

    async def assess(self, text: str, context: Context | None = None) -> Assessment:
        future: asyncio.Future[Assessment] = asyncio.get_running_loop().create_future()
        self._pending.append((text, context, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="crisis-assessor")
        return await future

    async def _drain(self) -> None:
        detector = current_detector()
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            texts = [t for t, _, _ in batch]
            contexts = [c for _, c, _ in batch]
            try:
                with metrics.Timer() as took:
                    results = await anyio.to_thread.run_sync(detector.assess_batch, texts, contexts)
                metrics.observe_engine("chat_batch", took.seconds, [r.level for r in results])
            except Exception as exc:
                for _, _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (text, context, fut), result in zip(batch, results, strict=True):
                if _plain_context(context):
                    plain.put(text, result, owner=detector)
                if not fut.done():
                    fut.set_result(result)


_pinned: CrisisDetector | None = None


def pin_detector(detector: CrisisDetector | None) -> None:
    """Use ``detector`` instead of the process's shared one (None restores it); tests, benchmarks."""
    global _pinned
    _pinned = detector


_assessors: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BatchAssessor] = weakref.WeakKeyDictionary()


def current_detector() -> CrisisDetector:
    return _pinned or engine.get_detector()


def _plain_context(context: Context | None) -> bool:
    return context is None or not (context.recent_messages or context.recent_assessments)


async def assess(text: str, context: Context | None = None) -> Assessment:
    if _plain_context(context):
        known = plain.get(text, owner=current_detector())
        if known is not None:
            return known
    loop = asyncio.get_running_loop()
    assessor = _assessors.get(loop)
    if assessor is None:
        assessor = _assessors[loop] = BatchAssessor()
    return await assessor.assess(text, context)


# Assessments by message id (no owner: a message's assessment does not depend on the detector
# that is current later) and context-free ones by text, valid for the detector that made them.
remembered: LRU[uuid.UUID, Assessment] = LRU(CACHE_SIZE)
plain: LRU[str, Assessment] = LRU(PLAIN_CACHE_SIZE)
