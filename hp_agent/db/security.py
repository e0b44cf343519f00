"""SQL for the database's security layer, generated from the models' declarations.

The Alembic security migration stores the generated statements as a frozen snapshot
(`python -m hp_agent.db.security` prints them); a test checks snapshot and models agree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from sqlalchemy import MetaData, Table

PRINCIPAL_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION app_current_user_id() RETURNS uuid
    LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$""",
    """CREATE OR REPLACE FUNCTION app_current_role() RETURNS text
    LANGUAGE sql STABLE AS
    $$ SELECT coalesce(nullif(current_setting('app.current_role', true), ''), 'anonymous') $$""",
    # Invoker rights on purpose: a therapist can only see their own relationship rows,
    # so the check cannot be used to probe other therapists' caseloads.
    """CREATE OR REPLACE FUNCTION app_is_treating_therapist(patient uuid) RETURNS boolean
    LANGUAGE sql STABLE AS
    $$ SELECT EXISTS (
         SELECT 1 FROM therapeutic_relationships r
         WHERE r.patient_id = patient
           AND r.therapist_id = app_current_user_id()
           AND r.status = 'active') $$""",
]

# Consent kinds map to the patient's flags on the relationship row (rls(consent=...)).
CONSENT_COLUMNS = {
    "journal": "consent_to_share_journal",
    "chat": "consent_to_share_chat",
    "safety_plan": "consent_to_share_safety_plan",
    # Migration 0010: mood and assessment results follow the patient's flags too (docs/privacy.md).
    "mood": "consent_to_share_mood",
    "assessments": "consent_to_share_assessments",
}

PRINCIPAL_FUNCTIONS.append(
    """CREATE OR REPLACE FUNCTION app_therapist_has_consent(patient uuid, kind text) RETURNS boolean
    LANGUAGE sql STABLE AS
    $$ SELECT EXISTS (
         SELECT 1 FROM therapeutic_relationships r
         WHERE r.patient_id = patient
           AND r.therapist_id = app_current_user_id()
           AND r.status = 'active'
           AND CASE kind
                 """
    + "\n                 ".join(f"WHEN '{k}' THEN r.{c}" for k, c in CONSENT_COLUMNS.items())
    + """
                 ELSE false
               END) $$"""
)

# Only a member of this group role (the worker's login role, never the API's) acts as the system
# actor where is_system() says so: the check reads the role the connection logged in
# as, which SQL run by the API role cannot change, not app.current_role, which it can.
SYSTEM_GROUP_ROLE = "hp_system"
PRINCIPAL_FUNCTIONS.append(
    f"""CREATE OR REPLACE FUNCTION app_is_worker_system() RETURNS boolean
    LANGUAGE sql STABLE AS
    $$ SELECT app_current_role() = 'system'
              AND pg_has_role(current_user, '{SYSTEM_GROUP_ROLE}', 'USAGE') $$"""
)


# Every system policy checks the login role (migrations 0019 and 0021 moved the last tables whose
# policy accepted app.current_role = 'system' from any role, the API's included: #14 finding 9).
# The API never acts as the system actor: it asks SECURITY DEFINER functions (below) or acts as the
# person concerned, and leaves the rest to the worker.
def is_system(table_name: str) -> str:
    """The SQL condition under which a statement on ``table_name`` acts as the system actor."""
    return "app_is_worker_system()"


def system_policy(table: Table) -> str:
    t = _q(table.name)
    check = is_system(table.name)
    return f"CREATE POLICY {_q(table.name + '_system')} ON {t} USING ({check}) WITH CHECK ({check})"


def staff_check(table_name: str) -> str:
    """Admins and the system actor (reference tables, audit reads)."""
    return "(app_current_role() = 'admin' OR app_is_worker_system())"


