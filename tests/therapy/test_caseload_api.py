"""The caseload: every actively treated patient with what needs attention, in a fixed number of
queries, and nobody else's patients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hp_agent.care.models import RelationshipStatus
from hp_agent.db.session import Database
from hp_agent.therapy.models import HomeworkAssignment
from tests.journal.people import patient, therapist
from tests.therapy.care import appointment, link

pytestmark = pytest.mark.usefixtures("seeded")
RISKY = "I have decided to kill myself tonight, I have the pills ready."


async def _phq9(client: httpx.AsyncClient, headers: dict[str, str], *answers: int) -> None:
    body = {"code": "phq9", "answers": {f"phq9_{i}": v for i, v in enumerate(answers, start=1)}}
    assert (await client.post("/v1/assessments", json=body, headers=headers)).status_code == 201


@contextmanager
def counted(conn: AsyncConnection) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(conn.sync_connection, "before_cursor_execute", before)  # type: ignore[arg-type]
    try:
        yield statements
    finally:
        event.remove(conn.sync_connection, "before_cursor_execute", before)  # type: ignore[arg-type]


async def test_caseload_lists_active_patients_with_their_state(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    doc = await therapist(client, app_db)
    other_doc = await therapist(client, app_db)
    urgent, steady, former, theirs = [await patient(client) for _ in range(4)]
    for pat in (urgent, steady):
        await link(app_db, pat.id, doc.id)
    await link(app_db, former.id, doc.id, status=RelationshipStatus.ended)
    await link(app_db, theirs.id, other_doc.id)

    # urgent: PHQ-9 18 then 12, then a journal entry the crisis engine escalates.
    await _phq9(client, urgent.headers, 3, 3, 2, 2, 2, 2, 2, 2, 0)
    await _phq9(client, urgent.headers, 2, 2, 1, 1, 2, 1, 1, 2, 0)
    r = await client.post("/v1/journal/entries", json={"content": RISKY}, headers=urgent.headers)
    assert r.json()["safety"]["level"] in ("high", "imminent")
    # steady: a mood check-in, an appointment in two days, one overdue and one open homework.
    assert (
        await client.post("/v1/mood/entries", json={"mood": 6}, headers=steady.headers)
    ).status_code == 201
    _, next_at = await appointment(owner_db, steady.id, doc.id, days=2)
    await appointment(owner_db, steady.id, doc.id, days=9)
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    ids = []
    for title in ("Thought record", "Activity log"):
        body = {"title": title, "homework_type": "thought_record", "due_at": due}
        r = await client.post(f"/v1/patients/{steady.id}/homework", json=body, headers=doc.headers)
        ids.append(r.json()["id"])
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await owner_db.execute(
        update(HomeworkAssignment)
        .where(HomeworkAssignment.id == ids[0])
        .values(assigned_at=past - dt.timedelta(days=7), due_at=past)
    )
    await owner_db.commit()

    r = await client.get("/v1/therapist/caseload", headers=doc.headers)
    assert r.status_code == 200, r.text
    rows = r.json()["patients"]
    assert [p["patient_id"] for p in rows] == [str(urgent.id), str(steady.id)]
    first, second = rows
    assert first["open_escalations"] == 1
    assert first["latest_risk_level"] in ("high", "imminent")
    assert (first["phq9_latest"], first["phq9_previous"], first["phq9_change"]) == (12, 18, -6)
    assert first["phq9_trend"] == "improving"
    assert first["phq9_reliable_change"] is True
    assert first["last_activity_at"] is not None
    assert second["open_escalations"] == 0
    assert second["latest_risk_level"] is None
    assert second["phq9_latest"] is None
    assert (second["open_homework"], second["overdue_homework"]) == (2, 1)
    assert dt.datetime.fromisoformat(second["next_appointment_at"]) == next_at
    assert second["last_activity_at"] is not None

    assert [
        p["patient_id"]
        for p in (await client.get("/v1/therapist/caseload", headers=other_doc.headers)).json()["patients"]
    ] == [str(theirs.id)]
    assert (await client.get("/v1/therapist/caseload", headers=urgent.headers)).status_code == 403


async def test_caseload_query_count_does_not_grow_with_patients(
    client: httpx.AsyncClient, app_db: Database, db_connection: AsyncConnection
) -> None:
    doc = await therapist(client, app_db)

    async def add_patients(n: int) -> None:
        for _ in range(n):
            pat = await patient(client)
            await link(app_db, pat.id, doc.id)
            await _phq9(client, pat.headers, 1, 1, 1, 1, 1, 1, 1, 1, 0)

    await add_patients(2)
    with counted(db_connection) as few:
        assert len((await client.get("/v1/therapist/caseload", headers=doc.headers)).json()["patients"]) == 2
    await add_patients(5)
    with counted(db_connection) as many:
        assert len((await client.get("/v1/therapist/caseload", headers=doc.headers)).json()["patients"]) == 7
    assert len(many) == len(few)
    assert sum("therapeutic_relationships r" in s for s in many) == 1
