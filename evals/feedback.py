"""Clinicians' feedback as an evaluation set (issue #18 item 6): ``--dataset feedback``.

Two kinds of feedback live in the service's database, and neither holds any text:

- **false-positive marks**: a clinician closed an escalation as a false alarm; its detections
  carry ``review_label = 'false_positive'``. Gold range ``none..low`` (the crisis flow was not
  needed), suite ``false_positive``;
- **missed-risk reports** (``crisis_missed_risk_reports``, ``POST /v1/patients/{id}/missed-risk``):
  a treating clinician said one of the person's messages needed MODERATE or more. Gold range
  ``expected_level..imminent`` (the lowest level any reporter gave, when several reported the
  same message), suite ``missed_risk``.

The text of each item is read from where the service keeps it, encrypted: the chat message a
detection or report points at (with the person's earlier messages of that conversation, up to
six, as context, as the chat gives them to the engine), or a detection's stored excerpt for
other sources. It is decrypted in memory for the run and never written out: items carry
``show_text=False``, so reports show ids, levels and text-free evidence only, and this module
writes no file. Only people whose ``research`` consent is granted and not withdrawn are read.

The reader connects as the worker's role and acts as the system actor (the only role row-level
security lets read everyone's messages); ``--database-url`` is the owner URL the service is
configured with (``HP_DATABASE_URL``), from which the worker's URL is derived like the worker's.

``python -m evals.feedback_rows`` turns the same items into training rows (see that module).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from crisis_engine.types import Category, RiskLevel
from evals.items import EvalItem

CONTEXT_MESSAGES = 6
SUITE_FALSE_POSITIVE = "false_positive"
SUITE_MISSED = "missed_risk"


class FeedbackError(RuntimeError):
    """The feedback set cannot be read (no database configured, connection refused)."""


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One reviewed piece of feedback with its text (in memory only)."""

    id: str
    kind: str  # SUITE_FALSE_POSITIVE or SUITE_MISSED
    text: str
    min_level: RiskLevel
    max_level: RiskLevel
    categories: frozenset[Category]
    conversation: tuple[str, ...]
    source: str  # detection source ("chat_message", "journal_entry", ...)
    low_risk: bool = False  # false positive judged low risk (not none) by the clinician

    def item(self) -> EvalItem:
        return EvalItem(
            id=self.id,
            text=self.text,
            min_level=self.min_level,
            max_level=self.max_level,
            categories=self.categories,
            hard_negative=False,
            suite=self.kind,
            tags=(self.source,),
            conversation=self.conversation,
            show_text=False,
        )


async def read_feedback(session: object) -> list[FeedbackRecord]:
    """Every consented piece of feedback, oldest first, from a session acting as the system actor
    (an ``AsyncSession``; typed loosely so that the evaluation package does not need the service
    to import)."""
    from sqlalchemy import and_, select
    from sqlalchemy.ext.asyncio import AsyncSession

    from hp_agent.chat.models import ChatMessage, MessageRole
    from hp_agent.crisis.enums import DetectionSource
    from hp_agent.crisis.models import CrisisDetection, CrisisEscalation, MissedRiskReport, ReviewLabel
    from hp_agent.users.models import ConsentType, UserConsent

    assert isinstance(session, AsyncSession)
    consented = select(UserConsent.user_id).where(
        UserConsent.consent_type == ConsentType.research,
        UserConsent.granted.is_(True),
        UserConsent.withdrawn_at.is_(None),
    )

    async def earlier(message: ChatMessage) -> tuple[str, ...]:
        rows = (
            await session.execute(
                select(ChatMessage.content)
                .where(
                    ChatMessage.session_id == message.session_id,
                    ChatMessage.role == MessageRole.USER,
                    ChatMessage.seq < message.seq,
                )
                .order_by(ChatMessage.seq.desc())
                .limit(CONTEXT_MESSAGES)
            )
        ).scalars()
        return tuple(reversed(list(rows)))

    out: list[FeedbackRecord] = []
    detections = (
        await session.execute(
            select(CrisisDetection)
            .where(
                CrisisDetection.review_label == ReviewLabel.FALSE_POSITIVE,
                CrisisDetection.user_id.in_(consented),
            )
            .order_by(CrisisDetection.detected_at, CrisisDetection.id)
        )
    ).scalars()
    for d in list(detections):
        text: str = d.excerpt or ""
        conversation: tuple[str, ...] = ()
        if d.source == DetectionSource.CHAT_MESSAGE and d.source_id is not None:
            message = await session.get(ChatMessage, d.source_id)
            if message is not None:
                text, conversation = message.content, await earlier(message)
        if not text.strip():
            continue  # nothing left to read (the message was deleted, no excerpt kept)
        reasons = (
            await session.execute(
                select(CrisisEscalation.false_positive_feedback).where(
                    (CrisisEscalation.detection_id == d.id) | (CrisisEscalation.last_detection_id == d.id)
                )
            )
        ).scalars()
        low = any("clinically_assessed_low_risk" in (f or {}).get("reasons", []) for f in reasons)
        out.append(
            FeedbackRecord(
                id=f"false_positive:{d.id}",
                kind=SUITE_FALSE_POSITIVE,
                text=text,
                min_level=RiskLevel.NONE,
                max_level=RiskLevel.LOW,
                categories=frozenset(),
                conversation=conversation,
                source=d.source.value,
                low_risk=low,
            )
        )
    reports = (
        await session.execute(
            select(MissedRiskReport, ChatMessage)
            .join(ChatMessage, and_(ChatMessage.id == MissedRiskReport.chat_message_id))
            .where(MissedRiskReport.user_id.in_(consented))
            .order_by(MissedRiskReport.created_at, MissedRiskReport.id)
        )
    ).all()
    by_message: dict[uuid.UUID, tuple[RiskLevel, set[Category], ChatMessage]] = {}
    for report, message in reports:
        level = RiskLevel(report.expected_level.value)
        cats = {Category(c) for c in report.categories}
        if message.id in by_message:
            known, known_cats, _ = by_message[message.id]
            by_message[message.id] = (min(known, level), known_cats | cats, message)
        else:
            by_message[message.id] = (level, cats, message)
    for message_id, (level, cats, message) in by_message.items():
        out.append(
            FeedbackRecord(
                id=f"missed_risk:{message_id}",
                kind=SUITE_MISSED,
                text=message.content,
                min_level=level,
                max_level=RiskLevel.IMMINENT,
                categories=frozenset(cats),
                conversation=await earlier(message),
                source=DetectionSource.CHAT_MESSAGE.value,
            )
        )
    return out


