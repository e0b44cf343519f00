"""Sign up, chat, the crisis flow, and a therapist receiving the escalation live, in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from hp_agent.db.session import Database
from tests.conftest import LiveServer
from tests.web.harness import new_email, open_client, say, sign_in, sign_up, start_chat, therapist_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CRISIS = "I am going to kill myself tonight, I have the pills ready"


async def test_chat_crisis_and_live_escalation(
    browser: Any, web_server: LiveServer, web_db: Database
) -> None:
    patient_ctx, page, rec = await open_client(browser, web_server)
    email = new_email("web")
    await sign_up(page, email)
    therapist_email = await therapist_for(web_db, email)

    # The therapist's console is open before the patient writes: the alert must arrive live.
    th_ctx, console, th_rec = await open_client(browser, web_server)
    await sign_in(console, therapist_email)
    await expect(console.get_by_role("heading", name="Escalation queue")).to_be_visible()
    await expect(console.locator("#console-conn")).to_have_text("Live")
    await expect(console.locator("#queue > li")).to_have_count(0)

    await start_chat(page, "Sam")
    # Chosen to be plainly risk-free (the engine scores it "none"), so the agent itself answers.
    await say(page, "I have an exam on Friday and want to plan my revision.")
    reply = page.locator("#chat-log .msg.agent").nth(1)
    await expect(reply).not_to_be_empty()
    await expect(reply).to_have_attribute("aria-busy", "false")
    tokens = rec.frames("agent_token")
    final = rec.frames("agent_message")[-1]
    assert len(tokens) > 1, "the reply was not streamed"
    assert "".join(t["text"] for t in tokens if t["reply_to"] == final["reply_to"]) == final["text"]
    await expect(reply.locator(".msg-text")).to_have_text(final["text"])
    await expect(page.locator("#chat-log .msg.user")).to_have_count(1)

    await say(page, CRISIS)
    panel = page.locator("#crisis-panel")
    await expect(panel).to_be_visible()
    await expect(panel).to_be_focused()
    call = panel.get_by_role("link", name=re.compile(r"^Call 988"))
    await expect(call.first).to_have_attribute("href", "tel:988")
    await expect(panel.locator("a[href^='sms:']").first).to_be_visible()
    # The first C-SSRS question comes with tap-to-answer buttons.
    await expect(page.locator("#quick-replies button").first).to_be_visible()

    alert = console.locator("#queue > li").first
    await expect(alert).to_be_visible(timeout=5000)
    await expect(alert.get_by_role("heading")).to_contain_text(re.compile(r"(high|imminent) risk"))
    await expect(console.locator("#announcer")).to_contain_text(
        re.compile(r"New (high|imminent) risk escalation")
    )
    await alert.get_by_role("button", name="Acknowledge").click()
    await expect(alert.locator(".acked")).to_contain_text("Acknowledged")
    await expect(alert).to_contain_text("Status: acknowledged")
    await alert.get_by_text("Add note").click()
    await alert.get_by_label("Note (stored encrypted)").fill("Called; she is with her sister tonight.")
    await alert.get_by_role("button", name="Save note").click()
    await expect(console.locator("#announcer")).to_have_text("Note saved.")
    alert = console.locator("#queue > li").first  # the card is redrawn from the server's answer
    await alert.get_by_text("Resolve", exact=True).click()
    await alert.get_by_label("Outcome").select_option("contacted_user")
    await alert.get_by_role("button", name="Resolve escalation").click()
    await expect(console.locator("#queue > li")).to_have_count(0)
    await expect(console.locator("#queue-empty")).to_be_visible()

    # A reload rebuilds the conversation from the server: nothing lost, nothing doubled.
    users_before = await page.locator("#chat-log .msg.user").all_inner_texts()
    agents_before = await page.locator("#chat-log .msg.agent").count()
    await page.reload()
    await expect(page.locator("#chat-log .msg.user")).to_have_count(len(users_before))
    assert await page.locator("#chat-log .msg.user").all_inner_texts() == users_before
    await expect(page.locator("#chat-log .msg.agent")).to_have_count(agents_before)
    await expect(page.locator("#chat-log .msg.safety.resources")).to_have_count(1)

    for r in (rec, th_rec):
        assert r.tokens, "no tokens were issued?"
        leaked = [u for u in r.urls for t in r.tokens if t in u]
        assert not leaked, "a token appeared in a requested URL"
        assert not [c for c in r.console for t in r.tokens if t in c], "a token was logged"
        assert not r.errors, r.errors
        assert not [c for c in r.console if "Content Security Policy" in c], "the page broke its own CSP"
    await patient_ctx.close()
    await th_ctx.close()


async def test_socket_drop_resumes_without_loss_or_duplicates(browser: Any, web_server: LiveServer) -> None:
    context, page, rec = await open_client(browser, web_server)
    await sign_up(page, new_email("drop"))
    sockets: list[Any] = []

    async def relay(ws: Any) -> None:
        sockets.append(ws)
        ws.connect_to_server()

    await page.route_web_socket(re.compile(r".*/v1/ws/chat$"), relay)
    await start_chat(page, "Alex")
    await say(page, "First message before the drop.")
    await expect(page.locator("#chat-log .msg.agent")).to_have_count(2)
    await sockets[0].close(code=1012)  # the server restarts under the client
    await say(page, "Second message, sent while reconnecting.")
    await expect(page.locator("#chat-conn")).to_have_text("Connected")
    await expect(page.locator("#chat-log .msg.agent")).to_have_count(3)
    await expect(page.locator("#chat-log .msg.user")).to_have_count(2)
    await expect(page.locator("#chat-log .msg.user.sending")).to_have_count(0)
    assert len(sockets) == 2
    resumes = [f for f in rec.frames("session_resumed")]
    assert len(resumes) == 1
    assert not rec.errors, rec.errors
    await context.close()
