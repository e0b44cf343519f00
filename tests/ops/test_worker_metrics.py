"""``hp-agent worker`` serves no API, yet its outbox and escalation metrics are its own: it answers
``/metrics`` on ``HP_WORKER_METRICS_PORT``. Scraped from a real worker process while it relays."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hp_agent.config import Settings
from hp_agent.db.session import async_url
from tests.ops.conftest import samples
from tests.ops.serve_process import free_port

pytestmark = pytest.mark.slow


def _scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
    try:
        r = httpx.get(url, timeout=2)
    except httpx.TransportError:
        return None
    assert r.status_code == 200
    return samples(r.text)


async def _commit_outbox_row(database_url: str) -> None:
    engine = create_async_engine(async_url(database_url))
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO outbox_events (id, aggregate_type, aggregate_id, event_type, payload)"
                " VALUES (:id, 'test', :id, 'test.worker_metrics', '{}'::jsonb)"
            ),
            {"id": uuid.uuid4()},
        )
    await engine.dispose()


def test_the_worker_serves_its_own_metrics(settings: Settings, redis_url: str, tmp_path: Path) -> None:
    assert settings.database_url is not None
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HP_", "PROMETHEUS_"))}
    env.update(
        HF_HUB_OFFLINE="1",
        HP_DATABASE_URL=settings.database_url,
        HP_REDIS_URL=redis_url,
        HP_REDIS_PREFIX=f"hpwm-{uuid.uuid4().hex[:8]}",
        HP_WORKER_METRICS_PORT=str(port),
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hp_agent.cli", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 120
        first = None
        while first is None and time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            first = _scrape(url)
            time.sleep(0.3)
        assert first is not None, "the worker never answered /metrics"
        before = first.get(("hp_outbox_lag_seconds_count", frozenset()), 0.0)

        # An outbox row committed now: the worker relays it and observes its lag in its own registry.
        asyncio.run(_commit_outbox_row(settings.database_url))
        after = before
        while after <= before and time.monotonic() < deadline:
            time.sleep(0.3)
            scraped = _scrape(url)
            assert scraped is not None
            after = scraped.get(("hp_outbox_lag_seconds_count", frozenset()), 0.0)
        assert after > before, "the relayed row's lag is not in the worker's scrape"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, log_path.read_text()[-3000:]
    assert _scrape(url) is None  # the metrics server stops with the worker
