"""How the crisis layer answers one user message, inside the message's transaction.

In order (docs/crisis-engine.md, "Graded response"):

1. A screener in progress: the message answers its question, unless it is an explicit way out
   ("no, I meant the dishes"), which ends the screener, marks the detections behind it as a
   self-reported false alarm and hands the conversation back to the agent.
2. A check waiting for its answer: no goes back to the agent (which takes up what the person was
   talking about); yes, or anything unclear, starts the full flow.
3. Moderate or above: on uncertain evidence (the classifier alone, ``classifier_only_moderate``,
   with no risk earlier in the conversation) one direct question, the check; otherwise the full
   flow as always: acknowledgement, crisis lines and safety plan, the C-SSRS screener (or, once
   the screener was done in this conversation, the follow-ups of ``followup.py``).
4. Anything else: the agent answers.

Every word comes from ``prompts/crisis/flow.yaml``; nothing here is generated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine import Assessment, Context, RiskLevel
from hp_agent.crisis import check_words as check
from hp_agent.crisis import checks, flow
from hp_agent.crisis import service as crisis_service
from hp_agent.crisis.assessor import remembered
from hp_agent.crisis.models import CheckAnswer, CrisisDetection
from hp_agent.crisis.safety import whereabouts

Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Conversation:
    """The conversation a message belongs to (its owner and id): all the flow needs of it."""

    user_id: uuid.UUID
    id: uuid.UUID


# What a message the person answered no about (or retracted, below high) reads as in the engine's
# context from then on (``hotpath``: ``denied``).
CLEARED = Assessment(
    level=RiskLevel.NONE,
    score=0.0,
    categories=(),
    matches=(),
    explanation="cleared: the person said it was not a risk (check answered no, or retracted)",
)


@dataclass(slots=True)
class CrisisReply:
    """The scripted frames' bodies for a message, in order, and whether the agent answers after
    them. The chat stores each body as a ``safety`` message (``SCRIPTED_BY``) and sends it."""

    bodies: list[Body] = field(default_factory=list)
    agent_answers: bool = False
    # After a cleared check or a way out of the screener: the user message the agent takes up
    # (its memory of the conversation ends there, so it answers that, not "no").
    answer_to: uuid.UUID | None = None


async def respond(
    session: AsyncSession,
    chat: Conversation,
    *,
    text: str,
    outcome: crisis_service.CrisisOutcome,
    screener_open: bool,
    check_open: bool,
    context: Context | None = None,
) -> CrisisReply:
    """``context``: the conversation the engine read the message with (for the evidence)."""
    level = outcome.assessment.level
    if screener_open:
        screener = await flow.active_screener(session, chat.user_id, chat.id)
        if screener is not None:
            if check.is_exit(text, outcome.assessment):
                return await _exit(session, chat, screener)
            return CrisisReply(await _screener_answer(session, chat, text, level, screener))
    if check_open:
        pending = await checks.open_check(session, chat.user_id, chat.id)
        if pending is not None:
            return await _check_answer(session, chat, text, outcome, pending)
    if level < RiskLevel.MODERATE:
        return CrisisReply(agent_answers=True)
    detection = outcome.detection
    a = outcome.assessment
    if (
        detection is not None
        and crisis_service.classifier_only_moderate(a, context)
        and not await checks.earlier_risk(session, chat.user_id, chat.id, exclude=detection.id)
    ):
        # Readings the person answered no about are not in the engine's context any more
        # (``CLEARED``), so this is new evidence: asked again, saying so.
        denied = await checks.denied_before(session, chat.user_id, chat.id)
        return CrisisReply([await _ask(session, chat, text, detection, again=denied)])
    return CrisisReply(await _full_flow(session, chat, text, level))


# -- frames ---------------------------------------------------------------------------------------

SCRIPTED_BY = "crisis_flow"  # the stored frames' model name


async def _resources(session: AsyncSession, chat: Conversation, level: RiskLevel) -> Body:
    where = await whereabouts(session, chat.user_id)
    return await flow.resources_body(session, chat.user_id, level, where.country_code, where.locale)


async def _lines(session: AsyncSession, chat: Conversation) -> list[dict[str, Any]]:
    """The person's crisis lines with their tap actions (the way out keeps them one tap away)."""
    where = await whereabouts(session, chat.user_id)
    body = await flow.resources_body(session, chat.user_id, RiskLevel.LOW, where.country_code, where.locale)
    lines: list[dict[str, Any]] = body["payload"]["crisis_lines"]
    return lines


# -- the check ------------------------------------------------------------------------------------


async def _ask(
    session: AsyncSession, chat: Conversation, text: str, detection: CrisisDetection, *, again: bool
) -> Body:
    await checks.ask(session, detection)
    words = check.check_text()
    body = flow.text_body("check", check.question(text, again=again))
    body["hint"] = words.hint
    body["options"] = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
    return body


