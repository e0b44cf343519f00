"""The agents' memory across chat sessions: one row per person (see ``hp_agent/agents/memory.py``)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, text
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import USERS_ID, Base, Timestamps, UUIDPk, rls
from hp_agent.db.crypto import EncryptedText


class ConversationMemory(UUIDPk, Timestamps, Base):
    """Whether the person lets the agents remember them, and what they remember.

    ``summary`` is the encrypted JSON the scripted engine builds from its own reading of past
    sessions (topic labels, exercise names, plans; never the person's sentences). It is NULL while
    consent is off: switching consent off deletes it. ``summarised_through`` is the start of the
    newest chat session folded in, so each session is read once.
    """

    __tablename__ = "conversation_memories"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), unique=True)
    consent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    summarised_through: Mapped[dt.datetime | None]

    # Private to the person: no therapist reads the agents' memory of them.
    __table_args__ = (rls(therapist_read=False),)
