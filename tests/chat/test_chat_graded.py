"""Graded response and the way out of the screener, through a real socket and PostgreSQL.

The uncertain case (moderate from the classifier alone) is driven by the ``uncertain_engine``
fixture: the real engine in keyword-only mode plus a classifier stand-in sure about a few texts
(``tests/chat/engines.py``), so these tests do not move when the classifier is retrained.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.assessments.models import AdministrationStatus, UserAssessment
from hp_agent.chat.models import ChatMessage
from hp_agent.crisis.models import CheckAnswer, CrisisDetection, CrisisEscalation
from tests.chat.chat_client import Chat, new_user
from tests.chat.conftest import RAISED_TEXTS, UNCERTAIN_TEXTS
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "uncertain_engine")

FED_UP = UNCERTAIN_TEXTS[0]
LEXICON_MODERATE = "these dishes make me want to die"


async def _until_reply(chat: Chat, ack: dict[str, Any]) -> list[dict[str, Any]]:
    """Frames up to the agent's reply to ``ack`` (inclusive), or up to a crisis-flow frame that
    waits for the person (the agent does not reply then, and the caller's assertion says so)."""
    start = len(chat.frames)
    while True:
        frame = await chat.recv()
        if frame["type"] == "ping":
            await chat.send({"type": "pong", "ts": frame.get("ts")})
        elif _ends_turn(frame, ack):
            break
    return chat.frames[start:]


_WAITING = {"question", "check", "screener_result", "screener_declined", "acknowledge"}


def _ends_turn(frame: dict[str, Any], ack: dict[str, Any]) -> bool:
    if frame["type"] == "agent_message":
        return bool(frame.get("reply_to") == ack["client_message_id"])
    return frame["type"] == "safety" and frame.get("kind") in _WAITING


def _safety(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "safety"]


async def _detection_of(owner_engine: AsyncEngine, message_id: str) -> Any:
    async with owner_engine.connect() as conn:
        msg = (await conn.execute(select(ChatMessage).where(ChatMessage.id == uuid.UUID(message_id)))).one()
        return (
            await conn.execute(select(CrisisDetection).where(CrisisDetection.id == msg.crisis_detection_id))
        ).one()


async def _screeners(owner_engine: AsyncEngine, session_id: str) -> list[Any]:
    async with owner_engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    select(UserAssessment).where(UserAssessment.chat_session_id == uuid.UUID(session_id))
                )
            ).all()
        )


