"""Per-person data keys (v2) against the service key (v1): time per encrypt/decrypt and memory.

What it measures, in one process:
- ``v1``: ``EncryptedText`` bind (encrypt) and result (decrypt) of a chat-sized message under the
  service key ring, as every column was written before data keys.
- ``v2 cached``: the same through a person's data key found in the in-process cache (the path a
  chat turn takes once the person's key has been used). v1 and v2 alternate round by round.
- ``v2 write lookup``: ``data_keys.seal`` in a unit of work, cache hit (the chat hot path's extra
  step before its insert), and cache miss (one indexed SELECT in the transaction plus the unwrap).
- ``v2 read miss``: ``decrypt_any`` with an empty cache: the loader's round trip on its own
  connection (worker role) plus the unwrap; what a process pays once per person per 5 minutes.
- Peak RSS after the v1 phase and after the v2 phases, and the RSS a full cache (10,000 keys) adds.

Usage:
    .venv/bin/python benchmarks/crypto_keys.py \
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--ops 20000] [--misses 300]

Without a URL it starts embedded PostgreSQL (pgserver) in a temp dir. A fresh database is created,
migrated and dropped on the server.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hp_agent.config import Settings  # noqa: E402
from hp_agent.db import crypto, data_keys, scratch  # noqa: E402
from hp_agent.db.session import Database, Principal  # noqa: E402
from hp_agent.db.urls import worker_database_url  # noqa: E402

MESSAGE = (
    "I keep replaying the conversation with my manager and I can't sleep; tomorrow I have to "
    "present again and I feel my chest tighten whenever I think about it."
)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _per_op_us(fn: Callable[[], object], ops: int, rounds: int = 5) -> float:
    """Median over ``rounds`` of the mean time per call, in microseconds."""
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(ops):
            fn()
        means.append((time.perf_counter() - start) / ops * 1e6)
    return statistics.median(means)


async def _setup(owner_url: str) -> tuple[Settings, uuid.UUID]:
    from hp_agent.db.migrate import ensure_worker_role, set_app_role_password

    settings = Settings(environment="test", database_url=owner_url)
    # In a child process: Alembic's imports would otherwise count in this process's RSS.
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from hp_agent.db.migrate import upgrade; upgrade(sys.argv[1])",
        owner_url,
    )
    assert await done.wait() == 0, "migration failed"
    await set_app_role_password(owner_url, settings.app_db_role, settings.app_db_password.get_secret_value())
    await ensure_worker_role(owner_url, settings.app_db_role, settings.worker_db_role)
    await set_app_role_password(
        owner_url, settings.worker_db_role, settings.worker_db_password.get_secret_value()
    )
    import asyncpg

    conn = await asyncpg.connect(owner_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        user_id = await conn.fetchval(
            "INSERT INTO users (email, password_hash, role, status) VALUES ($1, '!', 'patient', 'active')"
            " RETURNING id",
            f"bench.{uuid.uuid4().hex[:8]}@example.org",
        )
    finally:
        await conn.close()
    return settings, user_id


async def main(args: argparse.Namespace) -> None:
    column = crypto.EncryptedText()
    ring = crypto.keyring()
    v1_blob = ring.encrypt(MESSAGE)
    print(f"message: {len(MESSAGE)} characters; ops per round: {args.ops}; 7 alternating rounds (median)")
    print(f"RSS at start: {_rss_mb():.1f} MB")

    # The v1 phase alone first, before any database client exists: its peak RSS.
    _per_op_us(lambda: column.process_bind_param(MESSAGE, None), args.ops)  # type: ignore[arg-type]
    _per_op_us(lambda: column.process_result_value(v1_blob, None), args.ops)  # type: ignore[arg-type]
    peak_v1 = _peak_mb()

    server = args.database_url
    tmp = None
    if server is None:
        from hp_agent.db.embedded import start_postgres

        tmp = Path(tempfile.mkdtemp(prefix="hp-bench-pg-"))
        server = start_postgres(tmp, cleanup="delete")
    owner_url = await scratch.create_database(server, "hp_bench_keys")
    try:
        settings, user_id = await _setup(owner_url)
        worker_url = worker_database_url(settings)
        data_keys.configure_loader(worker_url)
        db = Database(worker_url)
        system = Principal(None, "system")
        async with db.unit_of_work(system) as session:  # creates the person's key
            keyed = await data_keys.seal(session, user_id, MESSAGE)
        assert isinstance(keyed, crypto.Keyed)
        v2_blob = column.process_bind_param(keyed, None)  # type: ignore[arg-type]
        assert v2_blob is not None

        # v1 and v2 in alternating rounds, so both see the same machine load.
        rounds: dict[str, list[float]] = {"enc_v1": [], "enc_v2": [], "dec_v1": [], "dec_v2": []}
        cases: dict[str, Callable[[], object]] = {
            "enc_v1": lambda: column.process_bind_param(MESSAGE, None),  # type: ignore[arg-type]
            "enc_v2": lambda: column.process_bind_param(keyed, None),  # type: ignore[arg-type]
            "dec_v1": lambda: column.process_result_value(v1_blob, None),  # type: ignore[arg-type]
            "dec_v2": lambda: column.process_result_value(v2_blob, None),  # type: ignore[arg-type]
        }
        for _ in range(7):
            for name, fn in cases.items():
                rounds[name].append(_per_op_us(fn, args.ops, rounds=1))
        enc_v1, enc_v2, dec_v1, dec_v2 = (
            statistics.median(rounds[n]) for n in ("enc_v1", "enc_v2", "dec_v1", "dec_v2")
        )

        async def seal_rounds(miss: bool, n: int) -> float:
            times = []
            async with db.unit_of_work(system) as session:
                await session.connection()  # the transaction's connection is open, as in a chat turn
                for _ in range(n):
                    if miss:
                        data_keys.clear_cache()
                    start = time.perf_counter()
                    await data_keys.seal(session, user_id, MESSAGE)
                    times.append((time.perf_counter() - start) * 1e6)
            return statistics.median(times)

        seal_hit = await seal_rounds(False, args.misses)
        seal_miss = await seal_rounds(True, args.misses)

        miss_times = []
        for _ in range(args.misses):
            data_keys.clear_cache()
            start = time.perf_counter()
            crypto.decrypt_any(v2_blob)
            miss_times.append((time.perf_counter() - start) * 1e6)
        dec_miss = statistics.median(miss_times)
        await db.dispose()
        peak_v2 = _peak_mb()

        # A full cache: 10,000 unwrapped keys (what a busy process holds at most).
        data_keys.clear_cache()
        before = _rss_mb()
        import os

        for _ in range(data_keys.CACHE_SIZE):
            key = crypto.DataKey(uuid.uuid4(), uuid.uuid4(), os.urandom(32))
            data_keys._remember(key, for_writes=True)
        full_cache = _rss_mb() - before
    finally:
        data_keys.clear_cache()
        await scratch.drop_database(server, owner_url)
        if tmp is not None:
            from hp_agent.db.embedded import stop_postgres

            stop_postgres(tmp)

    print()
    print("| path | encrypt µs/op | decrypt µs/op |")
    print("|---|---|---|")
    print(f"| v1 service key | {enc_v1:.1f} | {dec_v1:.1f} |")
    print(f"| v2 data key, cached | {enc_v2:.1f} | {dec_v2:.1f} |")
    print(f"| v2 write lookup (`seal`), cache hit | {seal_hit:.1f} | |")
    print(f"| v2 write lookup (`seal`), cache miss (SELECT + unwrap) | {seal_miss:.1f} | |")
    print(f"| v2 read, cache miss (loader round trip + unwrap) | | {dec_miss:.1f} |")
    print()
    print(f"peak RSS after v1: {peak_v1:.1f} MB; after v2 (incl. DB client, loader thread): {peak_v2:.1f} MB")
    print(f"RSS added by a full key cache ({data_keys.CACHE_SIZE} keys): {full_cache:.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--misses", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