async def _check_answer(
    session: AsyncSession,
    chat: Conversation,
    text: str,
    outcome: crisis_service.CrisisOutcome,
    pending: CrisisDetection,
) -> CrisisReply:
    reading = check.read_check_answer(text, outcome.assessment)
    await checks.answer(session, pending, CheckAnswer(reading))
    if reading == "no":
        # This socket's memory of the conversation (``assessor.remembered``) learns it at once;
        # a fresh read learns it from the database (``hotpath``: ``denied``).
        if pending.source_id is not None:
            remembered.put(pending.source_id, CLEARED)
        own = outcome.detection
        if own is not None and own.source_id is not None:
            remembered.put(own.source_id, CLEARED)
        if own is not None and own.risk_level >= RiskLevel.MODERATE:
            # The answer itself read as moderate (the classifier alone: a no is never read from a
            # message with risk of its own). It is the answer to the same question, so it is
            # cleared with it instead of counting as risk earlier in the conversation.
            own.check_asked_at = pending.check_asked_at
            await checks.answer(session, own, CheckAnswer.NO)
        cleared = flow.text_body("check_cleared", check.check_text().cleared)
        return CrisisReply([cleared], agent_answers=True, answer_to=pending.source_id)
    words = check.check_text()
    level = max(outcome.assessment.level, RiskLevel.MODERATE)
    # At high or above the level's own acknowledgement, exactly as without a check.
    lead = None if level >= RiskLevel.HIGH else words.after_yes if reading == "yes" else words.after_unclear
    return CrisisReply(await _full_flow(session, chat, text, level, lead=lead))


# -- the full flow --------------------------------------------------------------------------------


async def _full_flow(
    session: AsyncSession, chat: Conversation, text: str, level: RiskLevel, *, lead: str | None = None
) -> list[Body]:
    out: list[Body] = []
    if await flow.screener_done(session, chat.user_id, chat.id):
        # Asked already in this conversation: answer this message (by level, and any request
        # for secrecy or about methods) and show help, do not re-screen.
        reply = await flow.follow_up(session, chat.user_id, chat.id, text, level)
        out.append(flow.text_body("acknowledge", reply))
        out.append(await _resources(session, chat, level))
        return out
    # A request for secrecy or about methods is answered first, whatever the level.
    asked = await flow.intent_reply(session, chat.id, text)
    ack = flow.joined(asked, lead or flow.acknowledge_text(level))
    out.append(flow.text_body("acknowledge", ack))
    out.append(await _resources(session, chat, level))
    screener = await flow.start_screener(session, chat.user_id, chat.id)
    item = flow.next_item(screener.items, screener.answers)
    assert item is not None
    out.append(flow.question_body(screener, item, intro=flow.flow_text().screener_intro))
    return out


# -- the screener ---------------------------------------------------------------------------------


async def _exit(session: AsyncSession, chat: Conversation, screener: flow.Screener) -> CrisisReply:
    """The person stepped out of the screener: a self-reported false alarm, back to the agent."""
    admin = screener.administration
    marked = await checks.report_false_alarm(session, chat.user_id, chat.id, admin.created_at)
    for det in marked:
        # Below high, what they retracted no longer builds risk across turns (see ``CLEARED``);
        # a retracted high-risk statement still does: retracting one is for a clinician to weigh.
        if det.source_id is not None and det.risk_level < RiskLevel.HIGH:
            remembered.put(det.source_id, CLEARED)
    await flow.step_out(session, screener, marked[0].id if marked else None)
    words = check.check_text()
    escalated = await checks.escalation_open(session, chat.user_id, chat.id)
    body = flow.text_body("screener_exit", words.exit_escalated if escalated else words.exit_text)
    body["payload"] = {"crisis_lines": await _lines(session, chat)}
    return CrisisReply([body], agent_answers=True, answer_to=marked[0].source_id if marked else None)


async def _screener_answer(
    session: AsyncSession, chat: Conversation, text: str, level: RiskLevel, screener: flow.Screener
) -> list[Body]:
    """A screener is in progress: this message answers the current question. A request for
    secrecy or about methods in it is answered before whatever comes next."""
    out: list[Body] = []
    item = flow.next_item(screener.items, screener.answers)
    answer = flow.parse_answer(text)
    lead = await flow.intent_reply(session, chat.id, text)
    if level >= RiskLevel.HIGH:
        # The answer itself carries high risk: the lines come first, whatever it says.
        out.append(await _resources(session, chat, level))
    if item is None or answer == "decline":
        await flow.decline(session, screener)
        out.append(flow.text_body("screener_declined", flow.joined(lead, flow.flow_text().declined)))
        if level < RiskLevel.HIGH:
            out.append(await _resources(session, chat, max(level, RiskLevel.MODERATE)))
        return out
    if answer == "unclear":
        out.append(flow.question_body(screener, item, intro=lead or flow.flow_text().clarify))
        return out
    await flow.record_answer(session, screener, item, 1 if answer == "yes" else 0)
    upcoming = flow.next_item(screener.items, screener.answers)
    if upcoming is not None and not flow.is_high_now(screener):
        out.append(flow.question_body(screener, upcoming, intro=lead))
        return out
    result = await flow.finish(session, screener, chat_session_id=chat.id, early=upcoming is not None)
    body = flow.text_body(
        "screener_result", flow.joined(lead, flow.result_text(result.severity, screener.template))
    )
    body["result"] = {"severity": result.severity, "risk_level": result.risk.value}
    out.append(body)
    if result.risk >= RiskLevel.MODERATE or level >= RiskLevel.MODERATE:
        out.append(await _resources(session, chat, max(result.risk, level)))
    return out
