"""The one way into the crisis layer for the rest of the service.

Two questions, asked of every piece of text a person writes:

- ``screen(...)``: what does it say about risk? The engine reads it (with context), the detection
  is recorded and an escalation opened or attached, in the caller's unit of work. Pieces stored
  on their own (journal, mood, assessments, homework, medication notes) call ``screen`` and get a
  ``Screening`` back; the chat assesses first with ``assess_message`` (outside any transaction:
  it is CPU work that queues) and passes that assessment to ``screen``.
- ``respond(...)``: what is shown? For a chat message, the scripted frames' bodies (the full flow,
  the one-question check, the screener and the way out of it) and whether the agent answers; for
  the other callers, ``safety_for`` (the payload beside a stored piece) and the bodies below.

Callers store and render what these return and decide nothing about levels themselves. Nothing
outside ``hp_agent/crisis`` imports ``crisis_engine`` or the flow modules
(``tests/crisis_service/test_structure.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine import Assessment, Context, ContextMessage
from hp_agent.crisis import assessor, chat_turn, engine, flow, reply_check
from hp_agent.crisis.chat_turn import CLEARED, SCRIPTED_BY, Conversation, CrisisReply
from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.crisis.safety import Where, whereabouts
from hp_agent.crisis.screening import (
    NOTHING,
    Screening,
    record_rule,
    safety_for,
    screen,
    worst,
)

__all__ = [
    "NOTHING",
    "SCRIPTED_BY",
    "Assessment",
    "Context",
    "Conversation",
    "CrisisReply",
    "DetectionSource",
    "Screening",
    "Turn",
    "Where",
    "agent_unavailable_text",
    "assess_message",
    "message_context",
    "record_rule",
    "reminder_body",
    "reply_blocked",
    "respond",
    "safe_fallback_text",
    "safety_body",
    "safety_for",
    "screen",
    "sentence_encoder",
    "warm_up",
    "whereabouts",
    "worst",
]

CONTEXT_MESSAGES = 6  # the engine's context window (ContextRules.window)
Turn = tuple[uuid.UUID, str, dt.datetime | None]  # a person's earlier message: id, text, written at


# -- the chat -------------------------------------------------------------------------------------


def message_context(turns: Sequence[Turn], denied: frozenset[uuid.UUID] = frozenset()) -> Context:
    """The engine's context for a chat message: the person's last messages (oldest first) with
    their remembered assessments. A message the person answered no about (the one-question
    check), or retracted below high, is given as the ordinary message they said it was
    (``chat_turn.CLEARED``): no risk builds on it."""
    now = dt.datetime.now(dt.UTC)
    return Context(
        recent_messages=tuple(
            ContextMessage(
                text=text,
                assessment=CLEARED if message_id in denied else assessor.remembered.get(message_id),
                seconds_ago=max(0.0, (now - at).total_seconds()) if at else None,
            )
            for message_id, text, at in list(turns)[-CONTEXT_MESSAGES:]
        )
    )


async def assess_message(text: str, context: Context | None) -> Assessment:
    """The engine's reading of a chat message, batched across sockets and off the event loop."""
    return await assessor.assess(text, context)


async def respond(
    session: AsyncSession,
    conversation: Conversation,
    *,
    text: str,
    screening: Screening,
    screener_open: bool,
    check_open: bool,
    context: Context | None = None,
) -> CrisisReply:
    """How the crisis layer answers a screened chat message (``chat_turn.respond``)."""
    assert screening.outcome is not None, "respond() needs the screening of this message"
    return await chat_turn.respond(
        session,
        conversation,
        text=text,
        outcome=screening.outcome,
        screener_open=screener_open,
        check_open=check_open,
        context=context,
    )


async def reply_blocked(text: str, generated: bool = True) -> bool:
    """Whether the engine's reading of an *agent* reply means it must not be sent.

    High or imminent always; moderate only with lexicon evidence (the classifier alone over-reads
    an agent's reflective questions at that level). ``generated``: a model wrote it (read whole);
    otherwise the service did (read sentence by sentence, each sentence once; ``reply_check``).
    """
    a = await reply_check.assess_reply(text, generated=generated)
    return a.level >= RiskLevel.HIGH or (a.level >= RiskLevel.MODERATE and a.keyword_score > 0)


def safe_fallback_text() -> str:
    """What is sent instead of an agent reply that failed its checks."""
    return " ".join(flow.flow_text().safe_fallback.split())


def agent_unavailable_text() -> str:
    return " ".join(flow.flow_text().agent_unavailable.split())


def reminder_body(data: dict[str, Any]) -> dict[str, Any]:
    """A relayed safety reminder (the escalation was not acknowledged in time) as a ``safety`` body."""
    lines = data.get("crisis_lines")
    body = flow.text_body("reminder", flow.flow_text().reminder)
    body.update(
        {
            "reason": str(data.get("reason") or "reminder")[:80],
            "escalation_id": str(data.get("escalation_id")) if data.get("escalation_id") else None,
            "payload": {"crisis_lines": flow.with_actions(lines) if isinstance(lines, list) else []},
        }
    )
    return body


# -- everything else ------------------------------------------------------------------------------


def safety_body(safety: dict[str, Any]) -> dict[str, Any]:
    """The chat's ``resources`` body for a ``safety_for`` payload (guided sessions show it the
    same way): the level's acknowledgement, the lines with their tap actions, the plan."""
    payload = {**safety, "crisis_lines": flow.with_actions(list(safety.get("crisis_lines") or []))}
    words = flow.flow_text()
    intro = f"{flow.acknowledge_text(RiskLevel(payload['level']))} {words.resources_intro}"
    if payload.get("safety_plan"):
        intro = f"{intro} {words.resources_with_plan}"
    return {"kind": "resources", "text": " ".join(intro.split()), "payload": payload}


# -- the process ----------------------------------------------------------------------------------


def warm_up() -> None:
    """Load the engine now rather than on the first message (it takes seconds)."""
    engine.get_detector()


async def agent_embedding(text: str) -> Any:
    """The sentence embedding the scripted agents read intent and topic from, for a message whose
    assessment carries none: the engine's first stage settles most ordinary messages without the
    encoder, and without a vector the agents fall back to keyword patterns and answer worse.
    None in keyword-only mode."""
    encoder = assessor.current_detector().encoder
    if encoder is None:
        return None
    vectors = await anyio.to_thread.run_sync(encoder.encode, [text])
    return vectors[0]


def sentence_encoder(threads: int = 1) -> Any:
    """The engine's sentence encoder, for what is trained on its embeddings (the scripted
    agents' intent and topic heads read the embedding each assessment carries)."""
    from crisis_engine.encoder import SentenceEncoder

    return SentenceEncoder.load(threads=threads)
