"""Sign-in throttling state (``login_throttles``): counters keyed by an HMAC, never an address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import Base


class LoginThrottle(Base):
    """Failed sign-ins per key within a window, and until when the key is refused.

    A key is ``HMAC(server secret, scope + value)`` for the scopes ``pair`` (address and client IP),
    ``ip`` and ``address``: the table holds no email address or IP in clear, and unknown addresses
    are counted exactly like real ones, so it reveals nothing about who has an account.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (Index("ix_login_throttles_window_started_at", "window_started_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    window_started_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    blocked_until: Mapped[dt.datetime | None]
