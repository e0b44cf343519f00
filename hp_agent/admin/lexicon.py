"""Admin: the crisis lexicon's database entries (``crisis_keywords``), layered over the packaged
lexicon by every running process within ``crisis_lexicon_refresh_seconds``
(``hp_agent/crisis/lexicon_overlay.py``).

An entry is never deleted: disabling it (``enabled: false``) keeps the row, and a disabled row
with the same phrase and category as a packaged entry switches that packaged entry off. Every
entry is checked by the engine's own parser before it is stored, so the overlay never meets a row
it refuses. The audit rows name the entry and what changed, not the phrase.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.crisis.enums import Category
from hp_agent.crisis.lexicon_overlay import engine_accepts
from hp_agent.crisis.models import CrisisKeyword
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound

PHRASE_MAX = 200
PATTERN_MAX = 300
NOTE_MAX = 500

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=PHRASE_MAX)]
Pattern = Annotated[str, StringConstraints(min_length=1, max_length=PATTERN_MAX)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Weight = Annotated[float, Field(gt=0, le=1, description="Severity: the entry's weight in (0, 1].")]


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: Phrase | None = Field(default=None, description="A phrase; {a|b} alternatives, * any word.")
    pattern: Pattern | None = Field(default=None, description="A Python regex over normalised text.")
    category: Category
    weight: Weight
    fuzzy: bool = False
    requires_first_person: bool = False
    requires_context: bool = False
    triggers: list[Word] = Field(default_factory=list, max_length=20)
    lang: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    enabled: bool = True

    @model_validator(mode="after")
    def _one_of(self) -> EntryIn:
        if (self.term is None) == (self.pattern is None):
            raise ValueError("give exactly one of term or pattern")
        return self


class EntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    weight: Weight | None = None
    fuzzy: bool | None = None
    requires_first_person: bool | None = None
    requires_context: bool | None = None
    triggers: list[Word] | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    enabled: bool | None = None


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    term: str | None
    pattern: str | None
    category: Category
    weight: float
    fuzzy: bool
    requires_first_person: bool
    requires_context: bool
    triggers: list[str]
    lang: str
    note: str | None
    enabled: bool


_ENGINE_KEYS = (
    "term", "pattern", "category", "weight", "fuzzy", "requires_first_person", "requires_context",
    "triggers", "lang", "enabled",
)  # fmt: skip


def _check_with_engine(row: CrisisKeyword) -> None:
    """422 unless the engine accepts the entry as the overlay will read it (e.g. a regex that
    does not compile, a phrase of punctuation only)."""
    record: dict[str, Any] = {k: getattr(row, k) for k in _ENGINE_KEYS if getattr(row, k) is not None}
    if not engine_accepts(record):
        raise HPError("The crisis engine cannot use this entry.", 422, code="lexicon_entry_invalid")


def _duplicate() -> Conflict:
    return Conflict("An entry with this phrase and category exists.", code="lexicon_entry_exists")


async def list_entries(
    session: AsyncSession, category: Category | None = None, enabled: bool | None = None
) -> list[EntryOut]:
    stmt = select(CrisisKeyword).order_by(CrisisKeyword.category, CrisisKeyword.created_at)
    if category is not None:
        stmt = stmt.where(CrisisKeyword.category == category)
    if enabled is not None:
        stmt = stmt.where(CrisisKeyword.enabled.is_(enabled))
    return [EntryOut.model_validate(r) for r in (await session.execute(stmt)).scalars()]


async def _get(session: AsyncSession, entry_id: uuid.UUID) -> CrisisKeyword:
    row = (
        await session.execute(select(CrisisKeyword).where(CrisisKeyword.id == entry_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("Lexicon entry not found.", code="lexicon_entry_not_found")
    return row


async def create(session: AsyncSession, admin: Principal, body: EntryIn) -> EntryOut:
    row = CrisisKeyword(**body.model_dump(), created_by=admin.user_id)
    _check_with_engine(row)
    try:
        async with session.begin_nested():  # a duplicate leaves the caller's transaction usable
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        raise _duplicate() from exc
    await session.refresh(row)
    await audit.record(
        session,
        "admin.lexicon_entry.created",
        actor=admin,
        subject_type="crisis_keyword",
        subject_id=row.id,
        details={
            "kind": "pattern" if row.pattern is not None else "term",
            "category": row.category.value,
            "weight": row.weight,
            "enabled": row.enabled,
        },
    )
    return EntryOut.model_validate(row)


async def update(session: AsyncSession, admin: Principal, entry_id: uuid.UUID, body: EntryPatch) -> EntryOut:
    row = await _get(session, entry_id)
    changed = sorted(body.model_fields_set)
    for field in changed:
        value = getattr(body, field)
        if value is None and field != "note":
            raise HPError(f"{field} cannot be cleared.", 422, code="validation_error")
        setattr(row, field, value)
    _check_with_engine(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a category change onto an existing phrase
        raise _duplicate() from exc
    await session.refresh(row)
    await audit.record(
        session,
        "admin.lexicon_entry.updated",
        actor=admin,
        subject_type="crisis_keyword",
        subject_id=row.id,
        details={"fields": changed, "enabled": row.enabled},
    )
    return EntryOut.model_validate(row)