# Migration 0022: archiving (app_archive_audit) may move old rows out of audit_logs.
AUDIT_TRIGGER_FUNCTION = """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
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

# The relationship table is read by app_is_treating_therapist(); a therapist policy on it
# would recurse, and its therapist column already grants the therapist access.
_NO_THERAPIST_POLICY = {"therapeutic_relationships"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rls_tables(metadata: MetaData) -> list[Table]:
    return [t for t in metadata.sorted_tables if "rls" in t.info]


def audit_tables(metadata: MetaData) -> list[Table]:
    return [t for t in metadata.sorted_tables if t.info.get("audit")]


def table_policies(table: Table) -> list[str]:
    spec = table.info["rls"]
    owner = spec["owner"]
    cols = [owner, *spec.get("also", [])]
    for col in cols:
        if col not in table.c:
            raise ValueError(f"{table.name}: RLS column {col!r} does not exist")
    t = _q(table.name)
    mine = " OR ".join(f"{_q(c)} = app_current_user_id()" for c in cols)
    # A co-owner (e.g. the treating therapist) may only write rows of people they treat; the
    # relationship table itself is guarded by a trigger instead (a policy there would recurse).
    check = " OR ".join(
        [f"{_q(owner)} = app_current_user_id()"]
        + [
            f"{_q(c)} = app_current_user_id()"
            if table.name in _NO_THERAPIST_POLICY
            else f"({_q(c)} = app_current_user_id() AND app_is_treating_therapist({_q(owner)}))"
            for c in spec.get("also", [])
        ]
    )
    stmts = [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {_q(table.name + '_owner')} ON {t} USING ({mine}) WITH CHECK ({check})",
        system_policy(table),
    ]
    consent = spec.get("consent")
    if consent is not None:
        if consent not in CONSENT_COLUMNS:
            raise ValueError(f"{table.name}: unknown consent kind {consent!r}")
        stmts.append(
            f"CREATE POLICY {_q(table.name + '_therapist_consent')} ON {t} FOR SELECT "
            "USING (app_current_role() = 'therapist' "
            f"AND app_therapist_has_consent({_q(owner)}, '{consent}'))"
        )
    if spec.get("therapist_read", True) and table.name not in _NO_THERAPIST_POLICY:
        stmts.append(
            f"CREATE POLICY {_q(table.name + '_therapist_read')} ON {t} FOR SELECT "
            f"USING (app_current_role() = 'therapist' AND app_is_treating_therapist({_q(owner)}))"
        )
    return stmts


# Tables without an owner: who may read them. Writes are for admins and the system actor only,
# so a signed-in user cannot edit a catalogue even if a service check is missing. A table not
# listed here is staff-only by default.
PUBLIC_READ = frozenset(
    {
        "ai_agent_configurations",
        "appointment_types",
        "assessment_templates",
        "consent_documents",
        "crisis_resources",
        "drug_interactions",
        "feature_flags",
        "insurance_payers",
        "insurance_plans",
        "journal_prompts",
        "medications",
        "subscription_plans",
        "system_announcements",
    }
)
CLINICIAN_READ = frozenset({"clinician_on_call_shifts"})
# Any principal may append (a patient's message produces an escalation event); only the
# system actor that relays them reads or updates them.
APPEND_BY_ANYONE = frozenset({"outbox_events", "email_outbox"})
# Service bookkeeping written before anyone is signed in (sign-in throttle counters, keyed by an
# HMAC: no address or IP in clear), so every principal may read and write it.
SERVICE_STATE = frozenset({"login_throttles"})


def reference_tables(metadata: MetaData) -> list[Table]:
    return [t for t in metadata.sorted_tables if "rls" not in t.info and not t.info.get("audit")]


def reference_policies(table: Table) -> list[str]:
    t = _q(table.name)
    name = table.name
    staff = staff_check(name)
    stmts = [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {_q(name + '_staff')} ON {t} USING ({staff}) WITH CHECK ({staff})",
    ]
    if name in PUBLIC_READ:
        stmts.append(f"CREATE POLICY {_q(name + '_read')} ON {t} FOR SELECT USING (true)")
    elif name in CLINICIAN_READ:
        stmts.append(
            f"CREATE POLICY {_q(name + '_read')} ON {t} FOR SELECT USING (app_current_role() = 'therapist')"
        )
    elif name in APPEND_BY_ANYONE:
        stmts.append(f"CREATE POLICY {_q(name + '_append')} ON {t} FOR INSERT WITH CHECK (true)")
    elif name in SERVICE_STATE:
        stmts.append(f"CREATE POLICY {_q(name + '_service')} ON {t} USING (true) WITH CHECK (true)")
    return stmts


def audit_policies(table: Table) -> list[str]:
    t = _q(table.name)
    return [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {_q(table.name + '_insert')} ON {t} FOR INSERT WITH CHECK (true)",
        f"CREATE POLICY {_q(table.name + '_read')} ON {t} FOR SELECT "
        f"USING (actor_id = app_current_user_id() OR {staff_check(table.name)})",
        f"CREATE TRIGGER {_q(table.name + '_append_only')} BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
        f"CREATE TRIGGER {_q(table.name + '_no_truncate')} BEFORE TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    ]


# Without this a therapist (a co-owner of the row) could create an active relationship with any
# patient and from then on read that patient's data through every therapist policy. The clinician
# may activate only a request the patient made (and consented to) themselves.
RELATIONSHIPS_GUARD = """CREATE OR REPLACE FUNCTION therapeutic_relationships_guard() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
      IF app_current_role() = 'admin' OR app_is_worker_system() OR app_current_user_id() = NEW.patient_id THEN
        RETURN NEW;
      END IF;
      IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending' OR NEW.patient_consented_at IS NOT NULL
           OR NEW.consent_to_share_journal OR NEW.consent_to_share_chat
           OR NEW.consent_to_share_safety_plan OR NEW.consent_to_share_mood
           OR NEW.consent_to_share_assessments THEN
          RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
      ELSIF (NEW.status = 'active' AND OLD.status <> 'active'
             -- The clinician accepts what the patient asked for, with the consent they gave then.
             AND NOT (OLD.status = 'pending' AND OLD.created_by = OLD.patient_id
                      AND OLD.patient_consented_at IS NOT NULL
                      AND NEW.therapist_id = app_current_user_id()))
         OR NEW.patient_consented_at IS DISTINCT FROM OLD.patient_consented_at
         OR (NEW.consent_to_share_journal AND NOT OLD.consent_to_share_journal)
         OR (NEW.consent_to_share_chat AND NOT OLD.consent_to_share_chat)
         OR (NEW.consent_to_share_safety_plan AND NOT OLD.consent_to_share_safety_plan)
         OR (NEW.consent_to_share_mood AND NOT OLD.consent_to_share_mood)
         OR (NEW.consent_to_share_assessments AND NOT OLD.consent_to_share_assessments)
         OR NEW.patient_id <> OLD.patient_id OR NEW.therapist_id <> OLD.therapist_id THEN
        RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$"""
# As the generator wrote it before migration 0019 (whose downgrade restores it).
RELATIONSHIPS_GUARD_OLD = """CREATE OR REPLACE FUNCTION therapeutic_relationships_guard() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
      IF app_current_role() IN ('admin', 'system') OR app_current_user_id() = NEW.patient_id THEN
        RETURN NEW;
      END IF;
      IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'pending' OR NEW.patient_consented_at IS NOT NULL
           OR NEW.consent_to_share_journal OR NEW.consent_to_share_chat
           OR NEW.consent_to_share_safety_plan OR NEW.consent_to_share_mood
           OR NEW.consent_to_share_assessments THEN
          RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
      ELSIF (NEW.status = 'active' AND OLD.status <> 'active')
         OR NEW.patient_consented_at IS DISTINCT FROM OLD.patient_consented_at
         OR (NEW.consent_to_share_journal AND NOT OLD.consent_to_share_journal)
         OR (NEW.consent_to_share_chat AND NOT OLD.consent_to_share_chat)
         OR (NEW.consent_to_share_safety_plan AND NOT OLD.consent_to_share_safety_plan)
         OR (NEW.consent_to_share_mood AND NOT OLD.consent_to_share_mood)
         OR (NEW.consent_to_share_assessments AND NOT OLD.consent_to_share_assessments)
         OR NEW.patient_id <> OLD.patient_id OR NEW.therapist_id <> OLD.therapist_id THEN
        RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$"""

# Rules a row policy cannot express, tested in tests/db/test_guards.py.
GUARD_TRIGGERS = [
    RELATIONSHIPS_GUARD,
    """CREATE TRIGGER therapeutic_relationships_guard BEFORE INSERT OR UPDATE ON therapeutic_relationships
    FOR EACH ROW EXECUTE FUNCTION therapeutic_relationships_guard()""",
    # Signed clinical notes are corrected by addenda: once signed, only the move to 'amended',
    # a co-signature and account deletion (signed_by set to NULL) may change the row.
    """CREATE OR REPLACE FUNCTION session_notes_immutable_when_signed() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
      IF OLD.status <> 'draft' AND (
           NEW.content IS DISTINCT FROM OLD.content OR NEW.format <> OLD.format
           OR NEW.note_type <> OLD.note_type OR NEW.patient_id <> OLD.patient_id
           OR NEW.therapy_session_id IS DISTINCT FROM OLD.therapy_session_id
           OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
           OR (NEW.signed_by IS DISTINCT FROM OLD.signed_by AND NEW.signed_by IS NOT NULL)
           OR NEW.status NOT IN (OLD.status, 'amended')) THEN
        RAISE EXCEPTION 'signed session notes cannot be edited; add an addendum'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER session_notes_immutable_when_signed BEFORE UPDATE ON session_notes
    FOR EACH ROW EXECUTE FUNCTION session_notes_immutable_when_signed()""",
    # The clinician directory is readable by any signed-in person (patients choose a therapist,
    # the escalation worker finds backups); each clinician still edits only their own profile.
    """CREATE POLICY clinician_profiles_directory ON clinician_profiles FOR SELECT
    USING (app_current_user_id() IS NOT NULL OR app_is_worker_system())""",
    # A clinician reading a patient's record as the escalation's on-call backup is not their
    # treating therapist, yet the read must reach the patient's access log (migration 0010).
    # Only a row naming the caller as the reader, with their real role, can be appended.
    """CREATE POLICY data_access_logs_reader_append ON data_access_logs FOR INSERT
    WITH CHECK (accessor_id = app_current_user_id() AND accessor_role = app_current_role()
                AND app_current_role() IN ('therapist', 'admin'))""",
]


# What a party to a row may do that the owner policies do not say, where the service used to act
# as the system actor instead (migration 0019 freezes them).
EXTRA_POLICIES = [
    # The clinician a referral was sent to answers it (before any relationship with the patient).
    """CREATE POLICY referrals_recipient_answers ON referrals FOR UPDATE
    USING (referred_to_clinician_id = app_current_user_id() AND status = 'sent')
    WITH CHECK (referred_to_clinician_id = app_current_user_id() AND status IN ('accepted', 'declined'))""",
    # The referring clinician withdraws a referral that is still open (even after their care ended).
    """CREATE POLICY referrals_referrer_cancels ON referrals FOR UPDATE
    USING (referring_clinician_id = app_current_user_id() AND status IN ('draft', 'sent'))
    WITH CHECK (referring_clinician_id = app_current_user_id() AND status = 'cancelled')""",
]

# Migration 0021 freezes these.
EXTRA_POLICIES += [
    # A clinician acts on an escalation they may see (its assignee, a backup or on-call clinician
    # who is not treating the patient, or a treating therapist), and it stays one they may see.
    """CREATE POLICY crisis_escalations_clinician_acts ON crisis_escalations FOR UPDATE
    USING (app_current_role() = 'therapist'
           AND (assigned_to = app_current_user_id() OR app_is_treating_therapist(user_id)))
    WITH CHECK (app_current_role() = 'therapist'
                AND (assigned_to = app_current_user_id() OR app_is_treating_therapist(user_id)))""",
    # Administrators verify and suspend clinicians; a practice lead sets a member's backup and
    # locks the member's profile while rostering them.
    """CREATE POLICY clinician_profiles_admin_updates ON clinician_profiles FOR UPDATE
    USING (app_is_admin()) WITH CHECK (app_is_admin())""",
    """CREATE POLICY clinician_profiles_lead_updates ON clinician_profiles FOR UPDATE
    USING (app_leads_clinician(user_id)) WITH CHECK (app_leads_clinician(user_id))""",
    # Practices: members see their practice and its members; leads add and remove members and
    # roster on-call shifts for them (administrators have the staff policies).
    """CREATE POLICY care_practices_member_read ON care_practices FOR SELECT
    USING (app_member_of_practice(id))""",
    """CREATE POLICY care_practice_members_member_read ON care_practice_members FOR SELECT
    USING (app_member_of_practice(practice_id))""",
    """CREATE POLICY care_practice_members_lead_adds ON care_practice_members FOR INSERT
    WITH CHECK (app_leads_practice(practice_id))""",
    """CREATE POLICY care_practice_members_lead_updates ON care_practice_members FOR UPDATE
    USING (app_leads_practice(practice_id)) WITH CHECK (app_leads_practice(practice_id))""",
    """CREATE POLICY clinician_on_call_shifts_lead_adds ON clinician_on_call_shifts FOR INSERT
    WITH CHECK (app_leads_clinician(clinician_id))""",
    """CREATE POLICY clinician_on_call_shifts_lead_updates ON clinician_on_call_shifts FOR UPDATE
    USING (app_leads_clinician(clinician_id)) WITH CHECK (app_leads_clinician(clinician_id))""",
    # The clinician of an appointment changes it (cancels, reschedules) before any care
    # relationship exists (an intake): the appointment, its reminders, cancellation and room.
    """CREATE POLICY appointments_clinician_changes ON appointments FOR UPDATE
    USING (app_current_role() = 'therapist' AND therapist_id = app_current_user_id())
    WITH CHECK (app_current_role() = 'therapist' AND therapist_id = app_current_user_id())""",
    """CREATE POLICY appointments_clinician_reschedules ON appointments FOR INSERT
    WITH CHECK (therapist_id = app_current_user_id()
                AND app_clinician_appointment(rescheduled_from_id, patient_id))""",
    """CREATE POLICY appointment_reminders_clinician ON appointment_reminders
    USING (app_clinician_appointment(appointment_id, patient_id))
    WITH CHECK (app_clinician_appointment(appointment_id, patient_id))""",
    """CREATE POLICY appointment_cancellations_clinician ON appointment_cancellations FOR INSERT
    WITH CHECK (therapist_id = app_current_user_id()
                AND app_clinician_appointment(appointment_id, patient_id))""",
    # Insurance: administrators (an admin account, app_is_admin) run claims, eligibility and
    # remittances, whose patient statements are invoices; the treating clinician adds a patient's
    # policy, asks for eligibility and creates claims.
    *(
        f"""CREATE POLICY {t}_admin ON {t} USING (app_is_admin()) WITH CHECK (app_is_admin())"""
        for t in (
            "insurance_policies",
            "insurance_eligibility_checks",
            "insurance_claims",
            "insurance_claim_lines",
            "invoices",
            "invoice_items",
        )
    ),
    *(
        f"""CREATE POLICY {t}_treating_clinician ON {t}
    USING (app_current_role() = 'therapist' AND app_is_treating_therapist({owner}))
    WITH CHECK (app_current_role() = 'therapist' AND app_is_treating_therapist({owner}))"""
        for t, owner in (
            ("insurance_policies", "user_id"),
            ("insurance_eligibility_checks", "user_id"),
            ("insurance_claims", "patient_id"),
            ("insurance_claim_lines", "patient_id"),
        )
    ),
    """CREATE POLICY video_sessions_clinician ON video_sessions
    USING (therapist_id = app_current_user_id() AND app_clinician_appointment(appointment_id, patient_id))
    WITH CHECK (therapist_id = app_current_user_id()
                AND app_clinician_appointment(appointment_id, patient_id))""",
]


def role_statements(role: str) -> list[str]:
    """The application role: may log in, owns nothing, cannot bypass RLS."""
    r = _q(role)
    lit = role.replace("'", "''")
    return [
        f"""DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{lit}') THEN
               CREATE ROLE {r} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
             END IF;
           END $$""",
        f"ALTER ROLE {r} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
        f"GRANT USAGE ON SCHEMA public TO {r}",
    ]


def worker_role_statements(app_role: str, worker_role: str) -> list[str]:
    """The system group (inherits the application role's grants, now and later) and the worker's
    login role in it. Roles are cluster-wide and test runs migrate side by side: nothing is
    created, granted or altered that is already so (concurrent DDL on a role tuple fails)."""
    group, app, worker = _q(SYSTEM_GROUP_ROLE), _q(app_role), _q(worker_role)
    glit, alit, wlit = (n.replace("'", "''") for n in (SYSTEM_GROUP_ROLE, app_role, worker_role))
    return [
        f"""DO $$ BEGIN
             CREATE ROLE {group} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
           END $$""",
        f"""DO $$ BEGIN
             IF NOT pg_has_role('{glit}', '{alit}', 'MEMBER') THEN GRANT {app} TO {group}; END IF;
           END $$""",
        f"""DO $$ BEGIN
             CREATE ROLE {worker} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
           END $$""",
        f"""DO $$ BEGIN
             IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{wlit}'
                        AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole)) THEN
               ALTER ROLE {worker} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
             END IF;
             IF NOT pg_has_role('{wlit}', '{glit}', 'MEMBER') THEN GRANT {group} TO {worker}; END IF;
           END $$""",
    ]


# Lookups the API must make before a principal exists, each answering one question with an
# account id and nothing else. SECURITY DEFINER: they run with their owner's rights (the role
# that migrates), so the API reads no row it could not name itself; search_path is pinned so a
# caller cannot put its own table or operator in their way; only the application role (and the
# worker's, which inherits it) may call them.
def _definer(
    name: str, params: str, returns: str, body: str, volatility: str = "STABLE", language: str = "sql"
) -> tuple[str, str]:
    """(signature for GRANT, CREATE statement) of a SECURITY DEFINER function."""
    types = ", ".join(p.split()[-1] for p in params.split(", ")) if params else ""
    create = (
        f"CREATE OR REPLACE FUNCTION {name}({params}) RETURNS {returns}\n"
        f"    LANGUAGE {language} {volatility} SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n"
        f"    $$ {body} $$"
    )
    return f"{name}({types})", create


# hp_agent/scheduling/models.py LIVE_STATUSES (a test keeps the two in step).
LIVE_APPOINTMENT_STATUSES = "'requested', 'scheduled', 'confirmed', 'checked_in', 'in_progress', 'completed'"

DEFINER_FUNCTIONS: list[tuple[str, str]] = [
    # Sign-in (and password reset): whose account an address is; the service then reads that
    # account as its owner.
    _definer(
        "app_account_for_signin",
        "address text",
        "uuid",
        "SELECT u.id FROM public.users u WHERE lower(u.email) = lower(btrim(address))",
    ),
    # Refresh: whose session a refresh token's digest is.
    _definer(
        "app_account_for_refresh",
        "digest text",
        "uuid",
        "SELECT s.user_id FROM public.user_sessions s WHERE s.token_hash = digest",
    ),
    # Notifying someone other than the caller (a clinician of a patient's request, a patient of
    # an appointment change): their delivery choices, then one row in their inbox. The caller
    # reads nothing else of theirs and cannot read the row back.
    _definer(
        "app_notification_preferences",
        "person uuid",
        "TABLE(reminders boolean, appointments boolean, homework boolean, announcements boolean,"
        " quiet_start time, quiet_end time, timezone text)",
        "SELECT p.reminders, p.appointments, p.homework, p.announcements, p.quiet_start, p.quiet_end,"
        " p.timezone::text FROM public.notification_preferences p WHERE p.user_id = person",
    ),
    _definer(
        "app_deliver_notification",
        "person uuid, kind text, urgency text, heading text, content text, link text,"
        " about_type text, about_id uuid, dedupe text",
        "uuid",
        "INSERT INTO public.notifications (id, user_id, category, priority, title, body, action_url,"
        " resource_type, resource_id, dedupe_key) VALUES (gen_random_uuid(), person,"
        " kind::public.notification_category, urgency::public.notification_priority, heading, content,"
        " link, about_type, about_id, dedupe) ON CONFLICT (user_id, dedupe_key)"
        " WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id",
        "VOLATILE",
    ),
    # Redeeming a clinician's invitation code (the patient cannot read their clinician's codes):
    # the code's clinician, role and state, locked until the redeeming transaction ends.
    _definer(
        "app_care_code_for_redemption",
        "hash bytea",
        "TABLE(code_id uuid, clinician_id uuid, code_role text, expires_at timestamptz, used_at timestamptz)",
        "SELECT c.id, c.clinician_id, c.role::text, c.expires_at, c.used_at FROM public.care_invite_codes c"
        " WHERE c.code_hash = hash FOR UPDATE",
        "VOLATILE",
    ),
    # ... and spending it on the caller's own relationship with that clinician, once.
    _definer(
        "app_spend_care_code",
        "code uuid, relationship uuid",
        "boolean",
        "UPDATE public.care_invite_codes c SET used_at = now(), used_by = public.app_current_user_id(),"
        " relationship_id = relationship WHERE c.id = code AND c.used_at IS NULL AND EXISTS ("
        "SELECT 1 FROM public.therapeutic_relationships r WHERE r.id = relationship"
        " AND r.patient_id = public.app_current_user_id() AND r.therapist_id = c.clinician_id)"
        " RETURNING true",
        "VOLATILE",
    ),
    # A clinician's list of requests and relationships names the patients who asked them (or whom
    # they treat): display names of those patients only.
    _definer(
        "app_patient_names_for_clinician",
        "patients uuid[]",
        "TABLE(user_id uuid, display_name text)",
        "SELECT p.user_id, p.display_name::text FROM public.user_profiles p WHERE p.user_id = ANY(patients)"
        " AND EXISTS (SELECT 1 FROM public.therapeutic_relationships r WHERE r.patient_id = p.user_id"
        " AND r.therapist_id = public.app_current_user_id())",
    ),
    # A data export's download link (a bearer credential, sent to its owner): whose export it is.
    _definer(
        "app_export_link_owner",
        "digest text",
        "uuid",
        "SELECT e.user_id FROM public.data_exports e WHERE e.link_token_hash = digest",
    ),
    # An administrator's retention run from the API (the worker runs the same rules itself): only
    # the bookkeeping hp_agent/compliance/retention.py names, at least a day old, counted or deleted.
    _definer(
        "app_admin_retention",
        "apply boolean, sessions_days integer, outbox_days integer, exports_days integer",
        "TABLE(category text, affected bigint)",
        """DECLARE n bigint;
    BEGIN
      IF public.app_current_role() IS DISTINCT FROM 'admin' THEN
        RAISE EXCEPTION 'retention is run by an administrator' USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF least(sessions_days, outbox_days, exports_days) < 1 THEN
        RAISE EXCEPTION 'retention keeps rows at least a day' USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF apply THEN
        DELETE FROM public.user_sessions s WHERE s.expires_at < now() - make_interval(days => sessions_days);
        GET DIAGNOSTICS n = ROW_COUNT;
      ELSE
        SELECT count(*) INTO n FROM public.user_sessions s
        WHERE s.expires_at < now() - make_interval(days => sessions_days);
      END IF;
      category := 'expired_sessions'; affected := n; RETURN NEXT;
      IF apply THEN
        DELETE FROM public.outbox_events o
        WHERE o.published_at < now() - make_interval(days => outbox_days);
        GET DIAGNOSTICS n = ROW_COUNT;
      ELSE
        SELECT count(*) INTO n FROM public.outbox_events o
        WHERE o.published_at < now() - make_interval(days => outbox_days);
      END IF;
      category := 'relayed_outbox_events'; affected := n; RETURN NEXT;
      IF apply THEN
        DELETE FROM public.data_exports e WHERE e.status IN ('downloaded', 'expired', 'failed')
          AND e.updated_at < now() - make_interval(days => exports_days);
        GET DIAGNOSTICS n = ROW_COUNT;
      ELSE
        SELECT count(*) INTO n FROM public.data_exports e
        WHERE e.status IN ('downloaded', 'expired', 'failed')
          AND e.updated_at < now() - make_interval(days => exports_days);
      END IF;
      category := 'finished_exports'; affected := n; RETURN NEXT;
    END""",
        "VOLATILE",
        "plpgsql",
    ),
    # Emailing someone other than the caller: the email is queued with their address, which the
    # caller never sees (true when queued, NULL for a deleted account or a repeated key).
    _definer(
        "app_queue_email",
        "person uuid, kind text, heading text, content text, dedupe text",
        "boolean",
        "INSERT INTO public.email_outbox (recipient_user_id, to_address, template, subject, body_text,"
        " idempotency_key) SELECT u.id, u.email, kind, heading, content, dedupe FROM public.users u"
        " WHERE u.id = person AND u.status <> 'deleted'"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING true",
        "VOLATILE",
    ),
]


# Migration 0021: what API code asked as the system actor before (#14 finding 9), one question each.
DEFINER_FUNCTIONS += [
    # A coupon someone typed at checkout (coupons are staff rows; the code is what they know).
    _definer(
        "app_coupon_by_code",
        "typed text",
        "SETOF public.coupons",
        "SELECT c.* FROM public.coupons c WHERE lower(c.code) = lower(btrim(typed))",
    ),
    # ... counted once it is redeemed: only by the person whose redemption of it exists.
    _definer(
        "app_count_coupon_redemption",
        "coupon uuid",
        "boolean",
        "UPDATE public.coupons c SET times_redeemed = c.times_redeemed + 1 WHERE c.id = coupon AND EXISTS ("
        "SELECT 1 FROM public.coupon_redemptions r WHERE r.coupon_id = coupon"
        " AND r.user_id = public.app_current_user_id()) RETURNING true",
        "VOLATILE",
    ),
    # An administrator is someone whose session says so AND whose account is an active admin's
    # (the setting alone, which the API's role can write, is not enough).
    _definer(
        "app_is_admin",
        "",
        "boolean",
        "SELECT public.app_current_role() = 'admin' AND EXISTS (SELECT 1 FROM public.users u"
        " WHERE u.id = public.app_current_user_id() AND u.role = 'admin' AND u.status = 'active')",
    ),
    # Care practices (policies below): the calling clinician leads / belongs to the practice,
    # or leads a practice the given clinician belongs to. Definer rights because the policies
    # of care_practice_members would otherwise read the table they guard.
    _definer(
        "app_leads_practice",
        "practice uuid",
        "boolean",
        "SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM"
        " public.care_practice_members m"
        " WHERE m.practice_id = practice AND m.clinician_id = public.app_current_user_id()"
        " AND m.role = 'lead' AND m.left_at IS NULL)",
    ),
    _definer(
        "app_member_of_practice",
        "practice uuid",
        "boolean",
        "SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM"
        " public.care_practice_members m"
        " WHERE m.practice_id = practice AND m.clinician_id = public.app_current_user_id() AND"
        " m.left_at IS NULL)",
    ),
    _definer(
        "app_leads_clinician",
        "clinician uuid",
        "boolean",
        "SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM"
        " public.care_practice_members l"
        " JOIN public.care_practice_members m ON m.practice_id = l.practice_id AND m.left_at IS NULL"
        " WHERE l.clinician_id = public.app_current_user_id() AND l.role = 'lead' AND l.left_at IS NULL"
        " AND m.clinician_id = clinician)",
    ),
    # An administrator's list of clinicians shows their sign-in addresses (the users table, which
    # holds password hashes, has no admin policy): addresses of clinicians only, for admins only.
    _definer(
        "app_clinician_emails",
        "people uuid[]",
        "TABLE(user_id uuid, email text)",
        "SELECT u.id, u.email::text FROM public.users u WHERE u.id = ANY(people) AND u.role = 'therapist'"
        " AND public.app_is_admin()",
    ),
    # Accepting a clinician invitation (before any account exists): the invitation a token is,
    # locked until the accepting transaction ends ...
    _definer(
        "app_invitation_for_token",
        "hash bytea",
        "TABLE(invitation_id uuid, email text, expires_at timestamptz, accepted_at timestamptz,"
        " revoked_at timestamptz)",
        "SELECT i.id, i.email::text, i.expires_at, i.accepted_at, i.revoked_at FROM"
        " public.clinician_invitations i"
        " WHERE i.token_hash = hash FOR UPDATE",
        "VOLATILE",
    ),
    # ... and spending it, once, on the clinician account just made for its address.
    _definer(
        "app_accept_invitation",
        "invitation uuid",
        "boolean",
        "UPDATE public.clinician_invitations i SET accepted_at = now(), account_id ="
        " public.app_current_user_id()"
        " WHERE i.id = invitation AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()"
        " AND EXISTS (SELECT 1 FROM public.users u WHERE u.id = public.app_current_user_id()"
        " AND u.role = 'therapist' AND lower(u.email) = lower(i.email)) RETURNING true",
        "VOLATILE",
    ),
    # Booking reads a clinician's calendar without reading anyone's appointments: their zone
    # (NULL when the id is not a clinician's), weekly hours, exceptions, and busy and held times.
    _definer(
        "app_clinician_timezone",
        "clinician uuid",
        "text",
        "SELECT coalesce(nullif(p.timezone::text, ''), nullif(u.timezone::text, ''), 'UTC') FROM"
        " public.users u"
        " LEFT JOIN public.clinician_profiles p ON p.user_id = u.id WHERE u.id = clinician AND"
        " u.role = 'therapist'",
    ),
    _definer(
        "app_clinician_hours",
        "clinician uuid",
        "TABLE(weekday integer, start_time time, end_time time, valid_from date, valid_until date,"
        " timezone text)",
        "SELECT a.weekday, a.start_time, a.end_time, a.valid_from, a.valid_until, a.timezone::text"
        " FROM public.therapist_availability a WHERE a.therapist_id = clinician AND a.is_active"
        " ORDER BY a.weekday, a.start_time",
    ),
    _definer(
        "app_clinician_exceptions",
        "clinician uuid, from_at timestamptz, until_at timestamptz",
        "TABLE(extra boolean, starts_at timestamptz, ends_at timestamptz)",
        "SELECT e.kind = 'extra_availability', e.starts_at, e.ends_at"
        " FROM public.therapist_availability_exceptions e WHERE e.therapist_id = clinician"
        " AND e.starts_at < until_at AND e.ends_at > from_at ORDER BY e.starts_at",
    ),
    _definer(
        "app_clinician_busy",
        "clinician uuid, from_at timestamptz, until_at timestamptz, ignored uuid",
        "TABLE(starts_at timestamptz, ends_at timestamptz)",
        "SELECT a.starts_at, a.ends_at FROM public.appointments a WHERE a.therapist_id = clinician"
        f" AND a.status::text IN ({LIVE_APPOINTMENT_STATUSES})"
        " AND a.starts_at < until_at AND a.ends_at > from_at"
        " AND a.id IS DISTINCT FROM ignored",
    ),
    # Freed slots held for someone on the waitlist (except offers to the patient booking).
    _definer(
        "app_clinician_held",
        "clinician uuid, at timestamptz, except_patient uuid",
        "TABLE(starts_at timestamptz, ends_at timestamptz)",
        "SELECT a.starts_at, a.ends_at FROM public.appointments a JOIN public.appointment_waitlist_entries w"
        " ON w.offered_appointment_id = a.id WHERE w.therapist_id = clinician AND w.status = 'offered'"
        " AND w.offer_expires_at > at AND w.patient_id IS DISTINCT FROM except_patient",
    ),
    # The time of the slot offered on the caller's own waitlist entry (someone else's appointment).
    _definer(
        "app_offered_slot",
        "entry uuid",
        "TABLE(starts_at timestamptz, ends_at timestamptz)",
        "SELECT a.starts_at, a.ends_at FROM public.appointment_waitlist_entries w JOIN public.appointments a"
        " ON a.id = w.offered_appointment_id WHERE w.id = entry AND w.patient_id ="
        " public.app_current_user_id()",
    ),
    # A freed slot goes to the next suitable person waiting for that clinician (asked by a party
    # to the freed appointment, the person passing an offer on, or the worker): their entry is
    # marked offered; returns (entry, patient) for the notification, or nothing.
    _definer(
        "app_offer_freed_slot",
        "freed uuid, offer_minutes integer",
        "TABLE(entry_id uuid, patient_id uuid)",
        f"""DECLARE a public.appointments; expires timestamptz;
    BEGIN
      SELECT * INTO a FROM public.appointments x WHERE x.id = freed;
      IF NOT FOUND OR a.therapist_id IS NULL THEN RETURN; END IF;
      -- Inside a definer pg_has_role(current_user) is the owner's, so the worker is recognised by
      -- its setting here; what it may do is what the service does for any freed slot anyway.
      IF NOT (public.app_current_role() = 'system'
              OR public.app_current_user_id() IN (a.patient_id, a.therapist_id)
              OR EXISTS (SELECT 1 FROM public.appointment_waitlist_entries o
                         WHERE o.offered_appointment_id = freed
                           AND o.patient_id = public.app_current_user_id())) THEN
        RAISE EXCEPTION 'not a party to this appointment' USING ERRCODE = 'insufficient_privilege';
      END IF;
      expires := least(now() + make_interval(mins => offer_minutes), a.starts_at);
      IF expires <= now() THEN RETURN; END IF;
      -- Someone already booked the time (or holds an offer on it): nothing to offer.
      IF EXISTS (SELECT 1 FROM public.appointments b WHERE b.therapist_id = a.therapist_id
                 AND b.status::text IN ({LIVE_APPOINTMENT_STATUSES})
                 AND b.starts_at < a.ends_at AND b.ends_at > a.starts_at)
         OR EXISTS (SELECT 1 FROM public.appointment_waitlist_entries h WHERE h.offered_appointment_id = freed
                    AND h.status = 'offered') THEN
        RETURN;
      END IF;
      RETURN QUERY
      UPDATE public.appointment_waitlist_entries u SET status = 'offered', offered_appointment_id = freed,
             offered_at = now(), offer_expires_at = expires
      WHERE u.id = (
        SELECT w.id FROM public.appointment_waitlist_entries w
        JOIN public.appointment_types t ON t.id = w.appointment_type_id
        WHERE w.therapist_id = a.therapist_id AND w.status = 'waiting'
          AND w.patient_id IS DISTINCT FROM a.patient_id
          AND a.starts_at + make_interval(mins => t.duration_minutes) <= a.ends_at
          AND (w.earliest_date IS NULL OR (a.starts_at AT TIME ZONE coalesce(w.timezone, 'UTC'))::date
               >= w.earliest_date)
          AND (w.latest_date IS NULL OR (a.starts_at AT TIME ZONE coalesce(w.timezone, 'UTC'))::date
               <= w.latest_date)
        ORDER BY w.priority, w.created_at LIMIT 1 FOR UPDATE OF w SKIP LOCKED)
      RETURNING u.id, u.patient_id;
    END""",
        "VOLATILE",
        "plpgsql",
    ),
    # A calendar feed's secret address (a bearer credential): whose feed it is.
    _definer(
        "app_calendar_feed_owner",
        "digest bytea",
        "uuid",
        "SELECT f.user_id FROM public.calendar_feeds f WHERE f.token_hash = digest AND f.revoked_at IS NULL",
    ),
    # A clinician's changes to an appointment with them (rescheduling writes the new one): the
    # policies below let the clinician write rows that belong to such an appointment.
    _definer(
        "app_clinician_appointment",
        "appointment uuid, patient uuid",
        "boolean",
        "SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM public.appointments a"
        " WHERE a.id = appointment AND a.patient_id = patient AND a.therapist_id ="
        " public.app_current_user_id())",
    ),
    # An insurance claim (administrators' work) names its patient: their display name only.
    _definer(
        "app_claim_patient_name",
        "claim uuid",
        "text",
        "SELECT p.display_name::text FROM public.insurance_claims c JOIN public.user_profiles p"
        " ON p.user_id = c.patient_id WHERE c.id = claim AND public.app_is_admin()",
    ),
    # The payment processor's webhook (signed, for no one person): whose subscription it is about;
    # the event is then applied as that person.
    _definer(
        "app_subscription_owner",
        "ref text",
        "uuid",
        "SELECT s.user_id FROM public.user_subscriptions s WHERE s.processor_subscription_id = ref",
    ),
    # A clinician closing an escalation as a false alarm labels its detections (which a backup
    # clinician may not read): only those of an escalation they may act on, with their own id.
    _definer(
        "app_label_false_positive",
        "escalation uuid",
        "integer",
        """DECLARE n integer;
    BEGIN
      UPDATE public.crisis_detections d SET review_label = 'false_positive', reviewed_at = now(),
             reviewed_by = public.app_current_user_id()
      FROM public.crisis_escalations e
      WHERE e.id = escalation AND d.id IN (e.detection_id, e.last_detection_id)
        AND public.app_current_role() = 'therapist' AND public.app_current_user_id() IS NOT NULL
        AND (e.assigned_to = public.app_current_user_id() OR EXISTS (
               SELECT 1 FROM public.therapeutic_relationships r WHERE r.patient_id = e.user_id
               AND r.therapist_id = public.app_current_user_id() AND r.status = 'active'));
      GET DIAGNOSTICS n = ROW_COUNT;
      RETURN n;
    END""",
        "VOLATILE",
        "plpgsql",
    ),
]


def definer_statements(role: str) -> list[str]:
    r = _q(role)
    out: list[str] = []
    for signature, body in DEFINER_FUNCTIONS:
        out += [
            body,
            f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {signature} TO {r}",
        ]
    return out


def grant_statements(role: str, tables: Iterable[Table]) -> list[str]:
    r = _q(role)
    out = []
    for table in tables:
        privileges = "SELECT, INSERT" if table.info.get("audit") else "SELECT, INSERT, UPDATE, DELETE"
        out.append(f"GRANT {privileges} ON {_q(table.name)} TO {r}")
    return out


def policies_of(table: Table) -> list[str]:
    """The statements that secure ``table``, whichever kind it is."""
    if "rls" in table.info:
        return table_policies(table)
    if table.info.get("audit"):
        return audit_policies(table)
    return reference_policies(table)


def security_statements(metadata: MetaData, role: str) -> list[str]:
    stmts = [*role_statements(role), *PRINCIPAL_FUNCTIONS, AUDIT_TRIGGER_FUNCTION]
    stmts += grant_statements(role, metadata.sorted_tables)
    for table in rls_tables(metadata):
        stmts += table_policies(table)
    for table in audit_tables(metadata):
        stmts += audit_policies(table)
    for table in reference_tables(metadata):
        stmts += reference_policies(table)
    # Definer functions before the extra policies, some of which call them.
    return stmts + GUARD_TRIGGERS + definer_statements(role) + EXTRA_POLICIES


def main() -> None:
    from hp_agent.db.models import load_all

    role = sys.argv[1] if len(sys.argv) > 1 else "hp_app"
    for stmt in security_statements(load_all().metadata, role):
        print(stmt + ";\n")


if __name__ == "__main__":
    main()
