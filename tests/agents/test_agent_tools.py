"""``load_user_context``: only the tools an agent may use, only the person's own rows (RLS)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.tools import load_user_context
from hp_agent.db.session import Database, Principal
from hp_agent.journal.models import CBTTechnique, JournalEntry
from hp_agent.mood.models import GoalPeriod, GoalStatus, GoalType, MoodEntry, MoodGoal
from hp_agent.users.models import UserProfile
from tests.api.auth_helpers import signed_in

ALL_TOOLS = ("mood_history", "journal_themes", "goals", "safety_plan", "crisis_resources")


async def _person_with_data(client: httpx.AsyncClient, owner_db: AsyncSession) -> uuid.UUID:
    _, tokens = await signed_in(client)
    user_id = uuid.UUID(tokens["user_id"])
    result = await owner_db.execute(
        update(UserProfile).where(UserProfile.user_id == user_id).values(display_name="Robin")
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        owner_db.add(UserProfile(user_id=user_id, display_name="Robin"))
    today = dt.date(2026, 11, 25)
    for days_ago, mood in enumerate([3, 4, 6, 5, 7, 6, 6, 8, 2]):
        owner_db.add(
            MoodEntry(
                user_id=user_id,
                entry_date=today - dt.timedelta(days=days_ago),
                mood=mood,
                emotions=["Tired", "anxious"],
                note="a private note the agent must never see",
            )
        )
    for days_ago, tags, technique in [
        (0, ["work", "sleep"], CBTTechnique.THOUGHT_RECORD),
        (1, ["work"], None),
        (2, ["family", "work"], CBTTechnique.GRATITUDE),
        (3, ["sleep"], None),
    ]:
        owner_db.add(
            JournalEntry(
                user_id=user_id,
                entry_date=today - dt.timedelta(days=days_ago),
                content="Dear diary, something private",
                tags=tags,
                cbt_technique=technique,
            )
        )
    owner_db.add(
        MoodGoal(
            user_id=user_id,
            goal_type=GoalType.CUSTOM,
            title="Walk three times a week",
            target_value=Decimal(3),
            period=GoalPeriod.WEEKLY,
            start_date=today,
        )
    )
    owner_db.add(
        MoodGoal(
            user_id=user_id,
            goal_type=GoalType.CUSTOM,
            title="An old paused goal",
            target_value=Decimal(1),
            period=GoalPeriod.WEEKLY,
            start_date=today,
            status=GoalStatus.PAUSED,
        )
    )
    await owner_db.commit()
    return user_id


async def test_loads_moods_themes_and_goals_for_the_person(
    client: httpx.AsyncClient, owner_db: AsyncSession, app_db: Database
) -> None:
    user_id = await _person_with_data(client, owner_db)
    async with app_db.unit_of_work(Principal(user_id, "patient")) as session:
        context = await load_user_context(session, user_id, ALL_TOOLS)
    assert context.display_name == "Robin"
    assert [m.mood for m in context.recent_moods] == [3, 4, 6, 5, 7, 6, 6]  # newest first, a week
    assert context.recent_moods[0].date == dt.date(2026, 11, 25)
    assert context.recent_moods[0].emotions == ("tired", "anxious")
    assert context.journal_themes[0] == "work"  # most frequent first
    assert context.journal_themes == ["work", "sleep", "family"]  # the person's tags, by frequency
    assert context.goals == ["Walk three times a week"]  # active goals only
    text = context.as_text()
    assert "private" not in text.lower()  # no notes, no journal content


async def test_only_the_tools_the_agent_may_use(
    client: httpx.AsyncClient, owner_db: AsyncSession, app_db: Database
) -> None:
    user_id = await _person_with_data(client, owner_db)
    async with app_db.unit_of_work(Principal(user_id, "patient")) as session:
        context = await load_user_context(session, user_id, ["mood_history"])
    assert context.recent_moods
    assert context.journal_themes == []
    assert context.goals == []
    async with app_db.unit_of_work(Principal(user_id, "patient")) as session:
        nothing = await load_user_context(session, user_id, [])
    assert nothing.recent_moods == []
    assert nothing.journal_themes == []
    assert nothing.goals == []


async def test_row_level_security_hides_other_peoples_data(
    client: httpx.AsyncClient, owner_db: AsyncSession, app_db: Database
) -> None:
    user_id = await _person_with_data(client, owner_db)
    _, other = await signed_in(client)
    stranger = Principal(uuid.UUID(other["user_id"]), "patient")
    async with app_db.unit_of_work(stranger) as session:
        context = await load_user_context(session, user_id, ALL_TOOLS)
    assert context.recent_moods == []
    assert context.journal_themes == []
    assert context.goals == []
