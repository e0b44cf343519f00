"""crisis checks: detections record the one-question check and self-reported false alarms

Graded response (docs/crisis-engine.md): a detection on uncertain evidence is answered with one
direct question instead of the screener; the detection keeps when it was asked and the answer.
A person who steps out of the screener ("that's not what I meant") marks the detection as a
self-reported false alarm. New columns only: the table's grants and row-level security policies
(0002) already cover them.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "crisis_detections"
ANSWER = postgresql.ENUM("yes", "no", "unclear", name="crisis_check_answer", create_type=False)


def upgrade() -> None:
    postgresql.ENUM("yes", "no", "unclear", name="crisis_check_answer").create(op.get_bind())
    op.add_column(TABLE, sa.Column("check_asked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(TABLE, sa.Column("check_answer", ANSWER, nullable=True))
    op.add_column(TABLE, sa.Column("check_answered_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(TABLE, sa.Column("false_alarm_reported_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_crisis_detections_check_answer_after_ask"),
        TABLE,
        "check_answer IS NULL OR check_asked_at IS NOT NULL",
    )
    op.create_check_constraint(
        op.f("ck_crisis_detections_check_answer_with_time"),
        TABLE,
        "(check_answer IS NULL) = (check_answered_at IS NULL)",
    )
    op.create_index(
        "ix_crisis_detections_open_check",
        TABLE,
        ["chat_session_id"],
        unique=False,
        postgresql_where=sa.text("check_asked_at IS NOT NULL AND check_answer IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_crisis_detections_open_check",
        table_name=TABLE,
        postgresql_where=sa.text("check_asked_at IS NOT NULL AND check_answer IS NULL"),
    )
    op.drop_constraint(op.f("ck_crisis_detections_check_answer_with_time"), TABLE, type_="check")
    op.drop_constraint(op.f("ck_crisis_detections_check_answer_after_ask"), TABLE, type_="check")
    op.drop_column(TABLE, "false_alarm_reported_at")
    op.drop_column(TABLE, "check_answered_at")
    op.drop_column(TABLE, "check_answer")
    op.drop_column(TABLE, "check_asked_at")
    ANSWER.drop(op.get_bind())
