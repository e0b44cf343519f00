"""Embedded PostgreSQL and Redis end with the ``hp-agent serve`` that started them; what a killed
process left behind, ``hp-agent stop`` ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.ops.serve_process import ServeProcess

pytestmark = pytest.mark.slow


def embedded_servers(data_dir: Path) -> list[psutil.Process]:
    """Processes of the PostgreSQL and Redis servers that keep their data in ``data_dir``."""
    pgdata, rdir = str((data_dir / "pg").resolve()), str((data_dir / "redis").resolve())
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline", "cwd"]):
        cmd = " ".join(proc.info.get("cmdline") or [])
        name = proc.info.get("name") or ""
        redis = "redis-server" in name + cmd and proc.info.get("cwd") == rdir
        if (name == "postgres" and pgdata in cmd) or redis:
            found.append(proc)
    return found


def kinds(procs: list[psutil.Process]) -> set[str]:
    return {"postgres" if p.info["name"] == "postgres" else "redis" for p in procs}


def serve_embedded(data_dir: Path, log: Path) -> ServeProcess:
    # No HP_DATABASE_URL / HP_REDIS_URL: serve starts both servers itself.
    server = ServeProcess({"HP_DATA_DIR": str(data_dir)}, log)
    server.wait_ready(path="/readyz")
    return server


def test_serve_stops_its_servers_on_sigterm_and_stop_ends_leftovers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = serve_embedded(data_dir, tmp_path / "serve1.log")
    try:
        running = embedded_servers(data_dir)
        assert kinds(running) == {"postgres", "redis"}, server.log()[-2000:]
        assert server.terminate() == 0, server.log()[-3000:]
    finally:
        server.kill()
    _gone, alive = psutil.wait_procs(running, timeout=15)
    assert alive == [], [p.info for p in alive]
    assert embedded_servers(data_dir) == []

    # A second serve on the same data directory, killed with no chance to clean up ...
    server = serve_embedded(data_dir, tmp_path / "serve2.log")
    server.kill()
    left = embedded_servers(data_dir)
    assert kinds(left) == {"postgres", "redis"}
    # ... leaves servers that `hp-agent stop` ends.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HP_")}
    out = subprocess.run(
        [sys.executable, "-m", "hp_agent.cli", "stop"],
        env={**env, "HP_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "stopped 2 embedded server process(es)" in out.stdout
    _gone, alive = psutil.wait_procs(left, timeout=15)
    assert alive == []
    assert embedded_servers(data_dir) == []
