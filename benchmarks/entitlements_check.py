"""What the plan check adds to a chat turn: ``entitlements.agent_reply_denial`` as the chat runs it.

Per agent turn the socket asks whether the person's plan has a reply left today. For a person on
the free tier that is the subscription lookup and a count of today's messages (the free tier's
features are cached per process); on an unlimited plan only the lookup. This measures that call
inside a unit of work as the person (application role, row-level security on), one after another,
on a database where many other people have subscriptions and messages.

Usage:
    .venv/bin/python benchmarks/entitlements_check.py \
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--people 2000] [--calls 2000]

Without a URL it starts embedded PostgreSQL (pgserver) in a temp dir. A fresh database is created
(and dropped) on the server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from hp_agent.config import Settings  # noqa: E402
from hp_agent.db import scratch  # noqa: E402
from hp_agent.db.session import Database, Principal, async_url  # noqa: E402
from hp_agent.db.urls import app_database_url  # noqa: E402
from hp_agent.subscriptions import entitlements  # noqa: E402

MESSAGES_TODAY = 25  # under the free tier's 30: the check counts and allows


async def load(url: str, people: int) -> tuple[uuid.UUID, uuid.UUID]:
    """``people`` patients, a third of them on Premium, each with a chat of today's messages.
    Returns (a free person, a premium person)."""
    engine = create_async_engine(async_url(url))
    rng = random.Random(7)
    ids = [uuid.uuid4() for _ in range(people)]
    now = dt.datetime.now(dt.UTC)
    async with engine.begin() as conn:
        premium = (
            await conn.execute(text("SELECT id FROM subscription_plans WHERE code = 'premium-monthly'"))
        ).scalar_one()
        await conn.execute(
            text("INSERT INTO users (id, email, password_hash, role) VALUES (:id, :email, 'x', 'patient')"),
            [{"id": i, "email": f"e{i.hex[:16]}@bench.example"} for i in ids],
        )
        sessions = [{"id": uuid.uuid4(), "user_id": i} for i in ids]
        await conn.execute(
            text("INSERT INTO chat_sessions (id, user_id, last_seq) VALUES (:id, :user_id, 50)"), sessions
        )
        rows = []
        for s in sessions:
            for seq in range(1, 51):
                # Half today (user/agent alternating), half over the last weeks.
                at = (
                    now - dt.timedelta(minutes=seq)
                    if seq <= 2 * MESSAGES_TODAY
                    else now - dt.timedelta(days=rng.randint(2, 40))
                )
                rows.append(
                    {
                        "session_id": s["id"],
                        "user_id": s["user_id"],
                        "seq": seq,
                        "role": "user" if seq % 2 else "agent",
                        "at": at,
                    }
                )
        await conn.execute(
            text(
                "INSERT INTO chat_messages (session_id, user_id, seq, role, content, created_at)"
                " VALUES (:session_id, :user_id, :seq, CAST(:role AS chat_message_role),"
                " '\\x00'::bytea, :at)"
            ),
            rows,
        )
        subs = [{"user_id": i, "plan_id": premium} for n, i in enumerate(ids) if n % 3 == 0]
        await conn.execute(
            text(
                "INSERT INTO user_subscriptions"
                " (user_id, plan_id, status, processor, unit_amount, currency, billing_interval)"
                " VALUES (:user_id, :plan_id, 'active', 'manual', 12.99, 'USD', 'month')"
            ),
            subs,
        )
        await conn.execute(text("ANALYZE"))
    await engine.dispose()
    return ids[1], ids[0]


async def measure(settings: Settings, person: uuid.UUID, calls: int) -> list[float]:
    db = Database(app_database_url(settings), pool_size=2, max_overflow=0)
    principal = Principal(person, "patient")
    out: list[float] = []
    try:
        for _ in range(calls):
            async with db.unit_of_work(principal) as session:
                await session.execute(text("SELECT 1"))  # the turn's transaction is already open
                t0 = time.perf_counter()
                refused = await entitlements.agent_reply_denial(session, principal)
                out.append((time.perf_counter() - t0) * 1000)
                assert refused is None
    finally:
        await db.dispose()
    return out


def summary(name: str, ms: list[float]) -> None:
    ms = sorted(ms[len(ms) // 10 :])  # the first tenth warms the pool and the plan cache
    q = statistics.quantiles(ms, n=100)
    print(
        f"{name}: n={len(ms)} p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms  p99 {q[98]:.2f} ms  max {ms[-1]:.2f} ms"
    )


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url")
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    server = args.database_url
    if server is None:
        from hp_agent.db.embedded import start_postgres

        server = start_postgres(Path(tempfile.mkdtemp(prefix="hp-bench-pg-")), cleanup="delete")
    url = await scratch.create_database(server, "hp_bench_entitlements")
    try:
        from hp_agent.db.migrate import set_app_role_password, upgrade
        from hp_agent.seed.loader import seed_all

        settings = Settings(environment="test", database_url=url, redis_url="redis://127.0.0.1:1/0")
        upgrade(url)
        await set_app_role_password(url, settings.app_db_role, settings.app_db_password.get_secret_value())
        await seed_all(settings)
        free, premium = await load(url, args.people)
        print(
            f"{args.people} people, 50 messages each ({MESSAGES_TODAY} their own today), a third on Premium"
        )
        summary("free tier (lookup + today's count)", await measure(settings, free, args.calls))
        summary("premium (lookup only)", await measure(settings, premium, args.calls))
    finally:
        await scratch.drop_database(server, url)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
