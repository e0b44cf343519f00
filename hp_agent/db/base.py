"""Declarative base, shared column types and mixins for every model.

Conventions every model follows (the RLS migration and its meta-test rely on them):
- primary key ``id`` UUID (``gen_random_uuid()``), ``created_at``/``updated_at`` timestamptz;
- a table holding one person's data has a ``user_id`` (or ``patient_id``) column and declares
  its row-level-security policy with :func:`rls` in ``__table_args__``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar

from sqlalchemy import DateTime, Double, Enum, MetaData, Numeric, SmallInteger, func, text
from sqlalchemy.dialects.postgresql import DOMAIN, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Domains are created once by the first migration; create_type=False keeps table DDL from
# trying to create them again.
MOOD_SCALE = DOMAIN(
    "mood_scale",
    SmallInteger(),
    check="VALUE BETWEEN 1 AND 10",
    constraint_name="mood_scale_range",
    metadata=metadata,
    create_type=False,
)
NORMALIZED_SCORE = DOMAIN(
    "normalized_score",
    Double(),
    check="VALUE >= 0 AND VALUE <= 1",
    constraint_name="normalized_score_range",
    metadata=metadata,
    create_type=False,
)


# Shared column pieces, so every module spells them the same way.
USERS_ID = "users.id"  # ForeignKey target for person columns
MONEY = Numeric(12, 2)
CURRENCY_CHECK = "currency ~ '^[A-Z]{3}$'"  # ISO 4217 code, upper case
EMPTY_JSON_OBJECT = text("'{}'::jsonb")
EMPTY_JSON_ARRAY = text("'[]'::jsonb")


def pg_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A PostgreSQL enum storing the members' *values* (lower-case strings), not their names."""
    return Enum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        metadata=metadata,
    )


def rls(
    owner: str = "user_id",
    *,
    also: tuple[str, ...] = (),
    therapist_read: bool = True,
    consent: str | None = None,
) -> dict[str, Any]:
    """``__table_args__`` entry (the trailing dict) declaring the table's row-level-security policy.

    owner: column holding the person whose data this is (rows visible/writable to them).
    also: further columns whose person may read and write the row (e.g. ``therapist_id``).
    therapist_read: therapists with an active therapeutic relationship with ``owner`` may read.
    consent: therapists with an active relationship may read only while the patient grants this
        kind of sharing on the relationship ("journal", "chat", "safety_plan").
    """
    policy = {"owner": owner, "also": list(also), "therapist_read": therapist_read, "consent": consent}
    return {"info": {"rls": policy}}


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }


class UUIDPk:
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now(), nullable=False
    )


class CreatedAt:
    """For append-only rows (events, logs) that are never updated."""

    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), nullable=False)
