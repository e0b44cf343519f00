"""Per-person data keys: the v2 layout, the flush hook that picks the owner's key, service-key
rotation (keys rewrapped, data untouched) and the move of v1 rows (hp_agent/db/data_keys.py)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import LargeBinary, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db import crypto, data_keys, rewrap
from hp_agent.db.session import Database, Principal
from hp_agent.mood.models import MoodEntry

K1, K2 = os.urandom(32), os.urandom(32)


def _ring(*keys: tuple[str, bytes]) -> crypto.KeyRing:
    return crypto.KeyRing.parse(",".join(f"{kid}:{base64.urlsafe_b64encode(k).decode()}" for kid, k in keys))


def _key() -> crypto.DataKey:
    return crypto.DataKey(uuid.uuid4(), uuid.uuid4(), os.urandom(32))


# ----------------------------------------------------------------------------- layout (no database)


def test_v2_layout_names_its_key_and_authenticates_the_header() -> None:
    key = _key()
    blob = crypto.EncryptedText().process_bind_param(crypto.Keyed("a private sentence", key), None)  # type: ignore[arg-type]
    assert blob is not None
    assert blob[:2] == b"v2"
    assert crypto.data_key_id(blob) == key.id
    assert len(blob) == 2 + 16 + 12 + len("a private sentence") + 16
    assert b"private" not in blob
    assert key.decrypt(blob) == "a private sentence"
    # The header is AAD: the same ciphertext relabelled with another key id does not open.
    other = _key()
    forged = b"v2" + other.id.bytes + blob[18:]
    with pytest.raises(InvalidTag):
        key.decrypt(forged)
    with pytest.raises(InvalidTag):
        other.decrypt(blob)


def test_reads_accept_v1_and_v2_and_say_when_the_key_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_ring", _ring(("k1", K1)))
    key = _key()
    known = {key.id.bytes: key}
    monkeypatch.setattr(crypto, "_resolve_data_key", known.get)
    column = crypto.EncryptedText()
    v1 = column.process_bind_param("service key", None)  # type: ignore[arg-type]
    v2 = column.process_bind_param(crypto.Keyed("data key", key), None)  # type: ignore[arg-type]
    assert v1 is not None
    assert v1[:2] == b"v1"
    assert v2 is not None
    assert column.process_result_value(v1, None) == "service key"  # type: ignore[arg-type]
    assert column.process_result_value(v2, None) == "data key"  # type: ignore[arg-type]
    as_json = crypto.EncryptedJSON()
    blob = as_json.process_bind_param(crypto.KeyedJSON([{"term": "x"}], key), None)  # type: ignore[arg-type]
    assert blob is not None
    assert blob[:2] == b"v2"
    assert as_json.process_result_value(blob, None) == [{"term": "x"}]  # type: ignore[arg-type]
    known.clear()  # erased
    with pytest.raises(crypto.DataKeyUnavailable):
        column.process_result_value(v2, None)  # type: ignore[arg-type]


def test_keyed_text_is_the_text() -> None:
    value = crypto.Keyed("hello", _key())
    assert value == "hello"
    assert isinstance(value, str)
    assert type(str.__str__(value)) is str


def test_rotation_rewraps_the_data_key_and_leaves_data_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_ring", _ring(("k1", K1)))
    user = uuid.uuid4()
    key, row = data_keys.new_wrapped(user)
    assert row["service_key_id"] == "k1"
    assert len(row["wrapped_key"]) == 12 + 32 + 16
    blob = key.encrypt("before rotation")
    # k2 becomes current, k1 stays for reading; rewrapping the key row is all rotation does.
    ring = _ring(("k2", K2), ("k1", K1))
    monkeypatch.setattr(crypto, "_ring", ring)
    opened = data_keys.unwrap(row["id"], user, row["service_key_id"], row["wrapped_key"])
    aad = data_keys._aad(user, row["id"])
    kid, wrapped = ring.wrap(ring.unwrap("k1", row["wrapped_key"], aad), aad)
    assert kid == "k2"
    assert wrapped != row["wrapped_key"]
    # k1 retired: the rewrapped key still opens the unchanged ciphertext; the old wrapping does not.
    monkeypatch.setattr(crypto, "_ring", _ring(("k2", K2)))
    assert data_keys.unwrap(row["id"], user, kid, wrapped).decrypt(blob) == "before rotation"
    assert opened.decrypt(blob) == "before rotation"
    with pytest.raises(ValueError, match="not in the key ring"):
        data_keys.unwrap(row["id"], user, "k1", row["wrapped_key"])
    # A wrapped key moved to another person's row does not open (AAD = the row's ids).
    with pytest.raises(InvalidTag):
        data_keys.unwrap(row["id"], uuid.uuid4(), kid, wrapped)


# ----------------------------------------------------------------------------- with the database


async def _raw(owner_db: AsyncSession, entry_id: uuid.UUID) -> bytes:
    return bytes(
        (
            await owner_db.execute(
                select(type_coerce(MoodEntry.note, LargeBinary)).where(MoodEntry.id == entry_id)
            )
        ).scalar_one()
    )


async def _key_rows(owner_db: AsyncSession, user_id: uuid.UUID) -> list[tuple[uuid.UUID, str, bytes]]:
    rows = await owner_db.execute(
        text("SELECT id, service_key_id, wrapped_key FROM person_data_keys WHERE user_id = :u"),
        {"u": user_id},
    )
    return [(r[0], r[1], bytes(r[2])) for r in rows]


async def test_a_persons_rows_are_written_under_their_key(
    client: object, app_db: Database, owner_db: AsyncSession
) -> None:
    from tests.journal.people import patient

    pat = await patient(client)  # type: ignore[arg-type]
    me = Principal(pat.id, "patient")
    async with app_db.unit_of_work(me) as session:
        note = "slept well, walked the dog"
        entry = MoodEntry(user_id=pat.id, entry_date=dt.date.today(), mood=6, note=note)
        session.add(entry)
        await session.flush()
        assert type(entry.note) is str  # the plain value is back after the flush
        entry_id = entry.id
    [(key_id, kid, wrapped)] = await _key_rows(owner_db, pat.id)
    assert kid == crypto.keyring().current
    blob = await _raw(owner_db, entry_id)
    assert blob[:2] == b"v2"
    assert crypto.data_key_id(blob) == key_id
    assert data_keys.unwrap(key_id, pat.id, kid, wrapped).decrypt(blob) == "slept well, walked the dog"
    async with app_db.unit_of_work(me) as session:
        got = (await session.execute(select(MoodEntry).where(MoodEntry.id == entry_id))).scalar_one()
        assert got.note == "slept well, walked the dog"
        got.note = "changed my mind"
    assert crypto.data_key_id(await _raw(owner_db, entry_id)) == key_id  # the same key, once per person
    assert len(await _key_rows(owner_db, pat.id)) == 1

    # Another person cannot read this key row (row-level security), nor create a key for a third.
    other, third = await patient(client), await patient(client)  # type: ignore[arg-type]
    async with app_db.unit_of_work(Principal(other.id, "patient")) as session:
        seen = (await session.execute(text("SELECT count(*) FROM person_data_keys"))).scalar_one()
        assert seen == 0
        assert await session.run_sync(data_keys.keys_for, {third.id}) == {}
    assert await _key_rows(owner_db, third.id) == []


async def test_rewrap_and_move_of_v1_rows(
    client: object, app_db: Database, owner_db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.journal.people import patient

    pat = await patient(client)  # type: ignore[arg-type]
    # A row written before data keys existed: v1 under the service key.
    old = crypto.keyring().encrypt("written in the v1 days")
    entry_id = uuid.uuid4()
    await owner_db.execute(
        text(
            "INSERT INTO mood_entries (id, user_id, entry_date, mood, note)"
            " VALUES (:id, :u, current_date, 5, :note)"
        ),
        {"id": entry_id, "u": pat.id, "note": old},
    )
    await owner_db.commit()
    moved, left = await rewrap.move_v1_rows(app_db)
    assert moved.get("mood_entries", 0) >= 1
    assert left == 0
    blob = await _raw(owner_db, entry_id)
    assert blob[:2] == b"v2"
    [(key_id, _, wrapped)] = await _key_rows(owner_db, pat.id)
    assert crypto.data_key_id(blob) == key_id

    # Service-key rotation: a new current key; rewrap touches the key row only.
    current = crypto.keyring()
    new_ring = crypto.KeyRing({"rot2": K2, **{k: v for k, v in _keys_of(current).items()}}, "rot2")
    monkeypatch.setattr(crypto, "_ring", new_ring)
    assert await rewrap.rewrap_keys(app_db) >= 1
    [(key_id2, kid2, wrapped2)] = await _key_rows(owner_db, pat.id)
    assert (key_id2, kid2) == (key_id, "rot2")
    assert wrapped2 != wrapped
    assert await _raw(owner_db, entry_id) == blob  # the data did not change
    assert data_keys.unwrap(key_id, pat.id, kid2, wrapped2).decrypt(blob) == "written in the v1 days"
    assert await rewrap.rewrap_keys(app_db) == 0  # nothing left under an old key


def _keys_of(ring: crypto.KeyRing) -> dict[str, bytes]:
    # The test's own copy of the configured ring (the ring keeps only AEAD objects).
    from hp_agent.config import Settings

    spec = Settings().encryption_keys.get_secret_value()
    keys = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, _, b64 = part.partition(":")
        keys[kid] = base64.urlsafe_b64decode(b64.encode())
    assert ring.current in keys
    return keys


def test_the_rewrap_command_runs_against_the_database(
    settings: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``hp-agent crypto rewrap`` end to end on this run's (committed) database."""
    from hp_agent import cli
    from hp_agent.config import Settings, get_settings

    assert isinstance(settings, Settings)
    assert settings.database_url is not None
    monkeypatch.setenv("HP_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        assert cli.main(["crypto", "rewrap"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "data keys rewrapped under the current service key: 0" in out  # all under the current
    assert "rows left under the service key (owner without a key): 0" in out


async def test_a_key_whose_transaction_rolls_back_is_never_used(
    client: object, app_db: Database, owner_db: AsyncSession
) -> None:
    """A key created in a transaction that rolls back is gone: it is not cached for writes (even
    after a savepoint rollback made the session look it up again), and the next write makes and
    uses a key that exists."""
    from tests.journal.people import patient

    pat = await patient(client)  # type: ignore[arg-type]
    me = Principal(pat.id, "patient")
    today = dt.date.today()
    lost: list[crypto.DataKey] = []

    async def fails() -> None:
        async with app_db.unit_of_work(me) as session:
            async with session.begin_nested():  # released: the key's row is in the transaction
                session.add(MoodEntry(user_id=pat.id, entry_date=today, mood=3, note="first"))
                await session.flush()
            lost.append(session.info["hp_new_data_keys"][pat.id])
            savepoint = await session.begin_nested()  # an unrelated savepoint rolls back
            await savepoint.rollback()
            yesterday = today - dt.timedelta(days=1)
            session.add(MoodEntry(user_id=pat.id, entry_date=yesterday, mood=4, note="x"))
            await session.flush()  # reads the (uncommitted) key row again
            raise RuntimeError("the unit of work fails")

    with pytest.raises(RuntimeError, match="the unit of work fails"):
        await fails()
    cached = data_keys._cached(data_keys._by_subject, pat.id)
    assert cached is None or cached.id != lost[0].id
    async with app_db.unit_of_work(me) as session:
        entry = MoodEntry(user_id=pat.id, entry_date=today, mood=4, note="second")
        session.add(entry)
        await session.flush()
        entry_id = entry.id
    [(key_id, _, _)] = await _key_rows(owner_db, pat.id)
    assert key_id != lost[0].id
    assert crypto.data_key_id(await _raw(owner_db, entry_id)) == key_id
