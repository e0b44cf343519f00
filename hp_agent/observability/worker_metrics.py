"""``/metrics`` of ``hp-agent worker``, which serves no API: a small HTTP server on its own port
(``HP_WORKER_METRICS_PORT``, 0 = none) exposing the worker process's registry: outbox lag and
publish failures, escalation acknowledgement times and deadline breaches (docs/operations.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from prometheus_client import start_http_server

log = logging.getLogger(__name__)


@dataclass
class MetricsServer:
    server: Any
    thread: Any

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(port: int, host: str) -> MetricsServer | None:
    if port <= 0:
        return None
    server, thread = start_http_server(port, addr=host)
    log.info("worker metrics on %s:%d/metrics", host, int(server.server_port))
    return MetricsServer(server, thread)
