"""Per-person data keys: envelope encryption, so erasing a person destroys their key.

Each person has one random 256-bit data key (DEK), stored in ``person_data_keys`` wrapped
(AES-GCM) by the current service key, with the service key's id and AAD = the row's ids. The
sensitive columns of the person's own rows (the table's row-level-security owner column names
them) are written under that key in the ``v2`` layout (``hp_agent/db/crypto.py``). Erasure deletes
the key row in the same transaction as the data; any copy of the ciphertext (a backup, a
``pg_dump``) then names a key that no longer exists.

Where the owner is known:
- ORM writes: the session's ``before_flush`` hook reads each new or changed row's owner column and
  attaches the owner's key to the values of its encrypted columns (:class:`crypto.Keyed`); after
  the flush the attributes get their plain values back.
- Core statements that bind an encrypted parameter (the chat's hot path) call :func:`seal`.
- Reads: the ciphertext names its key; :func:`resolve` finds it in a small in-process cache or
  reads the wrapped key on a connection of its own (a result processor is synchronous and has no
  connection), as the system actor.

A key is created lazily, the first time the person's data is written, by the person themself or
the system actor (row-level security lets nobody else insert one). When neither holds (a
therapist writing for a patient who has no key yet, a row whose owner is being created in the same
flush) the value is written ``v1`` under the service key, and ``hp-agent crypto rewrap`` moves it
to the person's key later. Tables that retention keeps after erasure (``SERVICE_KEY_TABLES``) are
always written under the service key: they must stay readable once the person's key is gone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Table, delete, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    Mapped,
    Mapper,
    Session,
    SessionTransaction,
    UOWTransaction,
    attributes,
    mapped_column,
)
from sqlalchemy.orm.base import instance_state

from hp_agent.db import crypto
from hp_agent.db.base import USERS_ID, Base, UUIDPk, rls
from hp_agent.db.principal import HPSession, Principal
from hp_agent.lru import LRU

# Kept pseudonymised after erasure (retention: signed clinical notes and the sessions they
# document), so never under a key that erasure destroys. Erasure itself deletes draft notes.
SERVICE_KEY_TABLES = frozenset({"session_notes", "therapy_sessions"})

CACHE_SIZE = 10_000
# How long another process may keep using a key its cache holds after erasure destroyed it
# (this process forgets it at once). Writes made with it in that window are unreadable anyway.
CACHE_TTL_SECONDS = 300.0


class PersonDataKey(UUIDPk, Base):
    """One person's data key, wrapped by a service key. Deleting the row is the crypto-shred."""

    __tablename__ = "person_data_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), unique=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)  # 12-byte nonce | ciphertext+tag
    service_key_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rewrapped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    # The person reads their own key; a treating therapist reads their patient's (to write and
    # read what the other policies already let them); the system actor reads and writes all.
    __table_args__ = (rls(),)


_KEYS: Table = PersonDataKey.__table__  # type: ignore[assignment]
KEYS_TABLE = _KEYS


def _aad(user_id: uuid.UUID, key_id: uuid.UUID) -> bytes:
    # Binds a wrapped key to its row: a wrapped key copied to another person's row does not open.
    return b"hp-dek|" + user_id.bytes + key_id.bytes


def new_wrapped(user_id: uuid.UUID) -> tuple[crypto.DataKey, dict[str, Any]]:
    """A fresh data key for ``user_id`` and the ``person_data_keys`` row that stores it."""
    key_id = uuid.uuid4()
    secret = os.urandom(32)
    kid, wrapped = crypto.keyring().wrap(secret, _aad(user_id, key_id))
    row = {"id": key_id, "user_id": user_id, "wrapped_key": wrapped, "service_key_id": kid}
    return crypto.DataKey(key_id, user_id, secret), row


def unwrap(key_id: uuid.UUID, user_id: uuid.UUID, service_key_id: str, wrapped: bytes) -> crypto.DataKey:
    """The data key stored in a ``person_data_keys`` row."""
    secret = crypto.keyring().unwrap(service_key_id, bytes(wrapped), _aad(user_id, key_id))
    return crypto.DataKey(key_id, user_id, secret)


# ----------------------------------------------------------------------------- in-process cache

