"""Crisis detections keep no plain text: matches and explanation are encrypted like the excerpt,
and the treating clinician still reads the quote through the API."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.models import CrisisDetection
from hp_agent.db.session import Database
from tests.api.auth_helpers import owner_all
from tests.journal.people import patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")

SENTENCE = "I have decided to kill myself tonight, I have the pills ready."


async def test_detection_fragments_are_stored_encrypted(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    pat, doc = await patient(client), await therapist(client, app_db)
    await relate(app_db, pat.id, doc.id)
    r = await client.post("/v1/journal/entries", json={"content": SENTENCE}, headers=pat.headers)
    assert r.status_code == 201, r.text
    assert r.json()["safety"]["level"] in ("high", "imminent")

    # Decrypted through the model: the engine's evidence is all there.
    [detection] = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == pat.id))
    assert detection.matches
    terms = [str(m["term"]) for m in detection.matches]
    assert all("matched_text" not in m for m in detection.matches)
    assert detection.explanation
    assert "'" in detection.explanation  # it quotes the matched words

    # Raw: the whole row as PostgreSQL holds it carries none of the words, the quotes or the terms.
    raw = (
        await owner_db.execute(
            text("SELECT row_to_json(d)::text FROM crisis_detections d WHERE d.id = :id"),
            {"id": detection.id},
        )
    ).scalar_one()
    lowered = raw.lower()
    for fragment in [
        "kill myself",
        "pills",
        "tonight",
        detection.explanation.lower(),
        *map(str.lower, terms),
    ]:
        assert fragment not in lowered, fragment
    kinds = (
        await owner_db.execute(
            text(
                "SELECT pg_typeof(matches)::text, pg_typeof(explanation)::text"
                " FROM crisis_detections WHERE id = :id"
            ),
            {"id": detection.id},
        )
    ).one()
    assert tuple(kinds) == ("bytea", "bytea")

    # The treating clinician still reads the explanation with its quote.
    escalations = (await client.get("/v1/escalations", headers=doc.headers)).json()
    [mine] = [e for e in escalations if e["user_id"] == str(pat.id)]
    ctx = await client.get(f"/v1/escalations/{mine['id']}/context", headers=doc.headers)
    assert ctx.status_code == 200, ctx.text
    assert ctx.json()["detection"]["explanation"] == detection.explanation
    assert "kill myself" in ctx.json()["excerpt"]


async def test_matched_text_never_reaches_the_row(owner_db: AsyncSession) -> None:
    d = CrisisDetection(matches=[{"term": "x", "matched_text": "their own words"}], explanation="y" * 5000)
    assert d.matches == [{"term": "x"}]
    assert d.explanation is not None
    assert len(d.explanation) == 1000
