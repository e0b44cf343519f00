"""Sign-in security in Chromium: a clinician sets up two-step sign-in before anything else, signs in
with a code and with a recovery code; a patient confirms their address and resets a forgotten
password with links that went out through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.notifications.email import SmtpTransport
from hp_agent.notifications.email_tasks import send_due
from hp_agent.users.models import User, UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD, make_user
from tests.smtp_peer import SmtpPeer
from tests.web.harness import new_email, open_client, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NEW_PASSWORD = "Brighter-Morning-Tide-41"


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[SmtpPeer]:
    server = SmtpPeer.start(tmp_path)
    yield server
    server.stop()


async def _email_of(db: Database, user_id: Any) -> str:
    async with db.unit_of_work(SYSTEM) as s:
        user = await s.get(User, user_id)
        assert user is not None
        return user.email


async def _deliver(db: Database, peer: SmtpPeer, settings: Settings) -> None:
    transport = SmtpTransport(peer.url, sender=settings.email_from, ca_file=peer.ca_file)
    while (r := await send_due(db, transport, settings)).sent + r.retrying + r.failed:
        pass


async def test_a_clinician_sets_up_two_step_sign_in_then_uses_it(
    browser: Any, web_server: LiveServer, web_db: Database
) -> None:
    email = await _email_of(web_db, await make_user(web_db, UserRole.therapist, prefix="mfa-doc"))
    ctx, page, rec = await open_client(browser, web_server)
    try:
        await page.locator("#signin-email").fill(email)
        await page.locator("#signin-password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        # Only the Security screen until a second factor is set up.
        await expect(page.get_by_role("heading", name="Security")).to_be_visible()
        await expect(page.locator("#security-required")).to_be_visible()
        await expect(page.get_by_role("button", name="Caseload")).to_be_hidden()
        await page.get_by_role("button", name="Set up two-step sign-in").click()
        secret = (await page.locator("#mfa-secret").inner_text()).strip()
        await expect(page.locator("#mfa-uri")).to_contain_text(f"secret={secret}")
        mfa_helpers.enrolled(email, secret)
        await page.get_by_label("The 6-digit code the app shows").fill("000000")
        await page.get_by_role("button", name="Turn on").click()
        await expect(page.locator("#mfa-enrol-form .form-error")).to_contain_text("does not match")
        await page.get_by_label("The 6-digit code the app shows").fill(await mfa_helpers.next_code(email))
        await page.get_by_role("button", name="Turn on").click()
        await expect(page.locator("#recovery-codes li")).to_have_count(10)
        codes = [c.strip() for c in await page.locator("#recovery-codes li").all_inner_texts()]
        await page.get_by_role("button", name="I have saved these codes").click()
        await expect(page.get_by_role("button", name="Caseload")).to_be_visible()
        await expect(page.get_by_role("heading", name="Security")).to_be_hidden()

        # Signing out reloads the page (app.js signedOut); typing before that load finishes loses
        # the fields to the fresh page, and the test then waited for a code box that never came.
        async with page.expect_event("load"):
            await page.get_by_role("button", name="Sign out").click()
        await expect(page.locator("#signin-form")).to_be_visible()
        await page.locator("#signin-email").fill(email)
        await page.locator("#signin-password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_label("Code from your authenticator app").fill("123 456")
        await page.get_by_role("button", name="Continue").click()
        await expect(page.locator("#mfa-form .form-error")).to_contain_text("not correct")
        await page.get_by_role("button", name="Use a recovery code instead").click()
        await page.get_by_label("Recovery code").fill(codes[0])
        await page.get_by_role("button", name="Continue").click()
        await expect(page.get_by_role("button", name="Caseload")).to_be_visible()

        # The Security screen now offers to turn it off; 9 codes are left.
        await page.get_by_role("navigation", name="Main").get_by_role("button", name="Security").click()
        await expect(page.locator("#security-mfa-state")).to_contain_text("Two-step sign-in is on")
        await expect(page.locator("#security-mfa")).to_contain_text("9 unused recovery codes")
        assert secret not in " ".join(rec.urls + rec.console)
        assert not rec.errors
    finally:
        await ctx.close()


async def test_email_confirmation_and_password_reset_through_smtp(
    browser: Any, web_server: LiveServer, web_db: Database, web_settings: Settings, peer: SmtpPeer
) -> None:
    email = new_email("reset")
    ctx, page, rec = await open_client(browser, web_server)
    try:
        await sign_up(page, email, name="Sam")
        await page.get_by_role("navigation", name="Main").get_by_role("button", name="Security").click()
        await expect(page.locator("#security-email")).to_contain_text("not confirmed yet")
    finally:
        await ctx.close()

    # Another day, another device: the password is forgotten.
    ctx, page, rec = await open_client(browser, web_server)
    try:
        await page.get_by_role("button", name="Forgot your password?").click()
        await page.get_by_label("Your account's email").fill(email)
        await page.get_by_role("button", name="Email me a link").click()
        await expect(page.locator("#forgot-form .form-ok")).to_contain_text("If an account uses this address")
        await _deliver(web_db, peer, web_settings)
    finally:
        await ctx.close()

    by_subject = {m.message["Subject"]: m for m in peer.to(email)}
    confirm = by_subject["Confirm your email address"]
    reset = by_subject["Reset your Happy Path password"]
    assert web_settings.public_url + "/#verify-email=" in confirm.text
    assert confirm.tls
    assert confirm.authenticated

    # The confirmation link, opened in a fresh tab.
    ctx, page, rec = await open_client(browser, web_server)
    try:
        await page.goto(f"/#verify-email={confirm.link_token()}")
        await expect(page.locator("#auth-notice")).to_contain_text(f"{email} is confirmed")
        assert "verify-email" not in page.url  # the token left the address bar
        await page.goto("about:blank")
        await page.goto(f"/#verify-email={confirm.link_token()}")
        await expect(page.locator("#auth-notice")).to_contain_text("already been used")

        await page.goto("about:blank")
        await page.goto(f"/#reset-password={reset.link_token()}")
        await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        await page.get_by_label("The new password again").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Change password").click()
        await expect(page.locator("#auth-notice")).to_contain_text("Your password is changed")

        await page.locator("#signin-email").fill(email)
        await page.locator("#signin-password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator("#signin-form .form-error")).to_contain_text("Incorrect email or password")
        await page.locator("#signin-password").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", name="Talk it through")).to_be_visible()
        await page.get_by_role("navigation", name="Main").get_by_role("button", name="Security").click()
        await expect(page.locator("#security-email")).to_contain_text("confirmed")
        await expect(page.locator("#security-email")).not_to_contain_text("not confirmed")
        assert not rec.errors
    finally:
        await ctx.close()
    await _deliver(web_db, peer, web_settings)
    assert "Your Happy Path password was changed" in [m.message["Subject"] for m in peer.to(email)]
