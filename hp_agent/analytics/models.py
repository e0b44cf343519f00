"""Analytics & Reporting tables.

Three kinds of table, kept apart on purpose:
- person-owned measures (engagement, feature usage, clinical outcomes) with ``user_id`` /
  ``patient_id`` and RLS, deleted with the person;
- therapist-owned performance metrics (``therapist_id``, RLS), counts only;
- aggregates and definitions (crisis daily aggregates, KPI snapshots, cohorts, reports) with no
  person column and no free text about people. Aggregates suppress cells smaller than a report's
  ``min_cell_size`` when they are produced, so a small count cannot single someone out.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import (
    EMPTY_JSON_OBJECT,
    NORMALIZED_SCORE,
    USERS_ID,
    Base,
    CreatedAt,
    Timestamps,
    UUIDPk,
    pg_enum,
    rls,
)


class ClientPlatform(str, enum.Enum):
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"


class EpisodeStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class PeriodGranularity(str, enum.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class ReportCategory(str, enum.Enum):
    OPERATIONAL = "operational"
    CLINICAL_QUALITY = "clinical_quality"
    SAFETY = "safety"
    FINANCIAL = "financial"
    COMPLIANCE = "compliance"
    PRODUCT = "product"


class ReportFormat(str, enum.Enum):
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"
    XLSX = "xlsx"


class ReportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"  # file deleted after its retention period


CLIENT_PLATFORM = pg_enum(ClientPlatform, "analytics_client_platform")
EPISODE_STATUS = pg_enum(EpisodeStatus, "clinical_outcome_episode_status")
PERIOD_GRANULARITY = pg_enum(PeriodGranularity, "analytics_period_granularity")
REPORT_CATEGORY = pg_enum(ReportCategory, "report_category")
REPORT_FORMAT = pg_enum(ReportFormat, "report_format")
REPORT_STATUS = pg_enum(ReportStatus, "generated_report_status")


class UserEngagementDaily(UUIDPk, Timestamps, Base):
    """One person's app use on one local calendar day (upserted by the rollup job)."""

    __tablename__ = "user_engagement_daily"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # The day in the person's own time zone.
    metric_date: Mapped[dt.date] = mapped_column(Date)
    app_sessions: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    active_seconds: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    chat_messages_sent: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    journal_entries: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    mood_entries: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    assessments_completed: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    exercises_completed: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    # Share of scheduled doses taken that day; NULL when nothing was scheduled.
    medication_adherence: Mapped[float | None] = mapped_column(NORMALIZED_SCORE)
    streak_days: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    first_active_at: Mapped[dt.datetime | None]
    last_active_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("user_id", "metric_date"),
        CheckConstraint(
            "app_sessions >= 0 AND active_seconds BETWEEN 0 AND 86400 AND chat_messages_sent >= 0 "
            "AND journal_entries >= 0 AND mood_entries >= 0 AND assessments_completed >= 0 "
            "AND exercises_completed >= 0 AND streak_days >= 0",
            name="counts_in_range",
        ),
        # Daily rollups across everyone (DAU, retention) scan by date.
        Index("ix_user_engagement_daily_metric_date", "metric_date"),
        rls(),
    )


class FeatureUsageEvent(UUIDPk, CreatedAt, Base):
    """A product analytics event (append-only; a partitioning candidate by month).

    ``properties`` carries identifiers and enumerations only (screen, variant, duration),
    never content the person wrote.
    """

    __tablename__ = "feature_usage_events"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Dotted feature key and verb, e.g. "journal.cbt_record" / "completed".
    feature: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    platform: Mapped[ClientPlatform | None] = mapped_column(CLIENT_PLATFORM)
    app_version: Mapped[str | None] = mapped_column(String(32))
    # Client-generated id: retried uploads of the same event are ignored.
    client_event_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    properties: Mapped[dict[str, Any]] = mapped_column(server_default=EMPTY_JSON_OBJECT, default=dict)

    __table_args__ = (
        CheckConstraint("feature ~ '^[a-z0-9_]+(\\.[a-z0-9_]+)*$'", name="feature_format"),
        CheckConstraint("jsonb_typeof(properties) = 'object'", name="properties_object"),
        CheckConstraint("pg_column_size(properties) <= 4096", name="properties_small"),
        Index("ix_feature_usage_events_user_created", "user_id", "created_at"),
        Index("ix_feature_usage_events_feature_occurred", "feature", "occurred_at"),
        # Product analytics, not care: treating therapists have no reason to read it.
        rls(therapist_read=False),
    )


