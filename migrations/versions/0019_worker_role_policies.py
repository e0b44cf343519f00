"""worker role policies: only the worker's database role acts as the system actor (#14 finding 9)

Row-level security used to give the system actor's access to whoever set
``app.current_role = 'system'``, a setting the API's own role can write. From here the policies of
the tables below check the login role instead (``app_is_worker_system()``: a member of
``hp_system``, which only the worker's role is), and the API reaches what it needs before a
principal exists through narrow SECURITY DEFINER functions (one question, an account id back,
``search_path`` pinned, EXECUTE for the application role only). Tables still listed in
``security.API_SYSTEM_LEGACY`` keep the old policy (docs/operations.md says which and why).

The statements are a frozen copy of what hp_agent/db/security.py generates:

    python -c "from hp_agent.db.models import load_all; from hp_agent.db.security import *; \
        print(definer_statements('__HP_APP_ROLE__')); \
        print(cleared_policy_changes(load_all().metadata, CLEARED)); \
        print(EXTRA_POLICIES, RELATIONSHIPS_GUARD, RELATIONSHIPS_GUARD_OLD)"

SECURITY DEFINER functions run with the rights of the role that migrates, which must bypass
row-level security (a superuser, as the compose file's and the embedded server's owner is, or a
BYPASSRLS role): the migration refuses to run otherwise.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from hp_agent.config import get_settings

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

CLEARED: list[str] = [
    "ai_agent_configurations",
    "analytics_cohorts",
    "analytics_rollup_jobs",
    "api_keys",
    "assessment_assignments",
    "assessment_schedules",
    "assessment_templates",
    "audit_logs",
    "audit_logs_archive",
    "business_associate_agreements",
    "care_invite_codes",
    "care_plan_tasks",
    "care_plans",
    "care_team_members",
    "care_teams",
    "clinical_outcome_metrics",
    "consent_documents",
    "consent_tracking",
    "crisis_daily_aggregates",
    "crisis_keywords",
    "crisis_resources",
    "data_access_logs",
    "data_breach_incidents",
    "data_exports",
    "data_retention_policies",
    "data_subject_requests",
    "drug_interactions",
    "feature_flags",
    "feature_usage_events",
    "generated_reports",
    "journal_prompts",
    "kpi_snapshots",
    "medication_reminders",
    "medication_schedules",
    "medications",
    "notification_preferences",
    "notifications",
    "population_health_metrics",
    "privacy_settings",
    "referrals",
    "report_definitions",
    "system_announcements",
    "system_configurations",
    "therapeutic_relationships",
    "therapist_performance_metrics",
    "user_consents",
    "user_engagement_daily",
    "user_medications",
    "user_preferences",
    "user_sessions",
]

FUNCTIONS: list[str] = [
    "CREATE OR REPLACE FUNCTION app_account_for_signin(address text) RETURNS uuid\n    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ SELECT u.id FROM public.users u WHERE lower(u.email) = lower(btrim(address)) $$",
    "REVOKE ALL ON FUNCTION app_account_for_signin(text) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_account_for_signin(text) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_account_for_refresh(digest text) RETURNS uuid\n    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ SELECT s.user_id FROM public.user_sessions s WHERE s.token_hash = digest $$",
    "REVOKE ALL ON FUNCTION app_account_for_refresh(text) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_account_for_refresh(text) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_notification_preferences(person uuid) RETURNS TABLE(reminders boolean, appointments boolean, homework boolean, announcements boolean, quiet_start time, quiet_end time, timezone text)\n    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ SELECT p.reminders, p.appointments, p.homework, p.announcements, p.quiet_start, p.quiet_end, p.timezone::text FROM public.notification_preferences p WHERE p.user_id = person $$",
    "REVOKE ALL ON FUNCTION app_notification_preferences(uuid) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_notification_preferences(uuid) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_deliver_notification(person uuid, kind text, urgency text, heading text, content text, link text, about_type text, about_id uuid, dedupe text) RETURNS uuid\n    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ INSERT INTO public.notifications (id, user_id, category, priority, title, body, action_url, resource_type, resource_id, dedupe_key) VALUES (gen_random_uuid(), person, kind::public.notification_category, urgency::public.notification_priority, heading, content, link, about_type, about_id, dedupe) ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id $$",
    "REVOKE ALL ON FUNCTION app_deliver_notification(uuid, text, text, text, text, text, text, uuid, text) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_deliver_notification(uuid, text, text, text, text, text, text, uuid, text) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_care_code_for_redemption(hash bytea) RETURNS TABLE(code_id uuid, clinician_id uuid, code_role text, expires_at timestamptz, used_at timestamptz)\n    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ SELECT c.id, c.clinician_id, c.role::text, c.expires_at, c.used_at FROM public.care_invite_codes c WHERE c.code_hash = hash FOR UPDATE $$",
    "REVOKE ALL ON FUNCTION app_care_code_for_redemption(bytea) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_care_code_for_redemption(bytea) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_spend_care_code(code uuid, relationship uuid) RETURNS boolean\n    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ UPDATE public.care_invite_codes c SET used_at = now(), used_by = public.app_current_user_id(), relationship_id = relationship WHERE c.id = code AND c.used_at IS NULL AND EXISTS (SELECT 1 FROM public.therapeutic_relationships r WHERE r.id = relationship AND r.patient_id = public.app_current_user_id() AND r.therapist_id = c.clinician_id) RETURNING true $$",
    "REVOKE ALL ON FUNCTION app_spend_care_code(uuid, uuid) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_spend_care_code(uuid, uuid) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_patient_names_for_clinician(patients uuid[]) RETURNS TABLE(user_id uuid, display_name text)\n    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ SELECT p.user_id, p.display_name::text FROM public.user_profiles p WHERE p.user_id = ANY(patients) AND EXISTS (SELECT 1 FROM public.therapeutic_relationships r WHERE r.patient_id = p.user_id AND r.therapist_id = public.app_current_user_id()) $$",
    "REVOKE ALL ON FUNCTION app_patient_names_for_clinician(uuid[]) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_patient_names_for_clinician(uuid[]) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_export_link_owner(digest text) RETURNS uuid\n    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ SELECT e.user_id FROM public.data_exports e WHERE e.link_token_hash = digest $$",
    "REVOKE ALL ON FUNCTION app_export_link_owner(text) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_export_link_owner(text) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_admin_retention(apply boolean, sessions_days integer, outbox_days integer, exports_days integer) RETURNS TABLE(category text, affected bigint)\n    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ DECLARE n bigint;\n    BEGIN\n      IF public.app_current_role() IS DISTINCT FROM 'admin' THEN\n        RAISE EXCEPTION 'retention is run by an administrator' USING ERRCODE = 'insufficient_privilege';\n      END IF;\n      IF least(sessions_days, outbox_days, exports_days) < 1 THEN\n        RAISE EXCEPTION 'retention keeps rows at least a day' USING ERRCODE = 'invalid_parameter_value';\n      END IF;\n      IF apply THEN\n        DELETE FROM public.user_sessions s WHERE s.expires_at < now() - make_interval(days => sessions_days);\n        GET DIAGNOSTICS n = ROW_COUNT;\n      ELSE\n        SELECT count(*) INTO n FROM public.user_sessions s\n        WHERE s.expires_at < now() - make_interval(days => sessions_days);\n      END IF;\n      category := 'expired_sessions'; affected := n; RETURN NEXT;\n      IF apply THEN\n        DELETE FROM public.outbox_events o\n        WHERE o.published_at < now() - make_interval(days => outbox_days);\n        GET DIAGNOSTICS n = ROW_COUNT;\n      ELSE\n        SELECT count(*) INTO n FROM public.outbox_events o\n        WHERE o.published_at < now() - make_interval(days => outbox_days);\n      END IF;\n      category := 'relayed_outbox_events'; affected := n; RETURN NEXT;\n      IF apply THEN\n        DELETE FROM public.data_exports e WHERE e.status IN ('downloaded', 'expired', 'failed')\n          AND e.updated_at < now() - make_interval(days => exports_days);\n        GET DIAGNOSTICS n = ROW_COUNT;\n      ELSE\n        SELECT count(*) INTO n FROM public.data_exports e\n        WHERE e.status IN ('downloaded', 'expired', 'failed')\n          AND e.updated_at < now() - make_interval(days => exports_days);\n      END IF;\n      category := 'finished_exports'; affected := n; RETURN NEXT;\n    END $$",
    "REVOKE ALL ON FUNCTION app_admin_retention(boolean, integer, integer, integer) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_admin_retention(boolean, integer, integer, integer) TO "__HP_APP_ROLE__"',
    "CREATE OR REPLACE FUNCTION app_queue_email(person uuid, kind text, heading text, content text, dedupe text) RETURNS boolean\n    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n    $$ INSERT INTO public.email_outbox (recipient_user_id, to_address, template, subject, body_text, idempotency_key) SELECT u.id, u.email, kind, heading, content, dedupe FROM public.users u WHERE u.id = person AND u.status <> 'deleted' ON CONFLICT (idempotency_key) DO NOTHING RETURNING true $$",
    "REVOKE ALL ON FUNCTION app_queue_email(uuid, text, text, text, text) FROM PUBLIC",
    'GRANT EXECUTE ON FUNCTION app_queue_email(uuid, text, text, text, text) TO "__HP_APP_ROLE__"',
]

FUNCTION_SIGNATURES: list[str] = [
    "app_account_for_signin(text)",
    "app_account_for_refresh(text)",
    "app_notification_preferences(uuid)",
    "app_deliver_notification(uuid, text, text, text, text, text, text, uuid, text)",
    "app_care_code_for_redemption(bytea)",
    "app_spend_care_code(uuid, uuid)",
    "app_patient_names_for_clinician(uuid[])",
    "app_export_link_owner(text)",
    "app_admin_retention(boolean, integer, integer, integer)",
    "app_queue_email(uuid, text, text, text, text)",
]

# (table, policy, with the role check, as before)
POLICIES: list[tuple[str, str, str, str]] = [
    (
        "ai_agent_configurations",
        "ai_agent_configurations_staff",
        "CREATE POLICY \"ai_agent_configurations_staff\" ON \"ai_agent_configurations\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"ai_agent_configurations_staff\" ON \"ai_agent_configurations\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "analytics_cohorts",
        "analytics_cohorts_staff",
        "CREATE POLICY \"analytics_cohorts_staff\" ON \"analytics_cohorts\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"analytics_cohorts_staff\" ON \"analytics_cohorts\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "analytics_rollup_jobs",
        "analytics_rollup_jobs_staff",
        "CREATE POLICY \"analytics_rollup_jobs_staff\" ON \"analytics_rollup_jobs\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"analytics_rollup_jobs_staff\" ON \"analytics_rollup_jobs\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "api_keys",
        "api_keys_staff",
        "CREATE POLICY \"api_keys_staff\" ON \"api_keys\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"api_keys_staff\" ON \"api_keys\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "assessment_assignments",
        "assessment_assignments_system",
        'CREATE POLICY "assessment_assignments_system" ON "assessment_assignments" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"assessment_assignments_system\" ON \"assessment_assignments\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "assessment_schedules",
        "assessment_schedules_system",
        'CREATE POLICY "assessment_schedules_system" ON "assessment_schedules" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"assessment_schedules_system\" ON \"assessment_schedules\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "assessment_templates",
        "assessment_templates_staff",
        "CREATE POLICY \"assessment_templates_staff\" ON \"assessment_templates\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"assessment_templates_staff\" ON \"assessment_templates\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "audit_logs",
        "audit_logs_read",
        'CREATE POLICY "audit_logs_read" ON "audit_logs" FOR SELECT USING (actor_id = app_current_user_id() OR (app_current_role() = \'admin\' OR app_is_worker_system()))',
        "CREATE POLICY \"audit_logs_read\" ON \"audit_logs\" FOR SELECT USING (actor_id = app_current_user_id() OR app_current_role() IN ('admin', 'system'))",
    ),
    (
        "audit_logs_archive",
        "audit_logs_archive_read",
        'CREATE POLICY "audit_logs_archive_read" ON "audit_logs_archive" FOR SELECT USING (actor_id = app_current_user_id() OR (app_current_role() = \'admin\' OR app_is_worker_system()))',
        "CREATE POLICY \"audit_logs_archive_read\" ON \"audit_logs_archive\" FOR SELECT USING (actor_id = app_current_user_id() OR app_current_role() IN ('admin', 'system'))",
    ),
    (
        "business_associate_agreements",
        "business_associate_agreements_staff",
        "CREATE POLICY \"business_associate_agreements_staff\" ON \"business_associate_agreements\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"business_associate_agreements_staff\" ON \"business_associate_agreements\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "care_invite_codes",
        "care_invite_codes_system",
        'CREATE POLICY "care_invite_codes_system" ON "care_invite_codes" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"care_invite_codes_system\" ON \"care_invite_codes\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "care_plan_tasks",
        "care_plan_tasks_system",
        'CREATE POLICY "care_plan_tasks_system" ON "care_plan_tasks" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"care_plan_tasks_system\" ON \"care_plan_tasks\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "care_plans",
        "care_plans_system",
        'CREATE POLICY "care_plans_system" ON "care_plans" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"care_plans_system\" ON \"care_plans\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "care_team_members",
        "care_team_members_system",
        'CREATE POLICY "care_team_members_system" ON "care_team_members" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"care_team_members_system\" ON \"care_team_members\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "care_teams",
        "care_teams_system",
        'CREATE POLICY "care_teams_system" ON "care_teams" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"care_teams_system\" ON \"care_teams\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "clinical_outcome_metrics",
        "clinical_outcome_metrics_staff",
        "CREATE POLICY \"clinical_outcome_metrics_staff\" ON \"clinical_outcome_metrics\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"clinical_outcome_metrics_staff\" ON \"clinical_outcome_metrics\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "consent_documents",
        "consent_documents_staff",
        "CREATE POLICY \"consent_documents_staff\" ON \"consent_documents\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"consent_documents_staff\" ON \"consent_documents\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "consent_tracking",
        "consent_tracking_system",
        'CREATE POLICY "consent_tracking_system" ON "consent_tracking" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"consent_tracking_system\" ON \"consent_tracking\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "crisis_daily_aggregates",
        "crisis_daily_aggregates_staff",
        "CREATE POLICY \"crisis_daily_aggregates_staff\" ON \"crisis_daily_aggregates\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"crisis_daily_aggregates_staff\" ON \"crisis_daily_aggregates\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "crisis_keywords",
        "crisis_keywords_staff",
        "CREATE POLICY \"crisis_keywords_staff\" ON \"crisis_keywords\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"crisis_keywords_staff\" ON \"crisis_keywords\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "crisis_resources",
        "crisis_resources_staff",
        "CREATE POLICY \"crisis_resources_staff\" ON \"crisis_resources\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"crisis_resources_staff\" ON \"crisis_resources\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "data_access_logs",
        "data_access_logs_system",
        'CREATE POLICY "data_access_logs_system" ON "data_access_logs" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"data_access_logs_system\" ON \"data_access_logs\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "data_breach_incidents",
        "data_breach_incidents_staff",
        "CREATE POLICY \"data_breach_incidents_staff\" ON \"data_breach_incidents\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"data_breach_incidents_staff\" ON \"data_breach_incidents\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "data_exports",
        "data_exports_system",
        'CREATE POLICY "data_exports_system" ON "data_exports" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"data_exports_system\" ON \"data_exports\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "data_retention_policies",
        "data_retention_policies_staff",
        "CREATE POLICY \"data_retention_policies_staff\" ON \"data_retention_policies\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"data_retention_policies_staff\" ON \"data_retention_policies\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "data_subject_requests",
        "data_subject_requests_system",
        'CREATE POLICY "data_subject_requests_system" ON "data_subject_requests" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"data_subject_requests_system\" ON \"data_subject_requests\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "drug_interactions",
        "drug_interactions_staff",
        "CREATE POLICY \"drug_interactions_staff\" ON \"drug_interactions\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"drug_interactions_staff\" ON \"drug_interactions\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "feature_flags",
        "feature_flags_staff",
        "CREATE POLICY \"feature_flags_staff\" ON \"feature_flags\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"feature_flags_staff\" ON \"feature_flags\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "feature_usage_events",
        "feature_usage_events_system",
        'CREATE POLICY "feature_usage_events_system" ON "feature_usage_events" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"feature_usage_events_system\" ON \"feature_usage_events\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "generated_reports",
        "generated_reports_staff",
        "CREATE POLICY \"generated_reports_staff\" ON \"generated_reports\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"generated_reports_staff\" ON \"generated_reports\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "journal_prompts",
        "journal_prompts_staff",
        "CREATE POLICY \"journal_prompts_staff\" ON \"journal_prompts\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"journal_prompts_staff\" ON \"journal_prompts\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "kpi_snapshots",
        "kpi_snapshots_staff",
        "CREATE POLICY \"kpi_snapshots_staff\" ON \"kpi_snapshots\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"kpi_snapshots_staff\" ON \"kpi_snapshots\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "medication_reminders",
        "medication_reminders_system",
        'CREATE POLICY "medication_reminders_system" ON "medication_reminders" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"medication_reminders_system\" ON \"medication_reminders\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "medication_schedules",
        "medication_schedules_system",
        'CREATE POLICY "medication_schedules_system" ON "medication_schedules" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"medication_schedules_system\" ON \"medication_schedules\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "medications",
        "medications_staff",
        "CREATE POLICY \"medications_staff\" ON \"medications\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"medications_staff\" ON \"medications\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "notification_preferences",
        "notification_preferences_system",
        'CREATE POLICY "notification_preferences_system" ON "notification_preferences" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"notification_preferences_system\" ON \"notification_preferences\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "notifications",
        "notifications_system",
        'CREATE POLICY "notifications_system" ON "notifications" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"notifications_system\" ON \"notifications\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "population_health_metrics",
        "population_health_metrics_staff",
        "CREATE POLICY \"population_health_metrics_staff\" ON \"population_health_metrics\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"population_health_metrics_staff\" ON \"population_health_metrics\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "privacy_settings",
        "privacy_settings_system",
        'CREATE POLICY "privacy_settings_system" ON "privacy_settings" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"privacy_settings_system\" ON \"privacy_settings\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "referrals",
        "referrals_system",
        'CREATE POLICY "referrals_system" ON "referrals" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"referrals_system\" ON \"referrals\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "report_definitions",
        "report_definitions_staff",
        "CREATE POLICY \"report_definitions_staff\" ON \"report_definitions\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"report_definitions_staff\" ON \"report_definitions\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "system_announcements",
        "system_announcements_staff",
        "CREATE POLICY \"system_announcements_staff\" ON \"system_announcements\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"system_announcements_staff\" ON \"system_announcements\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "system_configurations",
        "system_configurations_staff",
        "CREATE POLICY \"system_configurations_staff\" ON \"system_configurations\" USING ((app_current_role() = 'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
        "CREATE POLICY \"system_configurations_staff\" ON \"system_configurations\" USING (app_current_role() IN ('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))",
    ),
    (
        "therapeutic_relationships",
        "therapeutic_relationships_system",
        'CREATE POLICY "therapeutic_relationships_system" ON "therapeutic_relationships" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"therapeutic_relationships_system\" ON \"therapeutic_relationships\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "therapist_performance_metrics",
        "therapist_performance_metrics_system",
        'CREATE POLICY "therapist_performance_metrics_system" ON "therapist_performance_metrics" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"therapist_performance_metrics_system\" ON \"therapist_performance_metrics\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "user_consents",
        "user_consents_system",
        'CREATE POLICY "user_consents_system" ON "user_consents" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"user_consents_system\" ON \"user_consents\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "user_engagement_daily",
        "user_engagement_daily_system",
        'CREATE POLICY "user_engagement_daily_system" ON "user_engagement_daily" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"user_engagement_daily_system\" ON \"user_engagement_daily\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "user_medications",
        "user_medications_system",
        'CREATE POLICY "user_medications_system" ON "user_medications" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"user_medications_system\" ON \"user_medications\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "user_preferences",
        "user_preferences_system",
        'CREATE POLICY "user_preferences_system" ON "user_preferences" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"user_preferences_system\" ON \"user_preferences\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
    (
        "user_sessions",
        "user_sessions_system",
        'CREATE POLICY "user_sessions_system" ON "user_sessions" USING (app_is_worker_system()) WITH CHECK (app_is_worker_system())',
        "CREATE POLICY \"user_sessions_system\" ON \"user_sessions\" USING (app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')",
    ),
]

# Policies for a party to a row, where the service acted as the system actor before
EXTRA_POLICIES: list[str] = [
    "CREATE POLICY referrals_recipient_answers ON referrals FOR UPDATE\n    USING (referred_to_clinician_id = app_current_user_id() AND status = 'sent')\n    WITH CHECK (referred_to_clinician_id = app_current_user_id() AND status IN ('accepted', 'declined'))",
    "CREATE POLICY referrals_referrer_cancels ON referrals FOR UPDATE\n    USING (referring_clinician_id = app_current_user_id() AND status IN ('draft', 'sent'))\n    WITH CHECK (referring_clinician_id = app_current_user_id() AND status = 'cancelled')",
]

# Trigger functions: (with the role check, as before)
TRIGGER_FUNCTIONS: list[tuple[str, str]] = [
    (
        "CREATE OR REPLACE FUNCTION therapeutic_relationships_guard() RETURNS trigger\n    LANGUAGE plpgsql AS\n    $$ BEGIN\n      IF app_current_role() = 'admin' OR app_is_worker_system() OR app_current_user_id() = NEW.patient_id THEN\n        RETURN NEW;\n      END IF;\n      IF TG_OP = 'INSERT' THEN\n        IF NEW.status <> 'pending' OR NEW.patient_consented_at IS NOT NULL\n           OR NEW.consent_to_share_journal OR NEW.consent_to_share_chat\n           OR NEW.consent_to_share_safety_plan OR NEW.consent_to_share_mood\n           OR NEW.consent_to_share_assessments THEN\n          RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'\n            USING ERRCODE = 'insufficient_privilege';\n        END IF;\n      ELSIF (NEW.status = 'active' AND OLD.status <> 'active'\n             -- The clinician accepts what the patient asked for, with the consent they gave then.\n             AND NOT (OLD.status = 'pending' AND OLD.created_by = OLD.patient_id\n                      AND OLD.patient_consented_at IS NOT NULL\n                      AND NEW.therapist_id = app_current_user_id()))\n         OR NEW.patient_consented_at IS DISTINCT FROM OLD.patient_consented_at\n         OR (NEW.consent_to_share_journal AND NOT OLD.consent_to_share_journal)\n         OR (NEW.consent_to_share_chat AND NOT OLD.consent_to_share_chat)\n         OR (NEW.consent_to_share_safety_plan AND NOT OLD.consent_to_share_safety_plan)\n         OR (NEW.consent_to_share_mood AND NOT OLD.consent_to_share_mood)\n         OR (NEW.consent_to_share_assessments AND NOT OLD.consent_to_share_assessments)\n         OR NEW.patient_id <> OLD.patient_id OR NEW.therapist_id <> OLD.therapist_id THEN\n        RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'\n          USING ERRCODE = 'insufficient_privilege';\n      END IF;\n      RETURN NEW;\n    END $$",
        "CREATE OR REPLACE FUNCTION therapeutic_relationships_guard() RETURNS trigger\n    LANGUAGE plpgsql AS\n    $$ BEGIN\n      IF app_current_role() IN ('admin', 'system') OR app_current_user_id() = NEW.patient_id THEN\n        RETURN NEW;\n      END IF;\n      IF TG_OP = 'INSERT' THEN\n        IF NEW.status <> 'pending' OR NEW.patient_consented_at IS NOT NULL\n           OR NEW.consent_to_share_journal OR NEW.consent_to_share_chat\n           OR NEW.consent_to_share_safety_plan OR NEW.consent_to_share_mood\n           OR NEW.consent_to_share_assessments THEN\n          RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'\n            USING ERRCODE = 'insufficient_privilege';\n        END IF;\n      ELSIF (NEW.status = 'active' AND OLD.status <> 'active')\n         OR NEW.patient_consented_at IS DISTINCT FROM OLD.patient_consented_at\n         OR (NEW.consent_to_share_journal AND NOT OLD.consent_to_share_journal)\n         OR (NEW.consent_to_share_chat AND NOT OLD.consent_to_share_chat)\n         OR (NEW.consent_to_share_safety_plan AND NOT OLD.consent_to_share_safety_plan)\n         OR (NEW.consent_to_share_mood AND NOT OLD.consent_to_share_mood)\n         OR (NEW.consent_to_share_assessments AND NOT OLD.consent_to_share_assessments)\n         OR NEW.patient_id <> OLD.patient_id OR NEW.therapist_id <> OLD.therapist_id THEN\n        RAISE EXCEPTION 'only the patient can activate a therapeutic relationship or grant consent'\n          USING ERRCODE = 'insufficient_privilege';\n      END IF;\n      RETURN NEW;\n    END $$",
    ),
]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def upgrade() -> None:
    bypass = (
        op.get_bind()
        .execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"))
        .scalar_one()
    )
    if not bypass:
        raise RuntimeError(
            "migration 0019 must run as a role that bypasses row-level security (see its docstring)"
        )
    role = _role()
    for stmt in FUNCTIONS:
        op.execute(stmt.replace(ROLE_PLACEHOLDER, role))
    for after, _before in TRIGGER_FUNCTIONS:
        op.execute(after)
    for table, policy, after, _before in POLICIES:
        op.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        op.execute(after)
    for stmt in EXTRA_POLICIES:
        op.execute(stmt)


def downgrade() -> None:
    for stmt in EXTRA_POLICIES:
        name, table = stmt.split()[2], stmt.split()[4]
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    for table, policy, _after, before in reversed(POLICIES):
        op.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        op.execute(before)
    for _after, before in TRIGGER_FUNCTIONS:
        op.execute(before)
    for signature in FUNCTION_SIGNATURES:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
