"""Record tools: allow-listed per agent, run as the person (RLS), audited; the scripted agents
answer "when is my next session", "how has my mood been this week", "did I take my evening dose"
from them, and say "I don't have that" when the agent or the person has not got it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents import record
from hp_agent.agents.runtime import AgentRuntime, ChatTurn
from hp_agent.agents.tools import langchain_tools, load_user_context
from hp_agent.compliance.models import AuditLog
from hp_agent.config import Settings
from hp_agent.db.session import Database, Principal
from hp_agent.mood.models import MoodEntry
from hp_agent.scheduling.models import Appointment, AppointmentStatus, AppointmentType, Modality
from tests.agents.agent_fixtures import shipped_config
from tests.api.auth_helpers import owner_all
from tests.journal.people import Person, patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")
LONDON = ZoneInfo("Europe/London")


async def _session_in(
    owner_db: AsyncSession, patient_id: uuid.UUID, starts: dt.datetime, therapist_id: uuid.UUID
) -> None:
    type_id = (await owner_db.execute(select(AppointmentType.id).limit(1))).scalar_one()
    owner_db.add(
        Appointment(
            patient_id=patient_id,
            therapist_id=therapist_id,
            appointment_type_id=type_id,
            status=AppointmentStatus.SCHEDULED,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=50),
            timezone="Europe/London",
            modality=Modality.VIDEO,
        )
    )
    await owner_db.flush()


async def _person(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> tuple[Person, dt.datetime]:
    me = await patient(client)
    doc = await therapist(client, app_db)
    await relate(app_db, me.id, doc.id)
    today = dt.datetime.now(dt.UTC).date()
    for days_ago, mood in enumerate([7, 6, 6, 5, 4, 4]):  # newest first: improving
        owner_db.add(MoodEntry(user_id=me.id, entry_date=today - dt.timedelta(days=days_ago), mood=mood))
    starts = dt.datetime.combine(today + dt.timedelta(days=3), dt.time(14, 0), tzinfo=LONDON).astimezone(
        dt.UTC
    )
    await _session_in(owner_db, me.id, starts, doc.id)
    # Someone else's earlier session must never show up.
    other = await patient(client)
    await _session_in(owner_db, other.id, starts - dt.timedelta(days=1), doc.id)
    return me, starts


async def _evening_dose(client: httpx.AsyncClient, me: Person, *, taken: bool) -> None:
    r = await client.patch("/v1/me", json={"timezone": "UTC"}, headers=me.headers)
    assert r.status_code == 200
    r = await client.post(
        "/v1/medications",
        json={"name": "Quetiapine", "dose_amount": 50, "schedule": {"times": ["23:59"], "timezone": "UTC"}},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    if taken:
        due = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(23, 59), tzinfo=dt.UTC)
        r = await client.post(
            "/v1/medications/intakes",
            json={
                "user_medication_id": r.json()["medication"]["id"],
                "status": "taken",
                "scheduled_for": due.isoformat(),
                "taken_at": dt.datetime.now(dt.UTC).isoformat(),
            },
            headers=me.headers,
        )
        assert r.status_code == 201, r.text


async def _ask(
    settings: Settings, app_db: Database, me: Person, slug: str, question: str, **overrides: object
) -> str:
    config = shipped_config(slug, **overrides)
    async with app_db.unit_of_work(Principal(me.id, "patient")) as s:
        context = await load_user_context(s, me.id, config.tools_allowed)
    runtime = AgentRuntime.from_config(config, settings)
    return await runtime.reply([ChatTurn("user", question)], context)


async def test_scripted_agents_answer_record_questions_from_the_record(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, settings: Settings
) -> None:
    me, starts = await _person(client, app_db, owner_db)
    await _evening_dose(client, me, taken=True)
    for slug in ("cbt-coach", "listener"):
        reply = await _ask(settings, app_db, me, slug, "When is my next session?")
        local = starts.astimezone(LONDON)
        assert f"{local:%A} {local.day} {local:%B} at 14:00" in reply, reply
        assert "by video" in reply
        reply = await _ask(settings, app_db, me, slug, "How has my mood been this week?")
        assert "averaged 5.3/10" in reply, reply
        assert "from 4 to 7" in reply
        assert "going up" in reply
        reply = await _ask(settings, app_db, me, slug, "Did I take my evening dose?")
        assert "23:59 Quetiapine is logged as taken" in reply, reply


async def test_not_taken_and_no_data_and_no_tool_are_said_plainly(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, settings: Settings
) -> None:
    me = await patient(client)
    await _evening_dose(client, me, taken=False)
    reply = await _ask(settings, app_db, me, "cbt-coach", "did I take my evening dose?")
    assert "not logged yet" in reply, reply
    reply = await _ask(settings, app_db, me, "cbt-coach", "did I take my morning dose?")
    assert "I don't see a morning dose" in reply
    reply = await _ask(settings, app_db, me, "cbt-coach", "When is my next session?")
    assert "don't have a session booked" in reply
    reply = await _ask(settings, app_db, me, "cbt-coach", "How has my mood been this week?")
    assert "I don't have any mood check-ins" in reply
    # An agent whose allow-list lacks the tool does not read the record at all.
    limited = ["mood_history", "safety_plan", "crisis_resources"]
    reply = await _ask(settings, app_db, me, "listener", "When is my next session?", tools_allowed=limited)
    assert reply.startswith("I don't have that"), reply


async def test_tools_are_allow_listed_audited_and_only_the_persons_own_rows(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me, starts = await _person(client, app_db, owner_db)
    who = Principal(me.id, "patient")
    async with app_db.unit_of_work(who) as s:
        facts = await record.call(s, who, "next_appointments", ["next_appointments"])
        assert [a["starts_at"] for a in facts["appointments"]] == [starts.isoformat()]
        with pytest.raises(record.ToolNotAllowed):
            await record.call(s, who, "todays_doses", ["next_appointments"])
        with pytest.raises(record.ToolNotAllowed):
            await record.call(s, who, "drop_tables", ["drop_tables"])
    rows = await owner_all(
        owner_db, select(AuditLog).where(AuditLog.actor_id == me.id, AuditLog.action.like("agent.tool.%"))
    )
    assert sorted((r.action, r.details["tool"]) for r in rows) == [
        ("agent.tool.called", "next_appointments"),
        ("agent.tool.refused", "drop_tables"),
        ("agent.tool.refused", "todays_doses"),
    ]


async def test_langchain_tools_are_the_allowed_ones_and_read_as_the_person(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me, starts = await _person(client, app_db, owner_db)
    allowed = ["next_appointments", "mood_summary", "goals"]
    tools = langchain_tools(app_db, Principal(me.id, "patient"), allowed)
    assert sorted(t.name for t in tools) == ["mood_summary", "next_appointments"]
    by_name = {t.name: t for t in tools}
    facts = json.loads(await by_name["next_appointments"].ainvoke({}))
    assert [a["starts_at"] for a in facts["appointments"]] == [starts.isoformat()]
    mood = json.loads(await by_name["mood_summary"].ainvoke({}))
    assert (mood["count"], mood["trend"]) == (6, "up")
