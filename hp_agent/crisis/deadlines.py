"""The deadline watcher: nobody acknowledged in time, so the escalation moves on.

Level 1 (the patient's therapist) → level 2 (that therapist's backup clinician, else a lead of
their practice) → level 3 (whoever is on call now: a scheduled shift, else a clinician flagged on
call); at level 3 the on-call
clinician is paged again each window until someone acknowledges. Each step is one transaction:
the escalation row, an audit row, an outbox event (which notifies the new assignee and shows the
person the crisis lines again) and an in-app notification for the person, so a crash never
leaves half a step. Runs as the system actor (worker only).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hp_agent.admin.models import Notification, NotificationCategory, NotificationPriority
from hp_agent.care.models import (
    ClinicianOnCallShift,
    ClinicianProfile,
    ClinicianProfileStatus,
    OnCallShiftStatus,
    OnCallTier,
)
from hp_agent.care.network_models import CarePracticeMember, PracticeMemberRole
from hp_agent.compliance import audit
from hp_agent.crisis import escalations as esc
from hp_agent.crisis.escalations import EscalationPolicy
from hp_agent.crisis.models import CrisisEscalation
from hp_agent.db.session import Database
from hp_agent.observability import metrics
from hp_agent.users.models import User
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.deadlines")

_TIER_ORDER = {OnCallTier.primary: 0, OnCallTier.backup: 1, OnCallTier.supervisor: 2}


async def backup_of(session: AsyncSession, clinician_id: uuid.UUID | None) -> uuid.UUID | None:
    """Who covers the clinician at level 2: their backup (set by their practice's lead or an
    admin), else a lead of a practice they belong to; only an active clinician, never themselves.
    Nobody → straight to on call."""
    if clinician_id is None:
        return None
    mine, theirs = ClinicianProfile, aliased(ClinicianProfile)
    explicit = (
        await session.execute(
            select(mine.backup_clinician_id)
            .join(theirs, theirs.user_id == mine.backup_clinician_id)
            .where(mine.user_id == clinician_id, theirs.status == ClinicianProfileStatus.active)
        )
    ).scalar_one_or_none()
    if explicit is not None:
        return explicit
    me, lead = aliased(CarePracticeMember), aliased(CarePracticeMember)
    return (
        await session.execute(
            select(lead.clinician_id)
            .join(me, me.practice_id == lead.practice_id)
            .join(ClinicianProfile, ClinicianProfile.user_id == lead.clinician_id)
            .where(
                me.clinician_id == clinician_id,
                me.left_at.is_(None),
                lead.left_at.is_(None),
                lead.role == PracticeMemberRole.lead,
                lead.clinician_id != clinician_id,
                ClinicianProfile.status == ClinicianProfileStatus.active,
            )
            .order_by(lead.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()


async def on_call_now(
    session: AsyncSession, country: str | None, exclude: uuid.UUID | None, now: dt.datetime
) -> uuid.UUID | None:
    """Who covers this moment: a scheduled shift (by tier), else a clinician flagged on call."""
    shifts = (
        (
            await session.execute(
                select(ClinicianOnCallShift).where(
                    ClinicianOnCallShift.status == OnCallShiftStatus.scheduled,
                    ClinicianOnCallShift.starts_at <= now,
                    ClinicianOnCallShift.ends_at > now,
                    or_(
                        ClinicianOnCallShift.country_code.is_(None),
                        ClinicianOnCallShift.country_code == country,
                    ),
                )
            )
        )
        .scalars()
        .all()
    )
    # Primary tier first; within a tier a shift covering the person's own country before one
    # covering anywhere (local licensure and crisis services), then the latest handover.
    ranked = sorted(
        shifts,
        key=lambda s: (
            _TIER_ORDER.get(s.tier, 9),
            0 if country is not None and s.country_code == country else 1,
            -s.starts_at.timestamp(),
        ),
    )
    candidates = [s.clinician_id for s in ranked]
    flagged = (
        (
            await session.execute(
                select(ClinicianProfile.user_id)
                .where(
                    ClinicianProfile.is_on_call.is_(True),
                    ClinicianProfile.status == ClinicianProfileStatus.active,
                )
                .order_by(ClinicianProfile.updated_at.desc())
            )
        )
        .scalars()
        .all()
    )
    candidates += list(flagged)
    for c in candidates:
        if c != exclude:
            return c
    # The only person on call is the one who did not answer: page them again rather than nobody.
    return candidates[0] if candidates else None


async def _next_assignee(
    session: AsyncSession, e: CrisisEscalation, now: dt.datetime
) -> tuple[int, uuid.UUID | None]:
    country = (
        await session.execute(select(User.country_code).where(User.id == e.user_id))
    ).scalar_one_or_none()
    if e.level == 1 and e.assigned_to is not None:
        backup = await backup_of(session, e.assigned_to)
        if backup is not None and backup != e.assigned_to:
            return 2, backup
    return 3, await on_call_now(session, country, e.assigned_to, now)


async def advance(
    session: AsyncSession, e: CrisisEscalation, policy: EscalationPolicy, now: dt.datetime
) -> None:
    """Move one overdue (or unassigned) escalation to its next level, in the caller's transaction."""
    missed = e.assigned_to is not None  # an unassigned escalation did not miss anything yet
    from_level, from_assignee = e.level, e.assigned_to
    level, assignee = await _next_assignee(session, e, now)
    e.level = level
    if assignee is not None:
        e.assigned_to = assignee
    if level == 2 and e.escalated_to_backup_at is None:
        e.escalated_to_backup_at = now
    if level == 3 and e.escalated_to_oncall_at is None:
        e.escalated_to_oncall_at = now
    e.ack_deadline = now + policy.level_window(level, e.risk_level)
    if missed:
        metrics.DEADLINE_BREACHES.labels(str(from_level)).inc()
    await esc.emit(
        session,
        e,
        esc.REASSIGNED,
        previous_assignee=str(from_assignee) if from_assignee else None,
        previous_level=from_level,
        reason="ack_deadline_passed" if missed else "unassigned",
        notify_user=missed,
    )
    if missed:
        # Stored too, so the person sees it later even if no chat socket was open.
        session.add(
            Notification(
                user_id=e.user_id,
                category=NotificationCategory.crisis_follow_up,
                priority=NotificationPriority.urgent,
                title="You are not alone",
                body="If you need to talk to someone now, crisis lines are open. Tap to see them.",
                action_url="/crisis-resources",
                dedupe_key=f"escalation:{e.id}:{from_level}:{int(now.timestamp())}",
            )
        )
    await audit.record(
        session,
        "crisis.escalation.escalated",
        actor=SYSTEM,
        subject_type="crisis_escalation",
        subject_id=e.id,
        outcome="success" if assignee is not None else "failure",
        details={
            "from_level": from_level,
            "to_level": level,
            "from_assignee": from_assignee,
            "to_assignee": assignee,
            "reason": "ack_deadline_passed" if missed else "unassigned",
        },
    )
    if assignee is None:
        log.error("escalation %s: no clinician available at level %d", e.id, level)


async def advance_overdue(db: Database, policy: EscalationPolicy, *, limit: int = 50) -> int:
    """One pass of the watcher; returns how many escalations moved."""
    async with db.unit_of_work(SYSTEM) as session:
        now = dt.datetime.now(dt.UTC)
        rows = (
            (
                await session.execute(
                    select(CrisisEscalation)
                    .where(
                        CrisisEscalation.status.in_(esc.UNACKNOWLEDGED),
                        or_(CrisisEscalation.ack_deadline <= now, CrisisEscalation.assigned_to.is_(None)),
                    )
                    .order_by(CrisisEscalation.ack_deadline)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            .scalars()
            .all()
        )
        moved = 0
        for e in rows:
            if e.assigned_to is None and e.level == 3 and e.ack_deadline and e.ack_deadline > now:
                continue  # nobody on call; wait out the window before trying again
            await advance(session, e, policy, now)
            moved += 1
        return moved
