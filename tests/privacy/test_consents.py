"""Versioned consents over the API: accept the current text, withdraw what was given."""

from __future__ import annotations

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import AuditLog, ConsentDocument, ConsentTracking, PrivacySettings
from hp_agent.users.models import ConsentType
from tests.api.auth_helpers import owner_all
from tests.journal.people import patient

VERSION = "2026-01"


def _state(body: list[dict[str, object]], kind: str) -> dict[str, object]:
    return next(s for s in body if s["consent_type"] == kind)


async def test_documents_are_public_and_versioned(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/consent-documents")
    assert r.status_code == 200
    docs = {d["consent_type"]: d for d in r.json()}
    assert set(docs) == {t.value for t in ConsentType}
    assert all(d["version"] == VERSION and d["body"] for d in docs.values())


async def test_accept_and_withdraw_record_the_version(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    states = (await client.get("/v1/me/consents", headers=me.headers)).json()
    assert _state(states, "terms")["granted"] is True  # given at sign-up
    assert _state(states, "research")["granted"] is False
    assert _state(states, "research")["current_version"] == VERSION

    r = await client.post(
        "/v1/me/consents", json={"consent_type": "research", "version": VERSION}, headers=me.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["granted"] is True
    assert r.json()["version"] == VERSION
    settings = await owner_all(owner_db, select(PrivacySettings).where(PrivacySettings.user_id == me.id))
    assert settings[0].research_opt_in is True

    r = await client.delete("/v1/me/consents/research", headers=me.headers)
    assert r.status_code == 200, r.text
    assert r.json()["granted"] is False
    assert r.json()["withdrawn_at"]
    settings = await owner_all(owner_db, select(PrivacySettings).where(PrivacySettings.user_id == me.id))
    assert settings[0].research_opt_in is False

    history = await owner_all(
        owner_db,
        select(ConsentTracking)
        .where(ConsentTracking.user_id == me.id, ConsentTracking.consent_type == ConsentType.research)
        .order_by(ConsentTracking.occurred_at),
    )
    assert [(h.action.value, h.policy_version) for h in history] == [
        ("granted", VERSION),
        ("withdrawn", VERSION),
    ]
    actions = await owner_all(
        owner_db, select(AuditLog.action).where(AuditLog.actor_id == me.id, AuditLog.action.like("privacy.%"))
    )
    assert sorted(actions) == ["privacy.consent.granted", "privacy.consent.withdrawn"]


async def test_withdrawing_what_was_never_given_changes_nothing(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    before = await owner_all(owner_db, select(ConsentTracking.id).where(ConsentTracking.user_id == me.id))
    r = await client.delete("/v1/me/consents/research", headers=me.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "consent_not_given"
    r = await client.delete("/v1/me/consents/terms", headers=me.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "consent_required"
    assert (await client.delete("/v1/me/consents/nonsense", headers=me.headers)).status_code == 422
    after = await owner_all(owner_db, select(ConsentTracking.id).where(ConsentTracking.user_id == me.id))
    assert sorted(after) == sorted(before)


async def test_only_the_current_version_can_be_accepted(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await client.post(
        "/v1/me/consents", json={"consent_type": "research", "version": "1999-01"}, headers=me.headers
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "consent_document_not_found"
    await owner_db.execute(
        insert(ConsentDocument).values(
            consent_type=ConsentType.research, version="2026-12", title="Research use", body="Revised text."
        )
    )
    await owner_db.commit()
    r = await client.post(
        "/v1/me/consents", json={"consent_type": "research", "version": VERSION}, headers=me.headers
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "consent_version_outdated"
    assert (
        _state((await client.get("/v1/me/consents", headers=me.headers)).json(), "research")["granted"]
        is False
    )
    r = await client.post(
        "/v1/me/consents", json={"consent_type": "research", "version": "2026-12"}, headers=me.headers
    )
    assert r.status_code == 200
    assert r.json()["version"] == "2026-12"


async def test_consents_need_a_signed_in_person(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/me/consents")).status_code == 401
    r = await client.post("/v1/me/consents", json={"consent_type": "research", "version": VERSION})
    assert r.status_code == 401
