"""Caseload latency: ``GET /v1/therapist/caseload`` for a therapist with 200 patients.

What it measures: the full request through the real app (bearer-token authentication, the one
caseload query under row-level security as the application role, pydantic serialisation), called
in-process over httpx's ASGI transport against a real PostgreSQL; and, separately, the caseload
SQL alone in a unit of work. Requests run one after another (a therapist's console polls it; this
is latency, not throughput).

History (about six months of care, per patient): ~120 mood check-ins, PHQ-9 and GAD-7 every two
weeks (12 each), crisis detections (most patients a few low/moderate, one in seven a high one
with a resolved escalation, one in twenty an open escalation), 24 homework assignments (most
completed, two open, some overdue), a monthly appointment (6 past, 1 upcoming) with a therapy
session and a signed note for each past one. Other therapists' patients (``--noise-patients``,
same history) make the tables realistically larger than one caseload.

Usage:
    .venv/bin/python benchmarks/caseload.py \
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] \
        [--patients 200] [--noise-patients 800] [--requests 200]

Without a URL it starts embedded PostgreSQL (pgserver) in a temp dir. A fresh database is created
(and dropped) on the server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine  # noqa: E402

from hp_agent.auth import security  # noqa: E402
from hp_agent.config import Settings  # noqa: E402
from hp_agent.db import scratch  # noqa: E402
from hp_agent.db.models import load_all  # noqa: E402
from hp_agent.db.session import Database, Principal, async_url  # noqa: E402
from hp_agent.db.urls import app_database_url  # noqa: E402

PASSWORD = "Quiet-Harbor-Lantern-72"
MD = load_all().metadata
NOW = dt.datetime.now(dt.UTC)
DAYS = 180


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(ms: list[float]) -> str:
    return (
        f"p50 {statistics.median(ms):.1f} ms  p95 {pct(ms, 95):.1f} ms  p99 {pct(ms, 99):.1f} ms  "
        f"max {max(ms):.1f} ms  (n={len(ms)})"
    )


class History:
    """Rows for one patient's six months, appended to per-table lists and inserted in bulk."""

    def __init__(self, rng: random.Random, templates: dict[str, uuid.UUID], appt_type: uuid.UUID) -> None:
        self.rng = rng
        self.templates = templates
        self.appt_type = appt_type
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        row.setdefault("id", uuid.uuid4())
        self.rows.setdefault(table, []).append(row)
        return row

    def patient(self, therapist: uuid.UUID, index: int) -> None:
        rng = self.rng
        pid = uuid.uuid4()
        self.add("users", id=pid, email=f"p{pid.hex[:16]}@bench.example", password_hash="x", role="patient")
        self.add("user_profiles", user_id=pid, display_name=f"Patient {index:04d}")
        self.add(
            "therapeutic_relationships",
            patient_id=pid,
            therapist_id=therapist,
            status="active",
            is_primary=True,
            patient_consented_at=NOW - dt.timedelta(days=DAYS),
            started_at=NOW - dt.timedelta(days=DAYS),
            # Whatever sharing the relationship table knows of, granted (the console shows it).
            **{
                c.name: True
                for c in MD.tables["therapeutic_relationships"].c
                if c.name.startswith("consent_to_")
            },
        )
        for day in sorted(rng.sample(range(DAYS), 120)):
            at = NOW - dt.timedelta(days=DAYS - day, hours=rng.random() * 10)
            self.add("mood_entries", user_id=pid, entry_date=at.date(), mood=rng.randint(2, 9), created_at=at)
        for code in ("phq9", "gad7"):
            score = rng.randint(8, 22)
            for k in range(12):
                at = NOW - dt.timedelta(days=DAYS - 14 * k - 3)
                score = max(0, min(21, score + rng.randint(-3, 2)))
                self.add(
                    "user_assessments",
                    user_id=pid,
                    template_id=self.templates[code],
                    template_version=1,
                    status="completed",
                    started_at=at,
                    completed_at=at,
                    total_score=score,
                    created_at=at,
                )
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            at = NOW - dt.timedelta(days=rng.random() * DAYS)
            self.detection(pid, at, rng.choice(("low", "moderate")))
        if index % 7 == 0:
            d = self.detection(pid, NOW - dt.timedelta(days=rng.random() * 60), "high")
            self.escalation(pid, d, "resolved")
        if index % 20 == 0:
            d = self.detection(pid, NOW - dt.timedelta(hours=rng.random() * 12), "high")
            self.escalation(pid, d, "open")
        for k in range(24):
            # Weekly; the last one assigned four days ago and due in two. One patient in four has
            # not done the one before it (overdue).
            assigned = NOW - dt.timedelta(days=7 * (24 - k) - 3)
            due = assigned + dt.timedelta(days=6)
            done = k < 22 or (k == 22 and index % 4 != 0)
            self.add(
                "homework_assignments",
                patient_id=pid,
                therapist_id=therapist,
                homework_type="thought_record",
                title=f"Week {k + 1}",
                instructions="Write down one situation and the thought that came with it.",
                status="completed" if done else "assigned",
                patient_response="Done." if done else None,
                assigned_at=assigned,
                due_at=due,
                completed_at=due - dt.timedelta(days=1) if done else None,
            )
        # A monthly slot per patient; 4 weeks x 50 hours keep 200 patients' slots apart.
        base = NOW.replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=7 * 4 * 6)
        slot = base + dt.timedelta(weeks=index % 4, hours=index // 4)
        for k in range(7):
            starts = slot + dt.timedelta(weeks=4 * k)
            past = starts < NOW
            appt = self.add(
                "appointments",
                patient_id=pid,
                therapist_id=therapist,
                appointment_type_id=self.appt_type,
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=50),
                timezone="UTC",
                modality="video",
                status="completed" if past else "confirmed",
                completed_at=starts + dt.timedelta(minutes=50) if past else None,
            )
            if past:
                ts = self.add(
                    "therapy_sessions",
                    patient_id=pid,
                    therapist_id=therapist,
                    appointment_id=appt["id"],
                    modality="video",
                    status="completed",
                    scheduled_start=starts,
                    started_at=starts,
                    ended_at=starts + dt.timedelta(minutes=50),
                    duration_minutes=50,
                )
                self.add(
                    "session_notes",
                    patient_id=pid,
                    therapy_session_id=ts["id"],
                    author_id=therapist,
                    format="soap",
                    status="signed",
                    content=json.dumps({"subjective": "Mood a little better.", "plan": "Continue."}),
                    signed_at=starts + dt.timedelta(hours=2),
                    signed_by=therapist,
                )

    def detection(self, pid: uuid.UUID, at: dt.datetime, level: str) -> dict[str, Any]:
        return self.add(
            "crisis_detections",
            user_id=pid,
            source="journal_entry",
            risk_level=level,
            score=0.5,
            categories=["suicidal_ideation"],
            engine_version="bench",
            detected_at=at,
            created_at=at,
        )

    def escalation(self, pid: uuid.UUID, d: dict[str, Any], status: str) -> None:
        self.add(
            "crisis_escalations",
            detection_id=d["id"],
            last_detection_id=d["id"],
            user_id=pid,
            source="journal_entry",
            risk_level="high",
            status=status,
            resolved_at=d["detected_at"] + dt.timedelta(hours=2) if status == "resolved" else None,
            created_at=d["detected_at"],
        )


