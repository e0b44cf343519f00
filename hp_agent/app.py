"""The FastAPI application factory."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from hp_agent import __version__
from hp_agent.api import errors
from hp_agent.api.guard import EdgeGuard
from hp_agent.api.limits import BodySizeLimit
from hp_agent.config import Settings, get_settings
from hp_agent.db.session import Database
from hp_agent.observability import metrics
from hp_agent.observability.middleware import Observability
from hp_agent.routers import all_routers
from hp_agent.web import install as install_web_client

log = logging.getLogger("hp_agent.app")


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the app. ``database`` is the application-role database; tests inject their own.

    Without one, the lifespan connects to ``settings.database_url`` as the application role
    (``hp-agent serve`` resolves the embedded server's URL before calling this).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if owned:
            from hp_agent.db.urls import app_database_url

            app.state.db = Database(
                app_database_url(settings),
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
            )
        else:
            app.state.db = database
        from hp_agent.db import data_keys
        from hp_agent.db.urls import worker_database_url

        data_keys.configure_loader(worker_database_url(settings))  # reads people's data keys
        from hp_agent.app_state import AppState
        from hp_agent.events.worker import start_events

        events = await start_events(app.state.db, settings)
        app.state.hp = AppState.build(settings, app.state.db, events)
        try:
            yield
        finally:
            # uvicorn has stopped accepting, closed the sockets with 1012 and waited for their
            # in-flight frames; what they wrote to the outbox is published before the relay stops.
            if events.worker is not None:  # with the worker's own connections (worker role)
                await flush_outbox(events.worker.db, events.redis, settings)
            await app.state.hp.close()
            if owned:
                await app.state.db.dispose()
            metrics.process_exiting()

    app = FastAPI(title="Happy Path", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    if database is not None:
        app.state.db = database
    # Added before the other middleware, so it sits inside them (inside the body size limit: what
    # it buffers is bounded) and sees every request and handshake first.
    app.add_middleware(EdgeGuard)
    errors.install(app)
    for router in all_routers():
        app.include_router(router)
    app.include_router(metrics.router)
    install_web_client(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(Observability)  # outermost: ids and timing cover everything below
    return app


async def flush_outbox(db: Database, redis: Any, settings: Settings, *, seconds: float = 10.0) -> int:
    """Publish what is left in the outbox (bounded): the last thing a stopping relay does."""
    from hp_agent.events.relay import relay_once

    published = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            n = await relay_once(db, redis, settings)
        except Exception as exc:  # the database or Redis is gone: the next relay takes over
            log.warning("outbox flush stopped: %s", type(exc).__name__)
            break
        published += n
        if n == 0:
            break
    if published:
        log.info("outbox flushed at shutdown", extra={"published": published})
    return published
