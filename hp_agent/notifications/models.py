"""Per-person notification preferences: which kinds to send, and quiet hours.

The notifications themselves live in ``hp_agent/admin/models.py`` (``notifications``). Crisis
messages and escalations never consult this table (``service.BYPASS``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import USERS_ID, Base, Timestamps, UUIDPk, rls


class NotificationPreference(UUIDPk, Timestamps, Base):
    """One row per person; absent means every kind on and no quiet hours."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), unique=True)
    reminders: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    appointments: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    homework: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    announcements: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    # Local wall-clock times in ``timezone``; start > end spans midnight (22:00-07:00).
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC", default="UTC")

    __table_args__ = (
        CheckConstraint("(quiet_start IS NULL) = (quiet_end IS NULL)", name="quiet_pair"),
        CheckConstraint("quiet_start IS NULL OR quiet_start <> quiet_end", name="quiet_not_empty"),
        rls("user_id", therapist_read=False),
    )
