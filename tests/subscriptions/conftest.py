"""Billing against a real protocol peer: localstripe on a loopback port, and the app served by
uvicorn so localstripe's signed webhooks reach it over HTTP (what they write is committed)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.subscriptions.localstripe import API_KEY, LocalStripe
from hp_agent.subscriptions.webhooks import HANDLED
from tests.conftest import LiveServer

# The escalation suite's committed-database fixtures (patients, therapists, the worker).
from tests.escalation.conftest import (  # noqa: F401
    _engine_loaded,
    esc_server,
    live_db,
    server_settings,
    worker,
)

WEBHOOK_SECRET = "whsec_" + secrets.token_hex(16)


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    peer = LocalStripe().start()
    yield peer
    peer.stop()


@pytest.fixture(scope="session")
def billing_settings(settings: Settings, localstripe: LocalStripe) -> Settings:
    from pydantic import SecretStr

    return settings.model_copy(
        update={
            "stripe_api_key": SecretStr(API_KEY),
            "stripe_api_base": localstripe.url,
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "redis_prefix": f"hpbill-{uuid.uuid4().hex[:8]}",
            "worker_in_process": False,
        }
    )


@pytest.fixture(scope="session")
def billing_server(
    billing_settings: Settings, localstripe: LocalStripe, seeded: None
) -> Iterator[LiveServer]:
    server = LiveServer(billing_settings)
    server.start()
    localstripe.register_webhook(
        f"{server.http_url}/v1/billing/webhooks/stripe", WEBHOOK_SECRET, sorted(HANDLED)
    )
    yield server
    server.stop()


@pytest.fixture
async def stripe_api(localstripe: LocalStripe) -> AsyncIterator[httpx.AsyncClient]:
    """Straight to localstripe, as Stripe's own machinery (renewals, its event log)."""
    async with httpx.AsyncClient(
        base_url=localstripe.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30
    ) as c:
        yield c


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header exactly as Stripe (and localstripe) computes it."""
    ts = at or int(time.time())
    mac = hmac.new(secret.encode(), b"%d." % ts + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event_payload(event: dict[str, Any]) -> bytes:
    return json.dumps(event, indent=2, sort_keys=True).encode()


async def eventually(check: Any, *, within: float = 15.0, every: float = 0.2) -> Any:
    """Poll ``check`` (async, returns a truthy value when done) until it holds."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(every)


__all__ = ["Database", "event_payload", "eventually", "sign"]
