"""Referrals: from a treating clinician, only with the patient's consent, to a verified clinician
(who then needs the patient's acceptance of a relationship) or an outside provider."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import Referral
from hp_agent.users.models import UserRole
from tests.care.conftest import Care, auth


async def test_referral_to_a_colleague_needs_patient_consent_then_acceptance(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    a, a_token = await care.clinician(admin)
    b, b_token = await care.clinician(admin, specialties=["eating disorders"])
    pid, patient = await care.user(UserRole.patient)
    await care.linked(patient, a, a_token)
    body = {
        "patient_id": str(pid),
        "to_clinician_id": str(b),
        "reason": "Specialist input on restriction",
        "urgency": "urgent",
    }
    r = await care.c.post("/v1/care/referrals", json=body, headers=auth(a_token))
    assert r.status_code == 201, r.text
    ref = r.json()
    assert ref["status"] == "draft"
    stored = (await owner_db.execute(select(Referral).where(Referral.patient_id == pid))).scalar_one()
    assert stored.reason == "Specialist input on restriction"  # decrypted by the type

    # Before consent the recipient neither sees nor answers it.
    assert (await care.c.get("/v1/care/referrals", headers=auth(b_token))).json() == []
    r = await care.c.post(f"/v1/care/referrals/{ref['id']}/accept", headers=auth(b_token))
    assert r.status_code == 404
    # Only the patient consents.
    r = await care.c.post(f"/v1/care/referrals/{ref['id']}/consent", headers=auth(a_token))
    assert r.status_code == 403
    r = await care.c.post(f"/v1/care/referrals/{ref['id']}/consent", headers=auth(patient))
    assert r.status_code == 200
    assert r.json()["status"] == "sent"

    r = await care.c.post(
        f"/v1/care/referrals/{ref['id']}/accept", json={"note": "Happy to"}, headers=auth(b_token)
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted"
    r = await care.c.post(f"/v1/care/referrals/{ref['id']}/accept", headers=auth(b_token))
    assert r.status_code == 409

    # The referral opened a pending relationship; the patient accepts it with their choices.
    rels = (await care.c.get("/v1/care/relationships", headers=auth(patient))).json()
    pending = [x for x in rels if x["therapist_id"] == str(b)]
    assert [x["status"] for x in pending] == ["pending"]
    assert pending[0]["requested_by"] == "clinician"
    r = await care.c.post(
        f"/v1/care/relationships/{pending[0]['id']}/accept",
        json={"sharing": {"share_assessments": True}},
        headers=auth(patient),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    assert r.json()["consent_to_share_assessments"] is True


async def test_referral_rules(care: Care, admin: str) -> None:
    a, a_token = await care.clinician(admin)
    unverified, _ = await care.clinician(admin, verify=False)
    pid, patient = await care.user(UserRole.patient)
    other_pid, _ = await care.user(UserRole.patient)
    await care.linked(patient, a, a_token)
    # Not my patient.
    r = await care.c.post(
        "/v1/care/referrals",
        json={"patient_id": str(other_pid), "external_provider_name": "GP"},
        headers=auth(a_token),
    )
    assert r.status_code == 403
    r = await care.c.post(
        "/v1/care/referrals",
        json={"patient_id": str(pid), "to_clinician_id": str(unverified)},
        headers=auth(a_token),
    )
    assert r.status_code == 409
    r = await care.c.post("/v1/care/referrals", json={"patient_id": str(pid)}, headers=auth(a_token))
    assert r.status_code == 422
    # To an outside provider: the patient may decline by cancelling.
    r = await care.c.post(
        "/v1/care/referrals",
        json={"patient_id": str(pid), "external_provider_name": "Harbour Eating Disorder Service"},
        headers=auth(a_token),
    )
    assert r.status_code == 201
    rid = r.json()["id"]
    r = await care.c.post(f"/v1/care/referrals/{rid}/cancel", headers=auth(patient))
    assert r.json()["status"] == "cancelled"
    r = await care.c.post(f"/v1/care/referrals/{rid}/consent", headers=auth(patient))
    assert r.status_code == 409
