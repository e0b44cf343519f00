"""Unfinished guided sessions are deleted a while after they expire.

An expired session is refused (410) and hidden from lists, but its answers are still the person's
sensitive free text: keeping them forever would hold what nobody can use. A grace period after
expiry keeps the clear 410 for a client that comes back late; completed sessions stay, because the
thought record or entry they produced points back at them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from hp_agent.db.session import Database
from hp_agent.journal.models import GuidedSession, GuidedSessionStatus
from hp_agent.users.repository import SYSTEM

GRACE = dt.timedelta(days=7)
_UNFINISHED = (GuidedSessionStatus.ACTIVE, GuidedSessionStatus.PAUSED, GuidedSessionStatus.ABANDONED)


async def purge_expired(db: Database, *, now: dt.datetime | None = None) -> int:
    """Delete unfinished sessions expired more than ``GRACE`` ago; how many were deleted."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - GRACE
    async with db.unit_of_work(SYSTEM) as session:
        result = await session.execute(
            delete(GuidedSession).where(
                GuidedSession.status.in_(_UNFINISHED), GuidedSession.expires_at <= cutoff
            )
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
