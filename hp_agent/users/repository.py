"""SQL for accounts, profiles and consent state.

Row-level security decides what each query can see, so callers choose the principal: lookups
before anyone is authenticated (login by email) find the account with :func:`account_for_signin`
and read it as :func:`signing_in` (its own rows only); :data:`SYSTEM` is the worker's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db.session import ANONYMOUS, Principal, set_principal
from hp_agent.users.models import ConsentType, User, UserConsent, UserProfile

# The service's own actor. Only the worker's database role may act as it (row-level security checks
# the login role, hp_agent/db/security.py); from the API role it reads and writes nothing.
SYSTEM = Principal(None, "system")


@asynccontextmanager
async def acting_as(session: AsyncSession, principal: Principal) -> AsyncIterator[None]:
    """Run the block as ``principal``, then restore the previous one.

    Pending ORM changes are flushed on entry and exit so that each INSERT/UPDATE is checked by
    RLS under the principal that made it, not whichever is current when autoflush happens.
    """
    previous: Principal = session.info.get("principal", ANONYMOUS)
    await session.flush()
    await set_principal(session, principal)
    try:
        yield
        await session.flush()
    finally:
        await set_principal(session, previous)


def as_caller(session: AsyncSession) -> AbstractAsyncContextManager[None]:
    """A block run as the principal already in force (pending writes flushed at its edges, as with
    :func:`acting_as`): where code used to switch to the system actor, row-level security now
    lets the caller themselves (an administrator, the treating clinician) do it."""
    return acting_as(session, session.info.get("principal", ANONYMOUS))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def signing_in(user_id: uuid.UUID | None) -> Principal:
    """The account a sign-in (or refresh, or reset) is about, before it is proven: its own rows
    and no role's extra access. The API never acts as the system actor to find it."""
    return Principal(user_id, "anonymous") if user_id is not None else ANONYMOUS


async def account_for_signin(session: AsyncSession, email: str) -> uuid.UUID | None:
    """Whose account ``email`` is (SECURITY DEFINER function; see hp_agent/db/security.py)."""
    stmt = select(func.app_account_for_signin(normalise_email(email)))
    found: uuid.UUID | None = (await session.execute(stmt)).scalar_one()
    return found


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == normalise_email(email))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_profile(session: AsyncSession, user_id: uuid.UUID) -> UserProfile | None:
    stmt = select(UserProfile).where(UserProfile.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def increment_failed_logins(session: AsyncSession, user_id: uuid.UUID) -> int:
    # One atomic UPDATE: concurrent guesses cannot both read the same old count.
    stmt = (
        update(User)
        .where(User.id == user_id)
        .values(failed_login_count=User.failed_login_count + 1)
        .returning(User.failed_login_count)
        .execution_options(synchronize_session=False)
    )
    return int((await session.execute(stmt)).scalar_one())


async def lock_until(session: AsyncSession, user_id: uuid.UUID, until: dt.datetime) -> None:
    # The counter restarts so the account gets the full allowance again once the lock expires.
    stmt = (
        update(User)
        .where(User.id == user_id)
        .values(locked_until=until, failed_login_count=0)
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)


async def record_login(
    session: AsyncSession, user_id: uuid.UUID, now: dt.datetime, new_password_hash: str | None
) -> None:
    values: dict[str, object] = {"failed_login_count": 0, "locked_until": None, "last_login_at": now}
    if new_password_hash is not None:
        values["password_hash"] = new_password_hash
    stmt = (
        update(User).where(User.id == user_id).values(**values).execution_options(synchronize_session=False)
    )
    await session.execute(stmt)


async def get_consent(
    session: AsyncSession, user_id: uuid.UUID, consent_type: ConsentType
) -> UserConsent | None:
    stmt = select(UserConsent).where(UserConsent.user_id == user_id, UserConsent.consent_type == consent_type)
    return (await session.execute(stmt)).scalar_one_or_none()