async def load_history(conn: AsyncConnection, patients: int, noise: int) -> uuid.UUID:
    t = MD.tables
    # The service's system actor, which the relationship guard trigger lets activate relationships.
    await conn.execute(text("SELECT set_config('app.current_role', 'system', true)"))
    templates = dict(
        (await conn.execute(select(t["assessment_templates"].c.code, t["assessment_templates"].c.id))).all()
    )
    appt_type = uuid.uuid4()
    await conn.execute(
        insert(t["appointment_types"]).values(
            id=appt_type, code=f"bench-{appt_type.hex[:8]}", name="Therapy", category="individual_therapy"
        )
    )
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    therapist = uuid.uuid4()
    rng = random.Random(7)
    h = History(rng, templates, appt_type)
    h.add(
        "users",
        id=therapist,
        email=f"t{therapist.hex[:16]}@bench.example",
        password_hash=security.hash_password(PASSWORD),
        role="therapist",
    )
    for i in range(patients):
        h.patient(therapist, i)
    others = [uuid.uuid4() for _ in range(max(1, noise // patients))] if noise else []
    for o in others:
        h.add("users", id=o, email=f"t{o.hex[:16]}@bench.example", password_hash="x", role="therapist")
    for i in range(noise):
        h.patient(others[i % len(others)], i // len(others))
    order = [tb.name for tb in MD.sorted_tables if tb.name in h.rows]
    total = 0
    for name in order:
        rows = h.rows[name]
        keys = sorted({k for r in rows for k in r})
        for start in range(0, len(rows), 5000):
            chunk = [{k: r.get(k) for k in keys} for r in rows[start : start + 5000]]
            # Columns left None in some rows take NULL, not their default: fill the common ones.
            for r in chunk:
                for k in ("created_at",):
                    if k in r and r[k] is None:
                        r[k] = NOW
            await conn.execute(insert(t[name]), chunk)
        total += len(rows)
    print(f"loaded {total} rows ({', '.join(f'{n} {len(h.rows[n])}' for n in order)})")
    await conn.execute(text("ANALYZE"))
    return therapist


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url")
    ap.add_argument("--patients", type=int, default=200)
    ap.add_argument("--noise-patients", type=int, default=800)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--explain", action="store_true", help="print the query plan (as the therapist)")
    args = ap.parse_args()

    server = args.database_url
    if server is None:
        from hp_agent.db.embedded import start_postgres

        server = start_postgres(Path(tempfile.mkdtemp(prefix="hp-bench-pg-")), cleanup="delete")
    url = await scratch.create_database(server, "hp_bench_caseload")
    try:
        from hp_agent.db.migrate import upgrade
        from hp_agent.seed.loader import seed_all

        settings = Settings(environment="test", database_url=url, redis_url="redis://127.0.0.1:1/0")
        upgrade(url)
        await seed_all(settings)
        owner = create_async_engine(async_url(url))
        t0 = time.perf_counter()
        async with owner.begin() as conn:
            therapist = await load_history(conn, args.patients, args.noise_patients)
        await owner.dispose()
        print(f"history loaded in {time.perf_counter() - t0:.1f} s")
        if args.explain:
            await explain(settings, therapist)
        await measure(settings, therapist, args.patients, args.requests)
    finally:
        await scratch.drop_database(server, url)


async def explain(settings: Settings, therapist: uuid.UUID) -> None:
    from hp_agent.therapy.caseload import CASELOAD_SQL, PLANNER_SETTINGS

    db = Database(app_database_url(settings), pool_size=1)
    async with db.unit_of_work(Principal(therapist, "therapist")) as s:
        await s.execute(PLANNER_SETTINGS)
        plan = await s.execute(
            text("EXPLAIN (ANALYZE, BUFFERS) " + CASELOAD_SQL.text), {"therapist": therapist}
        )
        print("\n".join(r[0] for r in plan))
    await db.dispose()


async def measure(settings: Settings, therapist: uuid.UUID, patients: int, n: int) -> None:
    from hp_agent.app import create_app
    from hp_agent.therapy.caseload import CASELOAD_SQL, PLANNER_SETTINGS
    from hp_agent.users.models import User

    db = Database(app_database_url(settings), pool_size=2)
    async with db.unit_of_work(Principal(therapist, "system")) as s:
        email = (await s.execute(select(User.email).where(User.id == therapist))).scalar_one()
    app = create_app(settings, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
        r = await c.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        first = await c.get("/v1/therapist/caseload", headers=headers)
        first.raise_for_status()
        body = first.json()["patients"]
        assert len(body) == patients, len(body)
        print(
            f"caseload: {len(body)} patients, {sum(p['open_escalations'] for p in body)} open escalations, "
            f"{sum(1 for p in body if p['overdue_homework'])} with overdue homework, "
            f"{sum(1 for p in body if p['next_appointment_at'])} with a next appointment, "
            f"{len(first.content) // 1024} KiB"
        )
        for _ in range(5):  # warm-up
            await c.get("/v1/therapist/caseload", headers=headers)
        http_ms: list[float] = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = await c.get("/v1/therapist/caseload", headers=headers)
            http_ms.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        # The same authentication and framework path with nothing behind it, for comparison.
        me_ms: list[float] = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = await c.get("/v1/me", headers=headers)
            me_ms.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
    sql_ms: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        async with db.unit_of_work(Principal(therapist, "therapist")) as s:
            await s.execute(PLANNER_SETTINGS)
            rows = (await s.execute(CASELOAD_SQL, {"therapist": therapist})).all()
        sql_ms.append((time.perf_counter() - t0) * 1000)
        assert len(rows) == patients
    await db.dispose()
    print(f"GET /v1/therapist/caseload  {summary(http_ms)}")
    print(f"caseload SQL alone          {summary(sql_ms)}")
    print(f"GET /v1/me (baseline)       {summary(me_ms)}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    # The machine is shared: the load says how much of the time above was waiting for a CPU.
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    asyncio.run(main())