class ClinicalOutcomeMeasure(UUIDPk, Timestamps, Base):
    """Change on a standard instrument over one treatment episode (e.g. PHQ-9 baseline → latest).

    Maintained by the outcomes job from the person's ``user_assessments``; the flags follow the
    usual definitions (response: >= 50 % reduction; remission: below the instrument's cut-off;
    reliable change: beyond the instrument's reliable change index).
    """

    __tablename__ = "clinical_outcome_measures"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Treating therapist during the episode, for caseload outcomes; not an RLS owner because
    # the rows are computed, and treating therapists already read through the relationship.
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    # The instrument (PHQ-9, GAD-7, ...); templates are retired, never deleted.
    template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_templates.id", ondelete="RESTRICT"), index=True
    )
    # The treatment plan the episode belongs to, when there is one.
    treatment_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_plans.id", ondelete="SET NULL"), index=True
    )
    baseline_assessment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_assessments.id", ondelete="SET NULL"), index=True
    )
    latest_assessment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_assessments.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[EpisodeStatus] = mapped_column(
        EPISODE_STATUS, server_default=EpisodeStatus.OPEN.value, default=EpisodeStatus.OPEN
    )
    episode_start: Mapped[dt.date] = mapped_column(Date)
    episode_end: Mapped[dt.date | None] = mapped_column(Date)
    baseline_score: Mapped[int] = mapped_column(SmallInteger)
    baseline_at: Mapped[dt.datetime]
    latest_score: Mapped[int] = mapped_column(SmallInteger)
    latest_at: Mapped[dt.datetime]
    # Negative is improvement on symptom scales (PHQ-9, GAD-7, PCL-5); positive on well-being
    # scales such as WHO-5. The flags below already account for the direction.
    score_change: Mapped[int] = mapped_column(
        SmallInteger, Computed("latest_score - baseline_score", persisted=True)
    )
    assessments_count: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    response: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    remission: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    reliable_improvement: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    reliable_deterioration: Mapped[bool] = mapped_column(server_default=text("false"), default=False)

    __table_args__ = (
        CheckConstraint("baseline_score >= 0 AND latest_score >= 0", name="scores_nonnegative"),
        CheckConstraint("latest_at >= baseline_at", name="latest_after_baseline"),
        CheckConstraint("assessments_count >= 1", name="assessments_count_positive"),
        CheckConstraint("episode_end IS NULL OR episode_end >= episode_start", name="episode_ordered"),
        CheckConstraint("(status = 'closed') = (episode_end IS NOT NULL)", name="closed_has_end"),
        CheckConstraint("NOT (reliable_improvement AND reliable_deterioration)", name="change_one_direction"),
        Index(
            "uq_clinical_outcome_measures_open",
            "patient_id",
            "template_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_clinical_outcome_measures_patient_created", "patient_id", "created_at"),
        rls("patient_id"),
    )


class TherapistPerformanceMetric(UUIDPk, Timestamps, Base):
    """A therapist's caseload and responsiveness over one period (counts and rates only)."""

    __tablename__ = "therapist_performance_metrics"

    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    granularity: Mapped[PeriodGranularity] = mapped_column(PERIOD_GRANULARITY)
    period_start: Mapped[dt.date] = mapped_column(Date)
    active_caseload: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    new_patients: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    discharged_patients: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    sessions_completed: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    sessions_cancelled: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    no_shows: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    # Booked hours / available hours.
    utilization: Mapped[float | None] = mapped_column(NORMALIZED_SCORE)
    median_message_response_seconds: Mapped[int | None] = mapped_column(Integer)
    crisis_alerts_received: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    crisis_alerts_acknowledged: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    median_alert_ack_seconds: Mapped[int | None] = mapped_column(Integer)
    # Share of closed PHQ-9 episodes with reliable improvement.
    improvement_rate: Mapped[float | None] = mapped_column(NORMALIZED_SCORE)
    mean_phq9_change: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    __table_args__ = (
        UniqueConstraint("therapist_id", "granularity", "period_start"),
        CheckConstraint(
            "active_caseload >= 0 AND new_patients >= 0 AND discharged_patients >= 0 "
            "AND sessions_completed >= 0 AND sessions_cancelled >= 0 AND no_shows >= 0 "
            "AND crisis_alerts_received >= 0 "
            "AND crisis_alerts_acknowledged BETWEEN 0 AND crisis_alerts_received",
            name="counts_in_range",
        ),
        CheckConstraint(
            "median_message_response_seconds >= 0 AND median_alert_ack_seconds >= 0",
            name="durations_nonnegative",
        ),
        rls("therapist_id", therapist_read=False),
    )


