"""Operator commands against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hp_agent.config import Settings


def _run(settings: Settings, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HP_")}
    env["HP_DATABASE_URL"] = settings.database_url or ""
    if password is not None:
        env["HP_NEW_USER_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "hp_agent.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


async def test_create_user_command(settings: Settings, raw_owner: AsyncConnection) -> None:
    ok = _run(
        settings,
        "create-user",
        "--email",
        "Operator.Made@Example.org",
        "--role",
        "therapist",
        password="a long and unusual passphrase 42",
    )
    assert ok.returncode == 0, ok.stderr
    assert "created therapist" in ok.stdout
    role = (
        await raw_owner.execute(text("SELECT role FROM users WHERE email = 'operator.made@example.org'"))
    ).scalar_one()
    assert role == "therapist"

    again = _run(
        settings,
        "create-user",
        "--email",
        "operator.made@example.org",
        password="a long and unusual passphrase 42",
    )
    assert again.returncode == 1
    assert "error:" in again.stderr

    weak = _run(settings, "create-user", "--email", "weak@example.org", password="short")
    assert weak.returncode == 1
    assert "password" in weak.stderr.lower()
    assert "short\n" not in weak.stderr  # the password itself is never echoed

    no_pw = _run(settings, "create-user", "--email", "nopw@example.org")
    assert no_pw.returncode == 2


def test_migrate_and_seed_commands_are_idempotent(settings: Settings) -> None:
    for cmd in ("migrate", "seed"):
        res = _run(settings, cmd)
        assert res.returncode == 0, res.stderr
    assert "crisis_resources:" in res.stdout
