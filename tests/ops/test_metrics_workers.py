"""``serve --workers 2``: one scrape of /metrics counts what every worker process answered."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import psutil
import pytest

from hp_agent.config import Settings
from tests.ops.conftest import samples, value
from tests.ops.serve_process import ServeProcess

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("seeded")]


def multiproc_dir(pid: int) -> Path:
    """The directory serve handed to its workers (read from a worker's environment)."""
    for child in psutil.Process(pid).children(recursive=True):
        env = child.environ()
        if "PROMETHEUS_MULTIPROC_DIR" in env:
            return Path(env["PROMETHEUS_MULTIPROC_DIR"])
    raise AssertionError("no worker process has PROMETHEUS_MULTIPROC_DIR")


async def test_metrics_cover_all_worker_processes(settings: Settings, redis_url: str, tmp_path: Path) -> None:
    assert settings.database_url is not None
    server = ServeProcess(
        {
            "HP_DATABASE_URL": settings.database_url,
            "HP_REDIS_URL": redis_url,
            "HP_REDIS_PREFIX": f"hpops-{uuid.uuid4().hex[:8]}",
        },
        tmp_path / "serve.log",
        "--workers",
        "2",
    )
    try:
        await asyncio.to_thread(server.wait_ready, 240)
        shared = multiproc_dir(server.proc.pid)
        n = 40
        for _ in range(n):
            # A new connection each time, so the kernel spreads them over both workers.
            async with httpx.AsyncClient(base_url=server.http_url) as http:
                assert (await http.get("/livez")).status_code == 200
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            scrapes = [samples((await http.get("/metrics")).text) for _ in range(6)]
        labels = {"method": "GET", "route": "/livez", "status": "200"}
        counts = {value(s, "hp_http_requests_total", **labels) for s in scrapes}
        # Whichever worker answered each scrape, it reports all 40, not its own share ...
        assert counts == {float(n)}
        # ... because both wrote their samples to the shared directory.
        writers = {f.stem.rsplit("_", 1)[-1] for f in shared.glob("counter_*.db")}
        assert len(writers) >= 2, writers
    finally:
        code = server.terminate()
    assert code == 0, server.log()[-3000:]
    assert not shared.exists()  # serve removes it on the way out
