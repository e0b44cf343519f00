"""Erasure reaches backups (#17 item 2, must-show): a person with marker text in every area, a
``pg_dump`` taken before erasure as the backup (data without the key table, docs/privacy.md),
erasure past the grace period, a ``pg_dump`` after it.

After: no marker in clear, no row naming the person except the pseudonymised kept records, and the
ciphertext taken from the backup no longer opens because the person's data key is gone.

Everything here is committed (the dumps read another connection's snapshot), so the test uses its
own people and never assumes an empty table.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from hp_agent.chat.models import ChatSession, MessageRole
from hp_agent.chat.sequencing import append
from hp_agent.compliance.models import DataSubjectRequest
from hp_agent.config import Settings
from hp_agent.db import crypto, data_keys
from hp_agent.db.models import load_all
from hp_agent.db.session import Database, Principal
from hp_agent.db.urls import app_database_url, worker_database_url
from hp_agent.privacy import erasure
from tests.api.auth_helpers import PASSWORD
from tests.journal.people import Person, patient, therapist
from tests.therapy.care import SOAP, link

pytestmark = [pytest.mark.usefixtures("seeded"), pytest.mark.slow]

# Kept pseudonymised after erasure (retention), and so the only tables that may still name them.
KEPT = {"users", "session_notes", "therapy_sessions", "audit_logs", "audit_logs_archive"}
CRISIS = "I have decided to kill myself tonight, I have the pills ready."


def _marker(area: str, tag: str) -> str:
    return f"Wombat{tag}{area.capitalize()}"


# ----------------------------------------------------------------------------- pg_dump


def _major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out.split(")")[-1]) or re.search(r"(\d+)\.", out)
    assert found, out
    return int(found.group(1))


def pg_dump_binary(server_major: int) -> str:
    """The pg_dump for this server: the same major version if there is one, else the nearest newer
    one (pg_dump reads older servers, never newer). The Debian packages, then PATH, then the one
    the embedded pgserver ships."""
    import pgserver

    candidates = [
        f"/usr/lib/postgresql/{server_major}/bin/pg_dump",
        shutil.which("pg_dump") or "",
        str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"),
    ]
    usable = sorted(
        {(_major(c), c) for c in candidates if c and Path(c).exists() and _major(c) >= server_major}
    )
    assert usable, f"no pg_dump for PostgreSQL {server_major}"
    same = [c for m, c in usable if m == server_major]
    return same[0] if same else usable[0][1]


async def _server_major(db: Database) -> int:
    from sqlalchemy import text

    async with db.unit_of_work() as session:
        return int((await session.execute(text("SHOW server_version_num"))).scalar_one()) // 10000


def pg_dump(owner_url: str, binary: str, *extra: str) -> str:
    dsn = make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run(
        [binary, "--no-owner", "--no-privileges", *extra, f"--dbname={dsn}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def copy_blocks(dump: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Each table's ``COPY ... FROM stdin`` data in a plain dump: (columns, rows of raw fields)."""
    blocks: dict[str, tuple[list[str], list[list[str]]]] = {}
    lines = iter(dump.splitlines())
    for line in lines:
        m = re.match(r'COPY public\."?([\w]+)"? \((.*)\) FROM stdin;$', line)
        if not m:
            continue
        cols = [c.strip().strip('"') for c in m.group(2).split(",")]
        rows = []
        for row in lines:
            if row == "\\.":
                break
            rows.append(row.split("\t"))
        blocks[m.group(1)] = (cols, rows)
    return blocks


def _bytea(field: str) -> bytes:
    assert field.startswith("\\\\x"), field[:10]  # COPY text format escapes the backslash
    return bytes.fromhex(field[3:])


def person_ciphertexts(dump: str, user_id: uuid.UUID) -> list[tuple[str, str, bytes]]:
    """(table, column, ciphertext) of every encrypted value in the person's own rows."""
    metadata = load_all().metadata
    found = []
    for name, (cols, rows) in copy_blocks(dump).items():
        table = metadata.tables.get(name)
        spec = table.info.get("rls") if table is not None else None
        if table is None or not spec:
            continue
        owner = cols.index(spec["owner"])
        encrypted = [
            (i, c)
            for i, c in enumerate(cols)
            if isinstance(table.c[c].type, crypto.EncryptedText | crypto.EncryptedJSON)
        ]
        for row in rows:
            if row[owner] != str(user_id):
                continue
            for i, c in encrypted:
                if row[i] != "\\N":
                    found.append((name, c, _bytea(row[i])))
    return found