_by_id: LRU[bytes, tuple[float, crypto.DataKey]] = LRU(CACHE_SIZE)  # key id's 16 bytes
_by_subject: LRU[uuid.UUID, tuple[float, crypto.DataKey]] = LRU(CACHE_SIZE)
_forgotten: set[uuid.UUID] = set()  # key ids destroyed in this process (never re-cached)


def _cached(cache: LRU[Any, tuple[float, crypto.DataKey]], k: Any) -> crypto.DataKey | None:
    hit = cache.get(k)
    if hit is None or hit[0] < time.monotonic():
        return None
    return hit[1]


def _remember(key: crypto.DataKey, *, for_writes: bool) -> None:
    if key.id in _forgotten:
        return
    until = time.monotonic() + CACHE_TTL_SECONDS
    _by_id.put(key.id.bytes, (until, key))
    if for_writes:
        _by_subject.put(key.subject, (until, key))


def forget(user_id: uuid.UUID, key_ids: Iterable[uuid.UUID] = ()) -> None:
    """Drop a destroyed key from this process's caches (erasure calls it after its commit)."""
    ids = set(key_ids)
    hit = _by_subject.get(user_id)
    if hit is not None:
        ids.add(hit[1].id)
        _by_subject.put(user_id, (0.0, hit[1]))  # expired: never handed out again
    _forgotten.update(ids)
    for key_id in ids:
        entry = _by_id.get(key_id.bytes)
        if entry is not None:
            _by_id.put(key_id.bytes, (0.0, entry[1]))


def clear_cache() -> None:
    """Forget every key, as a fresh process would (tests and the benchmark measure misses)."""
    global _by_id, _by_subject
    _by_id = LRU(CACHE_SIZE)
    _by_subject = LRU(CACHE_SIZE)
    _forgotten.clear()


# ----------------------------------------------------------------------------- reads: the loader


_AS_SYSTEM = (
    "SELECT set_config('app.current_user_id', '', true), set_config('app.current_role', 'system', true)"
)


