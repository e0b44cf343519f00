"""privacy and administration: sharing enforced in the policies, consent documents

- Mood (``mood_*``), assessment results (``user_assessments``, ``assessment_responses``) and chat
  session summaries (``conversation_analytics``) were readable by any treating therapist. They now
  follow the patient's flags on the relationship row, like journal, chat and safety plan already
  did: the ``<table>_therapist_read`` policy is replaced by ``<table>_therapist_consent``, and
  ``app_therapist_has_consent`` learns the kinds ``mood`` and ``assessments``.
- ``privacy_settings.share_*_with_therapist`` go: they were never read, and two places holding
  "may my therapist see this" is one too many. The relationship flags are the source of truth.
- ``consent_documents``: the versioned texts people accept (reference table, public read).
- ``crisis_detections.matches`` / ``explanation`` are encrypted like ``excerpt`` (bytea, the
  service's key ring): term labels are often the person's own phrase and the explanation quotes
  matched words. Existing rows are encrypted here; the CHECKs that looked inside the values move
  to the model (``hp_agent/crisis/models.py``), since the database cannot read ciphertext.
- ``data_access_logs_reader_append``: a clinician or admin may append a row naming themselves as
  the reader even when not the treating therapist (an escalation's backup reads the context).

The security statements are a frozen copy of what hp_agent/db/security.py generates:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \\
        m = load_all().metadata; t = m.tables['consent_documents']; \\
        print(grant_statements('__HP_APP_ROLE__', [t]) + reference_policies(t)); \\
        print([table_policies(m.tables[n])[-1] for n in ('mood_entries', 'user_assessments')])"

Revision ID: 0010
Revises: 0009
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hp_agent.config import get_settings

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

CONSENT_GATED = {
    "mood_entries": "mood",
    "mood_factors": "mood",
    "mood_goals": "mood",
    "mood_patterns": "mood",
    "mood_insights": "mood",
    "user_assessments": "assessments",
    "assessment_responses": "assessments",
    "conversation_analytics": "chat",
}

_CONSENT_FUNCTION = """CREATE OR REPLACE FUNCTION app_therapist_has_consent(patient uuid, kind text) \
RETURNS boolean
    LANGUAGE sql STABLE AS
    $$ SELECT EXISTS (
         SELECT 1 FROM therapeutic_relationships r
         WHERE r.patient_id = patient
           AND r.therapist_id = app_current_user_id()
           AND r.status = 'active'
           AND CASE kind
                 WHEN 'journal' THEN r.consent_to_share_journal
                 WHEN 'chat' THEN r.consent_to_share_chat
                 WHEN 'safety_plan' THEN r.consent_to_share_safety_plan{extra}
                 ELSE false
               END) $$"""
NEW_CONSENT_FUNCTION = _CONSENT_FUNCTION.format(
    extra="\n                 WHEN 'mood' THEN r.consent_to_share_mood"
    "\n                 WHEN 'assessments' THEN r.consent_to_share_assessments"
)
OLD_CONSENT_FUNCTION = _CONSENT_FUNCTION.format(extra="")

DOCUMENT_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "consent_documents" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "consent_documents" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "consent_documents" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "consent_documents_staff" ON "consent_documents" USING (app_current_role() IN '
    "('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    'CREATE POLICY "consent_documents_read" ON "consent_documents" FOR SELECT USING (true)',
]

# A clinician who is not the treating therapist (an escalation's on-call backup) still logs reads.
READER_APPEND_POLICY = """CREATE POLICY data_access_logs_reader_append ON data_access_logs FOR INSERT
    WITH CHECK (accessor_id = app_current_user_id() AND accessor_role = app_current_role()
                AND app_current_role() IN ('therapist', 'admin'))"""

EXPORT_STATEMENTS: list[str] = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON "data_exports" TO "__HP_APP_ROLE__"',
    'ALTER TABLE "data_exports" ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE "data_exports" FORCE ROW LEVEL SECURITY',
    'CREATE POLICY "data_exports_owner" ON "data_exports" USING ("user_id" = app_current_user_id()) '
    'WITH CHECK ("user_id" = app_current_user_id())',
    'CREATE POLICY "data_exports_system" ON "data_exports" USING (app_current_role() = \'system\') '
    "WITH CHECK (app_current_role() = 'system')",
]

SHARE_COLUMNS = (
    "share_mood_with_therapist",
    "share_journal_with_therapist",
    "share_chat_with_therapist",
    "share_assessments_with_therapist",
)

# The first published version of each text (the version sign-up has recorded since 0001).
DOCUMENTS = [
    (
        "terms",
        "Terms of service",
        "The rules for using Happy Path, what it is and what it is not: "
        "it does not replace emergency services or a clinician.",
    ),
    (
        "privacy",
        "Privacy notice",
        "What we store about you, why, for how long, who can read it, and "
        "your rights to a copy of your data and to erasure.",
    ),
    (
        "data_processing",
        "Processing of health data",
        "Your explicit consent to process health data "
        "(mood, assessments, journal, conversations) to provide the service.",
    ),
    (
        "share_with_therapist",
        "Sharing with your care team",
        "Lets clinicians you connect with read "
        "what you choose to share with each of them. Withdrawing it stops all sharing at once.",
    ),
    (
        "research",
        "Research use",
        "Lets de-identified, aggregated data from your account be used in "
        "research on mental-health care. You can withdraw at any time.",
    ),
]
DOCUMENT_VERSION = "2026-01"


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def _gate(table: str, kind: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS "{table}_therapist_read" ON "{table}"',
        f'CREATE POLICY "{table}_therapist_consent" ON "{table}" FOR SELECT '
        f"USING (app_current_role() = 'therapist' AND app_therapist_has_consent(\"user_id\", '{kind}'))",
    ]


def _ungate(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS "{table}_therapist_consent" ON "{table}"',
        f'CREATE POLICY "{table}_therapist_read" ON "{table}" FOR SELECT '
        f"USING (app_current_role() = 'therapist' AND app_is_treating_therapist(\"user_id\"))",
    ]


_DETECTION_CHECKS = {
    "ck_crisis_detections_matches_array": "jsonb_typeof(matches) = 'array'",
    "ck_crisis_detections_matches_without_text": "NOT jsonb_path_exists(matches, '$[*].matched_text')",
    "ck_crisis_detections_explanation_short": "char_length(explanation) <= 1000",
}


def _as_system() -> None:
    # crisis_detections has forced RLS; a non-superuser owner sees its rows as the system actor.
    op.execute("SELECT set_config('app.current_role', 'system', true)")


def _encrypt_detections() -> None:
    from hp_agent.db.crypto import keyring

    ring = keyring()
    conn = op.get_bind()
    _as_system()
    op.add_column("crisis_detections", sa.Column("matches_enc", sa.LargeBinary(), nullable=True))
    op.add_column("crisis_detections", sa.Column("explanation_enc", sa.LargeBinary(), nullable=True))
    rows = conn.execute(sa.text("SELECT id, matches::text, explanation FROM crisis_detections")).all()
    for row_id, matches, explanation in rows:
        compact = json.dumps(json.loads(matches), separators=(",", ":"))
        conn.execute(
            sa.text("UPDATE crisis_detections SET matches_enc = :m, explanation_enc = :e WHERE id = :id"),
            {
                "m": ring.encrypt(compact),
                "e": None if explanation is None else ring.encrypt(explanation),
                "id": row_id,
            },
        )
    for name in _DETECTION_CHECKS:
        op.execute(f'ALTER TABLE crisis_detections DROP CONSTRAINT "{name}"')
    op.drop_column("crisis_detections", "matches")
    op.drop_column("crisis_detections", "explanation")
    op.alter_column("crisis_detections", "matches_enc", new_column_name="matches")
    op.alter_column("crisis_detections", "explanation_enc", new_column_name="explanation")


def _decrypt_detections() -> None:
    from hp_agent.db.crypto import keyring

    ring = keyring()
    conn = op.get_bind()
    _as_system()
    op.add_column(
        "crisis_detections",
        sa.Column("matches_plain", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
    )
    op.add_column("crisis_detections", sa.Column("explanation_plain", sa.Text(), nullable=True))
    rows = conn.execute(sa.text("SELECT id, matches, explanation FROM crisis_detections")).all()
    for row_id, matches, explanation in rows:
        conn.execute(
            sa.text(
                "UPDATE crisis_detections SET matches_plain = CAST(:m AS jsonb), explanation_plain = :e "
                "WHERE id = :id"
            ),
            {
                "m": "[]" if matches is None else ring.decrypt(bytes(matches)),
                "e": None if explanation is None else ring.decrypt(bytes(explanation))[:1000],
                "id": row_id,
            },
        )
    op.drop_column("crisis_detections", "matches")
    op.drop_column("crisis_detections", "explanation")
    op.alter_column("crisis_detections", "matches_plain", new_column_name="matches")
    op.alter_column("crisis_detections", "explanation_plain", new_column_name="explanation")
    for name, check in _DETECTION_CHECKS.items():
        op.execute(f'ALTER TABLE crisis_detections ADD CONSTRAINT "{name}" CHECK ({check})')


def upgrade() -> None:
    op.execute(NEW_CONSENT_FUNCTION)
    for table, kind in CONSENT_GATED.items():
        for stmt in _gate(table, kind):
            op.execute(stmt)
    op.execute(READER_APPEND_POLICY)
    _encrypt_detections()
    for column in SHARE_COLUMNS:
        op.drop_column("privacy_settings", column)

    consent_type = postgresql.ENUM(name="consent_type", create_type=False)
    docs = op.create_table(
        "consent_documents",
        sa.Column("consent_type", consent_type, nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "published_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.CheckConstraint("char_length(body) > 0", name=op.f("ck_consent_documents_body_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_documents")),
        sa.UniqueConstraint(
            "consent_type", "version", name=op.f("uq_consent_documents_consent_type_version")
        ),
    )
    role = _role()
    for stmt in DOCUMENT_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))
    op.create_table(
        "data_exports",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("progress", sa.Integer(), server_default="0", nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=True),
        sa.Column("archive_bytes", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("link_token_hash", sa.String(length=64), nullable=True),
        sa.Column("link_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed', 'downloaded', 'expired')",
            name=op.f("ck_data_exports_status_known"),
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name=op.f("ck_data_exports_progress_range")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_data_exports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
        sa.UniqueConstraint("link_token_hash", name=op.f("uq_data_exports_link_token_hash")),
    )
    op.create_index("ix_data_exports_user_id", "data_exports", ["user_id"])
    op.create_index("ix_data_exports_status_created_at", "data_exports", ["status", "created_at"])
    for stmt in EXPORT_STATEMENTS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))
    op.bulk_insert(
        docs,
        [
            {"consent_type": kind, "version": DOCUMENT_VERSION, "title": title, "body": body}
            for kind, title, body in DOCUMENTS
        ],
    )


def downgrade() -> None:
    op.drop_table("data_exports")
    op.drop_table("consent_documents")
    for column in SHARE_COLUMNS:
        op.add_column(
            "privacy_settings",
            sa.Column(column, sa.Boolean(), server_default=sa.text("false"), nullable=False),
        )
    op.execute("DROP POLICY IF EXISTS data_access_logs_reader_append ON data_access_logs")
    _decrypt_detections()
    for table in CONSENT_GATED:
        for stmt in _ungate(table):
            op.execute(stmt)
    op.execute(OLD_CONSENT_FUNCTION)
