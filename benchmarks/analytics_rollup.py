"""Analytics rollup: one full day (every metric, every scope) over 1,000 people × 90 days.

What it measures: ``hp_agent.analytics.rollup.rollup_day`` for the history's last day (and, with
``--repeat``, the same day again: the idempotent re-run), in one unit of work as the worker's
database role under row-level security, exactly as the worker's job runs it. It also reports how
long the generator (``scripts/generate_history.py``'s code path, COPY as the owner) took, the
rows it wrote, the cells the rollup wrote and the process's peak RSS.

Usage:
    .venv/bin/python benchmarks/analytics_rollup.py \
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] \
        [--people 1000] [--days 90] [--repeat 3]

Without a URL it starts embedded PostgreSQL (pgserver) in a temp dir. A fresh database is created
(and dropped) on the server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from hp_agent.analytics.history import Plan, generate  # noqa: E402
from hp_agent.analytics.rollup import rollup_day  # noqa: E402
from hp_agent.config import Settings  # noqa: E402
from hp_agent.db import scratch  # noqa: E402
from hp_agent.db.session import Database  # noqa: E402
from hp_agent.db.urls import worker_database_url  # noqa: E402
from hp_agent.users.repository import SYSTEM  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    server = args.database_url
    if server is None:
        from hp_agent.db.embedded import start_postgres

        server = start_postgres(Path(tempfile.mkdtemp(prefix="hp-bench-pg-")), cleanup="delete")
    url = await scratch.create_database(server, "hp_bench_analytics")
    try:
        from hp_agent.db.migrate import upgrade
        from hp_agent.seed.loader import seed_all

        settings = Settings(environment="test", database_url=url, redis_url="redis://127.0.0.1:1/0")
        upgrade(url)
        await seed_all(settings)
        plan = Plan(people=args.people, days=args.days, end=dt.date(2026, 11, 30), seed=20)
        t0 = time.perf_counter()
        conn = await asyncpg.connect(scratch.plain_url(url))
        try:
            async with conn.transaction():
                written = await generate(conn, plan)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
        print(f"history: {args.people} people x {args.days} days in {time.perf_counter() - t0:.1f} s")
        for table, n in written.items():
            print(f"  {table:28s} {n:>9,d}")
        rss_before = peak_rss_mb()
        db = Database(worker_database_url(settings), pool_size=1)
        times = []
        cells = 0
        try:
            for _ in range(args.repeat):
                t = time.perf_counter()
                async with db.unit_of_work(SYSTEM) as s:
                    cells = await rollup_day(s, plan.end)
                times.append(time.perf_counter() - t)
        finally:
            await db.dispose()
        print(f"rollup of {plan.end}: {cells} cells; runs (s): " + ", ".join(f"{x:.2f}" for x in times))
        print(f"  median {statistics.median(times):.2f} s, first {times[0]:.2f} s")
        print(f"peak RSS: {peak_rss_mb():.0f} MB (after history load: {rss_before:.0f} MB)")
    finally:
        await scratch.drop_database(server, url)


if __name__ == "__main__":
    asyncio.run(main())
