"""What an ordinary chat message no longer pays for (issue #15 item 4), and that what is kept
between messages still follows the person's record and plan."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents import record
from hp_agent.agents.scripted.records import tools_asked
from hp_agent.agents.tools import load_user_context
from hp_agent.compliance.models import AuditLog
from hp_agent.db.session import Database, Principal
from hp_agent.subscriptions import entitlements
from hp_agent.subscriptions.models import (
    PaymentProcessor,
    SubscriptionPlan,
    SubscriptionStatus,
    UserSubscription,
)
from tests.api.auth_helpers import signed_in

RECORD_TOOLS = tuple(record.TOOLS)


@pytest.fixture(autouse=True)
def _no_cached_plans() -> Iterator[None]:
    entitlements.forget()
    yield
    entitlements.forget()


async def _tool_audits(owner_db: AsyncSession, user_id: uuid.UUID) -> list[str]:
    rows = await owner_db.execute(
        select(AuditLog.details["tool"].astext).where(
            AuditLog.action == "agent.tool.called", AuditLog.subject_id == user_id
        )
    )
    return sorted(str(t) for (t,) in rows.all())


def test_only_a_record_question_asks_for_a_record_tool() -> None:
    assert tools_asked("when is my next session?") == ("next_appointments",)
    assert tools_asked("did I take my evening dose?") == ("todays_doses",)
    assert tools_asked("I went for a walk this morning and felt a bit better.") == ()
    assert tools_asked("My sister and I argued about chores again.") == ()


@pytest.mark.usefixtures("seeded")
async def test_record_facts_are_read_only_when_asked_and_audited_in_one_statement(
    client: httpx.AsyncClient, owner_db: AsyncSession, app_db: Database
) -> None:
    _, tokens = await signed_in(client)
    user_id = uuid.UUID(tokens["user_id"])
    me = Principal(user_id, "patient")
    async with app_db.unit_of_work(me) as session:
        ordinary = await load_user_context(session, user_id, RECORD_TOOLS, record_tools=())
    assert ordinary.record == {}
    assert await _tool_audits(owner_db, user_id) == []  # nothing read, nothing audited

    async with app_db.unit_of_work(me) as session:
        asked = await load_user_context(session, user_id, RECORD_TOOLS, record_tools=("next_appointments",))
    assert set(asked.record) == {"next_appointments"}
    assert await _tool_audits(owner_db, user_id) == ["next_appointments"]

    # A model that writes its own replies still gets every allowed fact, each call audited.
    async with app_db.unit_of_work(me) as session:
        everything = await load_user_context(session, user_id, RECORD_TOOLS)
    assert set(everything.record) == set(RECORD_TOOLS)
    assert await _tool_audits(owner_db, user_id) == sorted(["next_appointments", *RECORD_TOOLS])

    # A tool outside the allow-list is refused (and audited as refused) in a batch too.
    async with app_db.unit_of_work(me) as session:
        with pytest.raises(record.ToolNotAllowed):
            await record.call_many(session, me, ["mood_summary", "todays_doses"], ["mood_summary"])
    refused = await owner_db.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "agent.tool.refused", AuditLog.subject_id == user_id)
    )
    assert refused == 1


@pytest.mark.usefixtures("seeded")
async def test_cached_plan_follows_a_subscription_written_here_at_once_and_elsewhere_within_the_bound(
    client: httpx.AsyncClient, owner_db: AsyncSession, app_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tokens = await signed_in(client)
    user_id = uuid.UUID(tokens["user_id"])
    me = Principal(user_id, "patient")

    async def plan() -> str:
        async with app_db.unit_of_work(me) as session:
            return (await entitlements.effective_cached(session, user_id)).plan_code

    assert await plan() == "free"
    premium = (
        await owner_db.execute(select(SubscriptionPlan).where(SubscriptionPlan.code == "premium-monthly"))
    ).scalar_one()
    sub = UserSubscription(
        user_id=user_id,
        plan_id=premium.id,
        status=SubscriptionStatus.ACTIVE,
        processor=PaymentProcessor.MANUAL,
        unit_amount=premium.amount,
        currency=premium.currency,
        billing_interval=premium.billing_interval,
    )
    owner_db.add(sub)
    await owner_db.commit()
    # Written through the ORM in this process (checkout, webhooks, dunning do): forgotten at commit.
    assert await plan() == "premium-monthly"
    async with app_db.unit_of_work(me) as session:
        assert await entitlements.agent_reply_denial(session, me) is None  # unlimited

    # A change this process did not make (another instance; here a bare UPDATE) is seen once the
    # cached answer is PLAN_CACHE_SECONDS old, and not before.
    await owner_db.execute(
        update(UserSubscription.__table__)  # type: ignore[arg-type]
        .where(UserSubscription.__table__.c.id == sub.id)
        .values(status=SubscriptionStatus.PAUSED)
    )
    await owner_db.commit()
    assert await plan() == "premium-monthly"
    monkeypatch.setattr(entitlements, "PLAN_CACHE_SECONDS", 0.0)
    assert await plan() == "free"
