"""Telling the other side of a care relationship that something needs their answer.

Emails go through ``email_outbox`` and in-app notices through ``notifications``, both in the
caller's transaction, so they exist exactly when the change they announce commits. Their text is
non-sensitive by contract (it can reach a lock screen): it says that something happened, never
who the patient is or why.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import NotificationCategory
from hp_agent.notifications import service as inbox


async def email(session: AsyncSession, user_id: uuid.UUID, key: str, subject: str, body: str) -> None:
    # An account's row (its address) is readable by its owner only: a narrow database function
    # queues the email with the address the caller never sees (hp_agent/db/security.py).
    await session.execute(select(func.app_queue_email(user_id, key.split(":", 1)[0], subject, body, key)))


async def in_app(
    session: AsyncSession, user_id: uuid.UUID, key: str, title: str, relationship_id: uuid.UUID
) -> None:
    # The one inbox path: stored once per key and pushed live to the person's open sockets.
    await inbox.notify(
        session,
        user_id,
        category=NotificationCategory.care_team,
        title=title,
        body=None,
        action_url="/care",
        resource_type="therapeutic_relationship",
        resource_id=relationship_id,
        dedupe_key=key,
    )


async def request_waiting(session: AsyncSession, clinician_id: uuid.UUID, relationship_id: uuid.UUID) -> None:
    await email(
        session,
        clinician_id,
        f"care_request:{relationship_id}",
        "A patient asked to start care with you in Happy Path",
        "Someone asked to start care with you. Sign in to Happy Path to accept or decline.",
    )
    await in_app(
        session, clinician_id, f"care_request:{relationship_id}", "New care request", relationship_id
    )


async def answered(
    session: AsyncSession, user_id: uuid.UUID, relationship_id: uuid.UUID, *, accepted: bool
) -> None:
    title = "Your care request was accepted" if accepted else "Your care request was declined"
    await in_app(session, user_id, f"care_answer:{relationship_id}", title, relationship_id)
