"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hp_agent import __version__
from hp_agent.api import errors
from hp_agent.api.limits import BodySizeLimit
from hp_agent.api.routers import all_routers
from hp_agent.config import Settings, get_settings
from hp_agent.db.session import Database
from hp_agent.web import install as install_web_client


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
        from hp_agent.events.worker import start_events

        events = await start_events(app, settings)
        try:
            yield
        finally:
            await events.close()
            if owned:
                await app.state.db.dispose()

    app = FastAPI(title="Happy Path", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    if database is not None:
        app.state.db = database
    errors.install(app)
    for router in all_routers():
        app.include_router(router)
    install_web_client(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    return app
