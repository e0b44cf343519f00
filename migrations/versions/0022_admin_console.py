"""admin console: accounts for administrators without the system actor, and the audit archive

``users`` has no admin row policy (the row carries the password hash) and the second-factor
tables are their owner's only, so the admin console reaches them through narrow SECURITY DEFINER
functions written as hp_agent/db/security.py writes its own (pinned search_path, EXECUTE for the
application role only, which the worker's role inherits). Each refuses any principal but an
administrator and answers or changes exactly one thing:

- ``app_admin_users``: a page of accounts (id, address, role, status, dates, whether a second
  factor is on) by address prefix, role and status; never a hash, a profile or a secret.
- ``app_admin_set_user_role`` / ``app_admin_set_user_status``: change one account, never the
  caller's own, never a system or deleted account, never the last active administrator.
- ``app_admin_reset_mfa``: remove one account's factor and recovery codes.

Audit archiving: ``app_archive_audit`` moves ``audit_logs`` rows older than the retention into
``audit_logs_archive`` (same ids and columns) for an administrator or the worker's system actor.
Both tables stay append-only; ``audit_append_only()`` lets a DELETE of ``audit_logs`` through only
when the statement runs as the table's owner (i.e. inside this function) and the function has
marked its own transaction as archiving.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

from alembic import op

from hp_agent.config import get_settings

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HEAD = "    LANGUAGE plpgsql {vol} SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
_ADMIN_ONLY = (
    "IF public.app_current_role() IS DISTINCT FROM 'admin' OR public.app_current_user_id() IS NULL THEN\n"
    "        RAISE EXCEPTION 'administrators only' USING ERRCODE = 'insufficient_privilege';\n"
    "      END IF;"
)
# An active administrator other than ``person``, rows locked so that two administrators demoting
# each other at once cannot both succeed.
_OTHER_ADMIN = (
    "PERFORM 1 FROM public.users u WHERE u.role = 'admin' AND u.status = 'active' FOR UPDATE;\n"
    "      IF NOT EXISTS (SELECT 1 FROM public.users u WHERE u.role = 'admin' AND u.status = 'active'"
    " AND u.id <> person) THEN\n"
    "        result := 'last_admin'; RETURN NEXT; RETURN;\n"
    "      END IF;"
)

FUNCTIONS: list[tuple[str, str]] = [
    (
        "app_admin_users(text, text, text, integer, integer)",
        "CREATE OR REPLACE FUNCTION app_admin_users(email_prefix text, want_role text, want_status text,"
        " lim integer, off integer)\n"
        "    RETURNS TABLE(id uuid, email text, role text, status text, created_at timestamptz,"
        " last_login_at timestamptz, email_verified boolean, mfa_enabled boolean, total bigint)\n"
        + _HEAD.format(vol="STABLE")
        + f"""    $$ BEGIN
      {_ADMIN_ONLY}
      RETURN QUERY
        SELECT u.id, u.email::text, u.role::text, u.status::text, u.created_at, u.last_login_at,
               u.email_verified_at IS NOT NULL,
               EXISTS (SELECT 1 FROM public.mfa_factors f
                       WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL),
               count(*) OVER ()
        FROM public.users u
        WHERE u.role <> 'system'
          AND (email_prefix IS NULL OR starts_with(lower(u.email), lower(email_prefix)))
          AND (want_role IS NULL OR u.role::text = want_role)
          AND (want_status IS NULL OR u.status::text = want_status)
        ORDER BY lower(u.email), u.id
        LIMIT least(greatest(lim, 1), 200) OFFSET greatest(off, 0);
    END $$""",
    ),
    (
        "app_admin_set_user_role(uuid, text)",
        "CREATE OR REPLACE FUNCTION app_admin_set_user_role(person uuid, new_role text)\n"
        "    RETURNS TABLE(result text, old_role text, account_status text)\n"
        + _HEAD.format(vol="VOLATILE")
        + f"""    $$ DECLARE cur text;
    BEGIN
      {_ADMIN_ONLY}
      IF person = public.app_current_user_id() THEN
        result := 'own_account'; RETURN NEXT; RETURN;
      END IF;
      IF new_role NOT IN ('patient', 'therapist', 'admin') THEN
        result := 'role_unknown'; RETURN NEXT; RETURN;
      END IF;
      SELECT u.role::text, u.status::text INTO cur, account_status FROM public.users u
       WHERE u.id = person AND u.role <> 'system' AND u.status <> 'deleted' FOR UPDATE;
      IF NOT FOUND THEN
        result := 'not_found'; RETURN NEXT; RETURN;
      END IF;
      old_role := cur;
      IF cur = 'admin' AND new_role <> 'admin' THEN
        {_OTHER_ADMIN}
      END IF;
      UPDATE public.users u SET role = new_role::public.user_role, updated_at = now() WHERE u.id = person;
      result := 'ok'; RETURN NEXT;
    END $$""",
    ),
    (
        "app_admin_set_user_status(uuid, text)",
        "CREATE OR REPLACE FUNCTION app_admin_set_user_status(person uuid, new_status text)\n"
        "    RETURNS TABLE(result text, old_status text, role text)\n"
        + _HEAD.format(vol="VOLATILE")
        + f"""    $$ DECLARE cur text; account_role text;
    BEGIN
      {_ADMIN_ONLY}
      IF person = public.app_current_user_id() THEN
        result := 'own_account'; RETURN NEXT; RETURN;
      END IF;
      IF new_status NOT IN ('active', 'locked', 'suspended') THEN
        result := 'status_refused'; RETURN NEXT; RETURN;
      END IF;
      SELECT u.status::text, u.role::text INTO cur, account_role FROM public.users u
       WHERE u.id = person AND u.role <> 'system' AND u.status <> 'deleted' FOR UPDATE;
      IF NOT FOUND THEN
        result := 'not_found'; RETURN NEXT; RETURN;
      END IF;
      old_status := cur; role := account_role;
      IF account_role = 'admin' AND new_status <> 'active' THEN
        {_OTHER_ADMIN}
      END IF;
      UPDATE public.users u SET status = new_status::public.user_status, updated_at = now()
       WHERE u.id = person;
      result := 'ok'; RETURN NEXT;
    END $$""",
    ),
    (
        "app_admin_reset_mfa(uuid)",
        "CREATE OR REPLACE FUNCTION app_admin_reset_mfa(person uuid)\n"
        "    RETURNS TABLE(result text, had_factor boolean)\n"
        + _HEAD.format(vol="VOLATILE")
        + f"""    $$ DECLARE n bigint;
    BEGIN
      {_ADMIN_ONLY}
      IF person = public.app_current_user_id() THEN
        result := 'own_account'; RETURN NEXT; RETURN;
      END IF;
      PERFORM 1 FROM public.users u
       WHERE u.id = person AND u.role <> 'system' AND u.status <> 'deleted' FOR UPDATE;
      IF NOT FOUND THEN
        result := 'not_found'; RETURN NEXT; RETURN;
      END IF;
      DELETE FROM public.mfa_factors f WHERE f.user_id = person AND f.confirmed_at IS NOT NULL;
      GET DIAGNOSTICS n = ROW_COUNT;
      DELETE FROM public.mfa_factors f WHERE f.user_id = person;
      DELETE FROM public.mfa_recovery_codes c WHERE c.user_id = person;
      result := 'ok'; had_factor := n > 0; RETURN NEXT;
    END $$""",
    ),
    (
        "app_archive_audit(boolean, integer)",
        "CREATE OR REPLACE FUNCTION app_archive_audit(apply boolean, keep_days integer) RETURNS bigint\n"
        + _HEAD.format(vol="VOLATILE")
        + """    $$ DECLARE n bigint;
    BEGIN
      -- An administrator, or the system actor on the worker's login role (session_user: inside
      -- this function current_user is the owner).
      IF NOT (public.app_current_role() = 'admin'
              OR (public.app_current_role() = 'system'
                  AND pg_has_role(session_user, 'hp_system', 'USAGE'))) THEN
        RAISE EXCEPTION 'audit archiving is run by an administrator or the worker'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF keep_days < 30 THEN
        RAISE EXCEPTION 'the audit log keeps at least 30 days online'
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF NOT apply THEN
        SELECT count(*) INTO n FROM public.audit_logs a
         WHERE a.occurred_at < now() - make_interval(days => keep_days);
        RETURN n;
      END IF;
      PERFORM set_config('app.audit_archiving', 'on', true);
      WITH moved AS (
        DELETE FROM public.audit_logs a WHERE a.occurred_at < now() - make_interval(days => keep_days)
        RETURNING a.id, a.occurred_at, a.actor_id, a.actor_role, a.action, a.subject_type, a.subject_id,
                  a.ip, a.user_agent, a.outcome, a.details)
      INSERT INTO public.audit_logs_archive (id, occurred_at, actor_id, actor_role, action, subject_type,
                                            subject_id, ip, user_agent, outcome, details, archived_at)
      SELECT m.id, m.occurred_at, m.actor_id, m.actor_role, m.action, m.subject_type, m.subject_id,
             m.ip, m.user_agent, m.outcome, m.details, now() FROM moved m;
      GET DIAGNOSTICS n = ROW_COUNT;
      PERFORM set_config('app.audit_archiving', 'off', true);
      RETURN n;
    END $$""",
    ),
]

# Kept in step with hp_agent/db/security.py AUDIT_TRIGGER_FUNCTION.
APPEND_ONLY = """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
         -- Archiving (app_archive_audit) moves old rows out of audit_logs: only as the table's
         -- owner, which the application roles never are, and only in a transaction it marked.
         IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_logs'
            AND current_setting('app.audit_archiving', true) = 'on'
            AND pg_has_role(current_user,
                  (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
       END $$"""
APPEND_ONLY_OLD = """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
         RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
       END $$"""


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    role = _role()
    op.execute(APPEND_ONLY)
    for signature, create in FUNCTIONS:
        op.execute(create)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {signature} TO "{role}"')


def downgrade() -> None:
    for signature, _create in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute(APPEND_ONLY_OLD)
