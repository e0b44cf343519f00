"""Prometheus metrics of the service, exposed at ``/metrics`` (docs/operations.md).

Label values come from a fixed vocabulary (route templates, socket kinds, risk levels), never from
what a person typed or a raw path, so a scrape carries no user content and the series stay few.

One process: the default registry. ``hp-agent serve --workers N``: every process writes its
samples to files in ``PROMETHEUS_MULTIPROC_DIR`` (serve creates a fresh one and hands it down) and
any process answering ``/metrics`` reads them all, so a scrape covers every worker whichever
worker the kernel gives the connection to. The gauge of open sockets sums live processes only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Socket kinds by path; anything else is "other" (a label never takes a raw path).
SOCKET_KINDS = {"/v1/ws/chat": "chat", "/v1/ws/therapist": "therapist", "/v1/ws/guided": "guided"}

HTTP_REQUESTS = Counter(
    "hp_http_requests", "HTTP requests answered, by route template and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "hp_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OPEN_SOCKETS = Gauge(
    "hp_websocket_connections", "Open websocket connections, by kind", ["kind"], multiprocess_mode="livesum"
)
SOCKETS_CLOSED = Counter(
    "hp_websocket_closed", "Websocket connections ended, by kind and close code", ["kind", "code"]
)
CHAT_MESSAGES = Counter(
    "hp_chat_messages", "Chat messages stored, by author (user, agent, scripted)", ["author"]
)
ENGINE_LATENCY = Histogram(
    "hp_crisis_engine_seconds",
    "Crisis engine time per call (a chat batch is one call), by path",
    ["path"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
)
ENGINE_LEVELS = Counter("hp_crisis_assessments", "Crisis engine assessments, by risk level", ["level"])
OUTBOX_LAG = Histogram(
    "hp_outbox_lag_seconds",
    "Time from an outbox row's creation to its publication on the stream",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
OUTBOX_PUBLISH_FAILURES = Counter("hp_outbox_publish_failures", "Failed XADDs of outbox rows")
ESCALATION_ACK = Histogram(
    "hp_escalation_ack_seconds",
    "Time from an escalation's opening to its acknowledgement, by risk level",
    ["risk_level"],
    buckets=(5, 15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600),
)
DEADLINE_BREACHES = Counter(
    "hp_escalation_deadline_breaches",
    "Acknowledgement deadlines that passed, by the escalation level that missed it",
    ["level"],
)


def socket_kind(path: str) -> str:
    return SOCKET_KINDS.get(path, "other")


def observe_engine(path: str, seconds: float, levels: Iterable[object]) -> None:
    ENGINE_LATENCY.labels(path).observe(seconds)
    for level in levels:
        ENGINE_LEVELS.labels(str(getattr(level, "value", level))).inc()


class Timer:
    """``with Timer() as t: ...; t.seconds`` (perf_counter, for the histograms above)."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


# -- several processes ------------------------------------------------------------------------


def prepare_multiprocess_dir(base: Path | None = None) -> Path:
    """A fresh directory for ``serve --workers N`` (set in the environment before the workers
    start, so their ``prometheus_client`` writes there). Left-over files of an earlier run would
    add stale counts, hence a new directory each time."""
    path = Path(tempfile.mkdtemp(prefix="hp-metrics-", dir=base))
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def remove_multiprocess_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def process_exiting() -> None:
    """Drop this process's live gauges from the shared directory (multiprocess mode only)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


__all__: Sequence[str] = [
    "CHAT_MESSAGES",
    "DEADLINE_BREACHES",
    "ENGINE_LATENCY",
    "ENGINE_LEVELS",
    "ESCALATION_ACK",
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "OPEN_SOCKETS",
    "OUTBOX_LAG",
    "SOCKETS_CLOSED",
    "observe_engine",
    "router",
    "socket_kind",
]
