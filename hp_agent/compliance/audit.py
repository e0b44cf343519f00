"""The one way every domain writes an audit row.

The insert is a Core statement without RETURNING: the audit read policy only lets a principal read
its own rows (or admin/system), and an anonymous failure must still be recordable. It runs in the
caller's unit of work, so it commits or rolls back with the fact it records.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import AuditLog, AuditOutcome
from hp_agent.db.session import Principal
from hp_agent.users.models import IPAddress

log = logging.getLogger("hp_agent.audit")

# Keys that would put a secret into an append-only table nobody can clean up afterwards.
_SECRET_MARKERS = ("password", "passwd", "token", "secret", "otp", "code_verifier")
_MAX_STR = 200
_MAX_UA = 512


def clean_ip(ip: str | None) -> IPAddress | None:
    """A valid IP address or None: the columns are INET and test clients or proxies send odd things."""
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip)
    except ValueError:
        return None


def clean_user_agent(user_agent: str | None) -> str | None:
    return user_agent[:_MAX_UA] if user_agent else None


def _scrub(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if any(marker in key.lower() for marker in _SECRET_MARKERS):
            # A programming error; log the key name only, never the value.
            log.warning("dropped audit detail %r: looks like a secret", key)
            continue
        if isinstance(value, str):
            value = value[:_MAX_STR]
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[key] = value
    return out


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor: Principal | None,
    subject_type: str | None = None,
    subject_id: uuid.UUID | None = None,
    outcome: str | AuditOutcome = AuditOutcome.success,
    ip: str | None = None,
    user_agent: str | None = None,
    details: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Append one audit row (``action`` like ``auth.login.failed``) and return its id."""
    row_id = uuid.uuid4()
    await session.execute(
        insert(AuditLog).values(
            id=row_id,
            actor_id=actor.user_id if actor else None,
            actor_role=actor.role if actor else "anonymous",
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            ip=clean_ip(ip),
            user_agent=clean_user_agent(user_agent),
            outcome=AuditOutcome(outcome),
            details=_scrub(details or {}),
        )
    )
    return row_id


async def record_many(
    session: AsyncSession,
    action: str,
    *,
    actor: Principal | None,
    subject_type: str | None = None,
    subject_id: uuid.UUID | None = None,
    details: list[dict[str, Any]],
) -> list[uuid.UUID]:
    """Append one audit row per entry of ``details`` (same action, actor and subject), in one
    statement: what several calls did together (an agent's record tools for one reply) costs one
    round trip instead of one each."""
    ids = [uuid.uuid4() for _ in details]
    rows = [
        {
            "id": row_id,
            "actor_id": actor.user_id if actor else None,
            "actor_role": actor.role if actor else "anonymous",
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "ip": None,
            "user_agent": None,
            "outcome": AuditOutcome.success,
            "details": _scrub(d),
        }
        for row_id, d in zip(ids, details, strict=True)
    ]
    if rows:
        await session.execute(insert(AuditLog).values(rows))
    return ids
