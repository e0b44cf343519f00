"""Session notes: draft → signed (immutable) → addenda; only the author signs; API and SQL agree."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import AuditLog
from hp_agent.db.session import Database, Principal
from hp_agent.therapy.models import SessionNote, TherapySession
from tests.api.auth_helpers import owner_all
from tests.journal.people import therapist
from tests.therapy.care import SOAP, link, treated


async def _note(client: httpx.AsyncClient, pair_doc, patient_id, **extra: object) -> httpx.Response:  # type: ignore[no-untyped-def]
    body = {"format": "soap", "content": SOAP, **extra}
    return await client.post(f"/v1/patients/{patient_id}/notes", json=body, headers=pair_doc.headers)


async def test_draft_edit_sign_then_immutable_with_addendum(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    r = await _note(client, p.doc, p.pat.id)
    assert r.status_code == 201, r.text
    note = r.json()
    assert note["status"] == "draft"
    assert note["author_id"] == str(p.doc.id)
    assert note["content"] == SOAP

    r = await client.patch(
        f"/v1/notes/{note['id']}",
        json={"content": {"assessment": "Moderate depression."}},
        headers=p.doc.headers,
    )
    assert r.status_code == 200
    assert r.json()["content"] == {"assessment": "Moderate depression."}

    r = await client.post(f"/v1/notes/{note['id']}/sign", headers=p.doc.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "signed"
    assert r.json()["signed_by"] == str(p.doc.id)

    r = await client.patch(
        f"/v1/notes/{note['id']}", json={"content": {"plan": "changed"}}, headers=p.doc.headers
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "note_signed"
    assert (await client.post(f"/v1/notes/{note['id']}/sign", headers=p.doc.headers)).status_code == 409

    r = await client.post(
        f"/v1/notes/{note['id']}/addenda",
        json={"content": {"text": "Correction: PHQ-9 was 14."}},
        headers=p.doc.headers,
    )
    assert r.status_code == 201, r.text
    addendum = r.json()
    assert addendum["amends_note_id"] == note["id"]
    assert addendum["status"] == "signed"

    rows = await owner_all(owner_db, select(SessionNote).where(SessionNote.patient_id == p.pat.id))
    by_id = {str(n.id): n for n in rows}
    assert by_id[note["id"]].status.value == "amended"
    # The signed content is what was signed, encrypted at rest.
    assert "Moderate depression" in by_id[note["id"]].content
    raw = (
        await owner_db.execute(text("SELECT content FROM session_notes WHERE id = :id"), {"id": note["id"]})
    ).scalar_one()
    assert b"Moderate depression" not in raw
    actions = await owner_all(
        owner_db,
        select(AuditLog.action).where(AuditLog.actor_id == p.doc.id, AuditLog.action.like("therapy.note.%")),
    )
    assert set(actions) == {
        "therapy.note.created",
        "therapy.note.updated",
        "therapy.note.signed",
        "therapy.note.amended",
    }


async def test_only_the_author_signs_or_edits(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    colleague = await therapist(client, app_db)
    await link(app_db, p.pat.id, colleague.id, primary=False)
    note_id = (await _note(client, p.doc, p.pat.id)).json()["id"]

    # A co-treating clinician reads the note but may not sign, edit or amend it.
    r = await client.get(f"/v1/patients/{p.pat.id}/notes", headers=colleague.headers)
    assert [n["id"] for n in r.json()] == [note_id]
    r = await client.post(f"/v1/notes/{note_id}/sign", headers=colleague.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_note_author"
    r = await client.patch(f"/v1/notes/{note_id}", json={"content": {"plan": "x"}}, headers=colleague.headers)
    assert r.status_code == 403

    stored = (await owner_all(owner_db, select(SessionNote).where(SessionNote.id == note_id)))[0]
    assert stored.status.value == "draft"
    assert stored.signed_by is None

    # The database refuses the same, even for statements that skip the service: the colleague's
    # UPDATE matches no row (RLS), and the author cannot sign in someone else's name (trigger).
    sign = {"status": "signed", "signed_at": stored.created_at}
    async with app_db.unit_of_work(Principal(colleague.id, "therapist")) as s:
        res = await s.execute(
            update(SessionNote).where(SessionNote.id == note_id).values(**sign, signed_by=colleague.id)
        )
    assert res.rowcount == 0
    with pytest.raises(DBAPIError, match="only the author"):
        async with app_db.unit_of_work(Principal(p.doc.id, "therapist")) as s:
            await s.execute(
                update(SessionNote).where(SessionNote.id == note_id).values(**sign, signed_by=colleague.id)
            )


async def test_database_refuses_editing_a_signed_note(client: httpx.AsyncClient, app_db: Database) -> None:
    p = await treated(client, app_db)
    note_id = (await _note(client, p.doc, p.pat.id)).json()["id"]
    assert (await client.post(f"/v1/notes/{note_id}/sign", headers=p.doc.headers)).status_code == 200
    with pytest.raises(DBAPIError, match="cannot be edited"):
        async with app_db.unit_of_work(Principal(p.doc.id, "therapist")) as s:
            await s.execute(update(SessionNote).where(SessionNote.id == note_id).values(content="{}"))
    # Nor can its author delete it (a draft they could).
    async with app_db.unit_of_work(Principal(p.doc.id, "therapist")) as s:
        gone = await s.execute(SessionNote.__table__.delete().where(SessionNote.__table__.c.id == note_id))
    assert gone.rowcount == 0


async def test_someone_elses_patient_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    stranger = await therapist(client, app_db)
    r = await _note(client, stranger, p.pat.id)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "no_active_relationship"
    assert (await client.get(f"/v1/patients/{p.pat.id}/notes", headers=stranger.headers)).status_code == 403
    assert await owner_all(owner_db, select(SessionNote.id).where(SessionNote.patient_id == p.pat.id)) == []
    # Bad sections are a 422 naming the field, nothing stored either.
    r = await _note(client, p.doc, p.pat.id, content={"mood": "low"})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["fields"][0]["field"] == "content"
    assert await owner_all(owner_db, select(SessionNote.id).where(SessionNote.patient_id == p.pat.id)) == []


async def test_patient_reads_signed_shared_notes_only(client: httpx.AsyncClient, app_db: Database) -> None:
    p = await treated(client, app_db)
    draft = (await _note(client, p.doc, p.pat.id)).json()["id"]
    shared = (await _note(client, p.doc, p.pat.id)).json()["id"]
    private = (await _note(client, p.doc, p.pat.id, note_type="psychotherapy")).json()["id"]
    for nid in (shared, private):
        assert (await client.post(f"/v1/notes/{nid}/sign", headers=p.doc.headers)).status_code == 200
    r = await client.get(f"/v1/patients/{p.pat.id}/notes", headers=p.pat.headers)
    assert r.status_code == 200
    assert [n["id"] for n in r.json()] == [shared]
    assert draft not in {n["id"] for n in r.json()}
    # A patient cannot write notes about themself.
    assert (await _note(client, p.pat, p.pat.id)).status_code == 403


async def test_session_links_the_appointment_at_that_time(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    from tests.therapy.care import appointment

    p = await treated(client, app_db)
    appt_id, starts = await appointment(owner_db, p.pat.id, p.doc.id, days=-1)
    body = {
        "modality": "video",
        "status": "completed",
        "started_at": starts.isoformat(),
        "ended_at": (starts.replace(minute=50)).isoformat(),
    }
    r = await client.post(f"/v1/patients/{p.pat.id}/therapy-sessions", json=body, headers=p.doc.headers)
    assert r.status_code == 201, r.text
    assert r.json()["appointment_id"] == str(appt_id)
    assert r.json()["duration_minutes"] == 50
    stranger = await therapist(client, app_db)
    r = await client.post(f"/v1/patients/{p.pat.id}/therapy-sessions", json=body, headers=stranger.headers)
    assert r.status_code == 403
    assert (
        len(await owner_all(owner_db, select(TherapySession.id).where(TherapySession.patient_id == p.pat.id)))
        == 1
    )


async def test_a_session_longer_than_a_day_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    starts = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    body = {
        "modality": "video",
        "status": "completed",
        "started_at": starts.isoformat(),
        "ended_at": (starts + dt.timedelta(hours=24, minutes=1)).isoformat(),
    }
    r = await client.post(f"/v1/patients/{p.pat.id}/therapy-sessions", json=body, headers=p.doc.headers)
    assert r.status_code == 422, r.text
    assert "24 hours" in r.text
    stored = select(TherapySession.id).where(TherapySession.patient_id == p.pat.id)
    assert not await owner_all(owner_db, stored)
