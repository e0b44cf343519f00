"""``hp-agent crypto rewrap``: service-key rotation and the move of ``v1`` rows to people's keys.

1. Every data key wrapped by a service key other than the current one is rewrapped under the
   current one. The data is not touched: this is what makes rotating a service key cheap.
2. Every ``v1`` value (service key) in a person's table is re-encrypted under the person's data key
   (created if they have none), so erasure can destroy it. Tables that retention keeps after
   erasure (``data_keys.SERVICE_KEY_TABLES``) stay under the service key.

Runs as the worker's system actor; each batch is one transaction, so it can be stopped and re-run.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import LargeBinary, Table, func, or_, select, type_coerce, update

from hp_agent.db import crypto, data_keys
from hp_agent.db.base import Base
from hp_agent.db.session import Database, Principal

SYSTEM = Principal(None, "system")
_V1 = b"v1"
_KEYS = data_keys.KEYS_TABLE


@dataclass
class RewrapReport:
    keys_rewrapped: int = 0
    values_moved: dict[str, int] = field(default_factory=dict)
    values_left_v1: int = 0  # rows whose owner could not get a key (should be none as the worker)


async def rewrap_keys(db: Database, batch: int = 500) -> int:
    """Rewrap every data key not under the current service key; returns how many."""
    ring = crypto.keyring()
    done = 0
    while True:
        async with db.unit_of_work(SYSTEM) as session:
            rows = (
                await session.execute(
                    select(_KEYS.c.id, _KEYS.c.user_id, _KEYS.c.service_key_id, _KEYS.c.wrapped_key)
                    .where(_KEYS.c.service_key_id != ring.current)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for r in rows:
                secret = ring.unwrap(r.service_key_id, bytes(r.wrapped_key), data_keys._aad(r.user_id, r.id))
                kid, wrapped = ring.wrap(secret, data_keys._aad(r.user_id, r.id))
                await session.execute(
                    update(_KEYS)
                    .where(_KEYS.c.id == r.id)
                    .values(wrapped_key=wrapped, service_key_id=kid, rewrapped_at=dt.datetime.now(dt.UTC))
                )
        done += len(rows)
        if len(rows) < batch:
            return done


def _person_tables() -> list[tuple[Table, str, list[str]]]:
    out = []
    for table in Base.metadata.sorted_tables:
        spec = table.info.get("rls")
        if not spec or table.name in data_keys.SERVICE_KEY_TABLES or table.name == _KEYS.name:
            continue
        cols = [c.name for c in table.c if isinstance(c.type, crypto.EncryptedText | crypto.EncryptedJSON)]
        if cols and "id" in table.c:
            out.append((table, spec["owner"], cols))
    return out


def _is_v1(col: Any) -> Any:
    return func.substring(type_coerce(col, LargeBinary), 1, 2) == _V1


async def _move_table(db: Database, table: Table, owner: str, cols: list[str], batch: int) -> tuple[int, int]:
    moved = left = 0
    last: uuid.UUID | None = None
    while True:
        async with db.unit_of_work(SYSTEM) as session:
            raw = (type_coerce(table.c[c], LargeBinary).label(c) for c in cols)
            stmt = (
                select(table.c.id, table.c[owner], *raw)
                .where(or_(*(_is_v1(table.c[c]) for c in cols)))
                .order_by(table.c.id)
                .limit(batch)
            )
            if last is not None:
                stmt = stmt.where(table.c.id > last)
            rows = (await session.execute(stmt)).all()
            keys = await session.run_sync(data_keys.keys_for, {r[1] for r in rows if r[1] is not None})
            for r in rows:
                key = keys.get(r[1])
                if key is None:
                    left += 1
                    continue
                values: dict[str, Any] = {}
                for c in cols:
                    blob = r._mapping[c]
                    if blob is None or bytes(blob[:2]) != _V1:
                        continue
                    plain = crypto.keyring().decrypt(bytes(blob))
                    if isinstance(table.c[c].type, crypto.EncryptedJSON):
                        values[c] = crypto.KeyedJSON(json.loads(plain), key)
                    else:
                        values[c] = crypto.Keyed(plain, key)
                await session.execute(update(table).where(table.c.id == r[0]).values(**values))
                moved += 1
        if rows:
            last = rows[-1][0]
        if len(rows) < batch:
            return moved, left


async def move_v1_rows(db: Database, batch: int = 200) -> tuple[dict[str, int], int]:
    """Re-encrypt ``v1`` values of people's tables under their data keys: (moved per table, left)."""
    moved: dict[str, int] = {}
    left = 0
    for table, owner, cols in _person_tables():
        n, skipped = await _move_table(db, table, owner, cols, batch)
        left += skipped
        if n:
            moved[table.name] = n
    return moved, left


async def rewrap_all(db: Database) -> RewrapReport:
    report = RewrapReport()
    report.keys_rewrapped = await rewrap_keys(db)
    report.values_moved, report.values_left_v1 = await move_v1_rows(db)
    return report
