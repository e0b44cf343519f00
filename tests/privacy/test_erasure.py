"""Erasure: scheduled with the password, cancellable, then everything of the person's goes except
signed clinical notes (and the sessions they document) and audit entries, kept pseudonymised."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import DataSubjectRequest
from hp_agent.db.models import load_all
from hp_agent.db.session import Database
from hp_agent.privacy import erasure
from tests.api.auth_helpers import PASSWORD, owner_all
from tests.therapy.care import SOAP, treated

pytestmark = pytest.mark.usefixtures("seeded")

MARKER = "Quokka Marshmallow"
KEPT = {"users", "session_notes", "therapy_sessions", "audit_logs", "audit_logs_archive"}


async def _dump_hits(owner_db: AsyncSession, needle: str) -> dict[str, int]:
    """Every table's rows as text (what a pg_dump would hold), searched for ``needle``."""
    await owner_db.commit()
    hits: dict[str, int] = {}
    for table in load_all().metadata.sorted_tables:
        n = (
            await owner_db.execute(
                text(
                    f'SELECT count(*) FROM "{table.name}" t WHERE strpos(lower(row_to_json(t)::text), :n) > 0'
                ),
                {"n": needle.lower()},
            )
        ).scalar_one()
        if n:
            hits[table.name] = int(n)
    return hits


async def test_scheduling_needs_the_password_and_can_be_cancelled(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pair = await treated(client, app_db)
    me = pair.pat.headers
    r = await client.request("DELETE", "/v1/me", json={"password": "wrong password"}, headers=me)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "password_incorrect"
    assert (await client.get("/v1/me/erasure", headers=me)).status_code == 404
    r = await client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=me)
    assert r.status_code == 202, r.text
    due = dt.datetime.fromisoformat(r.json()["due_at"])
    assert due - dt.datetime.now(dt.UTC) > dt.timedelta(days=13)
    assert (
        await client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=me)
    ).status_code == 409
    assert await erasure.erase_due(app_db) == 0  # not due yet
    r = await client.delete("/v1/me/erasure", headers=me)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert (await client.delete("/v1/me/erasure", headers=me)).status_code == 404
    assert (await client.get("/v1/me", headers=me)).status_code == 200


async def test_erasure_leaves_only_pseudonymised_kept_records(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    pair = await treated(client, app_db)
    pat, doc = pair.pat, pair.doc
    me = (await client.patch("/v1/me", json={"display_name": MARKER}, headers=pat.headers)).json()
    email = me["email"]
    assert (
        await client.post("/v1/mood/entries", json={"mood": 5, "note": MARKER}, headers=pat.headers)
    ).status_code == 201
    assert (
        await client.post("/v1/journal/entries", json={"content": MARKER}, headers=pat.headers)
    ).status_code == 201
    note = await client.post(
        f"/v1/patients/{pat.id}/notes", json={"format": "soap", "content": SOAP}, headers=doc.headers
    )
    assert note.status_code == 201, note.text
    assert (await client.post(f"/v1/notes/{note.json()['id']}/sign", headers=doc.headers)).status_code == 200
    draft = await client.post(
        f"/v1/patients/{pat.id}/notes", json={"format": "soap", "content": SOAP}, headers=doc.headers
    )
    assert draft.status_code == 201
    assert await _dump_hits(owner_db, email)  # the search finds the person before

    r = await client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=pat.headers)
    assert r.status_code == 202
    # The grace period passes.
    await owner_db.execute(
        update(DataSubjectRequest)
        .where(DataSubjectRequest.user_id == pat.id)
        .values(due_at=dt.datetime.now(dt.UTC))
    )
    await owner_db.commit()
    assert await erasure.erase_due(app_db) == 1

    assert await _dump_hits(owner_db, email) == {}
    assert await _dump_hits(owner_db, MARKER) == {}
    refs = await _dump_hits(owner_db, str(pat.id))
    assert set(refs) <= KEPT, refs
    assert refs.get("session_notes") == 1  # the signed note stays; the draft is gone
    from hp_agent.users.models import User

    [tomb] = await owner_all(owner_db, select(User).where(User.id == pat.id))
    assert tomb.status.value == "deleted"
    assert tomb.email.endswith("@erased.invalid")
    # The erased person can no longer sign in.
    r = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 401
    # The clinician's data is untouched.
    assert (await client.get("/v1/me", headers=doc.headers)).status_code == 200
