"""Prompt selection from ``journal_prompts``: by technique, by recent mood, and crisis-support
prompts while the person's recent risk is elevated."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin import system_settings
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.journal import repository as repo
from hp_agent.journal.access import own_id
from hp_agent.journal.common import local_today
from hp_agent.journal.models import CBTTechnique, PromptCategory
from hp_agent.journal.schemas import PromptOut, PromptsOut
from hp_agent.users.models import User


async def _locale(session: AsyncSession, user_id: uuid.UUID) -> str:
    user = await session.get(User, user_id)
    return (user.locale if user else "en").split("-")[0].lower() or "en"


async def suggest_prompts(
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    *,
    technique: CBTTechnique | None,
    category: PromptCategory | None,
    mood: int | None,
    limit: int,
) -> PromptsOut:
    """Prompts for the person's state: crisis support while recent risk is elevated, else by mood.

    When a moderate+ detection is recent, reflective CBT prompts ("what is the evidence...") are
    the wrong thing to offer; grounding and safety-plan prompts are offered instead.
    """
    me = own_id(principal)
    window = await system_settings.value(session, settings, "journal.crisis_prompt_window_hours")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=window)
    elevated = await repo.recent_elevated_risk(session, me, since)
    today = await local_today(session, me)
    mood_used = (
        mood if mood is not None else await repo.latest_mood(session, me, today - dt.timedelta(days=2))
    )
    locale = await _locale(session, me)

    async def pick(loc: str) -> list[PromptOut]:
        if elevated:
            rows = await repo.prompts(
                session,
                locale=loc,
                categories=[PromptCategory.CRISIS],
                exclude=(),
                technique=None,
                mood=None,
                limit=limit,
            )
        else:
            rows = await repo.prompts(
                session,
                locale=loc,
                categories=[category] if category else None,
                exclude=() if category else (PromptCategory.CRISIS,),
                technique=technique,
                mood=mood_used,
                limit=limit,
            )
        return [PromptOut.model_validate(r, from_attributes=True) for r in rows]

    found = await pick(locale)
    if not found and locale != "en":
        found = await pick("en")
    return PromptsOut(crisis_support=elevated, mood_used=mood_used, prompts=found)