# ----------------------------------------------------------------------------- the person


@pytest.fixture
async def committed(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Database, Database]]:
    """The app on its real (committing) application-role database, and the worker's database."""
    from hp_agent.app import create_app

    api_db, worker_db = Database(app_database_url(settings)), Database(worker_database_url(settings))
    app = create_app(settings, database=api_db)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c, api_db, worker_db
    finally:
        await api_db.dispose()
        await worker_db.dispose()


async def _ok(r: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


async def fill_every_area(
    client: httpx.AsyncClient, api_db: Database, pat: Person, doc: Person, tag: str
) -> list[str]:
    """Marker text in each area the person has; returns the markers."""
    m = {
        a: _marker(a, tag)
        for a in (
            "profile",
            "mood",
            "goal",
            "journal",
            "crisis",
            "plan",
            "intake",
            "effect",
            "treatment",
            "homework",
            "response",
            "note",
            "draft",
            "chat",
        )
    }
    h, d = pat.headers, doc.headers
    await _ok(await client.patch("/v1/me", json={"display_name": m["profile"]}, headers=h), 200)
    await _ok(await client.post("/v1/mood/entries", json={"mood": 4, "note": m["mood"]}, headers=h))
    goal = {"goal_type": "custom", "title": "Walk", "description": m["goal"], "target_value": "3"}
    await _ok(await client.post("/v1/mood/goals", json=goal, headers=h))
    await _ok(await client.post("/v1/journal/entries", json={"content": m["journal"]}, headers=h))
    r = await _ok(
        await client.post("/v1/journal/entries", json={"content": f"{CRISIS} {m['crisis']}"}, headers=h)
    )
    assert r["safety"]["level"] in ("high", "imminent")  # a crisis detection quoting them
    answers = {f"phq9_{i}": 1 for i in range(1, 10)}
    await _ok(await client.post("/v1/assessments", json={"code": "phq9", "answers": answers}, headers=h))
    plan = {"warning_signs": [m["plan"]], "reasons_for_living": ["my sister"]}
    await _ok(await client.put("/v1/safety-plan", json=plan, headers=h), 200)
    med = await _ok(
        await client.post(
            "/v1/medications",
            json={"name": "Sertraline", "dose_amount": "50", "dose_unit": "mg", "as_needed": True},
            headers=h,
        )
    )
    med_id = med.get("id") or med["medication"]["id"]
    intake = {"user_medication_id": med_id, "status": "taken", "note": m["intake"]}
    await _ok(await client.post("/v1/medications/intakes", json=intake, headers=h))
    effect = {"user_medication_id": med_id, "description": m["effect"], "severity": "mild"}
    await _ok(await client.post("/v1/medications/side-effects", json=effect, headers=h))
    # The clinician's side: a plan, homework and notes about the patient.
    await _ok(
        await client.post(
            f"/v1/patients/{pat.id}/treatment-plans",
            json={"title": "Low mood", "presenting_problem": m["treatment"]},
            headers=d,
        )
    )
    hw = await _ok(
        await client.post(
            f"/v1/patients/{pat.id}/homework",
            json={"title": "Log", "homework_type": "journaling", "instructions": m["homework"]},
            headers=d,
        )
    )
    await _ok(
        await client.post(f"/v1/homework/{hw['id']}/complete", json={"response": m["response"]}, headers=h),
        200,
    )
    signed = await _ok(
        await client.post(
            f"/v1/patients/{pat.id}/notes",
            json={"format": "soap", "content": {**SOAP, "subjective": m["note"]}},
            headers=d,
        )
    )
    await _ok(await client.post(f"/v1/notes/{signed['id']}/sign", headers=d), 200)
    await _ok(
        await client.post(
            f"/v1/patients/{pat.id}/notes",
            json={"format": "soap", "content": {**SOAP, "subjective": m["draft"]}},
            headers=d,
        )
    )
    # Chat: a session, and a message through the hot path's own writer.
    started = await _ok(await client.post("/v1/chat/sessions", json={"agent": "cbt-coach"}, headers=h))
    async with api_db.unit_of_work(Principal(pat.id, "patient")) as session:
        chat = (
            await session.execute(
                select(ChatSession).where(ChatSession.id == uuid.UUID(started["session"]["id"]))
            )
        ).scalar_one()
        await append(session, chat, role=MessageRole.USER, content=m["chat"], client_message_id="m1")
    return list(m.values())


async def test_after_erasure_a_dump_holds_nothing_of_theirs_and_the_backup_does_not_open(
    committed: tuple[httpx.AsyncClient, Database, Database], settings: Settings
) -> None:
    client, api_db, worker_db = committed
    tag = uuid.uuid4().hex[:8]
    pat = await patient(client)
    doc = await therapist(client, worker_db)
    await link(worker_db, pat.id, doc.id)
    markers = await fill_every_area(client, api_db, pat, doc, tag)
    binary = pg_dump_binary(await _server_major(api_db))
    owner_url = settings.database_url
    assert owner_url is not None

    # The backup: the data, without the keys' rows (they are backed up on their own, docs/privacy.md).
    backup = pg_dump(owner_url, binary, "--exclude-table-data=public.person_data_keys")
    assert str(pat.id) in backup
    # Encrypted even before erasure... (not the display name: profile fields are clear text, so a
    # backup keeps them until it expires; docs/privacy.md)
    for marker in markers[1:]:
        assert marker.lower() not in backup.lower(), marker
    assert "pills ready" not in backup.lower()
    assert "CREATE TABLE public.person_data_keys" in backup
    assert "person_data_keys" not in copy_blocks(backup)  # the table, none of its rows
    theirs = person_ciphertexts(backup, pat.id)
    tables = {t for t, _, _ in theirs}
    for area in (
        "mood_entries",
        "mood_goals",
        "journal_entries",
        "crisis_detections",
        "safety_plans",
        "medication_intake_logs",
        "medication_side_effect_reports",
        "treatment_plans",
        "homework_assignments",
        "session_notes",
        "chat_messages",
    ):
        assert area in tables, (area, sorted(tables))
    async with worker_db.unit_of_work(Principal(None, "system")) as session:
        from sqlalchemy import text

        key_ids = list(
            (
                await session.execute(
                    text("SELECT id FROM person_data_keys WHERE user_id = :u"), {"u": pat.id}
                )
            ).scalars()
        )
    assert len(key_ids) == 1
    # ...and every value of theirs is under their own data key, except the kept clinical notes.
    wrong = [
        (table, column)
        for table, column, blob in theirs
        if (
            blob[:2] != b"v1"
            if table in data_keys.SERVICE_KEY_TABLES
            else crypto.data_key_id(blob) != key_ids[0]
        )
    ]
    assert wrong == []
    # Before erasure the backup's ciphertext opens with the key the live database holds (a fresh
    # cache: the key is read and unwrapped from the table).
    data_keys.clear_cache()
    opened = {(t, c): crypto.decrypt_any(b) for t, c, b in theirs}
    assert opened[("mood_entries", "note")] == markers[1]
    assert opened[("chat_messages", "content")] == markers[-1]
    assert any(markers[4] in v for (t, _), v in opened.items() if t == "journal_entries")

    r = await client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=pat.headers)
    assert r.status_code == 202, r.text
    due = dt.datetime.fromisoformat(r.json()["due_at"])
    assert await erasure.erase_due(worker_db, now=due - dt.timedelta(days=1)) == 0  # still in grace
    # The grace period passes for this person only (other tests' committed requests stay pending).
    async with worker_db.unit_of_work(Principal(None, "system")) as session:
        await session.execute(
            update(DataSubjectRequest)
            .where(DataSubjectRequest.user_id == pat.id)
            .values(due_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert await erasure.erase_due(worker_db) >= 1

    after = pg_dump(owner_url, binary)
    for marker in markers:
        assert marker.lower() not in after.lower(), marker
    naming = {
        name
        for name, (_, rows) in copy_blocks(after).items()
        if any(str(pat.id) in "\t".join(r) for r in rows)
    }
    assert naming <= KEPT, naming
    assert "session_notes" in naming  # the signed note is kept...
    kept = [b for t, _, b in person_ciphertexts(after, pat.id) if t == "session_notes"]
    assert len(kept) == 1
    assert markers[-3] in crypto.decrypt_any(kept[0])  # ...readable under the service key
    assert str(key_ids[0]) not in after  # the key row is gone

    # The backup's ciphertext no longer opens: not from this process's cache, not from the database.
    data_keys.clear_cache()
    still_open = []
    for table, column, blob in theirs:
        if table in data_keys.SERVICE_KEY_TABLES:
            continue
        try:
            crypto.decrypt_any(blob)
            still_open.append(f"{table}.{column}")
        except crypto.DataKeyUnavailable:
            pass
    assert still_open == []
    # The clinician's own account is untouched.
    assert (await client.get("/v1/me", headers=doc.headers)).status_code == 200
