"""``hp-agent serve`` in a child process, as an operator runs it (signals, exit codes, logs)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    def __init__(self, env: dict[str, str], log_path: Path, *extra_args: str) -> None:
        self.port = free_port()
        self.log_path = log_path
        base = {k: v for k, v in os.environ.items() if not k.startswith(("HP_", "PROMETHEUS_"))}
        base.update(HF_HUB_OFFLINE="1", HP_LOG_FORMAT="json", **env)
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hp_agent.cli", "serve", "--port", str(self.port), *extra_args],
            env=base,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 180.0, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            try:
                if httpx.get(self.http_url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"serve did not become ready in {timeout} s:\n{self.log()[-4000:]}")

    def terminate(self, timeout: float = 90.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 90.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()
