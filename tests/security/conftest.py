"""Fixtures for the security regression tests: the escalation suite's live server, worker and
committed database (real PostgreSQL and Redis), shared rather than copied."""

from tests.escalation.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    _engine_loaded,
    _fast_hashes,
    esc_server,
    live_db,
    server_settings,
    worker,
)
