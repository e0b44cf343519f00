"""subscriptions and payments: quarterly plans, the 'unpaid' state and dunning bookkeeping

- ``subscription_billing_interval`` gains 'quarter'; ``subscription_status`` gains 'unpaid'
  (dunning gave up); ``subscription_event_type`` gains 'unpaid', 'invoice_created' and 'synced'
  (a webhook that changed nothing is still recorded, so its redelivery is recognised).
- ``user_subscriptions`` gains the dunning columns (past_due_since, grace_ends_at,
  dunning_attempts, next_retry_at, processor_open_invoice_id) and a partial index for the job.
- An 'unpaid' subscription is still the person's one open subscription: the live partial indexes
  include it.

No new table, so no new grants or policies (the columns inherit the table's).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_LIVE = "status IN ('trialing', 'active', 'past_due', 'paused')"
NEW_LIVE = "status IN ('trialing', 'active', 'past_due', 'unpaid', 'paused')"
ENUM_VALUES = [
    ("subscription_billing_interval", "quarter"),
    ("subscription_status", "unpaid"),
    ("subscription_event_type", "unpaid"),
    ("subscription_event_type", "invoice_created"),
    ("subscription_event_type", "synced"),
]


def _live_indexes(predicate: str) -> None:
    op.drop_index("uq_user_subscriptions_live", table_name="user_subscriptions")
    op.drop_index("ix_user_subscriptions_live_period_end", table_name="user_subscriptions")
    op.create_index(
        "uq_user_subscriptions_live",
        "user_subscriptions",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text(predicate),
    )
    op.create_index(
        "ix_user_subscriptions_live_period_end",
        "user_subscriptions",
        ["current_period_end"],
        postgresql_where=sa.text(predicate),
    )


def upgrade() -> None:
    # A new enum value cannot be used in the transaction that adds it: commit them first.
    with op.get_context().autocommit_block():
        for type_name, value in ENUM_VALUES:
            op.execute(f"ALTER TYPE {type_name} ADD VALUE IF NOT EXISTS '{value}'")
    op.add_column(
        "user_subscriptions", sa.Column("past_due_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("user_subscriptions", sa.Column("grace_ends_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "user_subscriptions",
        sa.Column("dunning_attempts", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column("user_subscriptions", sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "user_subscriptions", sa.Column("processor_open_invoice_id", sa.String(length=128), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_user_subscriptions_dunning_attempts_nonnegative"),
        "user_subscriptions",
        "dunning_attempts >= 0",
    )
    op.create_index(
        "ix_user_subscriptions_dunning",
        "user_subscriptions",
        ["next_retry_at"],
        postgresql_where=sa.text("status = 'past_due'"),
    )
    _live_indexes(NEW_LIVE)


def downgrade() -> None:
    # Enum values cannot be dropped in place; rows using them are moved back first, and the
    # values stay (harmless: nothing older writes them).
    op.execute("UPDATE user_subscriptions SET status = 'past_due' WHERE status = 'unpaid'")
    _live_indexes(OLD_LIVE)
    op.drop_index("ix_user_subscriptions_dunning", table_name="user_subscriptions")
    op.drop_constraint(
        op.f("ck_user_subscriptions_dunning_attempts_nonnegative"), "user_subscriptions", type_="check"
    )
    for column in (
        "processor_open_invoice_id",
        "next_retry_at",
        "dunning_attempts",
        "grace_ends_at",
        "past_due_since",
    ):
        op.drop_column("user_subscriptions", column)
