"""Medication reminder pass: how long one worker pass takes with many patients' schedules.

What it measures: ``hp_agent.medication.tasks.run_due`` as the worker runs it (worker role, system
actor, real PostgreSQL): the first pass plans every schedule 36 hours ahead (one INSERT ... ON
CONFLICT per pass), later passes skip schedules already planned and deliver what is due (each
delivered reminder: claim FOR UPDATE SKIP LOCKED, preferences, the notification row and its outbox
event, in one transaction per batch of 200).

Data: ``--patients`` patients, each with one medicine taken twice a day (two schedules) in one of
a few time zones; the due times are spread over the day, so a pass at a given minute finds
``--due`` of them due (their schedules are set to the pass's minute).

Usage:
    .venv/bin/python benchmarks/medication_reminders.py \
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--patients 5000] [--due 200]

Without a URL it starts embedded PostgreSQL (pgserver) in a temp dir. A fresh database is created
(and dropped) on the server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from hp_agent.config import Settings  # noqa: E402
from hp_agent.db import scratch  # noqa: E402
from hp_agent.db.models import load_all  # noqa: E402
from hp_agent.db.session import Database, async_url  # noqa: E402
from hp_agent.db.urls import worker_database_url  # noqa: E402

MD = load_all().metadata
ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Tokyo")


async def load(url: str, patients: int, due: int, at: dt.datetime) -> None:
    t = MD.tables
    owner = create_async_engine(async_url(url))
    rng = random.Random(3)
    users, meds, schedules = [], [], []
    created = at - dt.timedelta(days=1)
    for i in range(patients):
        pid, mid = uuid.uuid4(), uuid.uuid4()
        users.append(
            {"id": pid, "email": f"m{pid.hex[:16]}@bench.example", "password_hash": "x", "role": "patient"}
        )
        meds.append(
            {
                "id": mid, "patient_id": pid, "display_name": "Bench tablet", "source": "self_reported",
                "dose_amount": 1, "dose_unit": "mg", "created_at": created,
            }
        )  # fmt: skip
        zone = "UTC" if i < due else rng.choice(ZONES)
        first = (
            at.time().replace(second=0, microsecond=0)
            if i < due
            else dt.time(rng.randrange(24), rng.randrange(60))
        )
        second = dt.time((first.hour + 12) % 24, first.minute)
        for when in (first, second):
            schedules.append(
                {
                    "id": uuid.uuid4(), "user_medication_id": mid, "patient_id": pid, "time_of_day": when,
                    "timezone": zone, "dose_amount": 1, "dose_unit": "mg",
                }
            )  # fmt: skip
    async with owner.begin() as conn:
        await conn.execute(text("SELECT set_config('app.current_role', 'system', true)"))
        for table, rows in (
            ("users", users),
            ("user_medications", meds),
            ("medication_schedules", schedules),
        ):
            for n in range(0, len(rows), 2000):
                await conn.execute(insert(t[table]), rows[n : n + 2000])
    await owner.dispose()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url")
    ap.add_argument("--patients", type=int, default=5000)
    ap.add_argument("--due", type=int, default=200)
    args = ap.parse_args()
    server = args.database_url
    if server is None:
        from hp_agent.db.embedded import start_postgres

        server = start_postgres(Path(tempfile.mkdtemp(prefix="hp-bench-pg-")), cleanup="delete")
    url = await scratch.create_database(server, "hp_bench_medrem")
    try:
        from hp_agent.db.migrate import upgrade
        from hp_agent.medication import tasks

        settings = Settings(environment="test", database_url=url, redis_url="redis://127.0.0.1:1/0")
        upgrade(url)
        at = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
        t0 = time.perf_counter()
        await load(url, args.patients, args.due, at)
        took = time.perf_counter() - t0
        print(f"{args.patients} patients, {2 * args.patients} schedules loaded in {took:.1f} s")
        db = Database(worker_database_url(settings), pool_size=2)
        try:
            for label, now in (
                ("first pass (plans every schedule, nothing due)", at - dt.timedelta(minutes=30)),
                ("pass at the due minute (delivers)", at + dt.timedelta(seconds=30)),
                ("next pass (nothing new)", at + dt.timedelta(seconds=60)),
            ):
                t1 = time.perf_counter()
                sent = 0
                while True:  # a batch is 200 reminders: passes until nothing more is due
                    n = await tasks.run_due(db, settings, now=now)
                    sent += n
                    if n < tasks.BATCH:
                        break
                print(f"{label}: {time.perf_counter() - t1:.2f} s, {sent} delivered")
        finally:
            await db.dispose()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {rss:.0f} MiB")
    finally:
        await scratch.drop_database(server, url)


if __name__ == "__main__":
    asyncio.run(main())