class CrisisDailyAggregate(UUIDPk, Timestamps, Base):
    """De-identified daily crisis volume and response times, per country and overall."""

    __tablename__ = "crisis_daily_aggregates"

    metric_date: Mapped[dt.date] = mapped_column(Date)
    # ISO 3166-1 alpha-2; NULL is the all-countries total.
    country_code: Mapped[str | None] = mapped_column(CHAR(2))
    assessments_total: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    risk_low: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    risk_moderate: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    risk_high: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    risk_imminent: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    escalations_opened: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    escalations_acknowledged: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    escalations_to_oncall: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    emergency_referrals: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    false_positives: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    median_ack_seconds: Mapped[int | None] = mapped_column(Integer)
    p90_ack_seconds: Mapped[int | None] = mapped_column(Integer)
    safety_plan_views: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    crisis_line_taps: Mapped[int] = mapped_column(Integer, server_default="0", default=0)

    __table_args__ = (
        UniqueConstraint("metric_date", "country_code", postgresql_nulls_not_distinct=True),
        CheckConstraint(
            "assessments_total >= 0 AND risk_low >= 0 AND risk_moderate >= 0 AND risk_high >= 0 "
            "AND risk_imminent >= 0 AND escalations_opened >= 0 "
            "AND escalations_acknowledged BETWEEN 0 AND escalations_opened "
            "AND escalations_to_oncall >= 0 AND emergency_referrals >= 0 AND false_positives >= 0 "
            "AND safety_plan_views >= 0 AND crisis_line_taps >= 0",
            name="counts_nonnegative",
        ),
        CheckConstraint(
            "median_ack_seconds >= 0 AND p90_ack_seconds >= median_ack_seconds",
            name="ack_times_ordered",
        ),
        CheckConstraint("country_code ~ '^[A-Z]{2}$'", name="country_code_format"),
    )


class AnalyticsCohort(UUIDPk, Timestamps, Base):
    """A named population for reports and KPIs, defined by filters (membership is computed)."""

    __tablename__ = "analytics_cohorts"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # Filter spec, e.g. {"signed_up": {"from": "2026-01-01"}, "plan": ["premium"]}.
    definition: Mapped[dict[str, Any]] = mapped_column()
    member_count: Mapped[int | None] = mapped_column(Integer)
    last_computed_at: Mapped[dt.datetime | None]
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("jsonb_typeof(definition) = 'object'", name="definition_object"),
        CheckConstraint("member_count >= 0", name="member_count_nonnegative"),
    )


class ReportDefinition(UUIDPk, Timestamps, Base):
    """Reference: a report that can be generated on demand or on a schedule."""

    __tablename__ = "report_definitions"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[ReportCategory] = mapped_column(REPORT_CATEGORY)
    # Named query and parameter schema the report runner executes (no SQL text stored).
    query_spec: Mapped[dict[str, Any]] = mapped_column()
    default_format: Mapped[ReportFormat] = mapped_column(
        REPORT_FORMAT, server_default=ReportFormat.CSV.value, default=ReportFormat.CSV
    )
    # Cron expression (UTC) for scheduled runs; NULL for on-demand only.
    schedule_cron: Mapped[str | None] = mapped_column(String(64))
    # PHI reports are restricted to admins and get a short file retention.
    contains_phi: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    # Cells counting fewer people than this are suppressed (11 follows CMS practice).
    min_cell_size: Mapped[int] = mapped_column(SmallInteger, server_default="11", default=11)
    retention_days: Mapped[int] = mapped_column(SmallInteger, server_default="90", default=90)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("jsonb_typeof(query_spec) = 'object'", name="query_spec_object"),
        CheckConstraint("min_cell_size >= 1", name="min_cell_size_positive"),
        CheckConstraint("retention_days > 0", name="retention_days_positive"),
    )


