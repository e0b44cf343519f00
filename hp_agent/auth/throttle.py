"""Sign-in throttling that reveals nothing and cannot lock a real person out for long.

Failed sign-ins are counted in ``login_throttles`` under three keys, each an HMAC so no address
or IP is stored in clear, and counted the same for addresses with and without an account:

- **pair** (address + client IP): ``HP_LOGIN_MAX_FAILURES`` failures within
  ``HP_LOGIN_LOCKOUT_SECONDS`` refuse that address *from that IP* for ``HP_LOGIN_LOCKOUT_SECONDS``.
  Guessing from one place stops; the person signing in from their own device is not affected.
- **ip**: ``HP_LOGIN_IP_MAX_FAILURES`` failures from one IP (any addresses) refuse that IP.
  Spraying many addresses from one place stops.
- **address** (any IP): ``HP_LOGIN_ADDRESS_MAX_FAILURES`` failures refuse the address from IPs
  that have not signed in to the account in the last 30 days; from a known IP the right
  password still works. A distributed guesser is slowed to that many guesses per window, and
  cannot keep the owner out of their usual devices.

Every refusal is the same 429 ``too_many_attempts`` with ``Retry-After``, whether the address
has an account or not. A successful sign-in clears the pair's counter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
from dataclasses import dataclass

from sqlalchemy import DateTime, Integer, String, bindparam, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.models import LoginThrottle
from hp_agent.config import Settings

PAIR, IP, ADDRESS = "pair", "ip", "address"
KNOWN_IP_DAYS = 30

_UPSERT = text(
    """
    INSERT INTO login_throttles AS t (key, failures, window_started_at, blocked_until)
    VALUES (:key, 1, :now, CASE WHEN 1 >= :limit THEN :until END)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.window_started_at <= :window_start THEN 1 ELSE t.failures + 1 END,
      window_started_at = CASE
        WHEN t.window_started_at <= :window_start THEN :now ELSE t.window_started_at END,
      blocked_until = CASE
        WHEN (CASE WHEN t.window_started_at <= :window_start THEN 1 ELSE t.failures + 1 END) >= :limit
          THEN :until
        ELSE t.blocked_until END
    RETURNING blocked_until
    """
).bindparams(
    bindparam("key", type_=String()),
    bindparam("limit", type_=Integer()),
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("until", type_=DateTime(timezone=True)),
    bindparam("window_start", type_=DateTime(timezone=True)),
)


@dataclass(frozen=True, slots=True)
class Keys:
    pair: str
    ip: str
    address: str

    def by_scope(self) -> dict[str, str]:
        return {PAIR: self.pair, IP: self.ip, ADDRESS: self.address}


def keys(settings: Settings, address: str, ip: str | None) -> Keys:
    secret = hmac.new(
        settings.jwt_secret.get_secret_value().encode("utf-8"), b"hp-login-throttle-v1", hashlib.sha256
    ).digest()

    def key(*parts: str) -> str:
        return hmac.new(secret, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()

    where = ip or "unknown"
    return Keys(pair=key(PAIR, address, where), ip=key(IP, where), address=key(ADDRESS, address))


def _limits(settings: Settings) -> dict[str, int]:
    return {
        PAIR: settings.login_max_failures,
        IP: settings.login_ip_max_failures,
        ADDRESS: settings.login_address_max_failures,
    }


async def blocked(session: AsyncSession, k: Keys, now: dt.datetime) -> dict[str, dt.datetime]:
    """Scopes currently refused, with until when."""
    by_key = {v: s for s, v in k.by_scope().items()}
    rows = await session.execute(
        select(LoginThrottle.key, LoginThrottle.blocked_until).where(
            LoginThrottle.key.in_(list(by_key)), LoginThrottle.blocked_until > now
        )
    )
    return {by_key[key]: until for key, until in rows if until is not None}


async def record_failure(
    session: AsyncSession, k: Keys, settings: Settings, now: dt.datetime
) -> dict[str, dt.datetime]:
    """Count one failure under every key (one atomic statement each); scopes now refused."""
    window = dt.timedelta(seconds=settings.login_lockout_seconds)
    limits = _limits(settings)
    out: dict[str, dt.datetime] = {}
    for scope, key in k.by_scope().items():
        until = (
            await session.execute(
                _UPSERT,
                {
                    "key": key,
                    "now": now,
                    "limit": limits[scope],
                    "until": now + window,
                    "window_start": now - window,
                },
            )
        ).scalar_one()
        if until is not None and until > now:
            out[scope] = until
    if random.random() < 0.01:  # occasional pruning; stale rows only cost space
        await prune(session, now, window)
    return out


async def record_success(session: AsyncSession, k: Keys) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == k.pair))


async def prune(session: AsyncSession, now: dt.datetime, window: dt.timedelta) -> None:
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - window,
            (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until < now),
        )
    )


def retry_after(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))
