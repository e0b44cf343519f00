"""Test factories shared by every test folder: accounts and the cheap password hasher.

Domain folders keep their own world builders (``tests/care/conftest.py``, ``tests/journal/people.py``
...); what more than one folder needs lives here once. Sign-up and sign-in over the API are in
``tests/api/auth_helpers.py``, which this module builds on.
"""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import RelationshipStatus, TherapeuticRelationship
from hp_agent.db.session import Database, Principal
from hp_agent.users.models import User, UserRole
from tests import mfa_helpers
from tests.api.auth_helpers import bearer, signed_in


def fast_hasher() -> PasswordHasher:
    """Cheap argon2id parameters (production costs ~0.4 s a hash on a small CI box). Verification
    reads the parameters from each hash, so a server in the test process accepts them unchanged;
    the root ``conftest.py`` installs it for the whole run."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


async def admin_headers(client: httpx.AsyncClient, owner_db: AsyncSession) -> dict[str, str]:
    """A fresh admin's bearer header: signed up as a patient, promoted by the owner, with the
    second factor set up as the web client's Security screen would (admins must use one)."""
    _, tokens = await signed_in(client, "admin")
    await owner_db.execute(
        update(User).where(User.id == uuid.UUID(tokens["user_id"])).values(role=UserRole.admin)
    )
    await owner_db.commit()
    await mfa_helpers.enrol(client, tokens["user_id"], tokens["access_token"])
    return bearer(tokens)


async def link_as_patient(db: Database, patient: uuid.UUID, clinician: uuid.UUID) -> None:
    """An active, primary care relationship made as the patient: only they may activate one (their
    consent is theirs to give), and the API's role never acts as the system actor."""
    now = dt.datetime.now(dt.UTC)
    async with db.unit_of_work(Principal(patient, "patient")) as s:
        s.add(
            TherapeuticRelationship(
                patient_id=patient,
                therapist_id=clinician,
                status=RelationshipStatus.active,
                is_primary=True,
                patient_consented_at=now,
                started_at=now,
                created_by=patient,
            )
        )
