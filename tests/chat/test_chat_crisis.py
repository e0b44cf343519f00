"""The crisis layer on every message, through a real socket and the full crisis engine."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.assessments.models import AssessmentResponse, Severity, UserAssessment
from hp_agent.chat.models import ChatMessage
from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded")

CRISIS = "I want to kill myself. I can't do this anymore."


async def _crisis_frames(chat: Chat) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    ack = await chat.say(CRISIS)
    frames = [await chat.expect("safety") for _ in range(3)]
    return ack, frames


@pytest.mark.parametrize(
    ("country", "locale", "number"), [("US", "en-US", "988"), ("GB", "en-GB", "116 123")]
)
async def test_chat_crisis_message_gets_safety_frame_with_local_lines(
    live_server: LiveServer, owner_engine: AsyncEngine, country: str, locale: str, number: str
) -> None:
    user = await new_user(live_server.http_url, country=country, locale=locale)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("listener")
    ack, (acknowledge, resources, question) = await _crisis_frames(chat)

    assert acknowledge["kind"] == "acknowledge"
    assert "Thank you for telling me" in acknowledge["text"]
    assert resources["kind"] == "resources"
    lines = resources["payload"]["crisis_lines"]
    assert any(line["contact"] == number for line in lines), [line["contact"] for line in lines]
    first = next(line for line in lines if line["contact"] == number)
    assert first["country_code"] == country
    assert first["action"]["uri"] == "tel:" + number.replace(" ", "")
    assert resources["payload"]["urgent"] is True  # the message is high risk
    assert question["kind"] == "question"
    assert question["question"]["item_id"] == "cssrs_1"
    assert [acknowledge["seq"], resources["seq"], question["seq"]] == [
        ack["seq"] + 1,
        ack["seq"] + 2,
        ack["seq"] + 3,
    ]
    # No generated text: the agent did not answer this message.
    assert not [
        f
        for f in chat.frames
        if f["type"] in ("agent_token",) and f.get("reply_to") == ack["client_message_id"]
    ]
    await chat.close()

    async with owner_engine.connect() as conn:
        msg = (
            await conn.execute(select(ChatMessage).where(ChatMessage.id == uuid.UUID(ack["message_id"])))
        ).one()
        assert msg.risk_level >= RiskLevel.HIGH
        det = (
            await conn.execute(select(CrisisDetection).where(CrisisDetection.id == msg.crisis_detection_id))
        ).one()
        assert det.source == DetectionSource.CHAT_MESSAGE
        assert det.source_id == msg.id
        assert det.chat_session_id == uuid.UUID(session_id)
        esc = (
            await conn.execute(
                select(CrisisEscalation).where(CrisisEscalation.chat_session_id == uuid.UUID(session_id))
            )
        ).all()
        assert len(esc) == 1


async def test_chat_screener_one_question_at_a_time_high_risk_escalates(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("cbt-coach")
    _, (_, _, q1) = await _crisis_frames(chat)
    assessment_id = q1["question"]["assessment_id"]

    await chat.say("yeah")  # Q1
    q2 = await chat.expect("safety", kind="question")
    assert q2["question"]["item_id"] == "cssrs_2"
    await chat.say("hmm")  # not readable as yes or no: asked again
    again = await chat.expect("safety", kind="question")
    assert again["question"]["item_id"] == "cssrs_2"
    assert again["intro"]
    await chat.say("yes, I have")  # Q2
    q3 = await chat.expect("safety", kind="question")
    assert q3["question"]["item_id"] == "cssrs_3"
    await chat.say("kind of")  # Q3
    q4 = await chat.expect("safety", kind="question")
    assert q4["question"]["item_id"] == "cssrs_4"
    await chat.say("yes")  # Q4 -> high risk: the screener ends and help comes first
    result = await chat.expect("safety", kind="screener_result")
    assert result["result"] == {"severity": "high_risk", "risk_level": "high"}
    resources = await chat.expect("safety", kind="resources")
    assert resources["payload"]["urgent"] is True
    await chat.close()

    async with owner_engine.connect() as conn:
        ua = (
            await conn.execute(select(UserAssessment).where(UserAssessment.id == uuid.UUID(assessment_id)))
        ).one()
        assert ua.severity == Severity.HIGH_RISK
        assert ua.critical_flag
        assert ua.total_score == 4
        assert ua.chat_session_id == uuid.UUID(session_id)
        answers = dict(
            (
                await conn.execute(
                    select(AssessmentResponse.item_id, AssessmentResponse.value).where(
                        AssessmentResponse.user_assessment_id == ua.id
                    )
                )
            ).all()
        )
        assert answers == {"cssrs_1": 1, "cssrs_2": 1, "cssrs_3": 1, "cssrs_4": 1}
        det = (
            await conn.execute(select(CrisisDetection).where(CrisisDetection.id == ua.crisis_detection_id))
        ).one()
        assert det.source == DetectionSource.ASSESSMENT
        assert det.source_id == ua.id
        assert det.risk_level == RiskLevel.HIGH
        esc = (
            await conn.execute(
                select(CrisisEscalation).where(CrisisEscalation.chat_session_id == uuid.UUID(session_id))
            )
        ).one()
        assert esc.detection_count >= 2  # the message and the screener, one escalation (cooldown)


async def test_chat_screener_no_answers_skip_to_q6_and_back_to_agent(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("listener")
    _, (_, _, q1) = await _crisis_frames(chat)
    await chat.say("no")
    assert (await chat.expect("safety", kind="question"))["question"]["item_id"] == "cssrs_2"
    await chat.say("nope, not really")
    # No to Q2 skips Q3-5.
    assert (await chat.expect("safety", kind="question"))["question"]["item_id"] == "cssrs_6"
    await chat.say("never")
    result = await chat.expect("safety", kind="screener_result")
    assert result["result"]["severity"] == "no_risk_identified"
    await chat.close()
    async with owner_engine.connect() as conn:
        ua = (
            await conn.execute(
                select(UserAssessment).where(UserAssessment.id == uuid.UUID(q1["question"]["assessment_id"]))
            )
        ).one()
        assert ua.severity == Severity.NO_RISK_IDENTIFIED
        assert ua.total_score == 0
        assert not ua.critical_flag
