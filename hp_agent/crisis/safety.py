"""What a person at risk is shown: their own safety plan and the crisis lines for their locale."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import RiskLevel
from hp_agent.crisis.models import SafetyPlan
from hp_agent.crisis.resources import lines_for
from hp_agent.users.models import User, UserPreferences

# Stanley-Brown steps in the order they are used in a crisis.
SAFETY_PLAN_STEPS: tuple[tuple[str, str], ...] = (
    ("warning_signs", "Warning signs"),
    ("internal_coping_strategies", "Things I can do on my own"),
    ("distraction_people_places", "People and places that distract me"),
    ("people_to_ask_for_help", "People I can ask for help"),
    ("professionals_and_crisis_lines", "Professionals and crisis lines"),
    ("making_environment_safe", "Making my environment safe"),
    ("reasons_for_living", "My reasons for living"),
)


async def current_safety_plan(session: AsyncSession, user_id: uuid.UUID) -> SafetyPlan | None:
    return (
        await session.execute(
            select(SafetyPlan).where(SafetyPlan.user_id == user_id, SafetyPlan.is_current.is_(True))
        )
    ).scalar_one_or_none()


def plan_steps(plan: SafetyPlan) -> list[dict[str, str]]:
    return [
        {"step": key, "title": title, "content": getattr(plan, key)}
        for key, title in SAFETY_PLAN_STEPS
        if getattr(plan, key)
    ]


async def safety_payload(
    session: AsyncSession,
    user_id: uuid.UUID,
    level: RiskLevel,
    country_code: str | None,
    locale: str | None,
) -> dict[str, Any]:
    plan = await current_safety_plan(session, user_id)
    lines = await lines_for(session, country_code, locale)
    return {
        "level": level.value,
        "urgent": level >= RiskLevel.HIGH,
        "crisis_lines": [line.to_dict() for line in lines],
        "safety_plan": {"version": plan.version, "steps": plan_steps(plan)} if plan else None,
    }


@dataclass(frozen=True, slots=True)
class Where:
    """Where the person is, for choosing crisis lines."""

    country_code: str | None
    locale: str | None


async def whereabouts(session: AsyncSession, user_id: uuid.UUID) -> Where:
    user = await session.get(User, user_id)
    prefs = (
        await session.execute(select(UserPreferences).where(UserPreferences.user_id == user_id))
    ).scalar_one_or_none()
    country = user.country_code if user else None
    locale = user.locale if user else None
    override = prefs.crisis_lines_locale if prefs else None
    if override:
        # "GB" names a country; "en-GB" a language and a country (someone travelling).
        parts = override.replace("_", "-").split("-")
        if len(parts) == 1 and len(parts[0]) == 2 and parts[0].isalpha():
            country = parts[0].upper()
        elif len(parts) >= 2 and len(parts[-1]) == 2:
            country, locale = parts[-1].upper(), override
    return Where(country, locale)
