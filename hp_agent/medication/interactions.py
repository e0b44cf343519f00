"""The interaction table: seeded from ``hp_agent/seed/data/drug_interactions.yaml`` and checked
whenever a catalogue medicine is added to someone's list.

Seed rows name medicines by generic name, with lists on either side expanding to every pair;
each pair is stored once (``medication_a_id < medication_b_id``, the table's CHECK).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hp_agent.medication.models import DrugInteraction, InteractionSeverity, Medication

SEVERE = frozenset({InteractionSeverity.MAJOR, InteractionSeverity.CONTRAINDICATED})
_RANK = {s: i for i, s in enumerate(InteractionSeverity)}
_FIELDS = ("severity", "effect", "description", "management", "source", "source_reference")


class InteractionSeedError(ValueError):
    pass


def _names(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def expand(rows: Iterable[dict[str, Any]], ids: dict[str, uuid.UUID]) -> list[dict[str, Any]]:
    """Seed rows (``a``/``b`` by generic name) → table rows, one per ordered pair.

    An unknown name or a pair listed twice is an error: the file must say exactly one thing about
    each pair."""
    out: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
    for row in rows:
        unknown = sorted(n for n in _names(row.get("a")) + _names(row.get("b")) if n not in ids)
        if unknown:
            raise InteractionSeedError(f"drug_interactions: unknown medicine(s): {', '.join(unknown)}")
        for a in _names(row["a"]):
            for b in _names(row["b"]):
                x, y = sorted((ids[a], ids[b]))
                if x == y or (x, y) in out:
                    raise InteractionSeedError(f"drug_interactions: {a}/{b} listed twice or with itself")
                out[(x, y)] = {"medication_a_id": x, "medication_b_id": y} | {f: row.get(f) for f in _FIELDS}
    return list(out.values())


async def seed_rows(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resolve names against the (already seeded) catalogue."""
    result = await conn.execute(select(Medication.generic_name, Medication.id))
    return expand(rows, {name: mid for name, mid in result.all()})


@dataclass(frozen=True, slots=True)
class Found:
    other_medication_id: uuid.UUID
    severity: InteractionSeverity
    effect: str
    description: str
    management: str | None
    reference: str

    @property
    def severe(self) -> bool:
        return self.severity in SEVERE


async def between(
    session: AsyncSession, medication_id: uuid.UUID, others: Sequence[uuid.UUID]
) -> list[Found]:
    """Interactions of ``medication_id`` with any of ``others``, most severe first."""
    others = [o for o in others if o != medication_id]
    if not others:
        return []
    d = DrugInteraction
    rows = (
        (
            await session.execute(
                select(d).where(
                    or_(
                        and_(d.medication_a_id == medication_id, d.medication_b_id.in_(others)),
                        and_(d.medication_b_id == medication_id, d.medication_a_id.in_(others)),
                    )
                )
            )
        )
        .scalars()
        .all()
    )
    found = [
        Found(
            other_medication_id=(
                r.medication_b_id if r.medication_a_id == medication_id else r.medication_a_id
            ),
            severity=r.severity,
            effect=r.effect,
            description=r.description,
            management=r.management,
            reference=f"{r.source}: {r.source_reference}" if r.source_reference else r.source,
        )
        for r in rows
    ]
    return sorted(found, key=lambda f: -_RANK[f.severity])
