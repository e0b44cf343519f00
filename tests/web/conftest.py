"""Browser tests: the real service (uvicorn in a thread, worker in process, real PostgreSQL and
Redis) driven through the web client by Debian's headless Chromium via Playwright.

Chromium is not downloaded (no ``playwright install``): ``/usr/bin/chromium`` (or ``HP_CHROMIUM``)
is launched directly. Without it the tests fail under CI and are skipped elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import worker_database_url
from tests.conftest import LiveServer

CHROMIUM = Path(os.environ.get("HP_CHROMIUM", "/usr/bin/chromium"))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: install Debian's browser with `apt-get install chromium`")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed: `pip install -e '.[dev]'`")
    return CHROMIUM


@pytest.fixture(scope="session")
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "redis_prefix": f"hpweb-{uuid.uuid4().hex[:10]}",
            # Relay, notifier and deadline watcher inside the server, as `hp-agent serve` runs them.
            "worker_in_process": True,
            "relay_poll_seconds": 0.02,
            "deadline_poll_seconds": 0.5,
        }
    )


@pytest.fixture(scope="session")
def web_server(web_settings: Settings, seeded: None, chromium_path: Path) -> Iterator[LiveServer]:
    from hp_agent.crisis import engine

    engine.get_detector()  # load the model before the first crisis message, not during it
    server = LiveServer(web_settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def web_db(web_settings: Settings, seeded: None) -> AsyncIterator[Database]:
    # The worker's role: the tests' set-up acts as the system actor (accounts, care relationships),
    # which only that role may be (#14 finding 9).
    db = Database(worker_database_url(web_settings), pool_size=2, max_overflow=2)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def browser(chromium_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
        b = await pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=["--no-sandbox"])
        yield b
        await b.close()
