"""Admin: runtime settings kept in ``system_configurations``, a whitelisted, typed set.

Each setting has an ``HP_*`` default (``hp_agent/config.py``); a row overrides it for every
process at its next read (no cache). Only keys in :data:`SETTINGS` can be written, only with a
value of their type within their bounds; anything else is refused with nothing changed. Removing
the override returns to the default. Every change is audited with the old and new value (these
are thresholds, never secrets).

The table is readable by admins only; the code that uses a setting reads it through
``app_system_setting(key)`` (SECURITY DEFINER, migration 0018), which answers one key's value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from hp_agent.admin.models import SystemConfiguration
from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound


@dataclass(frozen=True, slots=True)
class Spec:
    kind: type  # int, float or bool
    description: str
    default: Callable[[Settings], Any]
    low: float | None = None
    high: float | None = None

    def check(self, value: Any) -> Any:
        """The value as stored, or HPError 422."""
        if self.kind is bool:
            ok = isinstance(value, bool)
        elif self.kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            raise HPError(f"The value must be of type {self.kind.__name__}.", 422, code="setting_invalid")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            bounds = f"between {self.low} and {self.high}"
            raise HPError(f"The value must be {bounds}.", 422, code="setting_invalid")
        return self.kind(value)


# Only settings something reads at run time belong here (see ``value`` and its callers).
SETTINGS: dict[str, Spec] = {
    "journal.crisis_prompt_window_hours": Spec(
        int,
        "Hours after a moderate+ detection during which journal prompts offer grounding and "
        "safety-plan prompts instead of reflective ones.",
        lambda s: s.journal_crisis_prompt_window_hours,
        low=1,
        high=720,
    ),
}


class SettingOut(BaseModel):
    key: str
    type: str
    description: str
    value: Any
    default: Any
    # The bounds a value must be within (None: unbounded), so a form can say so before sending.
    minimum: int | float | None
    maximum: int | float | None
    overridden: bool
    version: int | None
    updated_at: dt.datetime | None
    updated_by: uuid.UUID | None


class SettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Strict: "48" or 1.0 for an int setting is refused, not coerced.
    value: StrictBool | StrictInt | StrictFloat = Field(description="Of the type, within the bounds.")
    version: int | None = Field(
        default=None, ge=1, description="The version you read; 409 when someone changed it since."
    )


def _spec(key: str) -> Spec:
    spec = SETTINGS.get(key)
    if spec is None:
        raise NotFound("No such setting.", code="setting_unknown")
    return spec


def _out(key: str, spec: Spec, settings: Settings, row: SystemConfiguration | None) -> SettingOut:
    default = spec.default(settings)
    return SettingOut(
        key=key,
        type=spec.kind.__name__,
        description=spec.description,
        value=row.value if row is not None else default,
        default=default,
        minimum=spec.low,
        maximum=spec.high,
        overridden=row is not None,
        version=row.version if row is not None else None,
        updated_at=row.updated_at if row is not None else None,
        updated_by=row.updated_by if row is not None else None,
    )


async def _row(session: AsyncSession, key: str) -> SystemConfiguration | None:
    stmt = select(SystemConfiguration).where(SystemConfiguration.key == key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_settings(session: AsyncSession, settings: Settings) -> list[SettingOut]:
    rows = {
        r.key: r
        for r in (
            await session.execute(select(SystemConfiguration).where(SystemConfiguration.key.in_(SETTINGS)))
        ).scalars()
    }
    return [_out(k, spec, settings, rows.get(k)) for k, spec in sorted(SETTINGS.items())]


def _stale() -> Conflict:
    return Conflict("The setting was changed meanwhile; read it again.", code="setting_changed")


async def put(
    session: AsyncSession, admin: Principal, settings: Settings, key: str, body: SettingIn
) -> SettingOut:
    spec = _spec(key)
    value = spec.check(body.value)
    row = await _row(session, key)
    if body.version is not None and (row is None or row.version != body.version):
        raise _stale()
    old = row.value if row is not None else spec.default(settings)
    if row is None:
        row = SystemConfiguration(
            key=key, value=value, description=spec.description, updated_by=admin.user_id
        )
        session.add(row)
    else:
        row.value = value
        row.updated_by = admin.user_id
    try:
        await session.flush()
    except StaleDataError as exc:
        raise _stale() from exc
    await session.refresh(row)
    await audit.record(
        session,
        "admin.setting.changed",
        actor=admin,
        subject_type="system_configuration",
        subject_id=row.id,
        details={"key": key, "old": old, "new": value},
    )
    return _out(key, spec, settings, row)


async def reset(session: AsyncSession, admin: Principal, settings: Settings, key: str) -> SettingOut:
    spec = _spec(key)
    row = await _row(session, key)
    if row is not None:
        old = row.value
        await session.delete(row)
        await session.flush()
        await audit.record(
            session,
            "admin.setting.reset",
            actor=admin,
            subject_type="system_configuration",
            subject_id=row.id,
            details={"key": key, "old": old, "new": spec.default(settings)},
        )
    return _out(key, spec, settings, None)


async def value(session: AsyncSession, settings: Settings, key: str) -> Any:
    """A setting's value for whoever is signed in: the override if one is stored and still valid
    for its spec (bounds may have tightened since), else the ``HP_*`` default."""
    spec = SETTINGS[key]
    stored = (await session.execute(text("SELECT app_system_setting(:k)"), {"k": key})).scalar_one()
    if stored is None:
        return spec.default(settings)
    try:
        return spec.check(stored)
    except HPError:
        return spec.default(settings)
