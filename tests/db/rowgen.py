"""Build a valid row for any table from its metadata, so RLS tests cover every table.

Nullable and defaulted columns are left out; required ones get a value of their type; foreign
keys to ``users`` get the row's owner (or a neutral third person), other foreign keys get a parent
row created the same way. ``OVERRIDES`` holds the few values a CHECK constraint insists on.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import itertools
import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    Time,
    insert,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOMAIN, INET, JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

_seq = itertools.count(1)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

# (table, column) -> value, or column -> value for any table. Only what CHECKs demand.
OVERRIDES: dict[tuple[str, str] | str, Any] = {
    "email": lambda: f"user{next(_seq)}@example.org",
    "country_code": "US",
    "currency": "USD",
    "locale": "en",
    "language": "en",
    "timezone": "UTC",
    "ends_at": NOW + dt.timedelta(hours=1),
    "end_time": dt.time(13, 0),
    "expires_at": NOW + dt.timedelta(days=1),
    "duration_minutes": 50,
    "license_country": "US",
    "icd10_code": "F32.1",
    "rendering_provider_npi": "1234567890",
    "billing_provider_npi": "1234567890",
    "npi_number": "1234567890",
    "place_of_service": "02",
    ("insurance_remittances", "source"): "upload",
    ("assessment_templates", "items"): [
        {"id": "q1", "text": "item", "options": [{"value": 0, "label": "no"}]}
    ],
    "cpt_code": "90834",
    ("medication_intake_logs", "status"): "skipped",
    ("care_team_members", "external_name"): "external clinician",
    ("payment_methods", "card_brand"): "visa",
    ("payment_methods", "card_last4"): "4242",
    ("crisis_keywords", "term"): "test term",
    ("api_keys", "key_hash"): lambda: uuid.uuid4().bytes * 2,
    ("ai_agent_configurations", "system_prompt"): "You are a test agent.",
    ("auth_email_tokens", "purpose"): "verify_email",
    ("crisis_missed_risk_reports", "expected_level"): "high",
}

# Pairs a CHECK wants in ascending order (symmetric relations stored once).
ORDERED_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    "drug_interactions": (("medication_a_id", "medication_b_id"),),
}

# Columns that are nullable but that a CHECK makes necessary in the default row.
REQUIRED_NULLABLE = {
    ("care_team_members", "external_name"),
    ("payment_methods", "card_brand"),
    ("payment_methods", "card_last4"),
    ("crisis_keywords", "term"),
    ("ai_agent_configurations", "system_prompt"),
}


def _by_name(table: Table, name: str) -> Any:
    for key in ((table.name, name), name):
        if key in OVERRIDES:
            v = OVERRIDES[key]
            return v() if callable(v) else v
    return _MISSING


_MISSING = object()


def _typed_value(col: Any) -> Any:
    t = col.type
    if isinstance(t, TypeDecorator):
        impl = t.impl if isinstance(t.impl, type) is False else t.impl()
        if isinstance(impl, LargeBinary):
            return "rls test text"
        t = impl
    if isinstance(t, DOMAIN):
        return 5 if t.name == "mood_scale" else 0.5
    if isinstance(t, Enum):
        if t.enum_class is not None:
            member = next(iter(t.enum_class))
            return member.value if isinstance(member, enum.Enum) else member
        return t.enums[0]
    if isinstance(t, UUID):
        return uuid.uuid4()
    if isinstance(t, JSONB):
        return {}
    if isinstance(t, ARRAY):
        return []
    if isinstance(t, INET):
        return "127.0.0.1"
    if isinstance(t, Boolean):
        return False
    if isinstance(t, DateTime):
        return NOW
    if isinstance(t, Date):
        return NOW.date()
    if isinstance(t, Time):
        return dt.time(12, 0)
    if isinstance(t, Interval):
        return dt.timedelta(minutes=30)
    if isinstance(t, Integer):
        return 1
    if isinstance(t, Numeric | Float):
        return decimal.Decimal("1") if isinstance(t, Numeric) and t.asdecimal else 1.0
    if isinstance(t, String | Text):
        length = getattr(t, "length", None) or 40
        return f"x{next(_seq)}"[:length]
    if isinstance(t, LargeBinary):
        return b"x"
    raise TypeError(f"{col.table.name}.{col.name}: no generator for {t!r}")


class RowFactory:
    def __init__(self, session: AsyncSession, owner: uuid.UUID, neutral: uuid.UUID) -> None:
        self.session = session
        self.owner = owner
        self.neutral = neutral
        # One row per table is enough as a parent, and some tables allow only one per person.
        self.created: dict[str, dict[str, Any]] = {}

    async def create(self, table: Table, owner_column: str | None = None, **given: Any) -> dict[str, Any]:
        row: dict[str, Any] = dict(given)
        for col in table.columns:
            if col.name in row:
                continue
            fk = next(iter(col.foreign_keys), None)
            if fk is not None:
                target = fk.column.table
                if target.name == "users":
                    if col.name == owner_column or not col.nullable:
                        row[col.name] = self.owner if col.name == owner_column else self.neutral
                    continue
                if col.nullable:
                    continue
                reuse = self.created.get(target.name)
                if reuse is not None and reuse[fk.column.name] in row.values():
                    reuse = None  # a second reference to the same table needs a distinct row
                parent = reuse or await self.create(
                    target, _owner_col(target), **_owner_values(target, self.owner)
                )
                row[col.name] = parent[fk.column.name]
                continue
            if col.primary_key and col.name == "id":
                row[col.name] = uuid.uuid4()
                continue
            if (table.name, col.name) not in REQUIRED_NULLABLE and (
                col.nullable or col.server_default is not None or col.default is not None
            ):
                continue
            value = _by_name(table, col.name)
            row[col.name] = _typed_value(col) if value is _MISSING else value
        for low, high in ORDERED_PAIRS.get(table.name, ()):
            if str(row[low]) > str(row[high]):
                row[low], row[high] = row[high], row[low]
        await self.session.execute(insert(table).values(**row))
        self.created.setdefault(table.name, row)
        return row


def _owner_col(table: Table) -> str | None:
    spec = table.info.get("rls")
    return spec["owner"] if spec else None


def _owner_values(table: Table, owner: uuid.UUID) -> dict[str, Any]:
    col = _owner_col(table)
    return {col: owner} if col and col != "id" else {}
