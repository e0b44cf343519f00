"""Read-only tools over the person's own record, for agents that are allowed them.

Each tool is declared per agent in ``prompts/agents/*.yaml`` (``tools_allowed``, an allow-list);
``call`` refuses any other. Tools run in a session acting as the person (RLS decides what is
visible, and every query also names the person), each call is audited, and results are small
JSON-safe facts: dates, counts, scores, titles the person can already see. No free-text note,
journal content or clinical detail leaves here, and nothing here can touch the crisis layer,
which runs on every message before an agent sees it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.assessments.models import AdministrationStatus, AssessmentTemplate, UserAssessment
from hp_agent.compliance import audit
from hp_agent.crisis.safety import current_safety_plan, plan_steps
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden
from hp_agent.medication import intake
from hp_agent.mood.models import MoodEntry
from hp_agent.scheduling.models import Appointment, AppointmentStatus
from hp_agent.therapy.models import HomeworkAssignment, HomeworkStatus

MOOD_SUMMARY = "mood_summary"
NEXT_APPOINTMENTS = "next_appointments"
HOMEWORK_DUE = "homework_due"
TODAYS_DOSES = "todays_doses"
SAFETY_PLAN = "safety_plan"
ASSESSMENT_TREND = "assessment_trend"

_OPEN = (AppointmentStatus.REQUESTED, AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)
_HOMEWORK_OPEN = (HomeworkStatus.assigned, HomeworkStatus.in_progress)
Tool = Callable[[AsyncSession, Principal, dt.datetime], Awaitable[dict[str, Any]]]


class ToolNotAllowed(Forbidden):
    code = "tool_not_allowed"


def _me(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise ToolNotAllowed("Record tools act for a signed-in person.")
    return principal.user_id


def _trend(values: list[float]) -> str | None:
    """'up' / 'down' / 'steady' comparing the later half with the earlier half (oldest first)."""
    if len(values) < 2:
        return None
    half = len(values) // 2
    early, late = values[:half], values[half:]
    delta = sum(late) / len(late) - sum(early) / len(early)
    return "up" if delta >= 1 else "down" if delta <= -1 else "steady"


async def mood_summary(session: AsyncSession, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    """The last 7 days of mood check-ins: average, lowest, highest and the trend."""
    me = _me(principal)
    since = (now - dt.timedelta(days=7)).date()
    rows = (
        await session.execute(
            select(MoodEntry.entry_date, MoodEntry.mood)
            .where(MoodEntry.user_id == me, MoodEntry.entry_date >= since)
            .order_by(MoodEntry.entry_date)
        )
    ).all()
    moods = [float(m) for _, m in rows]
    if not moods:
        return {"days": 7, "count": 0}
    return {
        "days": 7,
        "count": len(moods),
        "average": round(sum(moods) / len(moods), 1),
        "lowest": min(moods),
        "highest": max(moods),
        "latest": moods[-1],
        "trend": _trend(moods),
    }


async def next_appointments(session: AsyncSession, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    me = _me(principal)
    a = Appointment
    rows = (
        await session.execute(
            select(a.starts_at, a.timezone, a.modality, a.status)
            .where(a.patient_id == me, a.status.in_(_OPEN), a.starts_at > now)
            .order_by(a.starts_at)
            .limit(3)
        )
    ).all()
    return {
        "appointments": [
            {
                "starts_at": s.isoformat(),
                "timezone": tz,
                "modality": str(getattr(m, "value", m)),
                "status": st.value,
            }
            for s, tz, m, st in rows
        ]
    }


async def homework_due(session: AsyncSession, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    me = _me(principal)
    h = HomeworkAssignment
    rows = (
        await session.execute(
            select(h.title, h.due_at)
            .where(h.patient_id == me, h.status.in_(_HOMEWORK_OPEN))
            .order_by(h.due_at.asc().nulls_last(), h.assigned_at)
            .limit(5)
        )
    ).all()
    return {
        "homework": [
            {"title": t, "due_at": d.isoformat() if d else None, "overdue": bool(d and d < now)}
            for t, d in rows
        ]
    }


async def todays_doses(session: AsyncSession, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    doses = await intake.today(session, principal, now)
    report = await intake.adherence(session, principal, None, 7, now)
    taken = sum(m.taken + m.taken_late for m in report.medications)
    known = taken + sum(m.skipped + m.missed for m in report.medications)
    return {
        "doses": [
            {"name": d.display_name, "local_time": d.local_time.strftime("%H:%M"), "status": d.status}
            for d in doses
        ],
        "week_adherence": round(taken / known, 2) if known else None,
    }


async def safety_plan(session: AsyncSession, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    plan = await current_safety_plan(session, _me(principal))
    if plan is None:
        return {"has_plan": False}
    # Step titles only: the person's own words stay in the app's safety-plan screen.
    return {"has_plan": True, "steps": [s["title"] for s in plan_steps(plan)]}


async def assessment_trend(session: AsyncSession, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    me = _me(principal)
    ua, t = UserAssessment, AssessmentTemplate
    rows = (
        await session.execute(
            select(t.short_name, ua.total_score, ua.severity, ua.completed_at)
            .join(t, t.id == ua.template_id)
            .where(ua.user_id == me, ua.status == AdministrationStatus.COMPLETED, ua.total_score.is_not(None))
            .order_by(ua.completed_at.desc())
            .limit(30)
        )
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for name, score, severity, when in rows:
        entry = out.setdefault(
            name, {"latest": score, "severity": getattr(severity, "value", None), "scores": []}
        )
        if when is not None and entry["scores"] == []:
            entry["completed_at"] = when.isoformat()
        entry["scores"].append(score)
    for entry in out.values():
        scores = list(reversed(entry.pop("scores")))
        # Lower is better on these instruments: report the direction of the score itself.
        entry["trend"] = _trend([float(s) for s in scores])
        entry["count"] = len(scores)
    return {"instruments": out}


TOOLS: dict[str, Tool] = {
    MOOD_SUMMARY: mood_summary,
    NEXT_APPOINTMENTS: next_appointments,
    HOMEWORK_DUE: homework_due,
    TODAYS_DOSES: todays_doses,
    SAFETY_PLAN: safety_plan,
    ASSESSMENT_TREND: assessment_trend,
}
DESCRIPTIONS = {
    MOOD_SUMMARY: "The person's mood check-ins over the last 7 days: average, range and trend.",
    NEXT_APPOINTMENTS: "The person's next booked sessions (start time and time zone).",
    HOMEWORK_DUE: "Therapy homework the person has not finished, with due dates.",
    TODAYS_DOSES: "Today's scheduled medicine doses and whether each was taken, and 7-day adherence.",
    SAFETY_PLAN: "Whether the person has a safety plan and which steps it has.",
    ASSESSMENT_TREND: "Latest questionnaire scores (e.g. PHQ-9) and their trend.",
}


async def call(
    session: AsyncSession,
    principal: Principal,
    name: str,
    allowed: Iterable[str],
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Run one tool for ``principal`` if the agent's allow-list has it; audited either way."""
    me = _me(principal)
    if name not in TOOLS or name not in set(allowed):
        await audit.record(
            session,
            "agent.tool.refused",
            actor=principal,
            subject_type="user",
            subject_id=me,
            details={"tool": name},
        )
        raise ToolNotAllowed("This agent may not use that tool.")
    result = await TOOLS[name](session, principal, now or dt.datetime.now(dt.UTC))
    await audit.record(
        session,
        "agent.tool.called",
        actor=principal,
        subject_type="user",
        subject_id=me,
        details={"tool": name},
    )
    return result


async def call_many(
    session: AsyncSession,
    principal: Principal,
    names: Iterable[str],
    allowed: Iterable[str],
    now: dt.datetime | None = None,
) -> dict[str, dict[str, Any]]:
    """Run several allowed tools for ``principal`` (an agent's context), each audited as
    ``call`` audits it, the audit rows written together in one statement. Names outside the
    allow-list are refused (and audited) as ``call`` refuses them."""
    me = _me(principal)
    permitted = set(allowed)
    wanted = list(dict.fromkeys(names))
    refused = [n for n in wanted if n not in TOOLS or n not in permitted]
    if refused:
        await call(session, principal, refused[0], permitted, now)  # audits and raises
    at = now or dt.datetime.now(dt.UTC)
    facts = {name: await TOOLS[name](session, principal, at) for name in wanted}
    await audit.record_many(
        session,
        "agent.tool.called",
        actor=principal,
        subject_type="user",
        subject_id=me,
        details=[{"tool": name} for name in facts],
    )
    return facts
