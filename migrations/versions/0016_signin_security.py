"""signin security: TOTP factors, recovery codes and emailed link tokens (issue #17 item 6)

The security statements are a frozen copy of what hp_agent/db/security.py generates for the new
tables, as 0013 froze them for conversation_memories:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        md = load_all().metadata; \
        ts = [md.tables[n] for n in ('mfa_factors', 'mfa_recovery_codes', 'auth_email_tokens')]; \
        print(grant_statements('__HP_APP_ROLE__', ts) + [s for t in ts for s in table_policies(t)])"

Only the worker's role may act as the system actor on them: the API reaches these rows as their
owner (a signed challenge or link token names the person first), never as the system actor.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hp_agent.config import get_settings

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"
TABLES = ("mfa_factors", "mfa_recovery_codes", "auth_email_tokens")


def _policies(table: str) -> list[str]:
    t = f'"{table}"'
    return [
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO "__HP_APP_ROLE__"',
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f'CREATE POLICY "{table}_owner" ON {t}'
        ' USING ("user_id" = app_current_user_id()) WITH CHECK ("user_id" = app_current_user_id())',
        f'CREATE POLICY "{table}_system" ON {t}'
        " USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())",
    ]


SECURITY_STATEMENTS: list[str] = [s for table in TABLES for s in _policies(table)]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def _timestamps(*, updated: bool) -> list[sa.Column]:  # type: ignore[type-arg]
    cols = [
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]
    if updated:
        now = sa.text("now()")
        cols.append(sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False))
    return cols


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "mfa_factors",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        *_timestamps(updated=True),
        _user_fk("mfa_factors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_factors")),
        sa.UniqueConstraint("user_id", name=op.f("uq_mfa_factors_user_id")),
    )
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("code_hash", sa.CHAR(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(updated=False),
        _user_fk("mfa_recovery_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
        sa.UniqueConstraint("user_id", "code_hash", name=op.f("uq_mfa_recovery_codes_user_id_code_hash")),
    )
    op.create_table(
        "auth_email_tokens",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.CHAR(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(updated=False),
        sa.CheckConstraint(
            "purpose IN ('verify_email', 'reset_password')", name=op.f("ck_auth_email_tokens_purpose_known")
        ),
        _user_fk("auth_email_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_email_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_email_tokens_token_hash")),
    )
    op.create_index(
        "ix_auth_email_tokens_user_id_purpose", "auth_email_tokens", ["user_id", "purpose"], unique=False
    )
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    # Dropping the tables drops their policies and grants with them.
    for table in reversed(TABLES):
        op.drop_table(table)
