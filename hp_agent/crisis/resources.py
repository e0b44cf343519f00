"""Crisis lines for a person's country and language, never an empty list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.models import CrisisResource

INTERNATIONAL = "INT"


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    channel: str
    contact: str
    url: str | None
    description: str | None
    hours: str | None
    is_emergency: bool
    country_code: str
    language: str
    last_verified: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "channel": self.channel,
            "contact": self.contact,
            "url": self.url,
            "description": self.description,
            "hours": self.hours,
            "is_emergency": self.is_emergency,
            "country_code": self.country_code,
            "language": self.language,
            "last_verified": self.last_verified,
        }


def _line(r: CrisisResource) -> Line:
    return Line(
        name=r.name,
        channel=r.channel.value,
        contact=r.contact,
        url=r.url,
        description=r.description,
        hours=r.hours,
        is_emergency=r.is_emergency,
        country_code=r.country_code,
        language=r.language,
        last_verified=r.last_verified.isoformat() if r.last_verified else None,
    )


def _language(locale: str | None) -> str:
    return (locale or "en").replace("_", "-").split("-")[0].lower()


async def lines_for(session: AsyncSession, country_code: str | None, locale: str | None) -> list[Line]:
    """The person's country first (their language before others), then international lines.

    International directories are always appended, so someone whose country we do not cover,
    or whose country is unknown, still gets a line that works.
    """
    country = (country_code or "").upper()
    lang = _language(locale)
    rows = (
        (
            await session.execute(
                select(CrisisResource).where(
                    CrisisResource.is_active.is_(True),
                    CrisisResource.country_code.in_([country, INTERNATIONAL]),
                )
            )
        )
        .scalars()
        .all()
    )

    def order(r: CrisisResource) -> tuple[int, int, int, str]:
        return (
            0 if r.country_code == country else 1,
            0 if r.language.split("-")[0].lower() == lang else 1,
            r.priority,
            r.key,
        )

    return [_line(r) for r in sorted(rows, key=order)]
