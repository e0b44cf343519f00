"""Driving the web client: pages that record what they request, and the few user journeys the
tests and ``scripts/screenshots.py`` share."""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect
from sqlalchemy import select

from hp_agent.db.session import Database
from hp_agent.users.models import User, UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD, link, make_user

PHONE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 860}


@dataclass
class Recorder:
    """Everything a page sent or printed: URLs (HTTP and websocket), console text, script errors,
    and every token the server handed out, so a test can check none of them leaked."""

    urls: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    ws_received: list[dict[str, Any]] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("websocket", self._socket)
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", self._response)

    def _socket(self, ws: Any) -> None:
        self.urls.append(ws.url)
        ws.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        with contextlib.suppress(ValueError, TypeError):
            self.ws_received.append(json.loads(payload))

    async def _response(self, response: Any) -> None:
        signs_in = ("/v1/auth/login", "/v1/auth/refresh", "/v1/auth/login/mfa")
        if response.url.endswith(signs_in) and response.ok:
            body = await response.json()
            self.tokens.update(body[k] for k in ("access_token", "refresh_token", "mfa_token") if k in body)

    def frames(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.ws_received if f.get("type") == kind]


async def open_client(
    browser: Browser, server: LiveServer, viewport: ViewportSize | None = None
) -> tuple[BrowserContext, Page, Recorder]:
    context = await browser.new_context(base_url=server.http_url, viewport=viewport or DESKTOP)
    page = await context.new_page()
    rec = Recorder()
    rec.attach(page)
    await page.goto("/")
    return context, page, rec


def new_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


async def sign_up(page: Page, email: str, name: str = "Alex") -> None:
    await page.get_by_label("Name (optional)").fill(name)
    await page.get_by_label("Email", exact=True).last.fill(email)
    await page.locator("#signup-password").fill(PASSWORD)
    await page.get_by_label("Country (for the right crisis lines)").select_option("US")
    await page.get_by_label("I accept the terms of service").check()
    await page.get_by_label("I accept the privacy policy").check()
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name="Talk it through")).to_be_visible()


async def sign_in(page: Page, email: str) -> None:
    await page.locator("#signin-email").fill(email)
    await page.locator("#signin-password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await second_step(page, email)


_AFTER_PASSWORD = """() => {
  const shown = (s) => { const e = document.querySelector(s); return !!e && !e.hidden; };
  if (shown("#mfa-form")) return "code";
  if (shown("#view-auth")) return null;
  if (shown("#view-security")) return shown("#mfa-start") ? "enrol" : null;
  return "in";
}"""


async def second_step(page: Page, email: str) -> None:
    """What a clinician or admin does after the password: the first time, set up an authenticator
    (the key read off the screen, codes from pyotp: tests/mfa_helpers.py); later, type its code."""
    state = await (await page.wait_for_function(_AFTER_PASSWORD)).json_value()
    if state == "code":
        await page.locator("#mfa-code").fill(await mfa_helpers.next_code(email))
        await page.get_by_role("button", name="Continue").click()
    elif state == "enrol":
        await page.locator("#mfa-start").click()
        mfa_helpers.enrolled(email, (await page.locator("#mfa-secret").inner_text()).strip())
        await page.locator("#mfa-enrol-code").fill(await mfa_helpers.next_code(email))
        await page.get_by_role("button", name="Turn on").click()
        await expect(page.locator("#recovery-codes li")).to_have_count(10)
        await page.locator("#recovery-saved").click()


async def start_chat(page: Page, agent_name: str = "Sam") -> None:
    await page.get_by_label(agent_name).check()
    await page.get_by_role("button", name="Start conversation").click()
    # The greeting is the session's first stored frame.
    await expect(page.locator("#chat-log .msg.agent").first).not_to_be_empty()


async def say(page: Page, text: str) -> None:
    await page.get_by_label("Your message").fill(text)
    await page.get_by_label("Your message").press("Enter")


async def user_id(db: Database, email: str) -> uuid.UUID:
    async with db.unit_of_work(SYSTEM) as s:
        return (await s.execute(select(User.id).where(User.email == email))).scalar_one()


async def therapist_for(db: Database, patient_email: str, *, plan: bool = True) -> str:
    """A therapist in an active, consented relationship with the patient; returns their email."""
    patient = await user_id(db, patient_email)
    therapist = await make_user(db, UserRole.therapist, prefix="th")
    await link(db, patient, therapist, plan=plan)
    async with db.unit_of_work(SYSTEM) as s:
        return (await s.execute(select(User.email).where(User.id == therapist))).scalar_one()
