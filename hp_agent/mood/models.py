"""Mood Tracking tables.

Daily rule: one ``mood_entries`` row per user per local calendar day (unique ``(user_id,
entry_date)``, ``entry_date`` in the user's ``users.timezone``). A later check-in the same day
updates that row (latest values win, ``checkin_count`` goes up, ``recorded_at`` moves) rather
than adding one, so daily charts, streaks and correlations never need de-duplication.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import (
    EMPTY_JSON_ARRAY,
    MOOD_SCALE,
    NORMALIZED_SCORE,
    USERS_ID,
    Base,
    Timestamps,
    UUIDPk,
    pg_enum,
    rls,
)
from hp_agent.db.crypto import EncryptedText


class EntrySource(str, enum.Enum):
    MANUAL = "manual"
    REMINDER = "reminder"
    CHAT_AGENT = "chat_agent"
    IMPORT = "import"


class MoodEntry(UUIDPk, Timestamps, Base):
    __tablename__ = "mood_entries"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    mood: Mapped[int] = mapped_column(MOOD_SCALE)
    energy: Mapped[int | None] = mapped_column(MOOD_SCALE)
    anxiety: Mapped[int | None] = mapped_column(MOOD_SCALE)
    sleep_quality: Mapped[int | None] = mapped_column(MOOD_SCALE)
    sleep_hours: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    # Labels from the app's pickers, e.g. ["calm", "tired"] / ["exercise", "work"].
    emotions: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    activities: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    # When the latest check-in of the day happened.
    recorded_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    checkin_count: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    source: Mapped[EntrySource] = mapped_column(
        pg_enum(EntrySource, "mood_entry_source"),
        server_default=EntrySource.MANUAL.value,
        default=EntrySource.MANUAL,
    )
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("sleep_hours >= 0 AND sleep_hours <= 24", name="sleep_hours_range"),
        CheckConstraint("checkin_count >= 1", name="checkin_count_positive"),
        CheckConstraint(
            "jsonb_typeof(emotions) = 'array' AND jsonb_typeof(activities) = 'array'",
            name="json_arrays",
        ),
        # The daily rule; also the timeline index (user_id, entry_date).
        Index("uq_mood_entries_user_date", "user_id", "entry_date", unique=True),
        rls(therapist_read=False, consent="mood"),
    )


class FactorCategory(str, enum.Enum):
    SLEEP = "sleep"
    WORK = "work"
    STUDY = "study"
    RELATIONSHIPS = "relationships"
    FAMILY = "family"
    SOCIAL = "social"
    HEALTH = "health"
    EXERCISE = "exercise"
    SUBSTANCES = "substances"
    FINANCES = "finances"
    WEATHER = "weather"
    MEDICATION = "medication"
    OTHER = "other"


class MoodFactor(UUIDPk, Timestamps, Base):
    """What the user says pushed a day's mood up or down (triggers and helpers)."""

    __tablename__ = "mood_factors"

    mood_entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mood_entries.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    category: Mapped[FactorCategory] = mapped_column(pg_enum(FactorCategory, "mood_factor_category"))
    # Short label from a picker ("deadline", "argument"); free text goes to the encrypted note.
    label: Mapped[str] = mapped_column(String(60))
    # -5 (strongly lowered mood) .. +5 (strongly lifted it).
    impact: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(EncryptedText)

    __table_args__ = (
        CheckConstraint("impact BETWEEN -5 AND 5", name="impact_range"),
        Index("uq_mood_factors_entry_label", "mood_entry_id", "category", "label", unique=True),
        Index("ix_mood_factors_user_category", "user_id", "category"),
        rls(therapist_read=False, consent="mood"),
    )


class GoalType(str, enum.Enum):
    AVERAGE_MOOD = "average_mood"
    LOGGING_STREAK = "logging_streak"
    SLEEP_HOURS = "sleep_hours"
    ACTIVITY_FREQUENCY = "activity_frequency"
    CUSTOM = "custom"


