"""Email verification, password reset and email change, end to end: the links are read from the
messages a real SMTP server (aiosmtpd on loopback) received from the email sender."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.security_models import AuthEmailToken
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.models import EmailOutbox
from hp_agent.notifications.email import SmtpTransport
from hp_agent.notifications.email_tasks import REDACTED, send_due
from hp_agent.users.models import User, UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.api.auth_helpers import PASSWORD, bearer, login, new_email, owner_all, register
from tests.smtp_peer import Received, SmtpPeer

NEW_PASSWORD = "Brighter-Morning-Tide-41"


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[SmtpPeer]:
    server = SmtpPeer.start(tmp_path)
    yield server
    server.stop()


async def deliver(app_db: Database, peer: SmtpPeer, settings: Settings) -> None:
    """What the worker's sender does: every due email out through the SMTP server."""
    transport = SmtpTransport(peer.url, sender=settings.email_from, ca_file=peer.ca_file)
    while (r := await send_due(app_db, transport, settings)).sent + r.retrying + r.failed:
        pass


def one(peer: SmtpPeer, to: str, subject: str) -> Received:
    found = [m for m in peer.to(to) if m.message["Subject"] == subject]
    assert len(found) == 1, [m.message["Subject"] for m in peer.to(to)]
    return found[0]


