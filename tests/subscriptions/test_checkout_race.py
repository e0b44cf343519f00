"""Two checkouts of one person at once (two tabs): one subscription, the other answered 409 and
its processor subscription cancelled, so the person is never charged twice."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from hp_agent.db.session import Database
from hp_agent.subscriptions.models import UserSubscription
from hp_agent.users.repository import SYSTEM
from tests.chat.chat_client import new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow


async def test_concurrent_checkouts_make_one_subscription(
    billing_server: LiveServer, stripe_api: httpx.AsyncClient, live_db: Database
) -> None:
    tokens = await new_user(billing_server.http_url)
    me = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = {"plan": "therapy-monthly", "payment_method": "pm_card_visa"}
    async with httpx.AsyncClient(base_url=billing_server.http_url, timeout=60) as api:
        first, second = await asyncio.gather(
            api.post("/v1/billing/checkout", json=body, headers=me),
            api.post("/v1/billing/checkout", json=body, headers=me),
        )
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    refused = first if first.status_code == 409 else second
    assert refused.json()["error"]["code"] == "already_subscribed"
    async with live_db.unit_of_work(SYSTEM) as s:
        n = await s.scalar(
            select(func.count())
            .select_from(UserSubscription)
            .where(UserSubscription.user_id == uuid.UUID(tokens["user_id"]))
        )
        kept = (
            await s.execute(
                select(UserSubscription).where(UserSubscription.user_id == uuid.UUID(tokens["user_id"]))
            )
        ).scalar_one()
    assert n == 1
    # At the processor, only the kept subscription is still live.
    live = (await stripe_api.get("/v1/subscriptions", params={"limit": 100})).json()["data"]
    mine = [sub for sub in live if sub["metadata"] == {} and sub["id"] == kept.processor_subscription_id]
    assert len(mine) == 1
    customers = {
        c["id"]
        for c in (await stripe_api.get("/v1/customers", params={"limit": 100})).json()["data"]
        if c.get("metadata", {}).get("user_ref") == tokens["user_id"]
    }
    others = [
        sub for sub in live if sub["customer"] in customers and sub["id"] != kept.processor_subscription_id
    ]
    assert others == []
