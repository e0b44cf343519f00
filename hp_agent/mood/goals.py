"""Mood goals and their progress, computed from the person's check-ins over the goal's window.

Goal titles and descriptions are the person's own words, so they are screened like notes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.gateway import safety_for, screen
from hp_agent.db.session import Principal
from hp_agent.errors import NotFound
from hp_agent.journal.access import own_id
from hp_agent.journal.common import InvalidInput, local_today
from hp_agent.mood import insights
from hp_agent.mood import repository as repo
from hp_agent.mood.models import GoalPeriod, GoalStatus, GoalType, MoodEntry, MoodGoal
from hp_agent.mood.schemas import GoalIn, GoalOut, GoalPatch, GoalResult
from hp_agent.mood.service import read_subject

_GOAL_NOT_FOUND = "Goal not found."


def _window(period: GoalPeriod, today: dt.date) -> tuple[dt.date, dt.date]:
    days = {GoalPeriod.DAILY: 1, GoalPeriod.WEEKLY: 7, GoalPeriod.MONTHLY: 30}[period]
    return today - dt.timedelta(days=days - 1), today


def _measure(goal: MoodGoal, rows: list[MoodEntry], dates: list[dt.date], today: dt.date) -> Decimal | None:
    if goal.goal_type == GoalType.AVERAGE_MOOD:
        return Decimal(sum(r.mood for r in rows)) / len(rows) if rows else None
    if goal.goal_type == GoalType.SLEEP_HOURS:
        hours = [r.sleep_hours for r in rows if r.sleep_hours is not None]
        return sum(hours, Decimal(0)) / len(hours) if hours else None
    if goal.goal_type == GoalType.ACTIVITY_FREQUENCY:
        return Decimal(sum(1 for r in rows if goal.activity in (r.activities or [])))
    if goal.goal_type == GoalType.LOGGING_STREAK:
        return Decimal(insights.streaks(dates, today).metrics["current"])
    return goal.current_value


async def _goal_out(session: AsyncSession, goal: MoodGoal, today: dt.date) -> GoalOut:
    start, end = _window(goal.period, today)
    rows, _ = await repo.entries(session, goal.user_id, start, end)
    dates = (
        await repo.entry_dates(session, goal.user_id, today)
        if goal.goal_type == GoalType.LOGGING_STREAK
        else []
    )
    current = _measure(goal, rows, dates, today)
    target = goal.target_value
    progress = 1.0 if target == 0 else float(min(Decimal(1), (current or Decimal(0)) / target))
    return GoalOut(
        id=goal.id,
        user_id=goal.user_id,
        goal_type=goal.goal_type,
        title=goal.title,
        description=goal.description,
        activity=goal.activity,
        target_value=float(target),
        baseline_value=float(goal.baseline_value) if goal.baseline_value is not None else None,
        current_value=round(float(current), 2) if current is not None else None,
        progress=round(progress, 4),
        period=goal.period,
        window_start=start,
        window_end=end,
        start_date=goal.start_date,
        target_date=goal.target_date,
        status=goal.status,
        achieved_at=goal.achieved_at,
    )


async def _screen_goal(session: AsyncSession, goal: MoodGoal, out: GoalOut) -> GoalResult:
    # Goals are written in the person's own words ("stop wanting to disappear"), so they are
    # screened like notes; there is no goal column for the detection, the source id links it.
    text = "\n".join(t for t in (goal.title, goal.description) if t)
    screening = await screen(
        session, user_id=goal.user_id, source=DetectionSource.OTHER, source_id=goal.id, text=text
    )
    result = GoalResult(**out.model_dump())
    return result.model_copy(update={"safety": await safety_for(session, goal.user_id, screening)})


async def create_goal(session: AsyncSession, principal: Principal, body: GoalIn) -> GoalResult:
    me = own_id(principal)
    today = await local_today(session, me)
    goal = MoodGoal(
        id=uuid.uuid4(),
        user_id=me,
        goal_type=body.goal_type,
        title=body.title,
        description=body.description,
        activity=body.activity,
        target_value=body.target_value,
        period=body.period,
        start_date=body.start_date or today,
        target_date=body.target_date,
        set_by=me,
    )
    if goal.target_date is not None and goal.target_date < goal.start_date:
        raise InvalidInput(
            "target_date must not be before start_date.",
            details={"fields": [{"field": "target_date", "message": "before start_date"}]},
        )
    session.add(goal)
    await session.flush()
    # The starting point, so progress can be shown against where the person began.
    out = await _goal_out(session, goal, today)
    if out.current_value is not None and goal.goal_type != GoalType.CUSTOM:
        goal.baseline_value = Decimal(str(out.current_value))
        await session.flush()
        out = out.model_copy(update={"baseline_value": out.current_value})
    return await _screen_goal(session, goal, out)


async def list_goals(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID | None, status: GoalStatus | None
) -> list[GoalOut]:
    subject = await read_subject(session, principal, user_id)
    today = await local_today(session, subject)
    return [await _goal_out(session, g, today) for g in await repo.goals(session, subject, status)]


async def update_goal(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID, body: GoalPatch
) -> GoalResult:
    me = own_id(principal)
    goal = await repo.get_goal(session, goal_id)
    if goal is None or goal.user_id != me:
        raise NotFound(_GOAL_NOT_FOUND)
    changes = body.model_dump(exclude_unset=True)
    if "current_value" in changes and goal.goal_type != GoalType.CUSTOM:
        raise InvalidInput(
            "Progress of this goal is computed from your check-ins.",
            details={"fields": [{"field": "current_value", "message": "only for custom goals"}]},
        )
    for name in ("title", "target_value", "status"):
        if name in changes and changes[name] is None:
            raise InvalidInput(
                f"{name} cannot be removed.",
                details={"fields": [{"field": name, "message": "cannot be null"}]},
            )
    for name, value in changes.items():
        setattr(goal, name, value)
    if goal.goal_type == GoalType.AVERAGE_MOOD and not 1 <= goal.target_value <= 10:
        raise InvalidInput(
            "An average mood target is on the 1-10 scale.",
            details={"fields": [{"field": "target_value", "message": "must be 1-10"}]},
        )
    if goal.target_date is not None and goal.target_date < goal.start_date:
        raise InvalidInput(
            "target_date must not be before start_date.",
            details={"fields": [{"field": "target_date", "message": "before start_date"}]},
        )
    if "status" in changes:
        goal.achieved_at = dt.datetime.now(dt.UTC) if goal.status == GoalStatus.ACHIEVED else None
    await session.flush()
    out = await _goal_out(session, goal, await local_today(session, me))
    if "title" in changes or "description" in changes:
        return await _screen_goal(session, goal, out)
    return GoalResult(**out.model_dump())


async def delete_goal(session: AsyncSession, principal: Principal, goal_id: uuid.UUID) -> None:
    goal = await repo.get_goal(session, goal_id)
    if goal is None or goal.user_id != own_id(principal):
        raise NotFound(_GOAL_NOT_FOUND)
    await session.delete(goal)
    await session.flush()