async def _read(database_url: str | None) -> list[FeedbackRecord]:
    from sqlalchemy.engine import make_url

    from hp_agent.config import get_settings
    from hp_agent.db import data_keys
    from hp_agent.db.models import load_all
    from hp_agent.db.session import Database
    from hp_agent.users.repository import SYSTEM

    load_all()  # every model, so relationships and the data-key hooks resolve
    settings = get_settings()
    owner = database_url or settings.database_url
    if not owner:
        raise FeedbackError("no database: pass --database-url or set HP_DATABASE_URL")
    # The worker's login role on the same server and database (hp_agent.db.urls does the same).
    url = (
        make_url(owner)
        .set(username=settings.worker_db_role, password=settings.worker_db_password.get_secret_value())
        .render_as_string(hide_password=False)
    )
    data_keys.configure_loader(url)  # people's data keys are read as the worker reads them
    db = Database(url, pool_size=1, max_overflow=0)
    try:
        async with db.unit_of_work(SYSTEM) as session:
            return await read_feedback(session)
    except OSError as exc:
        raise FeedbackError(f"cannot reach the database ({type(exc).__name__})") from None
    finally:
        await db.dispose()


def load_feedback_records(database_url: str | None = None) -> list[FeedbackRecord]:
    return asyncio.run(_read(database_url))


def load_feedback_items(database_url: str | None = None) -> list[EvalItem]:
    """The feedback evaluation set (``python -m evals crisis --dataset feedback``)."""
    from evals.datasets import DatasetError

    try:
        records = load_feedback_records(database_url)
    except FeedbackError as exc:
        raise DatasetError(str(exc)) from None
    if not records:
        raise DatasetError("no consented clinician feedback in the database yet")
    return [r.item() for r in records]


def training_rows(records: Sequence[FeedbackRecord]) -> list[dict[str, object]]:
    """Rows in the classifier's training schema (``crisis_engine/training/data/README.md``): a
    false alarm is a hard negative at ``none`` (``low`` when the clinician judged it low risk), a
    miss is a crisis row at the level the clinician gave."""
    rows: list[dict[str, object]] = []
    for r in records:
        if r.kind == SUITE_FALSE_POSITIVE:
            rows.append(
                {
                    "text": r.text,
                    "level": (RiskLevel.LOW if r.low_risk else RiskLevel.NONE).value,
                    "categories": [],
                    "kind": "hard_negative",
                    "tag": "clinician_false_positive",
                }
            )
        else:
            rows.append(
                {
                    "text": r.text,
                    "level": r.min_level.value,
                    "categories": sorted(c.value for c in r.categories),
                    "kind": "crisis",
                    "tag": "clinician_missed_risk",
                }
            )
    return rows
