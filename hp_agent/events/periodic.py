"""One loop for the worker's time-based jobs (reminders, rollups, exports): run, wait, repeat;
and the one stoppable wait every worker loop (relay, stream consumers) uses between rounds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


async def every(
    seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event, log: logging.Logger, name: str
) -> None:
    """Run ``job`` until ``stop`` is set, ``seconds`` apart. A failure is logged by its type only
    (messages can carry row values) and the next round runs as usual: the jobs are rows in
    PostgreSQL, so whatever failed is still due next time."""
    while not stop.is_set():
        try:
            await job()
        except Exception as exc:
            log.error("%s: %s", name, type(exc).__name__)
        await pause(stop, seconds)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if ``stop`` is set meanwhile (shutdown does not wait a round)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
