"""Crisis Management tables: lexicon rows, detections, escalations, safety plans, resources.

Detections store what the engine found (levels, scores, categories, matched term labels and
spans) but never the assessed text itself; the optional excerpt is encrypted.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from hp_agent.crisis.enums import (
    CRISIS_CATEGORY,
    DETECTION_SOURCE,
    ELEVATED_RISK_SQL,
    RISK_LEVEL,
    Category,
    DetectionSource,
    RiskLevel,
)
from hp_agent.db.base import (
    EMPTY_JSON_ARRAY,
    NORMALIZED_SCORE,
    USERS_ID,
    Base,
    Timestamps,
    UUIDPk,
    pg_enum,
    rls,
)
from hp_agent.db.crypto import EncryptedJSON, EncryptedText

EXPLANATION_MAX = 1000


class CrisisKeyword(UUIDPk, Timestamps, Base):
    """A lexicon entry managed in the database, layered over the engine's file lexicon.

    Column names are the engine's record keys (``Lexicon.from_records``): ``term`` xor
    ``pattern``, ``enabled``, ``fuzzy``, ``requires_first_person``, ``requires_context``,
    ``triggers``, ``note``, ``lang``. A row with ``enabled = false`` removes the file entry with
    the same term and category when the lexicons merge, so it is kept rather than deleted.
    """

    __tablename__ = "crisis_keywords"

    term: Mapped[str | None] = mapped_column(Text)
    pattern: Mapped[str | None] = mapped_column(Text)
    # Derived flags for filtering in admin screens; the engine reads term/pattern itself.
    is_regex: Mapped[bool] = mapped_column(Boolean, Computed("pattern IS NOT NULL", persisted=True))
    is_phrase: Mapped[bool] = mapped_column(
        Boolean, Computed("term IS NOT NULL AND btrim(term) ~ '\\s'", persisted=True)
    )
    category: Mapped[Category] = mapped_column(CRISIS_CATEGORY)
    weight: Mapped[float] = mapped_column(Double)
    fuzzy: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    requires_first_person: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    requires_context: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    triggers: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(16), server_default="en", default="en")
    lexicon_name: Mapped[str] = mapped_column(String(80), server_default="db", default="db")
    lexicon_version: Mapped[str] = mapped_column(String(40), server_default="0", default="0")
    enabled: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("num_nonnulls(term, pattern) = 1", name="term_xor_pattern"),
        CheckConstraint("weight > 0 AND weight <= 1", name="weight_range"),
        CheckConstraint("jsonb_typeof(triggers) = 'array'", name="triggers_array"),
        # Merge identity in the engine is (normalised term | pattern, category) per lexicon.
        Index(
            "uq_crisis_keywords_term",
            "lexicon_name",
            "lang",
            func.lower(text("term")),
            "category",
            unique=True,
            postgresql_where=text("term IS NOT NULL"),
        ),
        Index(
            "uq_crisis_keywords_pattern",
            "lexicon_name",
            "lang",
            func.md5(text("pattern")),
            "category",
            unique=True,
            postgresql_where=text("pattern IS NOT NULL"),
        ),
        Index("ix_crisis_keywords_enabled_lang", "lang", postgresql_where=text("enabled")),
    )


class ReviewLabel(str, enum.Enum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"
    UNCERTAIN = "uncertain"


class CheckAnswer(str, enum.Enum):
    """The person's answer to the one-question check (docs/crisis-engine.md, "Graded response")."""

    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"  # neither: read as yes (the full crisis flow follows)


