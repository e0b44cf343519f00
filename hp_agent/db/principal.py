"""Who a transaction acts for, and the session class that tells PostgreSQL (row-level security).

Its own module, below ``session.py`` and ``data_keys.py``, so both can use it without importing
each other: ``session.py`` builds engines and units of work, ``data_keys.py`` hooks the per-person
keys into :class:`HPSession`, and neither needs the other's internals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction


@dataclass(frozen=True, slots=True)
class Principal:
    """Who the current transaction acts for; RLS policies read it through ``app.*`` settings."""

    user_id: uuid.UUID | None
    role: str = "anonymous"  # patient | therapist | admin | system | anonymous


ANONYMOUS = Principal(None, "anonymous")
_SET_PRINCIPAL = text(
    "SELECT set_config('app.current_user_id', :uid, true), set_config('app.current_role', :role, true)"
)


class HPSession(Session):
    """Session class whose transactions carry the principal in ``info['principal']``."""


def _principal_params(principal: Principal) -> dict[str, str]:
    return {"uid": str(principal.user_id) if principal.user_id else "", "role": principal.role}


@event.listens_for(HPSession, "after_begin")
def _apply_principal(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    if transaction.nested:
        return  # a savepoint runs inside a transaction whose principal is already set
    principal: Principal = session.info.get("principal", ANONYMOUS)
    connection.execute(_SET_PRINCIPAL, _principal_params(principal))


async def set_principal(session: AsyncSession, principal: Principal) -> None:
    """Switch the principal; applies at once if the transaction already has a connection."""
    session.info["principal"] = principal
    if session.in_transaction():
        await session.execute(_SET_PRINCIPAL, _principal_params(principal))