async def test_sign_up_sends_a_verification_link_that_works_once(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, peer: SmtpPeer, settings: Settings
) -> None:
    email = new_email("verify")
    assert (await register(client, email)).status_code == 201
    tokens = (await login(client, email)).json()
    me = await client.get("/v1/me", headers=bearer(tokens))
    assert me.json()["email_verified"] is False
    await deliver(app_db, peer, settings)

    mail = one(peer, email, "Confirm your email address")
    token = mail.link_token()
    assert f"{settings.public_url}/#verify-email={token}" in mail.text
    # Only a digest is stored, and the sent body no longer holds the link.
    [row] = await owner_all(owner_db, select(AuthEmailToken).where(AuthEmailToken.email == email))
    assert token not in row.token_hash
    stored = await owner_all(
        owner_db,
        select(EmailOutbox).where(EmailOutbox.to_address == email, EmailOutbox.template == "verify_email"),
    )
    assert [m.body_text for m in stored] == [REDACTED]

    for bad in (token[:-3] + "xyz", "not-a-token-at-all", "0" * 32 + "." + token.split(".")[1]):
        r = await client.post("/v1/auth/verify-email", json={"token": bad})
        assert r.status_code == 400, bad
        assert r.json()["error"]["code"] == "link_invalid"
    r = await client.post("/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200
    assert r.json() == {"email": email, "email_verified": True}
    assert (await client.get("/v1/me", headers=bearer(tokens))).json()["email_verified"] is True
    r = await client.post("/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "link_used"


async def test_an_expired_link_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, peer: SmtpPeer, settings: Settings
) -> None:
    email = new_email("late")
    await register(client, email)
    await deliver(app_db, peer, settings)
    token = one(peer, email, "Confirm your email address").link_token()
    await owner_db.execute(
        update(AuthEmailToken)
        .where(AuthEmailToken.email == email)
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    await owner_db.commit()
    r = await client.post("/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "link_expired"
    [user] = await owner_all(owner_db, select(User).where(User.email == email))
    assert user.email_verified_at is None


async def test_password_reset_end_to_end(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, peer: SmtpPeer, settings: Settings
) -> None:
    email = new_email("reset")
    await register(client, email)
    old = (await login(client, email)).json()
    unknown = new_email("nobody")

    known_answer = await client.post("/v1/auth/password-reset", json={"email": email.upper()})
    unknown_answer = await client.post("/v1/auth/password-reset", json={"email": unknown})
    # No account enumeration: the same status and body.
    assert known_answer.status_code == unknown_answer.status_code == 202
    assert known_answer.json() == unknown_answer.json()
    await deliver(app_db, peer, settings)
    assert peer.to(unknown) == []
    token = one(peer, email, "Reset your Happy Path password").link_token()

    # A weak password is refused and the link still works afterwards.
    r = await client.post("/v1/auth/password-reset/confirm", json={"token": token, "password": "short"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "weak_password"
    r = await client.post("/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 204

    # Every session is gone; only the new password signs in; the link is spent.
    assert (await client.get("/v1/me", headers=bearer(old))).status_code == 401
    r = await client.post("/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert r.status_code == 401
    assert (await login(client, email)).status_code == 401
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200
    r = await client.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "password": "Another-Fine-Pass-77"}
    )
    assert r.status_code == 410
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200
    await deliver(app_db, peer, settings)
    one(peer, email, "Your Happy Path password was changed")


async def test_reset_links_are_capped_and_a_newer_one_retires_the_older(
    client: httpx.AsyncClient, app_db: Database, peer: SmtpPeer, settings: Settings
) -> None:
    email = new_email("many")
    await register(client, email)
    for _ in range(5):
        assert (await client.post("/v1/auth/password-reset", json={"email": email})).status_code == 202
    await deliver(app_db, peer, settings)
    links = [
        m.link_token() for m in peer.to(email) if m.message["Subject"] == "Reset your Happy Path password"
    ]
    assert len(links) == 3  # at most three an hour
    r = await client.post(
        "/v1/auth/password-reset/confirm", json={"token": links[0], "password": NEW_PASSWORD}
    )
    assert r.status_code == 410
    r = await client.post(
        "/v1/auth/password-reset/confirm", json={"token": links[-1], "password": NEW_PASSWORD}
    )
    assert r.status_code == 204


async def test_a_reset_voids_a_pending_second_factor_challenge(
    client: httpx.AsyncClient, app_db: Database, peer: SmtpPeer, settings: Settings
) -> None:
    from hp_agent.auth.service import create_user

    email = new_email("doc")
    async with app_db.unit_of_work(SYSTEM) as s:
        await create_user(s, email, PASSWORD, UserRole.therapist, actor=SYSTEM)
    assert (await login(client, email)).status_code == 200  # enrols through the API
    challenge = (await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})).json()
    await client.post("/v1/auth/password-reset", json={"email": email})
    await deliver(app_db, peer, settings)
    token = one(peer, email, "Reset your Happy Path password").link_token()
    r = await client.post("/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 204
    code = await mfa_helpers.next_code(email)
    r = await client.post("/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": code})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "mfa_challenge_invalid"
    # The reset replaced the password, not the second factor.
    r = await client.post("/v1/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert r.json()["mfa_required"] is True


async def test_email_change_takes_effect_when_the_new_address_confirms(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, peer: SmtpPeer, settings: Settings
) -> None:
    email, new = new_email("move"), new_email("moved")
    await register(client, email)
    tokens = (await login(client, email)).json()
    r = await client.post(
        "/v1/auth/email-change", json={"email": new, "password": "Wrong-Password-11"}, headers=bearer(tokens)
    )
    assert r.status_code == 403
    r = await client.post(
        "/v1/auth/email-change", json={"email": email, "password": PASSWORD}, headers=bearer(tokens)
    )
    assert r.status_code == 422
    r = await client.post(
        "/v1/auth/email-change", json={"email": new, "password": PASSWORD}, headers=bearer(tokens)
    )
    assert r.status_code == 202
    await deliver(app_db, peer, settings)
    one(peer, email, "A change of your Happy Path email address was requested")
    token = one(peer, new, "Confirm your email address").link_token()
    # Nothing changes before the link is opened.
    assert (await login(client, new)).status_code == 401
    assert (await login(client, email)).status_code == 200

    r = await client.post("/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200
    assert r.json() == {"email": new, "email_verified": True}
    assert (await login(client, email)).status_code == 401
    assert (await login(client, new)).status_code == 200
    await deliver(app_db, peer, settings)
    one(peer, email, "Your Happy Path email address was changed")


async def test_a_change_to_an_address_taken_meanwhile_is_refused(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, peer: SmtpPeer, settings: Settings
) -> None:
    email, wanted = new_email("first"), new_email("wanted")
    await register(client, email)
    tokens = (await login(client, email)).json()
    r = await client.post(
        "/v1/auth/email-change", json={"email": wanted, "password": PASSWORD}, headers=bearer(tokens)
    )
    assert r.status_code == 202
    await register(client, wanted)  # someone else signs up with it first
    await deliver(app_db, peer, settings)
    token = next(m.link_token() for m in peer.to(wanted) if "asked to use this address" in m.text)
    r = await client.post("/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "email_taken"
    [user] = await owner_all(owner_db, select(User).where(User.email == email))
    assert user.email == email
