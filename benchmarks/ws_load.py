"""Load benchmark for the chat websocket (``/v1/ws/chat``), loopback only, bounded in count and time.

    .venv/bin/python benchmarks/ws_load.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres

What it does, in one run:
1. creates a throw-away database on the given PostgreSQL server (or an embedded one when
   ``--pg-url`` is omitted), migrates it, seeds the reference data, and writes ``--connections``
   users with a sign-in session each straight into it (argon2 at registration would dominate);
2. starts the real app under uvicorn in a child process (so client and server do not share a
   GIL), with one extra route, a bare FastAPI websocket echo at ``/bench/echo``;
3. echo phase: as many sockets as the chat phase, messages at the same total rate: the floor;
4. chat phase: every user opens ``/v1/ws/chat`` (token in the subprotocol), starts a session with
   the scripted agent, then messages are sent at ``--rate`` per second in total, spread over all
   sockets, for ``--duration`` seconds; for each message it records the time to the ``ack``
   (durable) and to the final ``agent_message``;
5. prints throughput (overall and while sending), p50/p99 latencies, connections held, errors,
   the server's CPU per acknowledged message with the load average, and the peak RSS of the
   server and of the client, then drops the database.

``--engine keywords`` runs the crisis engine without its classifier (the embedding model is the
largest per-message cost); the default is the full engine, as in production. ``--workers N``
serves the app as ``hp-agent serve --workers N`` does (N processes on one port, Redis between
them: an embedded one unless ``--redis-url`` is given). The server is warmed up as ``serve`` warms
it (``hp_agent.cli.warm_up``). ``HP_BENCH_GC_LOG=1`` prints garbage-collection pauses over 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The echo phase's payloads, and the chat's with ``--texts fixed`` (earlier runs used only these).
TEXTS = [
    "Work was busy today and I felt a bit tense.",
    "I'd like to plan my week better.",
    "I went for a walk this morning.",
    "I keep putting off my essay.",
    "My sister and I argued about chores.",
    "I'd like to sleep a bit earlier.",
    "That sounds useful, thank you.",
    "I noticed I was rushing through lunch.",
]


# -- server side (child process) ------------------------------------------------------------------


def bench_app() -> Any:
    """The app plus a bare echo route, built from ``HP_BENCH_*`` variables (one per worker)."""
    from fastapi import WebSocket, WebSocketDisconnect
    from starlette.routing import WebSocketRoute

    from hp_agent.app import create_app
    from hp_agent.cli import warm_up
    from hp_agent.config import Settings

    if os.environ["HP_BENCH_ENGINE"] == "keywords":
        from crisis_engine import CrisisDetector
        from hp_agent.crisis import assessor

        assessor.pin_detector(CrisisDetector.load(classifier=False))
    # A pool big enough for the offered load: overflow connections are opened and closed per use,
    # which under load costs more than the queries themselves.
    settings = Settings(
        environment="test",
        database_url=os.environ["HP_BENCH_DATABASE_URL"],
        redis_url=os.environ.get("HP_BENCH_REDIS_URL") or None,
        log_level="WARNING",
        # Split between workers: PostgreSQL's default max_connections is 100.
        db_pool_size=int(os.environ.get("HP_BENCH_POOL", "40"))
        // int(os.environ.get("HP_BENCH_WORKERS", "1")),
        db_max_overflow=10,
    )
    app = create_app(settings)

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except WebSocketDisconnect:
            return

    # First in the table: the app's included routers are matched before late additions.
    app.router.routes.insert(0, WebSocketRoute("/bench/echo", echo))
    # As hp-agent serve does: the engine loaded, startup objects out of the GC's way.
    warm_up(load_engine=os.environ["HP_BENCH_ENGINE"] != "keywords")
    if os.environ.get("HP_BENCH_GC_LOG"):
        _log_gc_pauses()
    return app


def _log_gc_pauses(threshold_ms: float = 20.0) -> None:
    """Print every garbage collection longer than ``threshold_ms`` (they pause every socket)."""
    import gc

    started: dict[str, float] = {}

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started["t"] = time.perf_counter()
            return
        ms = (time.perf_counter() - started.get("t", time.perf_counter())) * 1000
        if ms >= threshold_ms:
            print(f"# gc pause: generation {info['generation']}, {ms:.0f} ms", file=sys.stderr, flush=True)

    gc.callbacks.append(callback)


def serve(port: int, workers: int) -> None:
    import uvicorn

    from hp_agent.config import Settings

    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "log_level": "warning",
        "ws": "websockets",
        "backlog": 4096,
        "ws_max_size": 65536,
        # The service's default (HP_WS_PER_MESSAGE_DEFLATE), for the echo route too.
        "ws_per_message_deflate": Settings(environment="test").ws_per_message_deflate,
    }
    if workers > 1:
        # As ``hp-agent serve --workers N``: uvicorn's supervisor, N processes on one port.
        uvicorn.run(
            "ws_load:bench_app", factory=True, workers=workers, app_dir=str(ROOT / "benchmarks"), **options
        )
        return
    server = uvicorn.Server(uvicorn.Config(bench_app(), **options))
    profile = os.environ.get("HP_BENCH_PROFILE")
    if profile:
        import cProfile
        import signal

        # SIGTERM ends the run normally so the profile is written.
        signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
        cProfile.runctx("server.run()", globals(), {"server": server}, profile)
    else:
        server.run()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


# -- setup ------------------------------------------------------------------------------------------


async def make_users(database_url: str, n: int, plan: str) -> list[str]:
    """``n`` patients with one sign-in session each; returns their access tokens.

    With ``plan`` other than ``free`` each has a live subscription to it, settled outside a
    processor (``PaymentProcessor.MANUAL``, as an employer contract is): the plan check in the
    chat then reads it as it would for a paying person. The free tier allows 30 agent replies a
    day, fewer than a run sends per socket."""
    from sqlalchemy import insert, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from hp_agent.auth.security import hash_password, issue_access_token, token_digest
    from hp_agent.config import Settings
    from hp_agent.db.session import async_url
    from hp_agent.subscriptions.models import (
        PaymentProcessor,
        SubscriptionPlan,
        SubscriptionStatus,
        UserSubscription,
    )
    from hp_agent.users.models import User, UserPreferences, UserProfile, UserRole, UserSession, UserStatus

    settings = Settings(environment="test", database_url=database_url)
    pw = hash_password("Bench-Password-0001")
    now = dt.datetime.now(dt.UTC)
    users, profiles, prefs, sessions, tokens = [], [], [], [], []
    for i in range(n):
        uid, sid = uuid.uuid4(), uuid.uuid4()
        users.append(
            {
                "id": uid,
                "email": f"bench{i}.{uid.hex[:6]}@example.org",
                "password_hash": pw,
                "role": UserRole.patient,
                "status": UserStatus.active,
                "country_code": "US",
                "locale": "en-US",
            }
        )
        profiles.append({"user_id": uid})
        prefs.append({"user_id": uid})
        sessions.append(
            {
                "id": sid,
                "user_id": uid,
                "token_hash": token_digest(uuid.uuid4().hex),
                "family_id": uuid.uuid4(),
                "expires_at": now + dt.timedelta(days=1),
            }
        )
        token, _ = issue_access_token(
            settings.model_copy(update={"access_token_ttl_seconds": 6 * 3600}),
            user_id=uid,
            role="patient",
            session_id=sid,
            now=now,
        )
        tokens.append(token)
    engine = create_async_engine(async_url(database_url))
    async with engine.begin() as conn:
        subs: list[dict[str, Any]] = []
        if plan != "free":
            row = (
                await conn.execute(
                    select(
                        SubscriptionPlan.id,
                        SubscriptionPlan.amount,
                        SubscriptionPlan.currency,
                        SubscriptionPlan.billing_interval,
                    ).where(SubscriptionPlan.code == plan)
                )
            ).one()
            subs = [
                {
                    "user_id": u["id"],
                    "plan_id": row.id,
                    "status": SubscriptionStatus.ACTIVE,
                    "processor": PaymentProcessor.MANUAL,
                    "unit_amount": row.amount,
                    "currency": row.currency,
                    "billing_interval": row.billing_interval,
                    "current_period_start": now - dt.timedelta(days=1),
                    "current_period_end": now + dt.timedelta(days=29),
                }
                for u in users
            ]
        for table, rows in (
            (User, users),
            (UserProfile, profiles),
            (UserPreferences, prefs),
            (UserSession, sessions),
            (UserSubscription, subs),
        ):
            for k in range(0, len(rows), 500):
                await conn.execute(insert(table), rows[k : k + 500])
    await engine.dispose()
    return tokens


# -- client side ------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


@dataclass
class Stats:
    ack_ms: list[float] = field(default_factory=list)
    ack_at: list[float] = field(default_factory=list)  # perf_counter of each ack received
    reply_ms: list[float] = field(default_factory=list)
    echo_ms: list[float] = field(default_factory=list)
    crisis_ms: list[float] = field(default_factory=list)  # answered by the scripted crisis flow
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    window: tuple[float, float] = (0.0, 0.0)  # when sending started and was due to end
    connected: int = 0
    safety_replies: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def connect_all(coros: list[Any], stats: Stats, batch: int = 100) -> list[Any]:
    out: list[Any] = []
    for k in range(0, len(coros), batch):
        results = await asyncio.gather(*coros[k : k + batch], return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                stats.error(f"connect:{type(r).__name__}")
            else:
                out.append(r)
    stats.connected = len(out)
    return out


def schedule(n_sockets: int, rate: float, duration: float) -> list[tuple[float, int]]:
    """Send times spread evenly over the run, round-robin over sockets (each well under 5/s)."""
    total = int(rate * duration)
    return [(i / rate, i % n_sockets) for i in range(total)]


async def echo_phase(base: str, n: int, rate: float, duration: float) -> Stats:
    import websockets

    stats = Stats()

    async def one() -> Any:
        return await websockets.connect(f"{base}/bench/echo", open_timeout=30, max_size=2**16)

    socks = await connect_all([one() for _ in range(n)], stats)
    if not socks:
        raise RuntimeError(f"no echo socket connected: {stats.errors}")
    pending: dict[str, float] = {}

    async def reader(ws: Any) -> None:
        try:
            async for raw in ws:
                t = pending.pop(json.loads(raw)["id"], None)
                if t is not None:
                    stats.echo_ms.append((time.perf_counter() - t) * 1000)
        except Exception:
            return

    readers = [asyncio.create_task(reader(ws)) for ws in socks]
    start = time.perf_counter()
    for at, idx in schedule(len(socks), rate, duration):
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        mid = uuid.uuid4().hex
        pending[mid] = time.perf_counter()
        stats.sent += 1
        await socks[idx].send(json.dumps({"id": mid, "text": random.choice(TEXTS)}))
    await asyncio.sleep(2)
    for t in readers:
        t.cancel()
    await asyncio.gather(*(asyncio.wait_for(ws.close(), 5) for ws in socks), return_exceptions=True)
    return stats


class ChatClient:
    def __init__(self, ws: Any, stats: Stats) -> None:
        self.ws = ws
        self.stats = stats
        self.sent_at: dict[str, float] = {}
        self.acked: set[str] = set()
        self.started = asyncio.Event()

    async def run(self) -> None:
        try:
            async for raw in self.ws:
                f = json.loads(raw)
                kind = f["type"]
                now = time.perf_counter()
                if kind == "ack":
                    t = self.sent_at.get(f.get("client_message_id", ""))
                    if t is not None:
                        self.acked.add(f["client_message_id"])
                        self.stats.ack_ms.append((now - t) * 1000)
                        self.stats.ack_at.append(now)
                elif kind == "agent_message":
                    if not self.started.is_set():
                        self.started.set()
                        continue
                    t = self.sent_at.pop(f.get("reply_to") or "", None)
                    if t is not None:
                        self.stats.reply_ms.append((now - t) * 1000)
                elif kind == "safety":
                    self.stats.safety_replies += 1
                    # The crisis flow answered instead of the agent: its first frame is the reply.
                    waiting = [cid for cid, t in self.sent_at.items() if cid in self.acked]
                    if waiting:
                        t = self.sent_at.pop(waiting[0])
                        self.stats.crisis_ms.append((now - t) * 1000)
                elif kind == "ping":
                    await self.ws.send(json.dumps({"type": "pong", "ts": f.get("ts")}))
                elif kind == "error":
                    self.stats.error(f"frame:{f.get('code')}")
        except Exception as exc:
            self.stats.error(f"socket:{type(exc).__name__}")

    async def say(self, text: str) -> None:
        cid = uuid.uuid4().hex
        self.sent_at[cid] = time.perf_counter()
        self.stats.sent += 1
        await self.ws.send(json.dumps({"type": "user_message", "client_message_id": cid, "text": text}))


async def chat_phase(
    base: str,
    tokens: list[str],
    rate: float,
    duration: float,
    agent: str,
    on_send: Any = None,
    mode: str = "varied",
) -> tuple[Stats, float]:
    import websockets
    from websockets.typing import Subprotocol

    stats = Stats()

    async def one(token: str) -> Any:
        ws = await websockets.connect(
            f"{base}/v1/ws/chat",
            subprotocols=[Subprotocol("hp.chat.v1"), Subprotocol(f"bearer.{token}")],
            open_timeout=60,
            max_size=2**16,
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if first["type"] != "ready":
            raise RuntimeError(first.get("code", "not ready"))
        return ws

    socks = await connect_all([one(t) for t in tokens], stats, batch=50)
    clients = [ChatClient(ws, stats) for ws in socks]
    readers = [asyncio.create_task(c.run()) for c in clients]
    for k in range(0, len(clients), 100):
        await asyncio.gather(
            *(c.ws.send(json.dumps({"type": "start", "agent": agent})) for c in clients[k : k + 100])
        )
    # Generous: on a loaded machine starting a thousand sessions takes minutes.
    await asyncio.wait_for(asyncio.gather(*(c.started.wait() for c in clients)), 600)
    texts = chat_texts(mode, int(rate * duration) + 1)
    print("# chat phase: sessions started, sending", flush=True)
    if on_send is not None:
        on_send()
    start = time.perf_counter()
    for at, idx in schedule(len(clients), rate, duration):
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await clients[idx].say(next(texts))
    # Let the tail drain (bounded).
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(c.sent_at for c in clients):  # noqa: ASYNC110 - polling a count
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - start
    stats.window = (start, start + duration)
    # Stop counting before hanging up: closing a thousand sockets takes a while under load.
    for t in readers:
        t.cancel()
    await asyncio.gather(*(asyncio.wait_for(c.ws.close(), 5) for c in clients), return_exceptions=True)
    return stats, elapsed


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children (``/proc/PID/stat``)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime are fields 14-17 (1-based); fields[0] is field 3.
        return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def tree_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(p) for p in process_tree(pid))


def tree_peak_rss_mb(pid: int) -> float:
    """Sum of each process's own peak (an upper bound of the tree's simultaneous peak)."""
    return sum(peak_rss_mb(p) for p in process_tree(pid))


def peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def chat_texts(mode: str, n: int) -> Iterator[str]:
    """What the users say: with ``varied`` every text needs its own embedding (real traffic
    rarely repeats), and the risky few go through the crisis flow as they would in production."""
    if mode == "fixed":
        return (random.choice(TEXTS) for _ in range(n))
    from crisis_engine.bench import messages

    return iter(messages(n, seed=3))


def report(title: str, values: list[float]) -> str:
    return f"{title:<34} n={len(values):>6}  p50={pct(values, 50):8.1f} ms  p99={pct(values, 99):8.1f} ms"


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--pg-url", default=os.environ.get("HP_BENCH_PG_URL"), help="owner URL of a PostgreSQL server"
    )
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=200.0, help="messages per second, all sockets together")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of sending (max 120)")
    ap.add_argument("--agent", default="cbt-coach")
    ap.add_argument("--engine", choices=["full", "keywords"], default="full")
    ap.add_argument(
        "--texts",
        choices=["varied", "fixed"],
        default="varied",
        help="varied: generated chat, nearly every message different, about 3%% risky (as in "
        "crisis-engine bench); fixed: the eight benign sentences of earlier runs",
    )
    ap.add_argument(
        "--encoder-threads",
        type=int,
        default=None,
        help="the server's HP_CRISIS_ENCODER_THREADS (default: the service's own default, 1)",
    )
    ap.add_argument(
        "--plan",
        default="premium-monthly",
        help="the users' subscription plan code (default premium-monthly: unlimited agent replies); "
        "'free' for none (30 replies a day each)",
    )
    ap.add_argument(
        "--cascade",
        choices=["on", "off"],
        default=None,
        help="the server's HP_CRISIS_CASCADE (off: every message takes the full engine, the path "
        "before issue #15); default: the service's own default (on)",
    )
    ap.add_argument("--no-echo", action="store_true", help="skip the echo phase (the floor)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument(
        "--workers", type=int, default=1, help="server processes (as hp-agent serve --workers); >1 uses Redis"
    )
    ap.add_argument(
        "--redis-url",
        default=os.environ.get("HP_BENCH_REDIS_URL"),
        help="Redis for cross-process fan-out (default with --workers > 1: an embedded one)",
    )
    args = ap.parse_args()
    args.connections = max(1, min(args.connections, 2000))
    args.duration = max(1.0, min(args.duration, 120.0))

    from hp_agent.config import Settings
    from hp_agent.db import scratch
    from hp_agent.db.migrate import upgrade
    from hp_agent.seed.loader import seed_all

    pg_url = args.pg_url
    if not pg_url:
        from hp_agent.db.embedded import start_postgres

        pg_url = start_postgres(Path(tempfile.mkdtemp(prefix="hp-bench-pg-")), cleanup="delete")
    redis_url = args.redis_url
    if args.workers > 1 and not redis_url:
        from hp_agent.db.embedded import start_redis

        redis_url = start_redis(Path(tempfile.mkdtemp(prefix="hp-bench-redis-")))
    db_url = await scratch.create_database(pg_url, "hp_bench")
    server: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.to_thread(upgrade, db_url)
        await seed_all(Settings(environment="test", database_url=db_url))
        tokens = await make_users(db_url, args.connections, args.plan)
        port = args.port or random.randint(20000, 40000)
        env = {
            **os.environ,
            "HP_BENCH_DATABASE_URL": db_url,
            "HP_BENCH_ENGINE": args.engine,
            "HP_BENCH_REDIS_URL": redis_url or "",
            "HP_BENCH_WORKERS": str(args.workers),
        }
        if args.encoder_threads:
            env["HP_CRISIS_ENCODER_THREADS"] = str(args.encoder_threads)
        if args.cascade:
            env["HP_CRISIS_CASCADE"] = "true" if args.cascade == "on" else "false"
        server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measurement
            [sys.executable, __file__, "--serve", str(port), str(args.workers)],
            cwd=ROOT,
            env=env,
        )
        import httpx

        base_http = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=1) as http:
            for _ in range(600):
                try:
                    if (await http.get(f"{base_http}/healthz")).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        base = f"ws://127.0.0.1:{port}"
        print(
            f"# {args.connections} connections, {args.rate:.0f} msg/s for {args.duration:.0f} s, "
            f"agent {args.agent}, plan {args.plan}, crisis engine {args.engine} "
            f"(cascade {env.get('HP_CRISIS_CASCADE', 'default')}) "
            f"(encoder threads {env.get('HP_CRISIS_ENCODER_THREADS', 'default')}), texts {args.texts}, "
            f"{args.workers} server process(es), {os.cpu_count()} CPUs"
        )
        if not args.no_echo:
            echo = await echo_phase(base, args.connections, args.rate, args.duration)
            print(f"echo: connected {echo.connected}, sent {echo.sent}, errors {echo.errors or 'none'}")
            print(report("echo round trip", echo.echo_ms))
        snap: dict[str, float] = {}

        def on_send() -> None:
            # CPU from the first message on: connecting and starting 1,000 sessions is not per message.
            snap["server"], snap["client"] = tree_cpu_seconds(server.pid), cpu_seconds(os.getpid())
            snap["load"] = os.getloadavg()[0]

        chat, elapsed = await chat_phase(
            base, tokens, args.rate, args.duration, args.agent, on_send, args.texts
        )
        server_cpu = tree_cpu_seconds(server.pid) - snap["server"]
        client_cpu = cpu_seconds(os.getpid()) - snap["client"]
        replies = len(chat.reply_ms)
        print(
            f"chat: connected {chat.connected}, sent {chat.sent}, acked {len(chat.ack_ms)}, "
            f"agent replies {replies}, crisis-flow frames {chat.safety_replies}, "
            f"errors {chat.errors or 'none'}"
        )
        answered = replies + len(chat.crisis_ms)
        # elapsed runs from the first send until every message was answered (or a 30 s cap).
        print(
            f"chat: sustained {len(chat.ack_ms) / elapsed:.1f} msg/s acked, "
            f"{answered / elapsed:.1f} answered/s over {elapsed:.1f} s"
        )
        t0, t1 = chat.window
        in_window = sum(1 for t in chat.ack_at if t <= t1)
        last = max(chat.ack_at, default=t0) - t0
        print(
            f"chat: throughput {in_window / (t1 - t0):.1f} msg/s acked while sending "
            f"(offered {args.rate:.0f}); last ack {last:.1f} s after the first message "
            f"(sending took {t1 - t0:.0f} s)"
        )
        print(report("user_message -> ack", chat.ack_ms))
        print(report("user_message -> agent_message", chat.reply_ms))
        if chat.crisis_ms:
            print(report("user_message -> crisis-flow reply", chat.crisis_ms))
        handled = max(1, len(chat.ack_ms))
        print(
            f"CPU while messages flowed: server {server_cpu:.1f} s "
            f"({1000 * server_cpu / handled:.1f} ms per acked message), client {client_cpu:.1f} s; "
            f"load average {snap['load']:.2f} at the first message, {os.getloadavg()[0]:.2f} at the end"
        )
        print(
            f"peak RSS: server {tree_peak_rss_mb(server.pid):.0f} MB"
            f"{f' ({args.workers} workers + supervisor, summed)' if args.workers > 1 else ''}, "
            f"benchmark client {peak_rss_mb(os.getpid()):.0f} MB"
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        await scratch.drop_database(pg_url, db_url)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        # The child process: the app under uvicorn (which runs its own event loop).
        serve(int(sys.argv[2]), int(sys.argv[3]))
        raise SystemExit(0)
    raise SystemExit(asyncio.run(main()))
