"""Which URL each actor uses: migrations as the owner, the service as the application role, the
worker as the worker role (the only one that may act as the system actor on content tables)."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from hp_agent.config import Settings


def as_role(url: str, role: str, password: str | None) -> str:
    """The same server and database, connecting as ``role`` (the application role)."""
    u = make_url(url).set(username=role, password=password or None)
    return u.render_as_string(hide_password=False)


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
