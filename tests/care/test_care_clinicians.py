"""Clinician onboarding through the API on real PostgreSQL: invitation (single use, expiring,
stored as a digest, emailed through the outbox), acceptance with a profile, verification, and a
directory that lists only verified, accepting clinicians without private fields."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import ClinicianProfile, ClinicianProfileStatus
from hp_agent.care.network_models import ClinicianInvitation
from hp_agent.compliance.models import AuditLog
from hp_agent.db.session import Database, Principal
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import User, UserRole
from tests.care.conftest import PASSWORD, Care, auth, new_email, profile_body


async def _invite(care: Care, admin: str, email: str | None = None) -> tuple[str, str]:
    email = email or new_email("clin")
    r = await care.c.post("/v1/admin/clinicians/invitations", json={"email": email}, headers=auth(admin))
    assert r.status_code == 201, r.text
    return email, str(r.json()["token"])


def _accept_body(token: str, **profile: object) -> dict[str, object]:
    return {"token": token, "password": PASSWORD, "consents": ["terms", "privacy"], **profile_body(**profile)}


async def test_invitation_is_stored_as_digest_and_emailed(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    email, token = await _invite(care, admin)
    inv = (
        await owner_db.execute(select(ClinicianInvitation).where(ClinicianInvitation.email == email))
    ).scalar_one()
    assert inv.token_hash == hashlib.sha256(token.encode()).digest()
    assert token.encode() not in inv.token_hash
    assert inv.expires_at > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    mail = (await owner_db.execute(select(EmailOutbox).where(EmailOutbox.to_address == email))).scalar_one()
    assert mail.template == "clinician_invitation"
    assert token in mail.body_text  # the only other place the token exists
    # The invitation list never shows it again.
    r = await care.c.get("/v1/admin/clinicians", headers=auth(admin))
    assert token not in r.text


async def test_only_admins_invite(care: Care, owner_db: AsyncSession) -> None:
    _, therapist = await care.user(UserRole.therapist)
    _, patient = await care.user(UserRole.patient)
    email = new_email("clin")
    for token in (therapist, patient):
        r = await care.c.post("/v1/admin/clinicians/invitations", json={"email": email}, headers=auth(token))
        assert r.status_code == 403
    n = await owner_db.scalar(
        select(func.count()).select_from(ClinicianInvitation).where(ClinicianInvitation.email == email)
    )
    assert n == 0


async def test_accept_creates_pending_clinician_and_token_is_single_use(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    email, token = await _invite(care, admin)
    r = await care.c.post("/v1/clinicians/invitations/accept", json=_accept_body(token))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "pending_verification"
    assert body["license_verified_at"] is None
    user = (await owner_db.execute(select(User).where(User.email == email))).scalar_one()
    assert user.role == UserRole.therapist
    assert user.timezone == "Europe/London"

    again = await care.c.post("/v1/clinicians/invitations/accept", json=_accept_body(token))
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "invitation_used"
    assert await owner_db.scalar(select(func.count()).select_from(User).where(User.email == email)) == 1


async def test_expired_or_unknown_invitation_is_refused_and_nothing_stored(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    email, token = await _invite(care, admin)
    await owner_db.execute(
        update(ClinicianInvitation)
        .where(ClinicianInvitation.email == email)
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    )
    r = await care.c.post("/v1/clinicians/invitations/accept", json=_accept_body(token))
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "invitation_expired"
    r = await care.c.post("/v1/clinicians/invitations/accept", json=_accept_body("not-a-real-token-at-all"))
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "invitation_invalid"
    assert await owner_db.scalar(select(func.count()).select_from(User).where(User.email == email)) == 0


async def test_bad_profile_is_a_422_naming_the_field(care: Care, admin: str, owner_db: AsyncSession) -> None:
    email, token = await _invite(care, admin)
    r = await care.c.post(
        "/v1/clinicians/invitations/accept", json=_accept_body(token, timezone="Mars/Olympus")
    )
    assert r.status_code == 422
    assert "timezone" in r.text
    assert "Mars/Olympus" not in r.text  # errors never echo input
    r = await care.c.post("/v1/clinicians/invitations/accept", json=_accept_body(token, license_country="G1"))
    assert r.status_code == 422
    assert await owner_db.scalar(select(func.count()).select_from(User).where(User.email == email)) == 0
    # The invitation is still usable after refused attempts.
    r = await care.c.post("/v1/clinicians/invitations/accept", json=_accept_body(token))
    assert r.status_code == 201, r.text


async def test_directory_lists_only_verified_accepting_clinicians_without_private_fields(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    lang = "zu"  # a language no other test's clinician speaks: the run's database is shared
    verified, _ = await care.clinician(admin, languages=[lang], specialties=["grief"])
    unverified, _ = await care.clinician(admin, verify=False, languages=[lang], specialties=["grief"])
    full, _ = await care.clinician(admin, languages=[lang], accepting_new_patients=False)
    _, patient = await care.user(UserRole.patient)

    r = await care.c.get("/v1/clinicians", params={"language": lang}, headers=auth(patient))
    assert r.status_code == 200, r.text
    listed = {e["id"] for e in r.json()}
    assert listed == {str(verified)}
    entry = r.json()[0]
    for private in ("license_number", "license_state", "email", "backup_clinician_id", "status"):
        assert private not in entry
    assert entry["specialties"] == ["grief"]

    r = await care.c.get(
        "/v1/clinicians", params={"language": lang, "specialty": "GRIEF"}, headers=auth(patient)
    )
    assert {e["id"] for e in r.json()} == {str(verified)}
    r = await care.c.get(
        "/v1/clinicians", params={"language": lang, "specialty": "ocd"}, headers=auth(patient)
    )
    assert r.json() == []
    r = await care.c.get("/v1/clinicians", params={"accepting": "false"}, headers=auth(patient))
    assert r.status_code == 422
    assert (await care.c.get(f"/v1/clinicians/{unverified}", headers=auth(patient))).status_code == 404
    assert (await care.c.get("/v1/clinicians")).status_code == 401
    assert str(full) not in listed


async def test_verification_is_admin_only_audited_and_once(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    cid, clinician = await care.clinician(admin, verify=False)
    r = await care.c.post(f"/v1/admin/clinicians/{cid}/verify", headers=auth(clinician))
    assert r.status_code == 403
    r = await care.c.post(f"/v1/admin/clinicians/{cid}/verify", headers=auth(admin))
    assert r.status_code == 200
    assert r.json()["status"] == "active"
    r = await care.c.post(f"/v1/admin/clinicians/{cid}/verify", headers=auth(admin))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "already_verified"
    profile = (
        await owner_db.execute(select(ClinicianProfile).where(ClinicianProfile.user_id == cid))
    ).scalar_one()
    assert profile.status == ClinicianProfileStatus.active
    actions = set(
        (await owner_db.execute(select(AuditLog.action).where(AuditLog.subject_id == profile.id))).scalars()
    )
    assert "care.clinician.verified" in actions


async def test_clinician_edits_own_profile_but_not_licence(care: Care, admin: str) -> None:
    _, clinician = await care.clinician(admin)
    r = await care.c.patch(
        "/v1/clinicians/me",
        json={"accepting_new_patients": False, "approaches": ["ACT", "dbt"]},
        headers=auth(clinician),
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepting_new_patients"] is False
    assert r.json()["approaches"] == ["act", "dbt"]
    r = await care.c.patch("/v1/clinicians/me", json={"license_number": "X1"}, headers=auth(clinician))
    assert r.status_code == 422
    r = await care.c.patch("/v1/clinicians/me", json={"timezone": "Nowhere/City"}, headers=auth(clinician))
    assert r.status_code == 422


async def test_invite_for_existing_account_is_a_conflict(care: Care, admin: str) -> None:
    email = new_email("taken")
    r = await care.c.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "consents": ["terms", "privacy"]}
    )
    assert r.status_code == 201, r.text
    r = await care.c.post("/v1/admin/clinicians/invitations", json={"email": email}, headers=auth(admin))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "email_taken"


async def test_a_clinician_cannot_verify_themselves_even_in_sql(
    care: Care, admin: str, app_db: Database
) -> None:
    """The service never offers it; the guard trigger refuses it to the clinician's own SQL too."""
    cid, _ = await care.clinician(admin, verify=False)
    other, _ = await care.clinician(admin)
    me = Principal(cid, "therapist")
    for values in (
        {"status": "active"},
        {"license_verified_at": dt.datetime.now(dt.UTC)},
        {"license_number": "FORGED-1"},
        {"backup_clinician_id": other},
        {"is_on_call": True},
    ):
        with pytest.raises(DBAPIError, match="only an administrator"):
            async with app_db.unit_of_work(me) as s:
                await s.execute(
                    update(ClinicianProfile).where(ClinicianProfile.user_id == cid).values(values)
                )
    # Their own public details stay theirs to edit.
    async with app_db.unit_of_work(me) as s:
        await s.execute(update(ClinicianProfile).where(ClinicianProfile.user_id == cid).values(bio="Hello"))


async def test_revoked_invitation_stops_working(care: Care, admin: str, owner_db: AsyncSession) -> None:
    email, token = await _invite(care, admin)
    inv_id = await owner_db.scalar(select(ClinicianInvitation.id).where(ClinicianInvitation.email == email))
    r = await care.c.post(f"/v1/admin/clinicians/invitations/{inv_id}/revoke", headers=auth(admin))
    assert r.status_code == 204
    r = await care.c.post(f"/v1/admin/clinicians/invitations/{inv_id}/revoke", headers=auth(admin))
    assert r.status_code == 409
    r = await care.c.post("/v1/clinicians/invitations/accept", json=_accept_body(token))
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "invitation_invalid"
    assert await owner_db.scalar(select(func.count()).select_from(User).where(User.email == email)) == 0
