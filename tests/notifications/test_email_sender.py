"""The email sender against a real SMTP server on loopback (aiosmtpd with STARTTLS and AUTH)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import worker_database_url
from hp_agent.events.models import EmailOutbox, EmailStatus
from hp_agent.notifications import email_tasks
from hp_agent.notifications.email import SmtpTransport
from hp_agent.notifications.email_tasks import REDACTED, send_due
from hp_agent.users.repository import SYSTEM
from tests.smtp_peer import SmtpPeer


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[SmtpPeer]:
    server = SmtpPeer.start(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def mail_db(settings: Settings) -> AsyncIterator[Database]:
    """Committed writes through the worker's role, which sends the queued email (the API only queues)."""
    db = Database(worker_database_url(settings), pool_size=4, max_overflow=4)
    yield db
    await db.dispose()


def transport(peer: SmtpPeer, **over: object) -> SmtpTransport:
    options: dict[str, object] = {"sender": "Happy Path <no-reply@mail.test>", "ca_file": peer.ca_file}
    options.update(over)
    return SmtpTransport(peer.url, **options)  # type: ignore[arg-type]


def address(local: str = "person") -> str:
    return f"{local}.{uuid.uuid4().hex[:10]}@example.org"


async def queue(
    db: Database, to: str, *, template: str = "test_notice", body: str = "Hello there."
) -> uuid.UUID:
    row_id = uuid.uuid4()
    async with db.unit_of_work(SYSTEM) as s:
        await s.execute(
            insert(EmailOutbox).values(
                id=row_id, to_address=to, template=template, subject="A notice", body_text=body
            )
        )
    return row_id


async def row(db: Database, row_id: uuid.UUID) -> EmailOutbox:
    async with db.unit_of_work(SYSTEM) as s:
        found = (await s.execute(select(EmailOutbox).where(EmailOutbox.id == row_id))).scalar_one()
        s.expunge(found)
        return found


async def drain(db: Database, t: SmtpTransport, settings: Settings) -> None:
    """Passes until nothing due is left (earlier tests of the run may have queued rows too)."""
    while True:
        report = await send_due(db, t, settings)
        if report.sent + report.retrying + report.failed == 0:
            return


async def test_a_queued_email_is_sent_over_starttls_with_credentials(
    mail_db: Database, peer: SmtpPeer, settings: Settings
) -> None:
    to = address()
    row_id = await queue(mail_db, to, body="Your appointment changed. Open Happy Path to see it.")
    await drain(mail_db, transport(peer), settings)

    [got] = peer.to(to)
    assert got.tls
    assert got.authenticated
    assert got.message["Subject"] == "A notice"
    assert got.message["Message-ID"] == f"<{row_id}@mail.test>"
    assert "Your appointment changed" in got.text
    stored = await row(mail_db, row_id)
    assert stored.status == EmailStatus.sent
    assert stored.sent_at is not None
    assert stored.provider_message_id == f"<{row_id}@mail.test>"
    assert stored.attempts == 1
    assert stored.last_error is None
    # Sent once: a later pass does not send it again.
    await drain(mail_db, transport(peer), settings)
    assert len(peer.to(to)) == 1


async def test_link_bodies_are_blanked_once_sent(
    mail_db: Database, peer: SmtpPeer, settings: Settings
) -> None:
    to = address()
    link = "http://127.0.0.1:8000/#reset-password=abc.def"
    row_id = await queue(mail_db, to, template="reset_password", body=f"Reset: {link}")
    await drain(mail_db, transport(peer), settings)
    assert link in peer.to(to)[0].text
    stored = await row(mail_db, row_id)
    assert stored.status == EmailStatus.sent
    assert stored.body_text == REDACTED


async def test_a_permanent_refusal_fails_the_row_and_a_temporary_one_retries_later(
    mail_db: Database, peer: SmtpPeer, settings: Settings
) -> None:
    bounced, deferred = address("bounce"), address("later")
    bounce_id, later_id = await queue(mail_db, bounced), await queue(mail_db, deferred)
    before = dt.datetime.now(dt.UTC)
    await drain(mail_db, transport(peer), settings)

    failed = await row(mail_db, bounce_id)
    assert failed.status == EmailStatus.failed
    assert failed.attempts == 1
    assert failed.last_error == "SMTPRecipientsRefused 550"  # the code, never the address
    waiting = await row(mail_db, later_id)
    assert waiting.status == EmailStatus.pending
    assert waiting.attempts == 1
    assert waiting.last_error == "SMTPRecipientsRefused 451"
    assert waiting.available_at >= before + dt.timedelta(seconds=20)  # first retry after ~30 s
    assert peer.to(bounced) == []
    assert peer.to(deferred) == []

    # At the last allowed attempt a temporary failure becomes final.
    last = settings.model_copy(update={"email_max_attempts": 2})
    await send_due(mail_db, transport(peer), last, now=waiting.available_at + dt.timedelta(seconds=1))
    gave_up = await row(mail_db, later_id)
    assert gave_up.status == EmailStatus.failed
    assert gave_up.attempts == 2


async def test_an_unreachable_or_untrusted_server_leaves_the_email_to_retry(
    mail_db: Database, peer: SmtpPeer, settings: Settings
) -> None:
    to = address()
    row_id = await queue(mail_db, to)
    # Not the CA that signed the server's certificate: STARTTLS must fail, nothing goes in clear.
    await send_due(mail_db, transport(peer, ca_file=None), settings, batch=1000)
    stored = await row(mail_db, row_id)
    assert stored.status == EmailStatus.pending
    assert stored.attempts == 1
    assert stored.last_error is not None
    assert "@" not in stored.last_error
    assert peer.to(to) == []

    peer.stop()
    await send_due(mail_db, transport(peer), settings, now=stored.available_at + dt.timedelta(seconds=1))
    again = await row(mail_db, row_id)
    assert again.status == EmailStatus.pending
    assert again.attempts == 2
    assert again.available_at > stored.available_at


async def test_two_workers_send_each_email_exactly_once(
    mail_db: Database, peer: SmtpPeer, settings: Settings
) -> None:
    addresses = [address("many") for _ in range(24)]
    ids = [await queue(mail_db, a) for a in addresses]
    other = Database(worker_database_url(settings), pool_size=2, max_overflow=0)
    try:
        t1, t2 = transport(peer), transport(peer)
        for _ in range(6):
            await asyncio.gather(
                send_due(mail_db, t1, settings, batch=5), send_due(other, t2, settings, batch=5)
            )
    finally:
        await other.dispose()
    await drain(mail_db, transport(peer), settings)
    for a in addresses:
        assert len(peer.to(a)) == 1, a
    for row_id in ids:
        assert (await row(mail_db, row_id)).status == EmailStatus.sent


def test_without_an_smtp_server_nothing_is_started(settings: Settings) -> None:
    assert settings.smtp_url is None
    assert email_tasks.start(None, settings, asyncio.Event()) == []  # type: ignore[arg-type]
