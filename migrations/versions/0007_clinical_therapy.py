"""clinical therapy: sessions, signed notes and addenda, plans, homework, diagnoses

The clinical tables existed since 0001 with the generic owner policy (``patient_id = me OR
therapist_id = me`` for reading and writing). Clinical records need a stricter rule:

- the patient reads their record but writes none of it, except their own homework (the response);
- a clinician reads and writes only rows they are named on, and only while an active therapeutic
  relationship with the patient exists (``app_is_treating_therapist``): an ended relationship ends
  access, and a clinician cannot write a row naming someone else as its clinician;
- a signed note cannot be deleted by anyone through the application role (a draft can, by its
  author); deleting the patient's account still cascades (referential actions bypass RLS);
- signing is the author's act: the trigger refuses a move to 'signed' whose ``signed_by`` is not
  the note's author, or that another person performs;
- a patient updating their homework changes only what completing it changes (trigger).

Crisis detections get a ``homework`` source, and homework rows link their detection.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> the clinician column that names who may write the row
CLINICAL_TABLES = {
    "therapy_sessions": "therapist_id",
    "session_notes": "author_id",
    "treatment_plans": "therapist_id",
    "treatment_goals": "therapist_id",
    "diagnoses": "therapist_id",
    "homework_assignments": "therapist_id",
}


def _clinician(col: str) -> str:
    return (
        f"app_current_role() = 'therapist' AND \"{col}\" = app_current_user_id()"
        ' AND app_is_treating_therapist("patient_id")'
    )


def _policies(table: str, col: str) -> list[str]:
    t = f'"{table}"'
    clin = _clinician(col)
    mine = '"patient_id" = app_current_user_id()'
    deletable = f"{clin} AND status = 'draft'" if table == "session_notes" else clin
    stmts = [
        f'DROP POLICY IF EXISTS "{table}_owner" ON {t}',
        f'CREATE POLICY "{table}_patient_read" ON {t} FOR SELECT USING ({mine})',
        f'CREATE POLICY "{table}_clinician_read" ON {t} FOR SELECT USING ({clin})',
        f'CREATE POLICY "{table}_clinician_insert" ON {t} FOR INSERT WITH CHECK ({clin})',
        f'CREATE POLICY "{table}_clinician_update" ON {t} FOR UPDATE USING ({clin}) WITH CHECK ({clin})',
        f'CREATE POLICY "{table}_clinician_delete" ON {t} FOR DELETE USING ({deletable})',
    ]
    if table == "homework_assignments":
        # The patient records their response and completion; the service limits which columns.
        stmts.append(
            f'CREATE POLICY "{table}_patient_update" ON {t} FOR UPDATE '
            'USING ("patient_id" = app_current_user_id()) WITH CHECK ("patient_id" = app_current_user_id())'
        )
    return stmts


def _old_owner_policy(table: str, col: str) -> list[str]:
    """The generic policy 0002 created (frozen output of hp_agent/db/security.py)."""
    t = f'"{table}"'
    extra = [
        f'DROP POLICY IF EXISTS "{table}_{name}" ON {t}'
        for name in (
            "patient_read",
            "clinician_read",
            "clinician_insert",
            "clinician_update",
            "clinician_delete",
            "patient_update",
        )
    ]
    return [
        *extra,
        f'CREATE POLICY "{table}_owner" ON {t} USING ("patient_id" = app_current_user_id() OR "{col}" = '
        f'app_current_user_id()) WITH CHECK ("patient_id" = app_current_user_id() OR ("{col}" = '
        f'app_current_user_id() AND app_is_treating_therapist("patient_id")))',
    ]


SIGN_GUARD = """CREATE OR REPLACE FUNCTION session_notes_signed_by_author() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
      -- The service's system actor (imports, retention) is trusted; a person signs only as the
      -- author, with their own name.
      IF NEW.status = 'signed' AND (TG_OP = 'INSERT' OR OLD.status = 'draft')
         AND app_current_role() NOT IN ('admin', 'system')
         AND (NEW.author_id IS NULL OR NEW.signed_by IS DISTINCT FROM NEW.author_id
              OR app_current_user_id() IS DISTINCT FROM NEW.author_id) THEN
        RAISE EXCEPTION 'only the author of a session note can sign it'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND NEW.author_id IS DISTINCT FROM OLD.author_id
         AND NEW.author_id IS NOT NULL THEN
        RAISE EXCEPTION 'signed session notes cannot be edited; add an addendum'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$"""
SIGN_TRIGGER = """CREATE TRIGGER session_notes_signed_by_author BEFORE INSERT OR UPDATE ON session_notes
    FOR EACH ROW EXECUTE FUNCTION session_notes_signed_by_author()"""
# The patient may update their homework (policy homework_assignments_patient_update), but only
# what completing it changes: the assignment itself is the clinician's.
HOMEWORK_GUARD = """CREATE OR REPLACE FUNCTION homework_assignments_patient_guard() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
      IF app_current_role() NOT IN ('admin', 'system') AND app_current_user_id() = OLD.patient_id
         AND (NEW.patient_id, NEW.therapist_id, NEW.therapy_session_id, NEW.treatment_goal_id,
              NEW.homework_type, NEW.title, NEW.instructions, NEW.therapist_feedback,
              NEW.assigned_at, NEW.due_at)
             IS DISTINCT FROM
             (OLD.patient_id, OLD.therapist_id, OLD.therapy_session_id, OLD.treatment_goal_id,
              OLD.homework_type, OLD.title, OLD.instructions, OLD.therapist_feedback,
              OLD.assigned_at, OLD.due_at) THEN
        RAISE EXCEPTION 'a patient can only record their homework response'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$"""
HOMEWORK_TRIGGER = """CREATE TRIGGER homework_assignments_patient_guard BEFORE UPDATE ON homework_assignments
    FOR EACH ROW EXECUTE FUNCTION homework_assignments_patient_guard()"""


def upgrade() -> None:
    # PostgreSQL 12+ allows this inside the migration's transaction (the value is not used here).
    op.execute("ALTER TYPE crisis_detection_source ADD VALUE IF NOT EXISTS 'homework'")
    op.add_column("homework_assignments", sa.Column("crisis_detection_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_homework_assignments_crisis_detection_id_crisis_detections"),
        "homework_assignments",
        "crisis_detections",
        ["crisis_detection_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_homework_assignments_crisis_detection_id"),
        "homework_assignments",
        ["crisis_detection_id"],
        unique=False,
    )
    op.create_index(
        "ix_homework_assignments_completed",
        "homework_assignments",
        ["patient_id", "completed_at"],
        unique=False,
        postgresql_where=sa.text("status = 'completed'"),
    )
    for table, col in CLINICAL_TABLES.items():
        for stmt in _policies(table, col):
            op.execute(stmt)
    op.execute(SIGN_GUARD)
    op.execute(SIGN_TRIGGER)
    op.execute(HOMEWORK_GUARD)
    op.execute(HOMEWORK_TRIGGER)


def _drop_enum_value(type_name: str, value: str, fallback: str) -> None:
    """PostgreSQL cannot drop an enum value: rebuild the type without it, in every column using it."""
    conn = op.get_bind()
    values = [
        r[0]
        for r in conn.execute(
            sa.text(
                "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                "WHERE t.typname = :t ORDER BY e.enumsortorder"
            ),
            {"t": type_name},
        )
        if r[0] != value
    ]
    columns = conn.execute(
        sa.text(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "WHERE c.table_schema = 'public' AND c.udt_name = :t"
        ),
        {"t": type_name},
    ).all()
    for table, column in columns:
        op.execute(f'UPDATE "{table}" SET "{column}" = \'{fallback}\' WHERE "{column}"::text = \'{value}\'')
    op.execute(f'ALTER TYPE "{type_name}" RENAME TO "{type_name}_old"')
    labels = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    op.execute(f'CREATE TYPE "{type_name}" AS ENUM ({labels})')
    for table, column in columns:
        op.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE "{type_name}" '
            f'USING "{column}"::text::"{type_name}"'
        )
    op.execute(f'DROP TYPE "{type_name}_old"')


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS session_notes_signed_by_author ON session_notes")
    op.execute("DROP FUNCTION IF EXISTS session_notes_signed_by_author()")
    op.execute("DROP TRIGGER IF EXISTS homework_assignments_patient_guard ON homework_assignments")
    op.execute("DROP FUNCTION IF EXISTS homework_assignments_patient_guard()")
    for table, col in CLINICAL_TABLES.items():
        for stmt in _old_owner_policy(table, col):
            op.execute(stmt)
    op.drop_index("ix_homework_assignments_completed", table_name="homework_assignments")
    op.drop_index(op.f("ix_homework_assignments_crisis_detection_id"), table_name="homework_assignments")
    op.drop_constraint(
        op.f("fk_homework_assignments_crisis_detection_id_crisis_detections"),
        "homework_assignments",
        type_="foreignkey",
    )
    op.drop_column("homework_assignments", "crisis_detection_id")
    _drop_enum_value("crisis_detection_source", "homework", "other")
