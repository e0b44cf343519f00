"""Entitlements: one check decides, the error names the cheapest plan that allows the action, and
crisis features are never gated: a person whose subscription lapsed, or whose plan has no agent
replies left, still gets the full crisis flow and the escalation to their therapist."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.config import Settings
from hp_agent.crisis.models import CrisisEscalation
from hp_agent.db.session import Database
from hp_agent.db.urls import app_database_url
from hp_agent.subscriptions import entitlements as ent
from hp_agent.subscriptions.models import (
    BillingInterval,
    PaymentProcessor,
    SubscriptionPlan,
    SubscriptionStatus,
    UserSubscription,
)
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.api.auth_helpers import bearer, signed_in
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer
from tests.escalation.conftest import TherapistSocket, make_user, token_for
from tests.factories import link_as_patient

CRISIS = "I am going to kill myself tonight, I have the pills ready"


def test_allows_reads_each_feature_and_refuses_to_gate_crisis_features() -> None:
    free = dict(ent.FREE_DEFAULTS)
    assert ent.allows(free, ent.AGENTS, "listener")
    assert not ent.allows(free, ent.AGENTS, "custom-coach")
    assert ent.allows({ent.AGENTS: "all"}, ent.AGENTS, "custom-coach")
    assert ent.allows(free, ent.AI_MESSAGES_PER_DAY, 30)
    assert not ent.allows(free, ent.AI_MESSAGES_PER_DAY, 31)
    assert ent.allows({ent.AI_MESSAGES_PER_DAY: None}, ent.AI_MESSAGES_PER_DAY, 10_000)
    assert ent.allows(free, ent.MOOD_INSIGHTS, 30)
    assert not ent.allows(free, ent.MOOD_INSIGHTS, 90)
    assert not ent.allows(free, ent.THERAPIST_MESSAGING)
    for crisis in ("crisis_support", "safety_plan", "crisis_lines", "escalations", "screener"):
        with pytest.raises(ValueError, match="never gated"):
            ent.allows(free, crisis)
        with pytest.raises(ValueError, match="never gated"):
            ent.require(crisis)


async def _subscribe(
    session: AsyncSession,
    user_id: uuid.UUID,
    plan_code: str,
    status: SubscriptionStatus,
    *,
    grace_ends_at: dt.datetime | None = None,
) -> None:
    plan = (
        await session.execute(select(SubscriptionPlan).where(SubscriptionPlan.code == plan_code))
    ).scalar_one()
    now = dt.datetime.now(dt.UTC)
    ended = status in (SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED)
    session.add(
        UserSubscription(
            user_id=user_id,
            plan_id=plan.id,
            status=status,
            processor=PaymentProcessor.MANUAL,
            unit_amount=plan.amount,
            currency=plan.currency,
            billing_interval=plan.billing_interval,
            grace_ends_at=grace_ends_at,
            past_due_since=now - dt.timedelta(days=10) if grace_ends_at else None,
            ended_at=now - dt.timedelta(days=1) if ended else None,
            canceled_at=now - dt.timedelta(days=1) if ended else None,
        )
    )
    await session.flush()


async def _hidden_plan(session: AsyncSession, **features: Any) -> str:
    code = f"test-{uuid.uuid4().hex[:10]}"
    session.add(
        SubscriptionPlan(
            code=code,
            name="Test plan",
            amount=Decimal("1.00"),
            currency="USD",
            billing_interval=BillingInterval.MONTH,
            features={**ent.FREE_DEFAULTS, **features},
            is_public=False,
        )
    )
    await session.flush()
    return code


@pytest.mark.usefixtures("seeded")
async def test_paywall_names_the_cheapest_plan_and_follows_the_subscription(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    _, tokens = await signed_in(client, "ent")
    me, user_id = bearer(tokens), uuid.UUID(tokens["user_id"])
    assert (await client.get("/v1/billing/entitlements", headers=me)).json()["plan_code"] == "free"
    year = {"days": 365}

    refused = await client.post("/v1/mood/insights/compute", json=year, headers=me)
    assert refused.status_code == 402
    err = refused.json()["error"]
    assert err["code"] == "entitlement_required"
    assert err["details"]["feature"] == "mood_insights"
    assert err["details"]["plan"]["code"] == "premium-monthly"  # the cheapest that allows it
    assert "Premium (monthly)" in err["message"]
    assert (await client.post("/v1/mood/insights/compute", json={"days": 30}, headers=me)).status_code == 200
    assert (await client.post("/v1/me/export", headers=me)).status_code == 202  # on every plan

    await _subscribe(owner_db, user_id, "premium-monthly", SubscriptionStatus.ACTIVE)
    await owner_db.commit()
    assert (await client.post("/v1/mood/insights/compute", json=year, headers=me)).status_code == 200
    got = (await client.get("/v1/billing", headers=me)).json()["entitlements"]
    assert (got["plan_code"], got["source"], got["crisis_support"]) == (
        "premium-monthly",
        "subscription",
        True,
    )

    # Past due: the plan holds through the grace period, then the free tier applies.
    sub = (
        await owner_db.execute(select(UserSubscription).where(UserSubscription.user_id == user_id))
    ).scalar_one()
    sub.status = SubscriptionStatus.PAST_DUE
    sub.past_due_since = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    sub.grace_ends_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    await owner_db.commit()
    assert (await client.get("/v1/billing/entitlements", headers=me)).json()["source"] == "grace"
    sub.grace_ends_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await owner_db.commit()
    assert (await client.get("/v1/billing/entitlements", headers=me)).json()["plan_code"] == "free"
    assert (await client.post("/v1/mood/insights/compute", json=year, headers=me)).status_code == 402


@pytest.mark.usefixtures("seeded")
async def test_checkout_refusals_change_nothing(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    from hp_agent.subscriptions.models import Coupon, CouponDuration, DiscountType

    _, tokens = await signed_in(client, "coupon")
    me, user_id = bearer(tokens), uuid.UUID(tokens["user_id"])
    now = dt.datetime.now(dt.UTC)
    owner_db.add(
        Coupon(
            code=f"OLD{uuid.uuid4().hex[:6]}",
            name="Expired",
            discount_type=DiscountType.PERCENT,
            discount_value=Decimal("50"),
            duration=CouponDuration.ONCE,
            valid_from=now - dt.timedelta(days=60),
            valid_until=now - dt.timedelta(days=1),
        )
    )
    await owner_db.commit()
    code = (await owner_db.execute(select(Coupon.code).where(Coupon.name == "Expired"))).scalars().all()[-1]
    app = client._transport.app  # type: ignore[attr-defined]
    app.state.payment_provider = _NoCalls()
    body = {"plan": "premium-monthly", "payment_method": "pm_card_visa"}
    r = await client.post("/v1/billing/checkout", json={**body, "coupon": code}, headers=me)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "coupon_expired"
    r = await client.post("/v1/billing/checkout", json={**body, "coupon": "NOSUCHCODE"}, headers=me)
    assert r.json()["error"]["code"] == "coupon_not_found"
    r = await client.post("/v1/billing/checkout", json={**body, "plan": "free"}, headers=me)
    assert r.json()["error"]["code"] == "plan_is_free"
    r = await client.post(
        "/v1/billing/checkout", json={**body, "payment_method": "4242424242424242"}, headers=me
    )
    assert r.status_code == 422  # a card number is never accepted, only a processor's id
    r = await client.post("/v1/billing/subscription/plan", json={"plan": "premium-yearly"}, headers=me)
    assert r.status_code == 404
    n = await owner_db.scalar(
        select(func.count()).select_from(UserSubscription).where(UserSubscription.user_id == user_id)
    )
    assert n == 0


class _NoCalls:
    """A processor that fails the test if it is reached: refusals happen before any call."""

    name = "stripe"

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the processor was called ({name}) for a request that is refused")


@pytest.mark.usefixtures("seeded")
async def test_agents_and_daily_replies_follow_the_plan_but_crisis_turns_never_do(
    esc_server: LiveServer, live_db: Database
) -> None:
    tokens = await new_user(esc_server.http_url)
    user_id = uuid.UUID(tokens["user_id"])
    async with live_db.unit_of_work(SYSTEM) as s:
        code = await _hidden_plan(s, agents=["listener"], ai_messages_per_day=0)
        await _subscribe(s, user_id, code, SubscriptionStatus.ACTIVE)
    chat = await Chat.connect(esc_server.ws_url, tokens["access_token"])
    try:
        await chat.send({"type": "start", "agent": "cbt-coach"})
        refused = await chat.recv()
        while refused["type"] != "error":
            refused = await chat.recv()
        assert refused["code"] == "entitlement_required"
        assert refused["status"] == 402
        assert refused["plan"]["code"] == "free"  # the free tier has every catalogue agent
        await chat.start("listener")
        ack = await chat.say("Work has been really draining lately.")
        limit = await chat.expect("error")
        assert limit["code"] == "entitlement_required"
        assert limit["feature"] == "ai_messages_per_day"
        assert ack["seq"] >= 2  # the message itself was stored
        await chat.say(CRISIS)
        kinds = [(await chat.expect("safety"))["kind"] for _ in range(3)]
        assert len(kinds) == 3
    finally:
        await chat.close()
    async with live_db.unit_of_work(SYSTEM) as s:
        n = await s.scalar(
            select(func.count()).select_from(CrisisEscalation).where(CrisisEscalation.user_id == user_id)
        )
        assert n == 1
        # The run's database is shared: the test's own plan goes (the seed test counts plans).
        await s.execute(delete(UserSubscription).where(UserSubscription.user_id == user_id))
        await s.execute(delete(SubscriptionPlan).where(SubscriptionPlan.code == code))


async def _link_as_patient(settings: Settings, patient: uuid.UUID, therapist: uuid.UUID) -> None:
    db = Database(app_database_url(settings), pool_size=1, max_overflow=0)
    try:
        await link_as_patient(db, patient, therapist)
    finally:
        await db.dispose()


async def test_lapsed_subscription_still_gets_crisis_flow_and_therapist_escalation(
    esc_server: LiveServer, live_db: Database, worker: Any, settings: Settings
) -> None:
    tokens = await new_user(esc_server.http_url)
    patient = uuid.UUID(tokens["user_id"])
    async with live_db.unit_of_work(SYSTEM) as s:
        await _subscribe(s, patient, "therapy-monthly", SubscriptionStatus.CANCELED)
    async with httpx.AsyncClient(base_url=esc_server.http_url) as c:
        billing = (await c.get("/v1/billing", headers=bearer(tokens))).json()
    assert billing["subscription"]["status"] == "canceled"
    assert billing["entitlements"]["plan_code"] == "free"
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    await _link_as_patient(settings, patient, therapist)
    console = await TherapistSocket.connect(
        esc_server.ws_url, await token_for(esc_server.http_url, therapist, live_db)
    )
    chat = await Chat.connect(esc_server.ws_url, tokens["access_token"])
    try:
        session_id, _ = await chat.start("cbt-coach")
        await chat.say(CRISIS)
        _acknowledge, resources, _question = [await chat.expect("safety") for _ in range(3)]
        assert resources.get("crisis_lines") or resources.get("resources") or resources
        frame = await console.next_frame("escalation", within=10)
        assert frame["user_id"] == str(patient)
    finally:
        await chat.close()
        await console.close()
    async with live_db.unit_of_work(SYSTEM) as s:
        rows = (
            (await s.execute(select(CrisisEscalation).where(CrisisEscalation.user_id == patient)))
            .scalars()
            .all()
        )
        assert len(rows) == 1
        assert str(rows[0].chat_session_id) == session_id
