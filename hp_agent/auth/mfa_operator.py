"""``hp-agent reset-mfa``: an operator turns off a person's second factor when the phone and the
recovery codes are both lost. Runs through the worker's role (the only one that may act as the
system actor on the factor tables); audited, and the person is emailed a notice. Their next
sign-in (clinicians and admins: a restricted session) sets up a new authenticator."""

from __future__ import annotations

from sqlalchemy import delete

from hp_agent.auth import emails
from hp_agent.auth.security_models import MfaFactor, MfaRecoveryCode
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import worker_database_url
from hp_agent.users import repository as users_repo
from hp_agent.users.repository import SYSTEM


async def reset_mfa_cli(settings: Settings, email: str) -> bool:
    """True if the account had a factor (now removed); raises LookupError for an unknown address."""
    db = Database(worker_database_url(settings))
    try:
        async with db.unit_of_work(SYSTEM) as session:
            user = await users_repo.get_user_by_email(session, email)
            if user is None:
                raise LookupError("no account has this address")
            removed = (
                await session.execute(
                    delete(MfaFactor)
                    .where(MfaFactor.user_id == user.id)
                    .execution_options(synchronize_session=False)
                )
            ).rowcount  # type: ignore[attr-defined]
            await session.execute(
                delete(MfaRecoveryCode)
                .where(MfaRecoveryCode.user_id == user.id)
                .execution_options(synchronize_session=False)
            )
            await emails.account_security_event(
                session,
                "auth.mfa.reset_by_operator",
                user_id=user.id,
                actor=SYSTEM,
                details={"had_factor": bool(removed)},
                tell=emails.MFA_RESET if removed else None,
                to=user.email,
            )
            return bool(removed)
    finally:
        await db.dispose()
