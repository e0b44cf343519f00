"""The scripted crisis flow: acknowledgement, crisis lines and safety plan, C-SSRS screener.

When a user message is assessed at moderate risk or above, the reply is this flow, never generated
text. The screener (template ``cssrs_screener``) is asked one question at a time in the chat; its
state is the in-progress ``user_assessments`` row for the conversation (source ``crisis_flow``)
and its ``assessment_responses``, so it survives reconnects and server restarts.

A screener answer that puts the triage at high risk (yes to Q4 or Q5, or Q6 within three months)
ends the screener at once: at that point connecting the person with help matters more than the
remaining questions. The result is recorded as a crisis detection (source ``assessment``) so the
escalation policy applies exactly as for a message. Once the screener is over, later risky
messages get the level- and request-specific follow-ups of ``followup.py``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine import Assessment, Category, RiskLevel
from hp_agent.assessments.models import (
    AdministrationSource,
    AdministrationStatus,
    AssessmentResponse,
    AssessmentTemplate,
    Severity,
    UserAssessment,
)
from hp_agent.crisis import service as crisis_service
from hp_agent.crisis.enums import DetectionSource

# The follow-ups after the screener live in their own module; the chat service reaches them here
# (explicit re-exports).
from hp_agent.crisis.followup import flow_yaml
from hp_agent.crisis.followup import follow_up as follow_up
from hp_agent.crisis.followup import intent_reply as intent_reply
from hp_agent.crisis.followup import joined as joined
from hp_agent.crisis.models import CrisisDetection
from hp_agent.crisis.safety import safety_payload

SCREENER_CODE = "cssrs_screener"
Answer = Literal["yes", "no", "decline", "unclear"]


@dataclass(frozen=True, slots=True)
class FlowText:
    acknowledge: dict[str, str]
    acknowledge_again: str
    resources_intro: str
    resources_with_plan: str
    screener_intro: str
    clarify: str
    declined: str
    result: dict[str, str]
    safe_fallback: str
    agent_unavailable: str
    reminder: str
    answers: dict[str, tuple[str, ...]]


@functools.lru_cache(maxsize=1)
def flow_text() -> FlowText:
    data = flow_yaml()
    return FlowText(
        acknowledge={k: " ".join(v.split()) for k, v in data["acknowledge"].items()},
        acknowledge_again=data["acknowledge_again"],
        resources_intro=data["resources_intro"],
        resources_with_plan=data["resources_with_plan"],
        screener_intro=data["screener_intro"],
        clarify=data["clarify"],
        declined=data["declined"],
        result=dict(data["result"]),
        safe_fallback=data["safe_fallback"],
        agent_unavailable=data["agent_unavailable"],
        reminder=data["reminder"],
        answers={k: tuple(v) for k, v in data["answers"].items()},
    )


# -- answer parsing -------------------------------------------------------------------------------

_PUNCT = re.compile(r"[^\w\s']+")


@functools.lru_cache(maxsize=1)
def _answer_patterns() -> list[tuple[str, re.Pattern[str]]]:
    pats: list[tuple[str, re.Pattern[str]]] = []
    for kind in ("decline", "no", "yes"):
        for phrase in flow_text().answers[kind]:
            pats.append((kind, re.compile(rf"(?<![\w']){re.escape(phrase.lower())}(?![\w'])")))
    return pats


_SHORT_REPLY_WORDS = 3


def parse_answer(text: str) -> Answer:
    """Read a free-text reply to a yes/no screener question.

    Longest phrases win where matches overlap ("definitely not" over "definitely"); any decline
    means decline; if both yes and no phrases remain ("no... well, sometimes") the answer is yes,
    because an unclear answer about suicidal thoughts is treated as a yes.
    """
    norm = " ".join(_PUNCT.sub(" ", text.lower().replace("\u2019", "'")).split())
    found: list[tuple[int, int, str]] = []
    for kind, pat in _answer_patterns():
        for m in pat.finditer(norm):
            found.append((m.start(), m.end(), kind))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, kind))
    if len(norm.split()) > _SHORT_REPLY_WORDS:
        # "stop"/"skip"/"pass" decline only as a short reply: in a sentence ("how can I stop
        # wanting to die") they are not a refusal, and ending the screener there would be unsafe.
        kept = [k for k in kept if not (k[2] == "decline" and " " not in norm[k[0] : k[1]])]
    kinds = {k for _, _, k in kept}
    if "decline" in kinds:
        return "decline"
    if "yes" in kinds:
        return "yes"
    if "no" in kinds:
        return "no"
    return "unclear"


# -- screener state -------------------------------------------------------------------------------


@dataclass(slots=True)
class Screener:
    template: AssessmentTemplate
    administration: UserAssessment
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self.template.items)


async def screener_template(session: AsyncSession) -> AssessmentTemplate:
    stmt = select(AssessmentTemplate).where(
        AssessmentTemplate.code == SCREENER_CODE, AssessmentTemplate.is_active.is_(True)
    )
    template = (await session.execute(stmt)).scalar_one_or_none()
    if template is None:
        raise RuntimeError("the cssrs_screener template is not seeded")
    return template


async def _administrations(
    session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID, status: AdministrationStatus
) -> list[UserAssessment]:
    stmt = (
        select(UserAssessment)
        .where(
            UserAssessment.user_id == user_id,
            UserAssessment.chat_session_id == chat_session_id,
            UserAssessment.source == AdministrationSource.CRISIS_FLOW,
            UserAssessment.status == status,
        )
        .order_by(UserAssessment.started_at.desc())
    )
    return list((await session.execute(stmt)).scalars().all())


async def active_screener(
    session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID
) -> Screener | None:
    rows = await _administrations(session, user_id, chat_session_id, AdministrationStatus.IN_PROGRESS)
    if not rows:
        return None
    admin = rows[0]
    template = await session.get(AssessmentTemplate, admin.template_id)
    assert template is not None
    responses = (
        await session.execute(
            select(AssessmentResponse).where(
                AssessmentResponse.user_assessment_id == admin.id, AssessmentResponse.user_id == user_id
            )
        )
    ).scalars()
    return Screener(template, admin, {r.item_id: r.value for r in responses})


async def screener_done(session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID) -> bool:
    """Completed or declined in this conversation. One the person stepped out of ("that's not
    what I meant") does not count: risk raised after it gets the whole flow again."""
    if await _administrations(session, user_id, chat_session_id, AdministrationStatus.COMPLETED):
        return True
    for admin in await _administrations(session, user_id, chat_session_id, AdministrationStatus.ABANDONED):
        if admin.crisis_detection_id is None:
            return True
        retracted = await session.scalar(
            select(CrisisDetection.false_alarm_reported_at).where(
                CrisisDetection.id == admin.crisis_detection_id
            )
        )
        if retracted is None:
            return True
    return False


async def start_screener(session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID) -> Screener:
    template = await screener_template(session)
    admin = UserAssessment(
        id=uuid.uuid4(),
        user_id=user_id,
        template_id=template.id,
        template_version=template.version,
        status=AdministrationStatus.IN_PROGRESS,
        source=AdministrationSource.CRISIS_FLOW,
        chat_session_id=chat_session_id,
        started_at=dt.datetime.now(dt.UTC),
    )
    session.add(admin)
    await session.flush()
    return Screener(template, admin)


def next_item(items: list[dict[str, Any]], answers: dict[str, int]) -> dict[str, Any] | None:
    """The next question following the template's ``skip`` and ``ask_if`` rules, or None."""
    index = {it["id"]: i for i, it in enumerate(items)}
    i = 0
    while i < len(items):
        item = items[i]
        cond = item.get("ask_if")
        if cond and answers.get(cond["item"]) != cond["value"]:
            i += 1
            continue
        if item["id"] not in answers:
            return item
        skip = item.get("skip")
        if skip and answers[item["id"]] == skip["if_value"]:
            i = index[skip["go_to"]]
            continue
        i += 1
    return None


def triage(scoring: dict[str, Any], answers: dict[str, int]) -> dict[str, Any]:
    """The first triage rule with a yes among its items (the last rule has none and always holds)."""
    rules: list[dict[str, Any]] = scoring["triage"]
    for rule in rules:
        wanted = rule.get("any_yes") or []
        if not wanted or any(answers.get(item) == 1 for item in wanted):
            return rule
    return rules[-1]


def question_body(screener: Screener, item: dict[str, Any], *, intro: str | None = None) -> dict[str, Any]:
    asked = [i for i in screener.items if i["id"] in screener.answers]
    return {
        "kind": "question",
        "text": item["text"],
        "intro": intro,
        "question": {
            "assessment_id": str(screener.administration.id),
            "item_id": item["id"],
            "number": len(asked) + 1,
            "options": [{"value": o["value"], "label": o["label"]} for o in item.get("options", [])],
        },
    }


async def record_answer(session: AsyncSession, screener: Screener, item: dict[str, Any], value: int) -> None:
    session.add(
        AssessmentResponse(
            user_assessment_id=screener.administration.id,
            user_id=screener.administration.user_id,
            item_id=item["id"],
            item_index=int(item.get("index", 0)),
            value=value,
            answered_at=dt.datetime.now(dt.UTC),
        )
    )
    screener.answers[item["id"]] = value
    await session.flush()


@dataclass(frozen=True, slots=True)
class ScreenerResult:
    severity: str
    risk: RiskLevel
    outcome: crisis_service.CrisisOutcome | None


async def finish(
    session: AsyncSession, screener: Screener, *, chat_session_id: uuid.UUID, early: bool = False
) -> ScreenerResult:
    """Score, store the result and record a detection for any risk the triage finds."""
    scoring = screener.template.scoring
    rule = triage(scoring, screener.answers)
    admin = screener.administration
    scored = scoring.get("item_ids", [])
    critical_ids = set(scoring.get("critical_item_ids", []))
    admin.status = AdministrationStatus.COMPLETED
    admin.completed_at = dt.datetime.now(dt.UTC)
    admin.total_score = sum(1 for i in scored if screener.answers.get(i) == 1)
    admin.severity = Severity(rule["severity"])
    admin.interpretation = " ".join(str(rule.get("interpretation", "")).split())[:2000] or None
    admin.critical_flag = rule["severity"] in scoring.get("critical_severities", [])
    admin.critical_item_ids = [i for i in critical_ids if screener.answers.get(i) == 1]
    risk = RiskLevel(rule.get("crisis_risk_level", "none"))
    outcome = None
    if risk > RiskLevel.NONE:
        yes_items = sorted(i for i, v in screener.answers.items() if v == 1)
        assessment = Assessment(
            level=risk,
            score={RiskLevel.LOW: 0.3, RiskLevel.MODERATE: 0.6, RiskLevel.HIGH: 0.85}.get(risk, 0.95),
            categories=(Category.SUICIDAL_IDEATION,),
            matches=(),
            explanation=f"C-SSRS screener triage {rule['severity']}" + (" (ended early)" if early else ""),
            engine_version=f"{SCREENER_CODE}/v{screener.template.version}",
            details={"yes_items": yes_items},
        )
        # The excerpt names the items, never the person's words (those are in the chat messages).
        outcome = await crisis_service.record(
            session,
            user_id=admin.user_id,
            source=DetectionSource.ASSESSMENT,
            source_id=admin.id,
            text=f"C-SSRS screener: {rule['severity']}; yes to {', '.join(yes_items) or 'none'}",
            assessment=assessment,
            chat_session_id=chat_session_id,
        )
        if outcome.detection is not None:
            admin.crisis_detection_id = outcome.detection.id
    await session.flush()
    return ScreenerResult(rule["severity"], risk, outcome)


async def decline(session: AsyncSession, screener: Screener) -> None:
    screener.administration.status = AdministrationStatus.ABANDONED
    await session.flush()


async def step_out(session: AsyncSession, screener: Screener, detection_id: uuid.UUID | None) -> None:
    """The person stepped out ("that's not what I meant"): ended, and linked to the detection that
    started it, now marked as a self-reported false alarm (``screener_done`` reads the link)."""
    screener.administration.status = AdministrationStatus.ABANDONED
    screener.administration.crisis_detection_id = detection_id
    await session.flush()


def is_high_now(screener: Screener) -> bool:
    return RiskLevel(
        triage(screener.template.scoring, screener.answers).get("crisis_risk_level", "none")
    ) >= (RiskLevel.HIGH)


# -- frames ---------------------------------------------------------------------------------------

_TEXT_KEYWORD = re.compile(r"\btext\s+([A-Z]{2,12})\s+to\b", re.IGNORECASE)


def _action(line: dict[str, Any]) -> dict[str, str] | None:
    contact = str(line.get("contact") or "")
    channel = line.get("channel")
    digits = re.sub(r"[^\d+]", "", contact)
    if channel == "call" and digits:
        return {"kind": "call", "uri": f"tel:{digits}", "label": f"Call {contact}"}
    if channel == "text" and digits:
        m = _TEXT_KEYWORD.search(str(line.get("description") or ""))
        body = f"?body={m.group(1).upper()}" if m else ""
        return {"kind": "text", "uri": f"sms:{digits}{body}", "label": f"Text {contact}"}
    url = line.get("url") or (contact if contact.startswith("http") else None)
    if url:
        return {"kind": "open", "uri": str(url), "label": "Open"}
    return None


async def resources_body(
    session: AsyncSession, user_id: uuid.UUID, level: RiskLevel, country_code: str | None, locale: str | None
) -> dict[str, Any]:
    payload = await safety_payload(session, user_id, level, country_code, locale)
    for line in payload["crisis_lines"]:
        line["action"] = _action(line)
    text = flow_text()
    intro = text.resources_intro
    if payload.get("safety_plan"):
        intro = f"{intro} {text.resources_with_plan}"
    return {"kind": "resources", "text": " ".join(intro.split()), "payload": payload}


def with_actions(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**line, "action": _action(line)} for line in lines if isinstance(line, dict)]


def text_body(kind: str, text: str) -> dict[str, Any]:
    return {"kind": kind, "text": " ".join(text.split())}


def acknowledge_text(level: RiskLevel) -> str:
    ack = flow_text().acknowledge
    if level >= RiskLevel.IMMINENT:
        # Asks whether the person is safe right now (and to put the means out of reach).
        return ack["imminent"]
    if level >= RiskLevel.HIGH:
        return ack["high"]
    return ack["moderate"]


def result_text(severity: str, template: AssessmentTemplate) -> str:
    text = flow_text().result.get(severity)
    if text:
        return text
    for rule in template.scoring.get("triage", []):
        if rule.get("severity") == severity:
            return str(rule.get("interpretation", ""))
    return flow_text().result["no_risk_identified"]
