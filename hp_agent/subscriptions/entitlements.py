"""What a person's plan lets them do: the one place entitlements are decided and enforced.

A person's effective plan is their open subscription's plan while it grants access (trialing,
active, or past due inside the dunning grace period) and the free tier otherwise (no
subscription, lapsed, unpaid, paused, canceled). Routes use :func:`require` as a dependency;
code paths that are not routes (the chat socket) call :func:`check` or :func:`denial`.

Crisis features are never gated, on any plan, including an expired one: the crisis layer, crisis
lines, the safety plan, the screener and escalations have no feature name here, and asking to
gate one is a programming error (:data:`NEVER_GATED`).

Only people (role ``patient``) are gated; clinicians and staff use the service for others.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, object_session

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.db.session import Principal
from hp_agent.errors import HPError
from hp_agent.lru import LRU
from hp_agent.subscriptions.models import SubscriptionPlan, SubscriptionStatus, UserSubscription

FREE_PLAN_CODE = "free"

# Feature names the service checks, with what each value means (the seed's comment says more).
AGENTS = "agents"  # list of agent slugs, or "all"
AI_MESSAGES_PER_DAY = "ai_messages_per_day"  # int, or None for unlimited
MOOD_INSIGHTS = "mood_insights"  # "basic" (30 days) or "advanced" (a year)
THERAPIST_MESSAGING = "therapist_messaging"  # bool
DATA_EXPORT = "data_export"  # bool
FEATURES = (AGENTS, AI_MESSAGES_PER_DAY, MOOD_INSIGHTS, THERAPIST_MESSAGING, DATA_EXPORT)

NEVER_GATED = frozenset(
    {"crisis_support", "crisis_layer", "crisis_lines", "safety_plan", "screener", "escalations"}
)
BASIC_INSIGHT_DAYS = 30

# The free tier as seeded; used when the reference row is missing (an unseeded database) so a
# missing row never locks anyone out of what the free tier gives.
FREE_DEFAULTS: dict[str, Any] = {
    AGENTS: ["listener", "cbt-coach", "dbt-skills", "act-guide"],
    AI_MESSAGES_PER_DAY: 30,
    MOOD_INSIGHTS: "basic",
    THERAPIST_MESSAGING: False,
    DATA_EXPORT: True,
}

_GRANTING = (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
_OPEN = (*_GRANTING, SubscriptionStatus.UNPAID, SubscriptionStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class PlanRef:
    code: str
    name: str
    amount: Decimal
    currency: str
    billing_interval: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "amount": str(self.amount),
            "currency": self.currency,
            "billing_interval": self.billing_interval,
        }


@dataclass(frozen=True, slots=True)
class Entitlements:
    plan_code: str
    features: dict[str, Any]
    # Why the plan is what it is: "subscription", "grace" (past due, still granted) or "free".
    source: str

    def allows(self, feature: str, value: Any = None) -> bool:
        return allows(self.features, feature, value)


class EntitlementRequired(HPError):
    """402 when a plan on sale would allow the action (naming the cheapest), 403 when none does."""

    code = "entitlement_required"

    def __init__(self, feature: str, plan: PlanRef | None) -> None:
        label = feature.replace("_", " ")
        if plan is None:
            super().__init__(f"No plan includes {label}.", 403, details={"feature": feature, "plan": None})
            return
        super().__init__(
            f"Your plan does not include {label}. {plan.name} includes it "
            f"(from {plan.currency} {plan.amount} a {plan.billing_interval}).",
            402,
            details={"feature": feature, "plan": plan.as_dict()},
        )


def allows(features: dict[str, Any], feature: str, value: Any = None) -> bool:
    """Whether ``features`` allow ``feature`` (for ``value``: an agent slug, a count, a window)."""
    if feature in NEVER_GATED:
        raise ValueError(f"{feature} is a crisis feature and is never gated")
    if feature not in FEATURES:
        raise ValueError(f"unknown feature {feature!r}")
    granted = features.get(feature, FREE_DEFAULTS.get(feature))
    if feature == AGENTS:
        return granted == "all" or (isinstance(granted, list) and value in granted)
    if feature == AI_MESSAGES_PER_DAY:
        return granted is None or (isinstance(value, int) and value <= int(granted))
    if feature == MOOD_INSIGHTS:
        days = int(value or 0)
        return granted == "advanced" or days <= BASIC_INSIGHT_DAYS
    return bool(granted)


async def effective(
    session: AsyncSession, user_id: uuid.UUID, now: dt.datetime | None = None
) -> Entitlements:
    """The person's entitlements now (one query; the free tier's row only when needed)."""
    now = now or dt.datetime.now(dt.UTC)
    row = (
        await session.execute(
            select(UserSubscription.status, UserSubscription.grace_ends_at, SubscriptionPlan)
            .join(SubscriptionPlan, SubscriptionPlan.id == UserSubscription.plan_id)
            .where(UserSubscription.user_id == user_id, UserSubscription.status.in_(_OPEN))
            .limit(1)
        )
    ).first()
    if row is not None:
        status, grace_ends_at, plan = row
        if status in (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE):
            return Entitlements(plan.code, dict(plan.features), "subscription")
        if status == SubscriptionStatus.PAST_DUE and (grace_ends_at is None or now < grace_ends_at):
            return Entitlements(plan.code, dict(plan.features), "grace")
    return Entitlements(FREE_PLAN_CODE, await _free_features(session), "free")


# The free tier's features change only when the seed does: read at most once a minute per process
# (most people are on it, and the chat asks on every agent turn).
_FREE_TTL_SECONDS = 60.0
_free_cache: tuple[float, dict[str, Any]] | None = None


async def _free_features(session: AsyncSession) -> dict[str, Any]:
    global _free_cache
    now = time.monotonic()
    if _free_cache is not None and now - _free_cache[0] < _FREE_TTL_SECONDS:
        return dict(_free_cache[1])
    free = (
        await session.execute(
            select(SubscriptionPlan.features).where(
                SubscriptionPlan.code == FREE_PLAN_CODE, SubscriptionPlan.is_active
            )
        )
    ).scalar_one_or_none()
    features = dict(free) if free is not None else dict(FREE_DEFAULTS)
    if free is not None:
        _free_cache = (now, features)
    return dict(features)


async def cheapest_plan_for(session: AsyncSession, feature: str, value: Any = None) -> PlanRef | None:
    plans = (
        (
            await session.execute(
                select(SubscriptionPlan)
                .where(SubscriptionPlan.is_active, SubscriptionPlan.is_public)
                .order_by(SubscriptionPlan.amount, SubscriptionPlan.sort_order)
            )
        )
        .scalars()
        .all()
    )
    for plan in plans:
        if allows(plan.features, feature, value):
            return PlanRef(plan.code, plan.name, plan.amount, plan.currency, plan.billing_interval.value)
    return None


async def denial(
    session: AsyncSession, principal: Principal, feature: str, value: Any = None
) -> EntitlementRequired | None:
    """The error to give if ``principal`` may not use ``feature`` (``None`` when they may)."""
    if principal.role != "patient" or principal.user_id is None:
        return None
    ents = await effective(session, principal.user_id)
    if ents.allows(feature, value):
        return None
    return EntitlementRequired(feature, await cheapest_plan_for(session, feature, value))


async def check(session: AsyncSession, principal: Principal, feature: str, value: Any = None) -> None:
    """Raise :class:`EntitlementRequired` unless ``principal`` may use ``feature``."""
    refused = await denial(session, principal, feature, value)
    if refused is not None:
        raise refused


def require(feature: str) -> Callable[..., Awaitable[Principal]]:
    """FastAPI dependency: the current user, refused (402/403) unless their plan has ``feature``."""
    if feature in NEVER_GATED:
        raise ValueError(f"{feature} is a crisis feature and is never gated")

    async def dependency(user: CurrentUser, db: DbSession) -> Principal:
        await check(db, user, feature)
        return user

    return dependency


async def messages_today(session: AsyncSession, user_id: uuid.UUID) -> int:
    """The person's chat messages since midnight UTC (the daily allowance's count)."""
    from hp_agent.chat.models import ChatMessage, MessageRole

    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    n = (
        await session.execute(
            select(func.count())
            .select_from(ChatMessage)
            .where(
                ChatMessage.user_id == user_id,
                ChatMessage.role == MessageRole.USER,
                ChatMessage.created_at >= today,
            )
        )
    ).scalar_one()
    return int(n)


# The chat asks on every agent turn; a person's plan changes a few times a year. The answer is
# kept per process for PLAN_CACHE_SECONDS: a change committed in this process (checkout, plan
# change, cancellation, a webhook, dunning) is forgotten at commit, so it applies to this
# process's sockets at once; other processes see it within PLAN_CACHE_SECONDS.
PLAN_CACHE_SECONDS = 30.0
_plans: LRU[uuid.UUID, tuple[float, Entitlements]] = LRU(20_000)
_CHANGED = "hp_plan_changed"


def forget(user_id: uuid.UUID | None = None) -> None:
    """Drop the cached plan of ``user_id`` (everyone's when None)."""
    if user_id is None:
        _plans.clear()
    else:
        _plans.pop(user_id)


async def effective_cached(session: AsyncSession, user_id: uuid.UUID) -> Entitlements:
    """``effective`` as of at most PLAN_CACHE_SECONDS ago (for the chat's per-turn check)."""
    now = time.monotonic()
    kept = _plans.get(user_id)
    if kept is not None and now - kept[0] < PLAN_CACHE_SECONDS:
        return kept[1]
    ents = await effective(session, user_id)
    _plans.put(user_id, (now, ents))
    return ents


@event.listens_for(UserSubscription, "after_insert")
@event.listens_for(UserSubscription, "after_update")
@event.listens_for(UserSubscription, "after_delete")
def _subscription_written(_mapper: Any, _connection: Any, target: UserSubscription) -> None:
    # Forgotten now and again at commit: a read between the flush and the commit (another
    # session) would otherwise cache the old plan for PLAN_CACHE_SECONDS.
    forget(target.user_id)
    sess = object_session(target)
    if sess is not None:
        sess.info.setdefault(_CHANGED, set()).add(target.user_id)


@event.listens_for(Session, "after_commit")
def _forget_committed(sess: Session) -> None:
    for user_id in sess.info.pop(_CHANGED, ()):
        forget(user_id)


async def agent_reply_denial(session: AsyncSession, principal: Principal) -> EntitlementRequired | None:
    """For the chat socket, after the crisis layer has had the message: may the agent answer?
    (Never asked when the crisis layer takes the turn: those are answered on every plan.)
    The plan comes from ``effective_cached``; a limited plan's count of today's messages is
    always read (another device may have written)."""
    if principal.role != "patient" or principal.user_id is None:
        return None
    ents = await effective_cached(session, principal.user_id)
    if ents.features.get(AI_MESSAGES_PER_DAY, FREE_DEFAULTS[AI_MESSAGES_PER_DAY]) is None:
        return None  # unlimited: no count on the hot path
    used = await messages_today(session, principal.user_id)
    if ents.allows(AI_MESSAGES_PER_DAY, used):
        return None
    return EntitlementRequired(
        AI_MESSAGES_PER_DAY, await cheapest_plan_for(session, AI_MESSAGES_PER_DAY, used)
    )
