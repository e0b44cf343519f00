"""Retention: what the service deletes once it is no longer needed, with a dry-run report.

Each rule names a ``data_retention_policies.data_category``; an active policy row sets its
``retention_days``, otherwise the default here applies. Only bookkeeping is covered (expired
sign-in sessions, relayed outbox rows, sent email, finished exports); guided sessions have their own
purge (hp_agent/journal/guided_retention.py) and personal records go only by erasure.

``audit_archive`` is not a deletion: audit entries older than its period move from ``audit_logs``
to ``audit_logs_archive`` (same ids and columns, still searchable by administrators with
``archived=true``), through ``app_archive_audit`` (migration 0022), the one path by which rows
leave the append-only table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import DataExport, DataRetentionPolicy
from hp_agent.events.models import OutboxEvent
from hp_agent.users.models import UserSession


@dataclass(frozen=True)
class Rule:
    category: str
    default_days: int


RULES = (
    Rule("expired_sessions", 30),
    Rule("relayed_outbox_events", 7),
    Rule("finished_exports", 30),
)
# Moved, not deleted (see above); at least 30 days stay online (the function refuses less).
AUDIT_ARCHIVE = Rule("audit_archive", 365)


async def archive_audit(session: AsyncSession, *, dry_run: bool, keep_days: int) -> int:
    """How many audit entries are (or would be) moved to the archive now."""
    moved = await session.execute(
        text("SELECT app_archive_audit(:apply, :days)"), {"apply": not dry_run, "days": keep_days}
    )
    return int(moved.scalar_one())


def _where(category: str, cutoff: dt.datetime) -> tuple[type, ColumnElement[bool]]:
    if category == "expired_sessions":
        return UserSession, UserSession.expires_at < cutoff
    if category == "relayed_outbox_events":
        return OutboxEvent, OutboxEvent.published_at.is_not(None) & (OutboxEvent.published_at < cutoff)
    return DataExport, DataExport.status.in_(("downloaded", "expired", "failed")) & (
        DataExport.updated_at < cutoff
    )


async def run(
    session: AsyncSession, *, dry_run: bool, now: dt.datetime | None = None
) -> dict[str, dict[str, int]]:
    """Per category: the retention in days and how many rows are (or would be) deleted.

    The caller's session acts as the system actor (the worker) or as an administrator (the API,
    through ``app_admin_retention``, hp_agent/db/security.py)."""
    now = now or dt.datetime.now(dt.UTC)
    days = {
        p.data_category: p.retention_days
        for p in (
            await session.execute(select(DataRetentionPolicy).where(DataRetentionPolicy.is_active))
        ).scalars()
    }
    report: dict[str, dict[str, int]] = {}
    principal = session.info.get("principal")
    if principal is not None and principal.role == "admin":
        # From the API: the rows belong to many people and the API's role is never the system
        # actor, so a narrow database function applies these rules for an administrator.
        kept = {r.category: days.get(r.category, r.default_days) for r in RULES}
        rows = await session.execute(
            text("SELECT * FROM app_admin_retention(:apply, :s, :o, :e)"),
            {
                "apply": not dry_run,
                "s": kept["expired_sessions"],
                "o": kept["relayed_outbox_events"],
                "e": kept["finished_exports"],
            },
        )
        counts = {category: int(n) for category, n in rows}
        report = {c: {"retention_days": kept[c], "rows": counts[c]} for c in kept}
        return report | await _archive(session, days, dry_run)
    for rule in RULES:
        keep = days.get(rule.category, rule.default_days)
        model, where = _where(rule.category, now - dt.timedelta(days=keep))
        if dry_run:
            n = (await session.execute(select(func.count()).select_from(model).where(where))).scalar_one()
        else:
            n = (
                await session.execute(delete(model).where(where).execution_options(synchronize_session=False))
            ).rowcount  # type: ignore[attr-defined]
        report[rule.category] = {"retention_days": keep, "rows": int(n or 0)}
    return report | await _archive(session, days, dry_run)


async def _archive(session: AsyncSession, days: dict[str, int], dry_run: bool) -> dict[str, dict[str, int]]:
    keep = days.get(AUDIT_ARCHIVE.category, AUDIT_ARCHIVE.default_days)
    return {
        AUDIT_ARCHIVE.category: {
            "retention_days": keep,
            "rows": await archive_audit(session, dry_run=dry_run, keep_days=keep),
        }
    }