async def test_check_answered_no_returns_to_the_conversation(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("cbt-coach")

    trigger = await chat.say(FED_UP)
    check = await chat.expect("safety")
    assert check["kind"] == "check"
    assert check["seq"] == trigger["seq"] + 1
    # One gentle direct question, echoing a few of the person's words, not the screener.
    assert check["text"].startswith("When you say you're fed up,")
    assert "thoughts of hurting yourself" in check["text"]
    assert "dishes" not in check["text"]  # no long quotes of what they wrote
    assert [o["value"] for o in check["options"]] == ["yes", "no"]

    answer = await chat.say("no")
    frames = await _until_reply(chat, answer)
    kinds = [f["kind"] for f in _safety(frames)]
    assert kinds == ["check_cleared"]
    reply = frames[-1]
    assert reply["type"] == "agent_message"
    assert not reply.get("fallback")
    assert reply["seq"] == answer["seq"] + 2

    # The next message is ordinary conversation: no crisis frames at all. "tonight" right after
    # a message read at moderate is a timing cue for the engine's context; but the person said
    # no about that message, so the context reads it as the ordinary message it was.
    follow = await chat.say("ok i will try that tonight, thanks")
    frames = await _until_reply(chat, follow)
    assert _safety(frames) == []
    await chat.close()

    det = await _detection_of(owner_engine, trigger["message_id"])
    assert det.check_asked_at is not None
    assert det.check_answer == CheckAnswer.NO
    assert det.check_answered_at is not None
    assert det.check_answered_at >= det.check_asked_at
    assert det.false_alarm_reported_at is None
    assert await _screeners(owner_engine, session_id) == []  # the screener never started


async def test_a_no_that_reads_moderate_itself_is_cleared_with_the_check(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("cbt-coach")
    await chat.say(FED_UP)
    assert (await chat.expect("safety"))["kind"] == "check"
    answer = await chat.say(UNCERTAIN_TEXTS[2])
    assert [f["kind"] for f in _safety(await _until_reply(chat, answer))] == ["check_cleared"]
    det = await _detection_of(owner_engine, answer["message_id"])
    assert det.risk_level.value == "moderate"
    assert det.check_answer == CheckAnswer.NO  # not left standing as risk earlier in the conversation
    # Something uncertain later is asked about again (not screened), saying so.
    await chat.say(UNCERTAIN_TEXTS[1])
    again = await chat.expect("safety")
    assert again["kind"] == "check"
    assert again["text"].startswith("I asked you this earlier")
    await chat.close()


async def test_a_high_risk_answer_to_the_check_gets_todays_high_risk_flow(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("listener")
    await chat.say(FED_UP)
    assert (await chat.expect("safety"))["kind"] == "check"
    await chat.say("yes. I'm going to kill myself tonight, I have the pills ready")
    acknowledge, resources, question = [await chat.expect("safety") for _ in range(3)]
    assert acknowledge["kind"] == "acknowledge"
    assert "your safety matters most" in acknowledge["text"] or "make sure you're safe" in acknowledge["text"]
    assert resources["payload"]["urgent"] is True
    assert question["question"]["item_id"] == "cssrs_1"
    await chat.close()
    async with owner_engine.connect() as conn:
        escalations = (
            await conn.execute(
                select(CrisisEscalation).where(CrisisEscalation.chat_session_id == uuid.UUID(session_id))
            )
        ).all()
    assert len(escalations) == 1


async def test_a_level_raised_by_the_conversation_alone_gets_the_check(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("listener")
    first = await chat.say("we had another argument about chores")
    assert _safety(await _until_reply(chat, first)) == []
    await chat.say(RAISED_TEXTS[0])
    check = await chat.expect("safety")
    assert check["kind"] == "check"
    assert check["text"].startswith("I want to check something with you")  # no phrase to echo
    await chat.close()


async def test_a_denied_reading_stays_cleared_for_another_instance(live_server: LiveServer) -> None:
    """What the person said is read from PostgreSQL, not only from this process's memory."""
    from hp_agent.crisis.assessor import current_detector, remembered

    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("cbt-coach")
    trigger = await chat.say(FED_UP)
    assert (await chat.expect("safety"))["kind"] == "check"
    no = await chat.say("no")
    await chat.expect("agent_message", reply_to=no["client_message_id"])
    await chat.close()
    # Another instance has only the engine's own reading of the message (as the engine would
    # give it again), not what the person said about it: that comes from the database.
    remembered.put(uuid.UUID(trigger["message_id"]), current_detector().assess(FED_UP))
    other = await Chat.connect(live_server.ws_url, user["access_token"])
    await other.send({"type": "resume", "session_id": session_id, "last_seq": no["seq"] + 2})
    await other.expect("replay_complete")
    follow = await other.say("ok i will try that tonight, thanks")
    assert _safety(await _until_reply(other, follow)) == []
    await other.close()


async def test_check_answered_unclearly_starts_the_full_flow(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("listener")
    trigger = await chat.say(FED_UP)
    assert (await chat.expect("safety"))["kind"] == "check"

    await chat.say("what do you mean by that")
    acknowledge, resources, question = [await chat.expect("safety") for _ in range(3)]
    assert acknowledge["kind"] == "acknowledge"
    assert acknowledge["text"].startswith("Thank you. I want to make sure you're okay")
    assert resources["kind"] == "resources"
    assert resources["payload"]["crisis_lines"]
    assert question["kind"] == "question"
    assert question["question"]["item_id"] == "cssrs_1"
    await chat.close()

    det = await _detection_of(owner_engine, trigger["message_id"])
    assert det.check_answer == CheckAnswer.UNCLEAR
    [screener] = await _screeners(owner_engine, session_id)
    assert screener.status == AdministrationStatus.IN_PROGRESS


async def test_lexicon_backed_moderate_keeps_the_full_flow(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("cbt-coach")
    await chat.say("i just want to disappear")
    kinds = [(await chat.expect("safety"))["kind"] for _ in range(3)]
    assert kinds == ["acknowledge", "resources", "question"]
    await chat.close()


async def test_uncertain_message_after_earlier_risk_gets_the_full_flow(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("cbt-coach")
    await chat.say(LEXICON_MODERATE)
    assert [(await chat.expect("safety"))["kind"] for _ in range(3)] == [
        "acknowledge",
        "resources",
        "question",
    ]
    await chat.say("skip")
    assert (await chat.expect("safety"))["kind"] == "screener_declined"
    await chat.expect("safety", kind="resources")
    # Risk earlier in the conversation: the classifier alone is no longer "uncertain".
    await chat.say(UNCERTAIN_TEXTS[1])
    frame = await chat.expect("safety")
    assert frame["kind"] == "acknowledge"
    assert (await chat.expect("safety"))["kind"] == "resources"
    await chat.close()


async def test_i_meant_the_dishes_steps_out_of_the_screener(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("cbt-coach")
    trigger = await chat.say(LEXICON_MODERATE)
    q1 = [await chat.expect("safety") for _ in range(3)][-1]
    assert q1["kind"] == "question"

    out = await chat.say("No, I meant the dishes")
    frames = await _until_reply(chat, out)
    [exit_frame] = _safety(frames)
    assert exit_frame["kind"] == "screener_exit"
    assert "misunderstanding" in exit_frame["text"]
    # The crisis lines stay one tap away.
    lines = exit_frame["payload"]["crisis_lines"]
    assert lines
    assert all(line["action"]["uri"] for line in lines if line.get("action"))
    assert frames[-1]["type"] == "agent_message"
    assert not frames[-1].get("fallback")

    # Back in ordinary conversation ("tonight" after a risky message would be a timing cue; the
    # person took that message back, so it is not one).
    ordinary = await chat.say("ok so i'll talk to him about it tonight")
    assert _safety(await _until_reply(chat, ordinary)) == []

    det = await _detection_of(owner_engine, trigger["message_id"])
    assert det.false_alarm_reported_at is not None  # kept, and marked as the person's own report
    [screener] = await _screeners(owner_engine, session_id)
    assert screener.status == AdministrationStatus.ABANDONED
    assert screener.crisis_detection_id == det.id

    # Something risky afterwards gets the whole flow again, screener included.
    await chat.say("honestly i want to die")
    kinds = [(await chat.expect("safety"))["kind"] for _ in range(3)]
    assert kinds == ["acknowledge", "resources", "question"]
    await chat.close()
    assert len(await _screeners(owner_engine, session_id)) == 2


@pytest.mark.parametrize(
    "answer",
    [
        "no",  # an answer to "have you wished you were dead?", not a way out
        "I'm not joking, I meant it",
        "that's not what I meant, I want to kill myself",
    ],
)
async def test_screener_answers_and_risk_are_never_a_way_out(
    live_server: LiveServer, owner_engine: AsyncEngine, answer: str
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("listener")
    trigger = await chat.say(LEXICON_MODERATE)
    [await chat.expect("safety") for _ in range(3)]
    await chat.say(answer)
    frame = await chat.expect("safety")
    while frame["kind"] == "resources":  # a high-risk answer brings the lines first
        frame = await chat.expect("safety")
    assert frame["kind"] != "screener_exit"
    assert frame["kind"] in {"question", "screener_result"}
    await chat.close()
    det = await _detection_of(owner_engine, trigger["message_id"])
    assert det.false_alarm_reported_at is None
    assert (await _screeners(owner_engine, session_id))[0].status != AdministrationStatus.ABANDONED
