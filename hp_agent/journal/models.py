"""Journaling tables. Every free-text field is encrypted; dates, technique, tags, moods and word
counts stay plain because they are what timelines, filters and statistics query."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy import text as sql_text  # the prompt model has a column called `text`
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import EMPTY_JSON_ARRAY, MOOD_SCALE, USERS_ID, Base, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText


class CBTTechnique(str, enum.Enum):
    THOUGHT_RECORD = "thought_record"
    BEHAVIOURAL_ACTIVATION = "behavioural_activation"
    COGNITIVE_RESTRUCTURING = "cognitive_restructuring"
    WORRY_TIME = "worry_time"
    SELF_COMPASSION = "self_compassion"
    PROBLEM_SOLVING = "problem_solving"
    GRATITUDE = "gratitude"
    REFLECTION = "reflection"
    GROUNDING = "grounding"
    SAFETY_PLANNING = "safety_planning"
    FREE_WRITING = "free_writing"


# One PostgreSQL type for entries and prompts, so a prompt's technique can be copied over as is.
CBT_TECHNIQUE = pg_enum(CBTTechnique, "journal_cbt_technique")


class PrivacyLevel(str, enum.Enum):
    PRIVATE = "private"
    SHARED_WITH_THERAPIST = "shared_with_therapist"


class PromptCategory(str, enum.Enum):
    CBT = "cbt"
    GRATITUDE = "gratitude"
    REFLECTION = "reflection"
    CRISIS = "crisis"


class ThoughtRecordStatus(str, enum.Enum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class JournalPrompt(UUIDPk, Timestamps, Base):
    """Reference prompt library (seeded from ``hp_agent/seed/data/journal_prompts.yaml``)."""

    __tablename__ = "journal_prompts"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    text: Mapped[str] = mapped_column(String(1000))
    follow_up: Mapped[str | None] = mapped_column(String(1000))
    category: Mapped[PromptCategory] = mapped_column(pg_enum(PromptCategory, "journal_prompt_category"))
    technique: Mapped[CBTTechnique | None] = mapped_column(CBT_TECHNIQUE)
    # Mood window (inclusive) in which the prompt is offered; NULL = no bound on that side.
    mood_min: Mapped[int | None] = mapped_column(MOOD_SCALE)
    mood_max: Mapped[int | None] = mapped_column(MOOD_SCALE)
    locale: Mapped[str] = mapped_column(String(16), server_default="en", default="en")
    tags: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    is_active: Mapped[bool] = mapped_column(server_default=sql_text("true"), default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("mood_min IS NULL OR mood_max IS NULL OR mood_min <= mood_max", name="mood_window"),
        CheckConstraint("jsonb_typeof(tags) = 'array'", name="tags_array"),
        Index(
            "ix_journal_prompts_pick",
            "locale",
            "category",
            postgresql_where=sql_text("is_active"),
        ),
    )


class JournalEntry(UUIDPk, Timestamps, Base):
    __tablename__ = "journal_entries"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # The user's local calendar date (users.timezone), for calendars and streaks.
    entry_date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(EncryptedText)
    content: Mapped[str] = mapped_column(EncryptedText)
    mood_before: Mapped[int | None] = mapped_column(MOOD_SCALE)
    mood_after: Mapped[int | None] = mapped_column(MOOD_SCALE)
    cbt_technique: Mapped[CBTTechnique | None] = mapped_column(CBT_TECHNIQUE)
    privacy_level: Mapped[PrivacyLevel] = mapped_column(
        pg_enum(PrivacyLevel, "journal_privacy_level"),
        server_default=PrivacyLevel.PRIVATE.value,
        default=PrivacyLevel.PRIVATE,
    )
    shared_at: Mapped[dt.datetime | None]
    prompt_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("journal_prompts.id", ondelete="SET NULL"), index=True
    )
    word_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    # User-chosen labels (short, from a picker): plain so entries can be filtered by tag.
    tags: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("word_count >= 0", name="word_count_nonnegative"),
        CheckConstraint("jsonb_typeof(tags) = 'array'", name="tags_array"),
        CheckConstraint("privacy_level = 'private' OR shared_at IS NOT NULL", name="shared_has_shared_at"),
        Index("ix_journal_entries_user_date", "user_id", "entry_date"),
        Index("ix_journal_entries_user_created", "user_id", "created_at"),
        # What a therapist's console lists (after the consent check).
        Index(
            "ix_journal_entries_shared",
            "user_id",
            "shared_at",
            postgresql_where=sql_text("privacy_level = 'shared_with_therapist'"),
        ),
        rls(therapist_read=False, consent="journal"),
    )


class ThoughtRecord(UUIDPk, Timestamps, Base):
    """A CBT thought record filled in step by step (situation -> balanced thought -> re-rating).

    ``emotions``/``rerated_emotions``: ``[{"name": "anxious", "intensity": 80}]`` (0-100);
    ``distortions``: distortion codes (e.g. ``catastrophising``). Names and codes come from fixed
    lists in the app, so they stay plain for statistics; everything typed is encrypted.
    """

    __tablename__ = "thought_records"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    journal_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="SET NULL"), index=True
    )
    situation: Mapped[str | None] = mapped_column(EncryptedText)
    automatic_thought: Mapped[str | None] = mapped_column(EncryptedText)
    belief_before: Mapped[int | None] = mapped_column(SmallInteger)
    emotions: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    distortions: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    evidence_for: Mapped[str | None] = mapped_column(EncryptedText)
    evidence_against: Mapped[str | None] = mapped_column(EncryptedText)
    balanced_thought: Mapped[str | None] = mapped_column(EncryptedText)
    belief_after: Mapped[int | None] = mapped_column(SmallInteger)
    rerated_emotions: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    status: Mapped[ThoughtRecordStatus] = mapped_column(
        pg_enum(ThoughtRecordStatus, "thought_record_status"),
        server_default=ThoughtRecordStatus.IN_PROGRESS.value,
        default=ThoughtRecordStatus.IN_PROGRESS,
    )
    # 1 situation, 2 automatic thought, 3 emotions, 4 distortions, 5 evidence,
    # 6 balanced thought, 7 re-rating.
    current_step: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    completed_at: Mapped[dt.datetime | None]
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("current_step BETWEEN 1 AND 7", name="current_step_range"),
        CheckConstraint("belief_before BETWEEN 0 AND 100", name="belief_before_range"),
        CheckConstraint("belief_after BETWEEN 0 AND 100", name="belief_after_range"),
        CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name="completed_at_iff_done"),
        CheckConstraint(
            "jsonb_typeof(emotions) = 'array' AND jsonb_typeof(rerated_emotions) = 'array'"
            " AND jsonb_typeof(distortions) = 'array'",
            name="json_arrays",
        ),
        CheckConstraint(
            "NOT jsonb_path_exists(emotions || rerated_emotions,"
            " '$[*] ? (@.intensity < 0 || @.intensity > 100)')",
            name="emotion_intensity_range",
        ),
        Index("ix_thought_records_user_created", "user_id", "created_at"),
        Index(
            "ix_thought_records_in_progress",
            "user_id",
            "updated_at",
            postgresql_where=sql_text("status = 'in_progress'"),
        ),
        rls(therapist_read=False, consent="journal"),
    )


class GratitudeEntry(UUIDPk, Timestamps, Base):
    """A gratitude note: ``content`` is an encrypted JSON array of up to a few short items."""

    __tablename__ = "gratitude_entries"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(EncryptedText)
    item_count: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    prompt_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("journal_prompts.id", ondelete="SET NULL"), index=True
    )
    mood_after: Mapped[int | None] = mapped_column(MOOD_SCALE)
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("item_count BETWEEN 1 AND 10", name="item_count_range"),
        Index("ix_gratitude_entries_user_date", "user_id", "entry_date"),
        rls(therapist_read=False, consent="journal"),
    )


class GuidedSessionStatus(str, enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class GuidedSession(UUIDPk, Timestamps, Base):
    """A guided flow in progress (thought record, behavioural activation, gratitude).

    The state lives here, not in a server's memory, so a session paused on one device resumes on
    another, over REST or the websocket, after any restart. ``answers`` is the encrypted JSON
    ``{step_key: {field: value}}``. The rows a session produces when it completes take the
    session's id, so a crisis detection made mid-flow already names the row it will belong to.
    ``client_ids`` remembers the last answers' idempotency keys (with step and risk level only,
    never text), so a resent answer is stored once.
    """

    __tablename__ = "guided_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(40))
    flow_version: Mapped[int] = mapped_column(SmallInteger)
    # The step to answer next (1-based); stays on the last step once completed.
    step: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    answers: Mapped[str] = mapped_column(EncryptedText, default="{}")
    status: Mapped[GuidedSessionStatus] = mapped_column(
        pg_enum(GuidedSessionStatus, "guided_session_status"),
        server_default=GuidedSessionStatus.ACTIVE.value,
        default=GuidedSessionStatus.ACTIVE,
    )
    client_ids: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    thought_record_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("thought_records.id", ondelete="SET NULL"), index=True
    )
    journal_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="SET NULL"), index=True
    )
    gratitude_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("gratitude_entries.id", ondelete="SET NULL"), index=True
    )
    # The most severe detection made from the session's answers so far.
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )
    paused_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    abandoned_at: Mapped[dt.datetime | None]
    # Pushed forward on every change; an untouched session past it can no longer be resumed.
    expires_at: Mapped[dt.datetime]

    __table_args__ = (
        CheckConstraint("step >= 1", name="step_positive"),
        CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name="completed_at_iff_done"),
        CheckConstraint("jsonb_typeof(client_ids) = 'array'", name="client_ids_array"),
        # "My unfinished sessions", the list a client offers to resume.
        Index(
            "ix_guided_sessions_open",
            "user_id",
            "updated_at",
            postgresql_where=sql_text("status IN ('active', 'paused')"),
        ),
        # Drafts stay private: only the finished journal rows are shareable with a therapist.
        rls(therapist_read=False),
    )
