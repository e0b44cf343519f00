"""Run Alembic programmatically (the CLI, embedded start-up and the tests use this)."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config

from hp_agent.paths import project_root


def alembic_config(url: str) -> Config:
    root = project_root()
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def _in_thread(fn: object, *args: object) -> None:
    # env.py calls asyncio.run(); keep it off any running loop.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn(*args)  # type: ignore[operator]
        return
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn(*args)  # type: ignore[operator]
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def upgrade(url: str, revision: str = "head") -> None:
    _in_thread(command.upgrade, alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    _in_thread(command.downgrade, alembic_config(url), revision)


async def set_app_role_password(owner_url: str, role: str, password: str) -> None:
    """The migration creates the application role without a password; the operator's is set here."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from hp_agent.db.session import async_url

    engine = create_async_engine(async_url(owner_url))
    try:
        async with engine.begin() as conn:
            quoted = role.replace('"', '""')
            # ALTER ROLE takes no bind parameters; the literal is escaped by the server.
            literal = (await conn.execute(text("SELECT quote_literal(:p)"), {"p": password})).scalar_one()
            await conn.execute(text(f'ALTER ROLE "{quoted}" WITH LOGIN PASSWORD {literal}'))
    finally:
        await engine.dispose()


async def ensure_worker_role(owner_url: str, app_role: str, worker_role: str) -> None:
    """The worker's login role in ``hp_system`` (migration 0008 makes the configured one; this also
    covers a role renamed later). Idempotent."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from hp_agent.db.security import worker_role_statements
    from hp_agent.db.session import async_url

    engine = create_async_engine(async_url(owner_url))
    try:
        async with engine.begin() as conn:
            for stmt in worker_role_statements(app_role, worker_role):
                await conn.execute(text(stmt))
    finally:
        await engine.dispose()
