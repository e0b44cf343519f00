"""Production refuses to start with a development secret, the worker's database password included:
that role is the only one row-level security lets act as the system actor (#14 finding 9)."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from hp_agent.config import Settings

_REAL = {
    "jwt_secret": "a-real-secret-of-enough-length-0123456789",
    "encryption_keys": "k1:" + base64.urlsafe_b64encode(b"0123456789abcdef0123456789abcdef").decode(),
    "app_db_password": "real-app-password",
    "worker_db_password": "real-worker-password",
}


def test_production_starts_with_real_secrets() -> None:
    settings = Settings(_env_file=None, environment="production", **_REAL)  # type: ignore[call-arg]
    assert settings.worker_db_password.get_secret_value() == "real-worker-password"


def test_production_refuses_the_default_worker_password() -> None:
    given = {k: v for k, v in _REAL.items() if k != "worker_db_password"}
    with pytest.raises(ValidationError, match="HP_WORKER_DB_PASSWORD must be set in production"):
        Settings(_env_file=None, environment="production", **given)  # type: ignore[call-arg]


def test_development_keeps_the_default_worker_password() -> None:
    settings = Settings(_env_file=None, environment="development")  # type: ignore[call-arg]
    assert settings.worker_db_password.get_secret_value() == "hp_worker_dev_password"
