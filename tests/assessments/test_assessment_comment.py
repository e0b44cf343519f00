"""The free-text comment on an assessment: screened, stored encrypted, returned to its readers."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.journal.people import patient

pytestmark = pytest.mark.usefixtures("seeded")

GAD7 = {f"gad7_{i}": 1 for i in range(1, 8)}


async def _raw_comment(owner_db: AsyncSession, assessment_id: str) -> bytes | None:
    await owner_db.commit()  # a fresh savepoint as the owner (see tests.api.auth_helpers.owner_all)
    row = await owner_db.execute(
        text("SELECT comment FROM user_assessments WHERE id = :i"), {"i": uuid.UUID(assessment_id)}
    )
    value = row.scalar_one()
    return bytes(value) if value is not None else None


async def test_comment_is_stored_encrypted_and_returned(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    comment = "  Work has been hard, but my sister Imogen checks in on me.  "
    r = await client.post(
        "/v1/assessments", json={"code": "gad7", "answers": GAD7, "comment": comment}, headers=me.headers
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["comment"] == comment.strip()
    assert "safety" not in body

    raw = await _raw_comment(owner_db, body["id"])
    assert raw is not None
    assert raw.startswith(b"v2")  # the AES-GCM envelope under the person's data key, its id inside
    assert b"Imogen" not in raw

    one = (await client.get(f"/v1/assessments/{body['id']}", headers=me.headers)).json()
    assert one["comment"] == comment.strip()
    listed = (await client.get("/v1/assessments", headers=me.headers)).json()["items"]
    assert [a["comment"] for a in listed] == [comment.strip()]


async def test_blank_or_missing_comment_stores_nothing(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    for extra in ({"comment": "   "}, {}):
        r = await client.post(
            "/v1/assessments", json={"code": "gad7", "answers": GAD7, **extra}, headers=me.headers
        )
        assert r.status_code == 201, r.text
        assert r.json()["comment"] is None
        assert await _raw_comment(owner_db, r.json()["id"]) is None