class GeneratedReport(UUIDPk, Timestamps, Base):
    """One run of a report definition and the file it produced (in object storage)."""

    __tablename__ = "generated_reports"

    # Definitions are deactivated, not deleted, once they have runs.
    report_definition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("report_definitions.id", ondelete="RESTRICT")
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("analytics_cohorts.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ReportStatus] = mapped_column(
        REPORT_STATUS, server_default=ReportStatus.QUEUED.value, default=ReportStatus.QUEUED
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(server_default=EMPTY_JSON_OBJECT, default=dict)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    format: Mapped[ReportFormat] = mapped_column(REPORT_FORMAT)
    file_key: Mapped[str | None] = mapped_column(String(512))
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    file_sha256: Mapped[str | None] = mapped_column(CHAR(64))
    row_count: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    # After this the file is deleted and the row marked expired.
    expires_at: Mapped[dt.datetime | None]
    error_message: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (
        CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period_ordered"),
        CheckConstraint(
            "status <> 'succeeded' OR (file_key IS NOT NULL AND completed_at IS NOT NULL)",
            name="succeeded_has_file",
        ),
        CheckConstraint("file_sha256 ~ '^[0-9a-f]{64}$'", name="file_sha256_format"),
        CheckConstraint("file_size_bytes >= 0 AND row_count >= 0", name="sizes_nonnegative"),
        Index("ix_generated_reports_definition_created", "report_definition_id", "created_at"),
        # Runner queue and the expiry sweeper.
        Index(
            "ix_generated_reports_pending",
            "created_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        Index(
            "ix_generated_reports_expiring",
            "expires_at",
            postgresql_where=text("status = 'succeeded'"),
        ),
    )


class KpiSnapshot(UUIDPk, Timestamps, Base):
    """A computed value of a key metric for a period and segment (recomputation upserts on the
    unique key)."""

    __tablename__ = "kpi_snapshots"

    # e.g. "dau", "d30_retention", "mrr", "phq9_reliable_improvement_rate".
    kpi_key: Mapped[str] = mapped_column(String(80))
    granularity: Mapped[PeriodGranularity] = mapped_column(PERIOD_GRANULARITY)
    period_start: Mapped[dt.date] = mapped_column(Date)
    # Segment, e.g. {"platform": "ios"}; {} is the whole population.
    dimensions: Mapped[dict[str, Any]] = mapped_column(server_default=EMPTY_JSON_OBJECT, default=dict)
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("analytics_cohorts.id", ondelete="SET NULL"), index=True
    )
    value: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    # "count", "ratio", "seconds", "money" (then currency is set).
    unit: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    # People behind the value, so consumers can apply small-cell suppression.
    sample_size: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        UniqueConstraint("kpi_key", "granularity", "period_start", "dimensions"),
        CheckConstraint("jsonb_typeof(dimensions) = 'object'", name="dimensions_object"),
        CheckConstraint("(unit = 'money') = (currency IS NOT NULL)", name="money_has_currency"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        CheckConstraint("sample_size >= 0", name="sample_size_nonnegative"),
    )


# --- Daily rollups (issue #20, migration 0012) ------------------------------------------------
# Long-format aggregate rows: one number per (day, scope, metric, dimension) and the count of
# distinct people behind it. Scope is the whole population (practice_id and clinician_id NULL),
# a practice (clinician_id NULL) or one clinician within a practice (practice_id NULL when the
# clinician belongs to none). No person column and no text: only aggregates leave the rollup.
# Reads are limited to staff and to the leads of the row's practice (policy in migration 0012);
# the API suppresses every row whose ``sample_size`` is below ``HP_ANALYTICS_MIN_CELL``.


class _AggregateRow(UUIDPk, Timestamps):
    metric_date: Mapped[dt.date] = mapped_column(Date)
    practice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("care_practices.id", ondelete="CASCADE"), index=True
    )
    clinician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(64))
    # A breakdown key such as "chat_message:high" or "phq9"; "" when the metric has none.
    dimension: Mapped[str] = mapped_column(String(64), server_default="", default="")
    value: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    # Distinct people behind the value (for people counts, the value itself).
    sample_size: Mapped[int] = mapped_column(Integer)


def _aggregate_args(table: str) -> tuple[Any, ...]:
    return (
        UniqueConstraint(
            "metric_date",
            "practice_id",
            "clinician_id",
            "metric",
            "dimension",
            name=f"uq_{table}_cell",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint("sample_size >= 0", name="sample_size_nonnegative"),
        CheckConstraint("metric ~ '^[a-z0-9_]+$'", name="metric_format"),
        Index(f"ix_{table}_metric_date", "metric", "metric_date"),
    )


class PopulationHealthMetric(_AggregateRow, Base):
    """Engagement, retention and crisis-operations aggregates for one day (or week: metric_date
    is then the Monday)."""

    __tablename__ = "population_health_metrics"
    __table_args__ = _aggregate_args("population_health_metrics")


class ClinicalOutcomeMetric(_AggregateRow, Base):
    """PHQ-9 / GAD-7 outcome counts (Jacobson–Truax), time in treatment and homework completion,
    as a snapshot on ``metric_date``."""

    __tablename__ = "clinical_outcome_metrics"
    __table_args__ = _aggregate_args("clinical_outcome_metrics")


class RollupJobStatus(str, enum.Enum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class AnalyticsRollupJob(UUIDPk, Timestamps, Base):
    """One day's rollup as a durable job: the worker claims pending rows with SKIP LOCKED and
    computes the day in the claiming transaction, so a crash leaves the row pending."""

    __tablename__ = "analytics_rollup_jobs"

    metric_date: Mapped[dt.date] = mapped_column(Date, unique=True)
    status: Mapped[RollupJobStatus] = mapped_column(
        pg_enum(RollupJobStatus, "analytics_rollup_job_status"),
        server_default=RollupJobStatus.PENDING.value,
        default=RollupJobStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    run_after: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[dt.datetime | None]
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    rows_written: Mapped[int | None] = mapped_column(Integer)
    # The exception class only: messages may carry data.
    error: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        Index(
            "ix_analytics_rollup_jobs_due",
            "run_after",
            postgresql_where=text("status IN ('pending', 'failed')"),
        ),
    )
