"""Seed a database with a synthetic operating history for the analytics rollups.

    python scripts/generate_history.py --database-url postgresql://postgres@127.0.0.1:5432/hp \
        --people 1000 --days 90

Runs as the database owner (COPY, no RLS), in one transaction; the reference data (assessment
templates, agents) must be seeded first (`hp-agent seed`). See hp_agent/analytics/history.py.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time

import asyncpg

from hp_agent.analytics.history import Plan, generate


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True, help="owner connection (postgresql://...)")
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument(
        "--end", type=dt.date.fromisoformat, default=None, help="last day (default: yesterday UTC)"
    )
    ap.add_argument("--seed", type=int, default=20)
    args = ap.parse_args()
    plan = Plan(people=args.people, days=args.days, seed=args.seed)
    if args.end is not None:
        plan.end = args.end
    began = time.perf_counter()
    conn = await asyncpg.connect(args.database_url)
    try:
        async with conn.transaction():
            written = await generate(conn, plan)
    finally:
        await conn.close()
    for table, n in written.items():
        print(f"{table:28s} {n:>9,d}")
    print(f"{plan.people} people, {plan.start} .. {plan.end}: {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
