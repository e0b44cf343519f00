"""Journal entries, gratitude entries and prompt selection.

Every text a person writes is screened by the crisis layer in the same unit of work as the row
it belongs to; the response carries the safety payload at MODERATE and above.
Therapists read a patient's journal only through an active relationship with journal consent,
and only entries the patient marked as shared; each such read is audited.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.gateway import safety_for, screen
from hp_agent.db.session import Principal
from hp_agent.errors import NotFound
from hp_agent.journal import repository as repo
from hp_agent.journal.access import own_id, readable_subject
from hp_agent.journal.common import InvalidInput, Page, local_today, not_in_future
from hp_agent.journal.models import (
    CBTTechnique,
    GratitudeEntry,
    JournalEntry,
    PrivacyLevel,
)
from hp_agent.journal.schemas import (
    GratitudeIn,
    GratitudeOut,
    GratitudeResult,
    JournalEntryIn,
    JournalEntryOut,
    JournalEntryPatch,
    JournalEntryResult,
)

_ENTRY_NOT_FOUND = "Journal entry not found."
_GRATITUDE_NOT_FOUND = "Gratitude entry not found."


def word_count(text: str) -> int:
    return len(text.split())


def entry_text(title: str | None, content: str) -> str:
    return f"{title}\n\n{content}" if title else content


async def _check_prompt(session: AsyncSession, prompt_id: uuid.UUID | None) -> None:
    if prompt_id is not None and not await repo.prompt_exists(session, prompt_id):
        raise InvalidInput(
            "The prompt does not exist.",
            details={"fields": [{"field": "prompt_id", "message": "unknown prompt"}]},
        )


async def audit_therapist_read(
    session: AsyncSession, principal: Principal, action: str, subject_type: str, subject_id: uuid.UUID
) -> None:
    if principal.role == "therapist":
        await audit.record(session, action, actor=principal, subject_type=subject_type, subject_id=subject_id)


# ----------------------------------------------------------------------------- journal entries


async def add_entry(
    session: AsyncSession,
    user_id: uuid.UUID,
    body: JournalEntryIn,
    *,
    detection_id: uuid.UUID | None = None,
    entry_id: uuid.UUID | None = None,
) -> JournalEntry:
    """Insert an entry without screening (callers screen, or pass a detection already made).

    ``entry_id``: a guided session gives the entry its own id (see ``GuidedSession``)."""
    today = await local_today(session, user_id)
    entry_date = body.entry_date or today
    not_in_future(entry_date, today)
    await _check_prompt(session, body.prompt_id)
    shared = body.privacy_level == PrivacyLevel.SHARED_WITH_THERAPIST
    entry = JournalEntry(
        id=entry_id or uuid.uuid4(),
        user_id=user_id,
        entry_date=entry_date,
        title=body.title or None,
        content=body.content,
        mood_before=body.mood_before,
        mood_after=body.mood_after,
        cbt_technique=body.cbt_technique,
        privacy_level=body.privacy_level,
        shared_at=dt.datetime.now(dt.UTC) if shared else None,
        prompt_id=body.prompt_id,
        word_count=word_count(body.content),
        tags=list(dict.fromkeys(body.tags)),
        crisis_detection_id=detection_id,
    )
    session.add(entry)
    await session.flush()
    return entry


async def create_entry(
    session: AsyncSession, principal: Principal, body: JournalEntryIn
) -> JournalEntryResult:
    me = own_id(principal)
    entry = await add_entry(session, me, body)
    screening = await screen(
        session,
        user_id=me,
        source=DetectionSource.JOURNAL_ENTRY,
        source_id=entry.id,
        text=entry_text(entry.title, entry.content),
    )
    entry.crisis_detection_id = screening.detection_id
    await session.flush()
    await session.refresh(entry)
    out = JournalEntryResult.model_validate(entry, from_attributes=True)
    return out.model_copy(update={"safety": await safety_for(session, me, screening)})


async def list_entries(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    technique: CBTTechnique | None,
    tag: str | None = None,
    limit: int,
    offset: int,
) -> Page[JournalEntryOut]:
    subject = await readable_subject(session, principal, user_id, journal=True)
    therapist_view = subject != principal.user_id
    stmt = repo.entries_query(
        subject,
        date_from=date_from,
        date_to=date_to,
        technique=technique,
        tag=tag.strip().lower() if tag else None,
        shared_only=therapist_view,
    )
    rows, total = await repo.page(session, stmt, limit, offset)
    if therapist_view:
        await audit_therapist_read(session, principal, "journal.entries.listed", "user", subject)
    items = [JournalEntryOut.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


async def _readable_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> JournalEntry:
    entry = await repo.get_entry(session, entry_id)
    if entry is None:
        raise NotFound(_ENTRY_NOT_FOUND)
    if entry.user_id != principal.user_id:
        await readable_subject(session, principal, entry.user_id, journal=True)
        # Consent covers what the patient chose to share, not their private entries.
        if entry.privacy_level != PrivacyLevel.SHARED_WITH_THERAPIST:
            raise NotFound(_ENTRY_NOT_FOUND)
        await audit_therapist_read(session, principal, "journal.entry.read", "journal_entry", entry.id)
    return entry


async def _own_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> JournalEntry:
    entry = await repo.get_entry(session, entry_id)
    if entry is None or entry.user_id != own_id(principal):
        # Someone else's entry is "not found" for writing: no hint that it exists.
        raise NotFound(_ENTRY_NOT_FOUND)
    return entry


async def get_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> JournalEntryOut:
    return JournalEntryOut.model_validate(
        await _readable_entry(session, principal, entry_id), from_attributes=True
    )


async def update_entry(
    session: AsyncSession, principal: Principal, entry_id: uuid.UUID, body: JournalEntryPatch
) -> JournalEntryResult:
    entry = await _own_entry(session, principal, entry_id)
    changes = body.model_dump(exclude_unset=True)
    if "content" in changes and changes["content"] is None:
        raise InvalidInput(
            "content cannot be removed.",
            details={"fields": [{"field": "content", "message": "cannot be null"}]},
        )
    text_changed = False
    for name, value in changes.items():
        if name in ("title", "content") and value != getattr(entry, name):
            text_changed = True
        if name == "privacy_level":
            if value is None:
                continue
            was_shared = entry.privacy_level == PrivacyLevel.SHARED_WITH_THERAPIST
            entry.privacy_level = value
            if value == PrivacyLevel.SHARED_WITH_THERAPIST and not was_shared:
                entry.shared_at = dt.datetime.now(dt.UTC)
            elif value == PrivacyLevel.PRIVATE:
                entry.shared_at = None
            continue
        if name == "tags":
            value = list(dict.fromkeys(value or []))
        if name == "title":
            value = value or None
        setattr(entry, name, value)
    entry.word_count = word_count(entry.content)
    await session.flush()
    screening = None
    if text_changed:
        screening = await screen(
            session,
            user_id=entry.user_id,
            source=DetectionSource.JOURNAL_ENTRY,
            source_id=entry.id,
            text=entry_text(entry.title, entry.content),
        )
        if screening.detection_id is not None:
            entry.crisis_detection_id = screening.detection_id
        await session.flush()
    await session.refresh(entry)
    out = JournalEntryResult.model_validate(entry, from_attributes=True)
    if screening is not None:
        out = out.model_copy(update={"safety": await safety_for(session, entry.user_id, screening)})
    return out


async def delete_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> None:
    entry = await _own_entry(session, principal, entry_id)
    await session.delete(entry)
    await session.flush()


# ----------------------------------------------------------------------------- gratitude


def gratitude_out(row: GratitudeEntry) -> GratitudeOut:
    return GratitudeOut(
        id=row.id,
        user_id=row.user_id,
        entry_date=row.entry_date,
        items=list(json.loads(row.content)),
        mood_after=row.mood_after,
        prompt_id=row.prompt_id,
        created_at=row.created_at,
    )


async def add_gratitude(
    session: AsyncSession, user_id: uuid.UUID, body: GratitudeIn, *, entry_id: uuid.UUID | None = None
) -> GratitudeEntry:
    today = await local_today(session, user_id)
    entry_date = body.entry_date or today
    not_in_future(entry_date, today)
    await _check_prompt(session, body.prompt_id)
    row = GratitudeEntry(
        id=entry_id or uuid.uuid4(),
        user_id=user_id,
        entry_date=entry_date,
        content=json.dumps(body.items, ensure_ascii=False),
        item_count=len(body.items),
        prompt_id=body.prompt_id,
        mood_after=body.mood_after,
    )
    session.add(row)
    await session.flush()
    return row


async def create_gratitude(session: AsyncSession, principal: Principal, body: GratitudeIn) -> GratitudeResult:
    me = own_id(principal)
    row = await add_gratitude(session, me, body)
    screening = await screen(
        session, user_id=me, source=DetectionSource.GRATITUDE, source_id=row.id, text="\n".join(body.items)
    )
    row.crisis_detection_id = screening.detection_id
    await session.flush()
    await session.refresh(row)
    out = GratitudeResult(**gratitude_out(row).model_dump())
    return out.model_copy(update={"safety": await safety_for(session, me, screening)})


async def list_gratitude(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int,
    offset: int,
) -> Page[GratitudeOut]:
    subject = await readable_subject(session, principal, user_id, journal=True)
    rows, total = await repo.gratitude_page(session, subject, date_from, date_to, limit, offset)
    if subject != principal.user_id:
        await audit_therapist_read(session, principal, "journal.gratitude.listed", "user", subject)
    return Page(items=[gratitude_out(r) for r in rows], total=total, limit=limit, offset=offset)


async def get_gratitude(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> GratitudeOut:
    row = await repo.get_gratitude(session, entry_id)
    if row is None:
        raise NotFound(_GRATITUDE_NOT_FOUND)
    if row.user_id != principal.user_id:
        await readable_subject(session, principal, row.user_id, journal=True)
        await audit_therapist_read(session, principal, "journal.gratitude.read", "gratitude_entry", row.id)
    return gratitude_out(row)


async def delete_gratitude(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> None:
    row = await repo.get_gratitude(session, entry_id)
    if row is None or row.user_id != own_id(principal):
        raise NotFound(_GRATITUDE_NOT_FOUND)
    await session.delete(row)
    await session.flush()
