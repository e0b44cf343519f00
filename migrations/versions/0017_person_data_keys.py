"""person data keys: one wrapped data key per person, destroyed at erasure (issue #17 item 2)

Sensitive columns of a person's rows are written under their own data key (the ``v2`` layout of
hp_agent/db/crypto.py); the key is stored here wrapped by a service key. Existing ``v1`` rows stay
readable under the service keys; ``hp-agent crypto rewrap`` moves them to the people's keys.

The security statements are a frozen copy of what hp_agent/db/security.py generates for the new
table, as 0013 froze them for conversation_memories:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        t = load_all().metadata.tables['person_data_keys']; \
        print(grant_statements('__HP_APP_ROLE__', [t]) + table_policies(t))"

The person reads and creates their own key, a treating therapist reads their patient's, and only
the worker's role acts as the system actor on it (the API's key loader reads keys with that role:
hp_agent/db/data_keys.py, docs/privacy.md).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hp_agent.config import get_settings

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

SECURITY_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "person_data_keys" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "person_data_keys" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "person_data_keys" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "person_data_keys_owner" ON "person_data_keys"'
    ' USING ("user_id" = app_current_user_id()) WITH CHECK ("user_id" = app_current_user_id())',
    'CREATE POLICY "person_data_keys_system" ON "person_data_keys"'
    " USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())",
    'CREATE POLICY "person_data_keys_therapist_read" ON "person_data_keys" FOR SELECT'
    " USING (app_current_role() = 'therapist' AND app_is_treating_therapist(\"user_id\"))",
]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    op.create_table(
        "person_data_keys",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("service_key_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("rewrapped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_person_data_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_data_keys")),
        sa.UniqueConstraint("user_id", name=op.f("uq_person_data_keys_user_id")),
    )
    role = _role()
    for stmt in SECURITY_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))


def downgrade() -> None:
    # Dropping the table drops its policies and grants with it. Rows written under a data key
    # (v2) can never be read after this, and no command moves them back to the service key.
    op.drop_table("person_data_keys")
