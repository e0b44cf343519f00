"""Stanley-Brown safety plans: versioned (each edit a new row, exactly one current).

The person edits their own plan; a therapist reads it only while the patient's
``consent_to_share_safety_plan`` is on for an active relationship. That rule is enforced by RLS
(the consent policy) and checked here first, so a refusal is a clear 403 rather than a 404.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.crisis import repository
from hp_agent.crisis.models import SafetyPlan
from hp_agent.crisis.safety import SAFETY_PLAN_STEPS, current_safety_plan
from hp_agent.crisis.schemas import SafetyPlanIn, SafetyPlanOut, SafetyPlanVersionOut
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden, NotFound

SECTIONS = tuple(key for key, _ in SAFETY_PLAN_STEPS)


def to_out(plan: SafetyPlan) -> SafetyPlanOut:
    sections: dict[str, Any] = {}
    for key in SECTIONS:
        raw = getattr(plan, key)
        sections[key] = json.loads(raw) if raw else []
    return SafetyPlanOut(
        id=plan.id,
        user_id=plan.user_id,
        version=plan.version,
        is_current=plan.is_current,
        created_at=plan.created_at,
        **sections,
    )


async def get_own(session: AsyncSession, user: Principal) -> SafetyPlanOut | None:
    assert user.user_id is not None
    plan = await current_safety_plan(session, user.user_id)
    return to_out(plan) if plan else None


async def save(session: AsyncSession, user: Principal, body: SafetyPlanIn) -> SafetyPlanOut:
    """Write a new version and make it the only current one (in the caller's transaction)."""
    assert user.user_id is not None
    current = (
        await session.execute(
            select(SafetyPlan)
            .where(SafetyPlan.user_id == user.user_id, SafetyPlan.is_current.is_(True))
            .with_for_update()
        )
    ).scalar_one_or_none()
    last = (
        await session.execute(select(func.max(SafetyPlan.version)).where(SafetyPlan.user_id == user.user_id))
    ).scalar_one_or_none() or 0
    if current is not None:
        current.is_current = False
        await session.flush()  # the partial unique index admits one current row at a time
    data = body.model_dump(mode="json")
    plan = SafetyPlan(
        id=uuid.uuid4(),
        user_id=user.user_id,
        version=last + 1,
        is_current=True,
        **{key: json.dumps(data[key]) for key in SECTIONS},
    )
    session.add(plan)
    await session.flush()
    await session.refresh(plan, ["created_at"])
    await audit.record(
        session,
        "safety_plan.saved",
        actor=user,
        subject_type="safety_plan",
        subject_id=plan.id,
        details={"version": plan.version},
    )
    return to_out(plan)


async def versions(session: AsyncSession, user: Principal) -> list[SafetyPlanVersionOut]:
    rows = (
        await session.execute(
            select(SafetyPlan.id, SafetyPlan.version, SafetyPlan.is_current, SafetyPlan.created_at)
            .where(SafetyPlan.user_id == user.user_id)
            .order_by(SafetyPlan.version.desc())
        )
    ).all()
    return [SafetyPlanVersionOut(id=r[0], version=r[1], is_current=r[2], created_at=r[3]) for r in rows]


async def for_therapist(session: AsyncSession, therapist: Principal, patient_id: uuid.UUID) -> SafetyPlanOut:
    assert therapist.user_id is not None
    rel = await repository.relationship(session, therapist.user_id, patient_id)
    if rel is None:
        raise NotFound("No such patient.")
    if not rel.consent_to_share_safety_plan:
        raise Forbidden("The patient has not shared their safety plan with you.", code="no_consent")
    plan = await current_safety_plan(session, patient_id)
    if plan is None:
        raise NotFound("This patient has no safety plan yet.")
    await audit.record(
        session,
        "safety_plan.viewed",
        actor=therapist,
        subject_type="safety_plan",
        subject_id=plan.id,
        details={"patient_id": patient_id, "version": plan.version},
    )
    return to_out(plan)