class KeyLoader:
    """Reads wrapped keys on its own connection, in a thread with its own event loop.

    A result processor runs synchronously, often outside SQLAlchemy's greenlet, and knows no
    connection, so a cache miss blocks the caller for one indexed lookup (about a millisecond on a
    local server). It connects as the worker's role and acts as the system actor: the ciphertext
    being decrypted was already read under the caller's row-level security, the loader runs only
    these two fixed lookups, and a wrapped key opens nothing without the service key.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        u = make_url(url)
        self._dsn = u.set(drivername="postgresql").render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: Any = None
        self._busy: asyncio.Lock | None = None  # created on the loader's own loop

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="hp-data-keys", daemon=True).start()
                self._loop = loop
            return self._loop

    async def _fetch(self, column: str, value: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID, str, bytes] | None:
        import asyncpg

        if self._busy is None:
            self._busy = asyncio.Lock()
        async with self._busy:  # one connection; callers on several threads may ask at once
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self._dsn)
            async with self._conn.transaction():
                await self._conn.execute(_AS_SYSTEM)
                row = await self._conn.fetchrow(
                    "SELECT id, user_id, service_key_id, wrapped_key FROM person_data_keys"
                    f" WHERE {column} = $1",
                    value,
                )
        if row is None:
            return None
        return row["id"], row["user_id"], row["service_key_id"], bytes(row["wrapped_key"])

    def _run(self, column: str, value: uuid.UUID) -> crypto.DataKey | None:
        future = asyncio.run_coroutine_threadsafe(self._fetch(column, value), self._start())
        found = future.result(timeout=10)
        return None if found is None else unwrap(*found)

    def by_id(self, key_id: uuid.UUID) -> crypto.DataKey | None:
        return self._run("id", key_id)

    def by_subject(self, user_id: uuid.UUID) -> crypto.DataKey | None:
        """A committed key of ``user_id`` (for the API acting as the system actor, which row-level
        security does not let read the table in its own transaction)."""
        return self._run("user_id", user_id)

    def close(self) -> None:
        loop = self._loop
        if loop is None:
            return
        if self._conn is not None:
            asyncio.run_coroutine_threadsafe(self._conn.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)


_loader: KeyLoader | None = None


def configure_loader(url: str) -> None:
    """Where keys missing from the cache are read (the worker role's URL); idempotent."""
    global _loader
    if _loader is not None and _loader.url == url:
        return
    old, _loader = _loader, KeyLoader(url)
    if old is not None:
        old.close()


def _default_loader() -> KeyLoader | None:
    """The app and tests configure the loader; any other process (the worker, a command) gets
    one from the environment's settings on first use."""
    if _loader is None:
        from hp_agent.config import get_settings
        from hp_agent.db.urls import worker_database_url

        settings = get_settings()
        if settings.database_url is not None:
            configure_loader(worker_database_url(settings))
    return _loader


def resolve(raw_id: bytes) -> crypto.DataKey | None:
    """The data key whose id is ``raw_id`` (16 bytes, as a v2 ciphertext names it), or None."""
    key = _cached(_by_id, raw_id)
    if key is not None:
        return key
    key_id = uuid.UUID(bytes=raw_id)
    if key_id in _forgotten:
        return None
    loader = _default_loader()
    if loader is None:
        return None
    key = loader.by_id(key_id)
    if key is not None:
        _remember(key, for_writes=False)
    return key


crypto.set_data_key_resolver(resolve)


# ----------------------------------------------------------------------------- writes


def _may_create(principal: Principal | None, user_id: uuid.UUID) -> bool:
    return principal is not None and (principal.role == "system" or principal.user_id == user_id)


# Keys this session's transaction created (not committed yet). Only committed keys go into the
# cache for writes: a key whose row a rollback removed must never encrypt anything. After a
# savepoint rolls back, a key created in it may be gone too, so they are looked up again (UNSURE).
_NEW = "hp_new_data_keys"
_UNSURE = "hp_new_data_keys_unsure"


def keys_for(session: Session, subjects: set[uuid.UUID]) -> dict[uuid.UUID, crypto.DataKey]:
    """The data key of each subject that has or may now get one (synchronous: flush time)."""
    found: dict[uuid.UUID, crypto.DataKey] = {}
    created: dict[uuid.UUID, crypto.DataKey] = session.info.setdefault(_NEW, {})
    trusted = {} if session.info.get(_UNSURE) else created
    missing = set()
    for s in subjects:
        key = trusted.get(s) or _cached(_by_subject, s)
        if key is not None:
            found[s] = key
        else:
            missing.add(s)
    if not missing:
        return found
    conn = session.connection()
    rows = conn.execute(
        select(_KEYS.c.id, _KEYS.c.user_id, _KEYS.c.service_key_id, _KEYS.c.wrapped_key).where(
            _KEYS.c.user_id.in_(missing)
        )
    ).all()
    mine = {k.id for k in created.values()}
    for r in rows:
        key = unwrap(r.id, r.user_id, r.service_key_id, r.wrapped_key)
        _remember(key, for_writes=r.id not in mine)  # this transaction's own row: not committed
        found[r.user_id] = key
    principal = session.info.get("principal")
    if principal is not None and principal.role == "system":
        from sqlalchemy import text

        if not conn.execute(text("SELECT app_is_worker_system()")).scalar():
            # The API acting as the system actor: the table is the worker's; read committed keys
            # through the loader and create none (the value is written v1 then).
            for s in missing - found.keys():
                loader = _default_loader()
                key = loader.by_subject(s) if loader is not None else None
                if key is not None:
                    _remember(key, for_writes=True)
                    found[s] = key
            return found
    being_created = {
        getattr(o, "id", None) for o in session.new if getattr(o, "__tablename__", "") == "users"
    }
    for s in missing - found.keys():
        if not _may_create(principal, s) or s in being_created:
            continue  # written v1; `hp-agent crypto rewrap` moves it later
        key, row = new_wrapped(s)
        stmt = pg_insert(_KEYS).values(**row).on_conflict_do_nothing(index_elements=["user_id"])
        if conn.execute(stmt).rowcount:
            created[s] = key
            _remember(key, for_writes=False)  # for writes only once committed (a rollback drops it)
            found[s] = key
            continue
        won = conn.execute(  # another transaction created it first
            select(_KEYS.c.id, _KEYS.c.service_key_id, _KEYS.c.wrapped_key).where(_KEYS.c.user_id == s)
        ).one()
        key = unwrap(won.id, s, won.service_key_id, won.wrapped_key)
        _remember(key, for_writes=True)
        found[s] = key
    return found


async def seal(session: AsyncSession, subject: uuid.UUID, value: str) -> str:
    """``value`` to be written under ``subject``'s data key (a Core statement's parameter)."""
    keys = await session.run_sync(keys_for, {subject})
    key = keys.get(subject)
    return value if key is None else crypto.Keyed(value, key)


# ----------------------------------------------------------------------------- the flush hook

_PLANS: dict[Mapper[Any], tuple[str, tuple[str, ...]] | None] = {}


def _plan(mapper: Mapper[Any]) -> tuple[str, tuple[str, ...]] | None:
    """(owner attribute, encrypted attributes) of a person's table, None for any other."""
    if mapper in _PLANS:
        return _PLANS[mapper]
    plan = None
    table = mapper.local_table
    name = getattr(table, "name", "")
    spec = getattr(table, "info", {}).get("rls")
    if spec and name not in SERVICE_KEY_TABLES and name != _KEYS.name:
        encrypted = tuple(
            mapper.get_property_by_column(c).key
            for c in table.c
            if isinstance(c.type, crypto.EncryptedText | crypto.EncryptedJSON)
        )
        if encrypted:
            plan = (mapper.get_property_by_column(table.c[spec["owner"]]).key, encrypted)
    _PLANS[mapper] = plan
    return plan


_RESTORE = "hp_keyed_restore"


def _before_flush(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    todo: list[tuple[object, str, Any, uuid.UUID]] = []
    for obj in (*session.new, *session.dirty):
        state = instance_state(obj)
        plan = _plan(state.mapper)
        if plan is None:
            continue
        owner, cols = plan
        subject = getattr(obj, owner)
        if subject is None:
            continue
        for col in cols:
            value = state.dict.get(col)
            if value is None or isinstance(value, crypto.Keyed | crypto.KeyedJSON):
                continue
            if state.key is not None and not attributes.get_history(obj, col).added:
                continue  # unchanged: not written
            todo.append((obj, col, value, subject))
    if not todo:
        return
    keys = keys_for(session, {t[3] for t in todo})
    restore = session.info.setdefault(_RESTORE, [])
    for obj, col, value, subject in todo:
        key = keys.get(subject)
        if key is None:
            continue
        wrapped = crypto.Keyed(value, key) if isinstance(value, str) else crypto.KeyedJSON(value, key)
        # Straight into the state: the same value, so the models' @validates have nothing to say.
        instance_state(obj).dict[col] = wrapped
        attributes.flag_modified(obj, col)
        restore.append((obj, col, value))


def _after_flush_postexec(session: Session, flush_context: UOWTransaction) -> None:
    # The rows are written; the objects hold the plain values again, as if loaded.
    for obj, col, value in session.info.pop(_RESTORE, ()):
        attributes.set_committed_value(obj, col, value)


def _forget_transaction(session: Session) -> None:
    # A committed key is cached for writes when next read from the table, never from here: a
    # savepoint may have removed its row without this session knowing which.
    for name in (_NEW, _UNSURE, _RESTORE):
        session.info.pop(name, None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested or transaction.parent is not None:
        return  # a savepoint's end: the session's transaction goes on
    _forget_transaction(session)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.nested:
        session.info[_UNSURE] = True
        session.info.pop(_RESTORE, None)


_HOOKS: dict[str, Callable[..., Any]] = {
    "before_flush": _before_flush,
    "after_flush_postexec": _after_flush_postexec,
    "after_transaction_end": _after_transaction_end,
    "after_soft_rollback": _after_soft_rollback,
}


def install(session_class: type[Session] = HPSession) -> None:
    for name, fn in _HOOKS.items():
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)


install()


async def destroy(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Delete the person's key rows (inside erasure's transaction); returns the ids destroyed.
    Call :func:`forget` after the commit."""
    result = await session.execute(delete(_KEYS).where(_KEYS.c.user_id == user_id).returning(_KEYS.c.id))
    return list(result.scalars())


__all__ = [
    "SERVICE_KEY_TABLES",
    "PersonDataKey",
    "configure_loader",
    "destroy",
    "forget",
    "keys_for",
    "resolve",
    "seal",
]
