"""POST /v1/auth/register: validation, password policy, duplicates, consents, audit."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.service import create_user
from hp_agent.compliance.models import AuditLog, ConsentTracking, PrivacySettings
from hp_agent.db.session import Database
from hp_agent.errors import HPError
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import User, UserConsent, UserPreferences, UserProfile, UserRole
from hp_agent.users.repository import SYSTEM
from tests.api.auth_helpers import PASSWORD, login, new_email, owner_all, register


async def test_register_creates_patient_with_consents_and_audit(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    email = new_email("New.Person")
    r = await register(client, email.upper(), display_name="Sam", consents=["terms", "privacy", "research"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["email"] == email.lower()
    assert body["role"] == "patient"
    assert "password" not in r.text
    assert "hash" not in r.text

    users = await owner_all(owner_db, select(User).where(User.id == body["id"]))
    assert len(users) == 1
    user = users[0]
    assert user.email == email.lower()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash

    profile = await owner_all(owner_db, select(UserProfile).where(UserProfile.user_id == user.id))
    assert profile[0].display_name == "Sam"
    assert await owner_all(owner_db, select(UserPreferences).where(UserPreferences.user_id == user.id))
    assert await owner_all(owner_db, select(PrivacySettings).where(PrivacySettings.user_id == user.id))

    consents = await owner_all(owner_db, select(UserConsent).where(UserConsent.user_id == user.id))
    assert {c.consent_type.value for c in consents} == {"terms", "privacy", "research"}
    assert all(c.granted and c.granted_at is not None for c in consents)
    history = await owner_all(owner_db, select(ConsentTracking).where(ConsentTracking.user_id == user.id))
    assert sorted(h.consent_type.value for h in history) == ["privacy", "research", "terms"]
    assert {h.action.value for h in history} == {"granted"}

    audit = await owner_all(owner_db, select(AuditLog).where(AuditLog.subject_id == user.id))
    assert [a.action for a in audit] == ["auth.register"]
    assert audit[0].actor_id == user.id
    assert str(audit[0].ip) == "127.0.0.1"


async def test_invalid_email_is_422_without_echo(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/auth/register",
        json={"email": "not-an-email", "password": PASSWORD, "consents": ["terms", "privacy"]},
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert [f["field"] for f in err["details"]["fields"]] == ["email"]
    assert "not-an-email" not in r.text
    assert PASSWORD not in r.text


async def test_weak_passwords_are_refused_with_reasons(client: httpx.AsyncClient) -> None:
    email = f"dana.smith@{uuid.uuid4().hex[:8]}.example.org"
    cases = {
        "Short-1a": "at least 12",
        "alllowercaseletters": "two kinds",
        "Password1234": "too common",
        "Dana.Smith-2024!x": "email",
    }
    for password, reason in cases.items():
        r = await register(client, email, password=password)
        assert r.status_code == 422, (password, r.text)
        err = r.json()["error"]
        assert err["code"] == "weak_password"
        assert any(reason in p for p in err["details"]["problems"]), (password, err)
        assert password not in r.text


async def test_taken_email_gets_the_same_answer_case_insensitive(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    """Sign-up does not reveal whether an address has an account (#14): the same 201 and body
    shape; nothing is created, the original password still signs in, the owner is emailed."""
    email = new_email("dup")
    first = await register(client, email)
    assert first.status_code == 201
    r = await register(client, email.upper(), password="Another-Strong-Pass-99")
    assert r.status_code == 201
    assert set(r.json()) == set(first.json())
    assert r.json()["email"] == email
    assert r.json()["id"] != first.json()["id"]  # names no account
    assert len(await owner_all(owner_db, select(User).where(User.email == email))) == 1
    assert (await login(client, email, "Another-Strong-Pass-99")).status_code == 401
    assert (await login(client, email)).status_code == 200
    mails = await owner_all(owner_db, select(EmailOutbox).where(EmailOutbox.to_address == email))
    # The first sign-up's verification link, and the notice about the second attempt (no link).
    assert sorted(m.template for m in mails) == ["signup_address_taken", "verify_email"]


async def test_required_consents_must_be_accepted(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    email = new_email("noconsent")
    r = await register(client, email, consents=["terms"])
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "consent_required"
    assert err["details"]["missing"] == ["privacy"]
    assert await owner_all(owner_db, select(User).where(User.email == email)) == []


async def test_client_cannot_choose_role(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    email = new_email("sneaky")
    r = await register(client, email, role="admin")
    assert r.status_code == 422
    assert await owner_all(owner_db, select(User).where(User.email == email)) == []


async def test_create_user_for_the_cli_any_role(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    email = new_email("Doctor")
    async with app_db.unit_of_work(SYSTEM) as session:
        user = await create_user(session, email, PASSWORD, UserRole.therapist, actor=SYSTEM)
        # The caller's principal is restored after the rows are written as the new user.
        assert session.info["principal"] == SYSTEM
    assert user.role == UserRole.therapist
    rows = await owner_all(owner_db, select(User).where(User.id == user.id))
    assert rows[0].email == email.lower()
    audit = await owner_all(owner_db, select(AuditLog).where(AuditLog.subject_id == user.id))
    assert [(a.action, a.actor_role) for a in audit] == [("user.created", "system")]
    r = await login(client, email)
    assert r.status_code == 200
    assert r.json()["role"] == "therapist"


async def test_create_user_validates_email_and_password(app_db: Database) -> None:
    async with app_db.unit_of_work(SYSTEM) as session:
        with pytest.raises(HPError) as bad_email:
            await create_user(session, "nobody@", PASSWORD, UserRole.admin)
        assert bad_email.value.code == "invalid_email"
        with pytest.raises(HPError) as weak:
            await create_user(session, new_email(), "short", UserRole.admin)
        assert weak.value.code == "weak_password"


async def test_system_accounts_cannot_sign_in(client: httpx.AsyncClient, app_db: Database) -> None:
    email = new_email("service")
    async with app_db.unit_of_work(SYSTEM) as session:
        await create_user(session, email, PASSWORD, UserRole.system, actor=SYSTEM)
    r = await login(client, email)
    assert r.status_code == 403
    assert "access_token" not in r.text
