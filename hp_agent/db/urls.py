"""Which URL each actor uses: migrations as the owner, the service as the application role, the
worker as the worker role (the only one that may act as the system actor on content tables)."""

from __future__ import annotations

from hp_agent.config import Settings
from hp_agent.db.session import as_role


def owner_database_url(settings: Settings) -> str:
    if settings.database_url is None:
        raise RuntimeError("no database URL: start the embedded server first (hp_agent.db.embedded)")
    return settings.database_url


def app_database_url(settings: Settings) -> str:
    return as_role(
        owner_database_url(settings), settings.app_db_role, settings.app_db_password.get_secret_value()
    )


def worker_database_url(settings: Settings) -> str:
    return as_role(
        owner_database_url(settings), settings.worker_db_role, settings.worker_db_password.get_secret_value()
    )