class CrisisDetection(UUIDPk, Timestamps, Base):
    """One engine assessment worth keeping (the service decides which levels it records)."""

    __tablename__ = "crisis_detections"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    source: Mapped[DetectionSource] = mapped_column(DETECTION_SOURCE)
    # Polymorphic pointer at the assessed row (no FK: it may be in any of several tables).
    source_id: Mapped[uuid.UUID | None]
    # Conversation context: risk that builds across turns is scored per session.
    chat_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="SET NULL"), index=True
    )
    risk_level: Mapped[RiskLevel] = mapped_column(RISK_LEVEL)
    score: Mapped[float] = mapped_column(NORMALIZED_SCORE)
    keyword_score: Mapped[float | None] = mapped_column(NORMALIZED_SCORE)
    classifier_score: Mapped[float | None] = mapped_column(NORMALIZED_SCORE)
    context_adjusted: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    categories: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    # Term labels, categories, spans, weights and modifiers; never the matched text. Encrypted
    # like the excerpt (migration 0010): a lexicon term label is often the person's own phrase,
    # and the explanation quotes matched words ('...'), so neither is stored in clear.
    # NULL: none recorded (rows bulk-loaded without them, e.g. the analytics history generator).
    matches: Mapped[list[Any] | None] = mapped_column(EncryptedJSON, default=list)
    explanation: Mapped[str | None] = mapped_column(EncryptedText)
    excerpt: Mapped[str | None] = mapped_column(EncryptedText)
    engine_version: Mapped[str] = mapped_column(String(64))
    lexicon_version: Mapped[str | None] = mapped_column(String(200))
    detected_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # Clinician review feeds the evaluation set and the false-positive rate.
    review_label: Mapped[ReviewLabel | None] = mapped_column(
        pg_enum(ReviewLabel, "crisis_detection_review_label")
    )
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    # Graded response (migration 0004): on uncertain evidence the chat asks one direct question
    # instead of the screener; when, and what the person answered. Never cleared afterwards.
    check_asked_at: Mapped[dt.datetime | None]
    check_answer: Mapped[CheckAnswer | None] = mapped_column(pg_enum(CheckAnswer, "crisis_check_answer"))
    check_answered_at: Mapped[dt.datetime | None]
    # The person stepped out of the screener ("that's not what I meant"): a self-reported false
    # alarm, shown to the clinician beside the detection (which is kept, never deleted).
    false_alarm_reported_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("jsonb_typeof(categories) = 'array'", name="categories_array"),
        CheckConstraint("check_answer IS NULL OR check_asked_at IS NOT NULL", name="check_answer_after_ask"),
        CheckConstraint(
            "(check_answer IS NULL) = (check_answered_at IS NULL)", name="check_answer_with_time"
        ),
        CheckConstraint("(review_label IS NULL) = (reviewed_at IS NULL)", name="review_label_with_time"),
        Index("ix_crisis_detections_user_detected", "user_id", "detected_at"),
        Index(
            "ix_crisis_detections_elevated",
            "user_id",
            "detected_at",
            postgresql_where=text(ELEVATED_RISK_SQL),
        ),
        Index("ix_crisis_detections_source", "source", "source_id"),
        # The check a conversation is waiting on (read under the session lock on every message).
        Index(
            "ix_crisis_detections_open_check",
            "chat_session_id",
            postgresql_where=text("check_asked_at IS NOT NULL AND check_answer IS NULL"),
        ),
        rls(),
    )

    # The database cannot check inside ciphertext, so the rules its CHECKs held until migration
    # 0010 are kept here: a list of matches without the matched text, a short explanation.
    @validates("matches")
    def _no_matched_text(self, _key: str, value: list[Any] | None) -> list[Any] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            raise ValueError("crisis_detections.matches must be a list")
        return [
            {k: v for k, v in m.items() if k != "matched_text"} if isinstance(m, dict) else m for m in value
        ]

    @validates("explanation")
    def _short_explanation(self, _key: str, value: str | None) -> str | None:
        return value[:EXPLANATION_MAX] if value is not None else None


class EscalationStatus(str, enum.Enum):
    OPEN = "open"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    FALSE_POSITIVE = "false_positive"


class EscalationOutcome(str, enum.Enum):
    CONTACTED_USER = "contacted_user"
    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed"
    REFERRED = "referred"
    EMERGENCY_SERVICES = "emergency_services"
    USER_UNREACHABLE = "user_unreachable"
    NO_ACTION_NEEDED = "no_action_needed"
    FALSE_POSITIVE = "false_positive"


_ACTIVE_ESCALATION_SQL = "status IN ('open', 'notified', 'acknowledged', 'in_progress')"


class CrisisEscalation(UUIDPk, Timestamps, Base):
    """The human workflow started by a detection: notify, acknowledge, escalate, resolve.

    Levels: 1 = the user's therapist, 2 = backup clinician, 3 = on-call. While an escalation is
    active, further detections from the same conversation attach to it (``detection_count``,
    ``last_detection_id``, raised ``risk_level``) instead of opening another: the cooldown.
    """

    __tablename__ = "crisis_escalations"

    detection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="CASCADE"), index=True
    )
    last_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )
    detection_count: Mapped[int] = mapped_column(Integer, server_default="1", default=1)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Copied from the detection so the duplicate guard below is a plain unique index.
    source: Mapped[DetectionSource] = mapped_column(DETECTION_SOURCE)
    source_id: Mapped[uuid.UUID | None]
    chat_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="SET NULL"), index=True
    )
    risk_level: Mapped[RiskLevel] = mapped_column(RISK_LEVEL)
    status: Mapped[EscalationStatus] = mapped_column(
        pg_enum(EscalationStatus, "crisis_escalation_status"),
        server_default=EscalationStatus.OPEN.value,
        default=EscalationStatus.OPEN,
    )
    level: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    notified_at: Mapped[dt.datetime | None]
    ack_deadline: Mapped[dt.datetime | None]
    escalated_to_backup_at: Mapped[dt.datetime | None]
    escalated_to_oncall_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    outcome: Mapped[EscalationOutcome | None] = mapped_column(
        pg_enum(EscalationOutcome, "crisis_escalation_outcome")
    )
    notes: Mapped[str | None] = mapped_column(EncryptedText)
    # Structured reviewer feedback (reason codes, wrongly flagged categories/terms), no free text,
    # so it can feed lexicon tuning without decrypting anything.
    false_positive_feedback: Mapped[dict[str, Any] | None]

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
        CheckConstraint("detection_count >= 1", name="detection_count_positive"),
        CheckConstraint(
            "status NOT IN ('resolved', 'false_positive') OR resolved_at IS NOT NULL",
            name="closed_has_resolved_at",
        ),
        CheckConstraint("acknowledged_at IS NULL OR acknowledged_at >= created_at", name="ack_after_create"),
        # No duplicate active escalations for the same source row ...
        Index(
            "uq_crisis_escalations_active_source",
            "user_id",
            "source",
            "source_id",
            unique=True,
            postgresql_where=text(f"source_id IS NOT NULL AND {_ACTIVE_ESCALATION_SQL}"),
        ),
        # ... nor for the same conversation (cooldown: later detections attach to the open one).
        Index(
            "uq_crisis_escalations_active_session",
            "chat_session_id",
            unique=True,
            postgresql_where=text(f"chat_session_id IS NOT NULL AND {_ACTIVE_ESCALATION_SQL}"),
        ),
        # The deadline watcher scans active escalations by deadline.
        Index(
            "ix_crisis_escalations_active_deadline",
            "ack_deadline",
            postgresql_where=text(_ACTIVE_ESCALATION_SQL),
        ),
        Index("ix_crisis_escalations_user_created", "user_id", "created_at"),
        rls(also=("assigned_to",)),
    )