class GoalPeriod(str, enum.Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class GoalStatus(str, enum.Enum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    PAUSED = "paused"
    ABANDONED = "abandoned"


class MoodGoal(UUIDPk, Timestamps, Base):
    __tablename__ = "mood_goals"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    goal_type: Mapped[GoalType] = mapped_column(pg_enum(GoalType, "mood_goal_type"))
    # Goals are written in the user's words ("fewer panic days"), so encrypted like notes.
    title: Mapped[str] = mapped_column(EncryptedText)
    description: Mapped[str | None] = mapped_column(EncryptedText)
    # For activity_frequency goals: the activity label counted in mood_entries.activities.
    activity: Mapped[str | None] = mapped_column(String(60))
    target_value: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    current_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    period: Mapped[GoalPeriod] = mapped_column(pg_enum(GoalPeriod, "mood_goal_period"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[GoalStatus] = mapped_column(
        pg_enum(GoalStatus, "mood_goal_status"),
        server_default=GoalStatus.ACTIVE.value,
        default=GoalStatus.ACTIVE,
    )
    achieved_at: Mapped[dt.datetime | None]
    # A therapist may set a goal with the user.
    set_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(USERS_ID, ondelete="SET NULL"), index=True)

    __table_args__ = (
        CheckConstraint("target_value >= 0", name="target_nonnegative"),
        CheckConstraint("target_date IS NULL OR target_date >= start_date", name="target_after_start"),
        CheckConstraint("(status = 'achieved') = (achieved_at IS NOT NULL)", name="achieved_at_iff_achieved"),
        CheckConstraint("goal_type <> 'activity_frequency' OR activity IS NOT NULL", name="activity_named"),
        Index("ix_mood_goals_active", "user_id", postgresql_where=text("status = 'active'")),
        rls(therapist_read=False, consent="mood"),
    )


class PatternType(str, enum.Enum):
    TREND = "trend"
    WEEKDAY_EFFECT = "weekday_effect"
    SLEEP_CORRELATION = "sleep_correlation"
    ACTIVITY_CORRELATION = "activity_correlation"
    FACTOR_CORRELATION = "factor_correlation"
    EMOTION_FREQUENCY = "emotion_frequency"
    VOLATILITY = "volatility"
    STREAK = "streak"


class MoodPattern(UUIDPk, Timestamps, Base):
    """A statistic computed over a period of mood entries; recomputation upserts the row."""

    __tablename__ = "mood_patterns"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    pattern_type: Mapped[PatternType] = mapped_column(pg_enum(PatternType, "mood_pattern_type"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    # e.g. trend {"slope_per_week": -0.4, "r2": 0.31}; weekday {"mon": 5.2, ...};
    # sleep {"pearson_r": 0.42, "p": 0.01}; streak {"current": 6, "longest": 14}.
    metrics: Mapped[dict[str, Any]]
    # How much the pattern can be trusted (0-1), used to decide whether to surface an insight.
    confidence: Mapped[float | None] = mapped_column(NORMALIZED_SCORE)
    sample_size: Mapped[int] = mapped_column(Integer)
    algorithm_version: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("sample_size >= 0", name="sample_size_nonnegative"),
        CheckConstraint("jsonb_typeof(metrics) = 'object'", name="metrics_object"),
        Index(
            "uq_mood_patterns_period",
            "user_id",
            "pattern_type",
            "period_start",
            "period_end",
            unique=True,
        ),
        rls(therapist_read=False, consent="mood"),
    )


class InsightKind(str, enum.Enum):
    TREND = "trend"
    CORRELATION = "correlation"
    STREAK = "streak"
    MILESTONE = "milestone"
    SUGGESTION = "suggestion"
    CHECK_IN = "check_in"


class MoodInsight(UUIDPk, Timestamps, Base):
    """A human-readable sentence generated from patterns ("You slept longer on better days")."""

    __tablename__ = "mood_insights"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    pattern_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("mood_patterns.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[InsightKind] = mapped_column(pg_enum(InsightKind, "mood_insight_kind"))
    # Stable identity of the message (e.g. "sleep_correlation:positive") so the generator
    # does not repeat an insight for the same period.
    insight_key: Mapped[str] = mapped_column(String(120))
    # Rendered from templates and plain columns; contains no user-written text.
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"), default=dict)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(SmallInteger, server_default="50", default=50)
    generated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    shown_at: Mapped[dt.datetime | None]
    dismissed_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    helpful: Mapped[bool | None]

    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("priority BETWEEN 0 AND 100", name="priority_range"),
        Index("uq_mood_insights_key_period", "user_id", "insight_key", "period_start", unique=True),
        # The feed: undismissed insights, newest first.
        Index(
            "ix_mood_insights_feed",
            "user_id",
            "generated_at",
            postgresql_where=text("dismissed_at IS NULL"),
        ),
        rls(therapist_read=False, consent="mood"),
    )
