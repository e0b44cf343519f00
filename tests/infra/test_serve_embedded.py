"""README step 1: `hp-agent serve` with no database configured starts everything it needs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_on_embedded_defaults(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HP_")}
    env.update(HP_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hp_agent.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "server exited"
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if resp.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("service did not answer /healthz within 180 s")
        assert resp.json() == {"status": "ok"}
        assert (tmp_path / "data" / "pg" / "PG_VERSION").is_file()
        missing = httpx.get(f"http://127.0.0.1:{port}/no-such-thing", timeout=2)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
