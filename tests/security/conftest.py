"""Fixtures for the security regression and fuzz tests: the escalation suite's live server, worker
and committed database (real PostgreSQL and Redis), shared rather than copied, and a capture of
everything the server logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.escalation.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    _engine_loaded,
    esc_server,
    live_db,
    server_settings,
    worker,
)


class ServerLog(logging.Handler):
    """Every record the in-process live servers emit, with their extras."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def server_records(self) -> list[logging.LogRecord]:
        # httpx/httpcore/websockets-client log what the *test* requests; the rest is the server's.
        return [r for r in self.records if not r.name.startswith(("httpx", "httpcore", "websockets.client"))]

    def text(self) -> str:
        return "\n".join(
            f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.exc_info or ''} {r.__dict__}"
            for r in self.server_records()
        )

    def tracebacks(self) -> list[logging.LogRecord]:
        return [r for r in self.server_records() if r.exc_info or "Traceback" in r.getMessage()]


@pytest.fixture
def server_log() -> Iterator[ServerLog]:
    """Captures the live servers' logs (uvicorn's loggers do not propagate to the root)."""
    handler = ServerLog()
    names = ["", "uvicorn", "uvicorn.error", "hp_agent"]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    # As ``hp-agent serve`` runs uvicorn (access_log=False): the service writes the access log
    # (route templates, no query strings); uvicorn's own line, which carries the raw URL, is off.
    # uvicorn writes it whenever its logger has a handler, so keep it from reaching the root's.
    access = logging.getLogger("uvicorn.access")
    saved = (access.handlers, access.propagate)
    access.handlers, access.propagate = [], False
    yield handler
    access.handlers, access.propagate = saved
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)
