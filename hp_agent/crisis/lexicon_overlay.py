"""The ``crisis_keywords`` rows, layered over the packaged lexicon while the service runs.

Admins add, change and disable entries (``hp_agent/admin/lexicon.py``); each process notices at
its next screening once ``crisis_lexicon_refresh_seconds`` have passed since it last looked: it
asks the database for a digest of the table (``app_crisis_lexicon_digest()``, migration 0018)
and, when the digest differs from the one it has applied, reads the rows
(``app_crisis_lexicon_entries()``) and rebuilds the keyword scorer (``engine.use_overlay``). Both
functions are SECURITY DEFINER: the table itself is readable by admins only, but every screening
runs as whoever wrote the text.

The check runs inside the caller's transaction under a savepoint, so a failure (the functions
missing, a malformed row) leaves the caller's work intact and the current lexicon in use; it is
retried after the interval. A digest rather than a counter: it changes with every committed
insert, update or delete, and the rows read after it are at least as new as it, so a change is
never missed (at worst applied twice).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio.to_thread
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine.lexicon import Lexicon, LexiconError
from hp_agent.config import get_settings
from hp_agent.crisis import engine

logger = logging.getLogger(__name__)

OVERLAY_NAME = "db"

_applied: str | None = None  # digest of the rows now layered in (None: none applied yet)
_checked_at: float | None = None  # time.monotonic() of the last look


def engine_accepts(record: dict[str, Any]) -> bool:
    """Whether the engine's own parser takes ``record`` as the overlay will read it (a regex
    that compiles, a phrase with at least one word); admins' entries are checked with it before
    they are stored, so the overlay never meets a row it refuses."""
    term = record.get("term")
    if isinstance(term, str) and not any(ch.isalnum() for ch in term):
        return False
    try:
        Lexicon.from_records([record], name="check", version="0")
    except LexiconError:
        return False
    return True


def reset() -> None:
    """Forget what was applied and go back to the packaged lexicon (tests)."""
    global _applied, _checked_at
    _applied = _checked_at = None
    if engine._detector is not None:
        engine.use_overlay(None)


def _due(now: float) -> bool:
    interval = get_settings().crisis_lexicon_refresh_seconds
    return _checked_at is None or now - _checked_at >= interval


def overlay_from(rows: list[dict[str, Any]], digest: str) -> Lexicon | None:
    if not rows:
        return None
    return Lexicon.from_records(rows, name=OVERLAY_NAME, version=digest[:12])


async def refresh(session: AsyncSession, *, force: bool = False) -> bool:
    """Apply the table's current entries if they changed; True when the lexicon was rebuilt."""
    global _applied, _checked_at
    now = time.monotonic()
    if not force and not _due(now):
        return False
    _checked_at = now  # set before the first await: concurrent screenings do not all look
    try:
        async with session.begin_nested():
            digest = (await session.execute(text("SELECT app_crisis_lexicon_digest()"))).scalar_one()
            if digest == _applied:
                return False
            rows = [
                dict(r)
                for r in (
                    await session.execute(text("SELECT e FROM app_crisis_lexicon_entries() AS e"))
                ).scalars()
            ]
        overlay = overlay_from(rows, digest)
    except LexiconError as exc:
        # The message names the entry by position, never its text.
        logger.warning("crisis lexicon overlay not applied: %s", type(exc).__name__)
        return False
    except Exception:
        logger.warning("crisis lexicon overlay check failed; keeping the current lexicon", exc_info=True)
        return False
    if overlay is None and _applied is None:
        _applied = digest  # nothing in the table and nothing layered: no need to rebuild
        return False
    try:
        await anyio.to_thread.run_sync(engine.use_overlay, overlay)
    except Exception:  # the screening goes on with the lexicon in use; retried after the interval
        logger.warning("crisis lexicon overlay not applied; keeping the current lexicon", exc_info=True)
        return False
    _applied = digest
    logger.info("crisis lexicon overlay applied (%d entries, %s)", len(rows), digest[:12])
    return True