class MissedRiskReport(UUIDPk, Timestamps, Base):
    """A treating clinician's report that the engine under-read one of the person's chat messages
    (issue #18 item 6): the level it needed. With the clinicians' false-positive marks
    (``crisis_detections.review_label``) it is the feedback evaluation set (``python -m evals
    crisis --dataset feedback``). No text here: the message stays where it is, encrypted, and is
    read (decrypted in memory) only for people who consented to research use."""

    __tablename__ = "crisis_missed_risk_reports"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Looked up by message through the unique constraint below (its leading column).
    chat_message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"))
    # What the engine said about the message when it was sent (``chat_messages.risk_level``;
    # NULL when nothing was recorded, i.e. below the recorded levels).
    engine_level: Mapped[RiskLevel | None] = mapped_column(RISK_LEVEL)
    expected_level: Mapped[RiskLevel] = mapped_column(RISK_LEVEL)
    categories: Mapped[list[Any]] = mapped_column(server_default=EMPTY_JSON_ARRAY, default=list)
    reported_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("jsonb_typeof(categories) = 'array'", name="categories_array"),
        # A miss is a message that needed the crisis flow.
        CheckConstraint(
            "expected_level IN ('moderate', 'high', 'imminent')", name="expected_needs_attention"
        ),
        UniqueConstraint("chat_message_id", "reported_by"),
        rls(also=("reported_by",)),
    )


class SafetyPlan(UUIDPk, Timestamps, Base):
    """A Stanley-Brown safety plan; each edit is a new version, exactly one is current.

    Every section is a JSON array of strings (contacts as objects with name/phone), serialised
    and encrypted as a whole.
    """

    __tablename__ = "safety_plans"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    warning_signs: Mapped[str | None] = mapped_column(EncryptedText)
    internal_coping_strategies: Mapped[str | None] = mapped_column(EncryptedText)
    distraction_people_places: Mapped[str | None] = mapped_column(EncryptedText)
    people_to_ask_for_help: Mapped[str | None] = mapped_column(EncryptedText)
    professionals_and_crisis_lines: Mapped[str | None] = mapped_column(EncryptedText)
    making_environment_safe: Mapped[str | None] = mapped_column(EncryptedText)
    reasons_for_living: Mapped[str | None] = mapped_column(EncryptedText)
    shared_with_therapist: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    # The clinician who built the plan with the user, if any.
    created_with: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    last_reviewed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        Index("uq_safety_plans_user_version", "user_id", "version", unique=True),
        Index(
            "uq_safety_plans_current",
            "user_id",
            unique=True,
            postgresql_where=text("is_current"),
        ),
        # Therapists see a plan only when the user shared it (checked by the service for now).
        rls(therapist_read=False, consent="safety_plan"),
    )


class ResourceChannel(str, enum.Enum):
    CALL = "call"
    TEXT = "text"
    CHAT = "chat"
    WEB = "web"


class CrisisResource(UUIDPk, Timestamps, Base):
    """A crisis line or emergency number shown to users by country and language."""

    __tablename__ = "crisis_resources"

    # Stable seed key (e.g. ``us-988-call``) so reseeding updates rather than duplicates rows.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[ResourceChannel] = mapped_column(pg_enum(ResourceChannel, "crisis_resource_channel"))
    contact: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[str | None] = mapped_column(String(80))
    hours: Mapped[str | None] = mapped_column(String(120))
    is_emergency: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    priority: Mapped[int] = mapped_column(SmallInteger, server_default="100", default=100)
    last_verified: Mapped[dt.date | None] = mapped_column(Date)
    verification_note: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)

    __table_args__ = (
        CheckConstraint("country_code ~ '^([A-Z]{2}|INT)$'", name="country_code_format"),
        CheckConstraint("priority >= 0", name="priority_nonnegative"),
        Index(
            "ix_crisis_resources_lookup",
            "country_code",
            "priority",
            postgresql_where=text("is_active"),
        ),
    )
