"""The sign-in emails (verification, password reset, security notices), queued in ``email_outbox``.

They carry a link or say that something changed on the account; never anything else about the
person. Links put the token after ``#`` so it never reaches a server log or a Referer header.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.schemas import ClientInfo
from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.events.models import EmailOutbox

SIGN_OFF = (
    "\n\n— Happy Path\nYou get this email because of your Happy Path account; it was sent automatically."
)


async def queue(
    session: AsyncSession,
    *,
    to: str,
    user_id: uuid.UUID | None,
    template: str,
    subject: str,
    body: str,
    locale: str | None = None,
) -> None:
    # Core insert without RETURNING: email rows are readable only by the sender.
    await session.execute(
        insert(EmailOutbox).values(
            id=uuid.uuid4(),
            recipient_user_id=user_id,
            to_address=to,
            template=template,
            locale=locale,
            subject=subject,
            body_text=body + SIGN_OFF,
        )
    )


def link(settings: Settings, fragment: str, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/#{fragment}={token}"


async def verify_email(
    session: AsyncSession, settings: Settings, *, to: str, user_id: uuid.UUID, token: str, change: bool
) -> None:
    hours = settings.email_verification_ttl_hours
    intro = (
        "You asked to use this address for your Happy Path account."
        if change
        else "Welcome to Happy Path. Please confirm that this is your email address."
    )
    await queue(
        session,
        to=to,
        user_id=user_id,
        template="verify_email",
        subject="Confirm your email address",
        body=(
            f"{intro}\n\nOpen this link to confirm it (it works once, for {hours} hours):\n"
            f"{link(settings, 'verify-email', token)}\n\nIf this was not you, ignore this message."
        ),
    )


async def reset_password(
    session: AsyncSession, settings: Settings, *, to: str, user_id: uuid.UUID, token: str
) -> None:
    minutes = settings.password_reset_ttl_minutes
    await queue(
        session,
        to=to,
        user_id=user_id,
        template="reset_password",
        subject="Reset your Happy Path password",
        body=(
            "Someone (we hope you) asked to reset the password of your Happy Path account.\n\n"
            f"Open this link to choose a new password (it works once, for {minutes} minutes):\n"
            f"{link(settings, 'reset-password', token)}\n\n"
            "If you did not ask for this, ignore this message: your password stays as it is."
        ),
    )


async def notice(
    session: AsyncSession, *, to: str, user_id: uuid.UUID, template: str, subject: str, body: str
) -> None:
    """A security notice: something changed on the account (password, address, second factor)."""
    await queue(
        session,
        to=to,
        user_id=user_id,
        template=template,
        subject=subject,
        body=body + "\n\nIf this was not you, reset your password now and contact support.",
    )


@dataclass(frozen=True, slots=True)
class Notice:
    template: str
    subject: str
    body: str


EMAIL_CHANGED = Notice(
    "email_changed",
    "Your Happy Path email address was changed",
    "The email address of your Happy Path account was changed; this address no longer signs in.",
)
EMAIL_CHANGE_REQUESTED = Notice(
    "email_change_requested",
    "A change of your Happy Path email address was requested",
    "Someone signed in to your account asked to move it to another email address. "
    "Nothing changes until the link sent to the new address is opened.",
)
PASSWORD_CHANGED = Notice(
    "password_changed",
    "Your Happy Path password was changed",
    "The password of your Happy Path account was just reset, and every device was signed out.",
)
MFA_ENABLED = Notice(
    "mfa_enabled",
    "Two-step sign-in is on for your Happy Path account",
    "Two-step sign-in was turned on: signing in now also asks for a code from your authenticator.",
)
MFA_DISABLED = Notice(
    "mfa_disabled",
    "Two-step sign-in was turned off",
    "Two-step sign-in was turned off for your Happy Path account.",
)
MFA_RESET = Notice(
    "mfa_reset",
    "Two-step sign-in was reset on your Happy Path account",
    "An operator turned off two-step sign-in for your account at your request. "
    "Set it up again the next time you sign in.",
)


async def account_security_event(
    session: AsyncSession,
    action: str,
    *,
    user_id: uuid.UUID,
    actor: Principal | None,
    client: ClientInfo | None = None,
    details: dict[str, Any] | None = None,
    tell: Notice | None = None,
    to: str | None = None,
) -> None:
    """A change to the account's security: audited (``action``, the account as subject) and, with
    ``tell``, a notice to the owner at ``to`` in the same transaction, so neither goes without
    the other."""
    await audit.record(
        session,
        action,
        actor=actor,
        subject_type="user",
        subject_id=user_id,
        ip=client.ip if client else None,
        user_agent=client.user_agent if client else None,
        details=details,
    )
    if tell is not None and to is not None:
        await notice(
            session, to=to, user_id=user_id, template=tell.template, subject=tell.subject, body=tell.body
        )
