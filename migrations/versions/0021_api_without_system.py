"""API without the system actor: the last tables stop trusting ``app.current_role`` (#14 finding 9)

Migration 0019 made the worker's login role (a member of ``hp_system``) the only one that acts as
the system actor on most tables; the tables in ``CLEARED`` below still accepted the setting from
the API's role, because API code acted as the system actor on them. That code now acts as the real
actor (policies for the owner, a party to the row or an administrator), asks a narrow SECURITY
DEFINER function one question (owner-owned, ``search_path`` pinned, EXECUTE for the application
role only), or leaves the work to the worker, so these policies check the login role too.

The statements are a frozen copy of what hp_agent/db/security.py generated when this was written
(the definer functions, the policies of the cleared tables before and after, the extra policies).

Like 0019, this must run as a role that bypasses row-level security (the definer functions' owner).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from hp_agent.config import get_settings

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PLACEHOLDER = "__HP_APP_ROLE__"

CLEARED: list[str] = ['appointment_cancellations',
 'appointment_reminders',
 'appointment_types',
 'appointment_waitlist_entries',
 'appointments',
 'calendar_feeds',
 'care_practice_members',
 'care_practices',
 'clinician_invitations',
 'clinician_on_call_shifts',
 'clinician_profiles',
 'coupon_redemptions',
 'coupons',
 'crisis_detections',
 'crisis_escalations',
 'email_outbox',
 'insurance_claim_lines',
 'insurance_claims',
 'insurance_eligibility_checks',
 'insurance_payers',
 'insurance_plans',
 'insurance_policies',
 'invoice_items',
 'invoices',
 'login_throttles',
 'outbox_events',
 'payment_methods',
 'payments',
 'processed_events',
 'refunds',
 'subscription_events',
 'subscription_plans',
 'therapist_availability',
 'therapist_availability_exceptions',
 'therapy_sessions',
 'user_profiles',
 'user_subscriptions',
 'users',
 'video_sessions']

FUNCTIONS: list[str] = ['CREATE OR REPLACE FUNCTION app_coupon_by_code(typed text) RETURNS SETOF public.coupons\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT c.* FROM public.coupons c WHERE lower(c.code) = lower(btrim(typed)) $$',
 'REVOKE ALL ON FUNCTION app_coupon_by_code(text) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_coupon_by_code(text) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_count_coupon_redemption(coupon uuid) RETURNS boolean\n'
 '    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ UPDATE public.coupons c SET times_redeemed = c.times_redeemed + 1 WHERE c.id = coupon AND EXISTS '
 '(SELECT 1 FROM public.coupon_redemptions r WHERE r.coupon_id = coupon AND r.user_id = '
 'public.app_current_user_id()) RETURNING true $$',
 'REVOKE ALL ON FUNCTION app_count_coupon_redemption(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_count_coupon_redemption(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_is_admin() RETURNS boolean\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT public.app_current_role() = 'admin' AND EXISTS (SELECT 1 FROM public.users u WHERE u.id = "
 "public.app_current_user_id() AND u.role = 'admin' AND u.status = 'active') $$",
 'REVOKE ALL ON FUNCTION app_is_admin() FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_is_admin() TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_leads_practice(practice uuid) RETURNS boolean\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM "
 'public.care_practice_members m WHERE m.practice_id = practice AND m.clinician_id = '
 "public.app_current_user_id() AND m.role = 'lead' AND m.left_at IS NULL) $$",
 'REVOKE ALL ON FUNCTION app_leads_practice(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_leads_practice(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_member_of_practice(practice uuid) RETURNS boolean\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM "
 'public.care_practice_members m WHERE m.practice_id = practice AND m.clinician_id = '
 'public.app_current_user_id() AND m.left_at IS NULL) $$',
 'REVOKE ALL ON FUNCTION app_member_of_practice(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_member_of_practice(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_leads_clinician(clinician uuid) RETURNS boolean\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM "
 'public.care_practice_members l JOIN public.care_practice_members m ON m.practice_id = l.practice_id AND '
 "m.left_at IS NULL WHERE l.clinician_id = public.app_current_user_id() AND l.role = 'lead' AND l.left_at IS "
 'NULL AND m.clinician_id = clinician) $$',
 'REVOKE ALL ON FUNCTION app_leads_clinician(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_leads_clinician(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_clinician_emails(people uuid[]) RETURNS TABLE(user_id uuid, email text)\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT u.id, u.email::text FROM public.users u WHERE u.id = ANY(people) AND u.role = 'therapist' "
 'AND public.app_is_admin() $$',
 'REVOKE ALL ON FUNCTION app_clinician_emails(uuid[]) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_clinician_emails(uuid[]) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_invitation_for_token(hash bytea) RETURNS TABLE(invitation_id uuid, email '
 'text, expires_at timestamptz, accepted_at timestamptz, revoked_at timestamptz)\n'
 '    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT i.id, i.email::text, i.expires_at, i.accepted_at, i.revoked_at FROM '
 'public.clinician_invitations i WHERE i.token_hash = hash FOR UPDATE $$',
 'REVOKE ALL ON FUNCTION app_invitation_for_token(bytea) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_invitation_for_token(bytea) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_accept_invitation(invitation uuid) RETURNS boolean\n'
 '    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ UPDATE public.clinician_invitations i SET accepted_at = now(), account_id = '
 'public.app_current_user_id() WHERE i.id = invitation AND i.accepted_at IS NULL AND i.revoked_at IS NULL '
 'AND i.expires_at > now() AND EXISTS (SELECT 1 FROM public.users u WHERE u.id = '
 "public.app_current_user_id() AND u.role = 'therapist' AND lower(u.email) = lower(i.email)) RETURNING true "
 '$$',
 'REVOKE ALL ON FUNCTION app_accept_invitation(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_accept_invitation(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_clinician_timezone(clinician uuid) RETURNS text\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT coalesce(nullif(p.timezone::text, ''), nullif(u.timezone::text, ''), 'UTC') FROM "
 'public.users u LEFT JOIN public.clinician_profiles p ON p.user_id = u.id WHERE u.id = clinician AND u.role '
 "= 'therapist' $$",
 'REVOKE ALL ON FUNCTION app_clinician_timezone(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_clinician_timezone(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_clinician_hours(clinician uuid) RETURNS TABLE(weekday integer, start_time '
 'time, end_time time, valid_from date, valid_until date, timezone text)\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT a.weekday, a.start_time, a.end_time, a.valid_from, a.valid_until, a.timezone::text FROM '
 'public.therapist_availability a WHERE a.therapist_id = clinician AND a.is_active ORDER BY a.weekday, '
 'a.start_time $$',
 'REVOKE ALL ON FUNCTION app_clinician_hours(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_clinician_hours(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_clinician_exceptions(clinician uuid, from_at timestamptz, until_at '
 'timestamptz) RETURNS TABLE(extra boolean, starts_at timestamptz, ends_at timestamptz)\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT e.kind = 'extra_availability', e.starts_at, e.ends_at FROM "
 'public.therapist_availability_exceptions e WHERE e.therapist_id = clinician AND e.starts_at < until_at AND '
 'e.ends_at > from_at ORDER BY e.starts_at $$',
 'REVOKE ALL ON FUNCTION app_clinician_exceptions(uuid, timestamptz, timestamptz) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_clinician_exceptions(uuid, timestamptz, timestamptz) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_clinician_busy(clinician uuid, from_at timestamptz, until_at timestamptz, '
 'ignored uuid) RETURNS TABLE(starts_at timestamptz, ends_at timestamptz)\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT a.starts_at, a.ends_at FROM public.appointments a WHERE a.therapist_id = clinician AND '
 "a.status::text IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'in_progress', 'completed') AND "
 'a.starts_at < until_at AND a.ends_at > from_at AND a.id IS DISTINCT FROM ignored $$',
 'REVOKE ALL ON FUNCTION app_clinician_busy(uuid, timestamptz, timestamptz, uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_clinician_busy(uuid, timestamptz, timestamptz, uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_clinician_held(clinician uuid, at timestamptz, except_patient uuid) RETURNS '
 'TABLE(starts_at timestamptz, ends_at timestamptz)\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT a.starts_at, a.ends_at FROM public.appointments a JOIN public.appointment_waitlist_entries w '
 "ON w.offered_appointment_id = a.id WHERE w.therapist_id = clinician AND w.status = 'offered' AND "
 'w.offer_expires_at > at AND w.patient_id IS DISTINCT FROM except_patient $$',
 'REVOKE ALL ON FUNCTION app_clinician_held(uuid, timestamptz, uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_clinician_held(uuid, timestamptz, uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_offered_slot(entry uuid) RETURNS TABLE(starts_at timestamptz, ends_at '
 'timestamptz)\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT a.starts_at, a.ends_at FROM public.appointment_waitlist_entries w JOIN public.appointments a '
 'ON a.id = w.offered_appointment_id WHERE w.id = entry AND w.patient_id = public.app_current_user_id() $$',
 'REVOKE ALL ON FUNCTION app_offered_slot(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_offered_slot(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_offer_freed_slot(freed uuid, offer_minutes integer) RETURNS TABLE(entry_id '
 'uuid, patient_id uuid)\n'
 '    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ DECLARE a public.appointments; expires timestamptz;\n'
 '    BEGIN\n'
 '      SELECT * INTO a FROM public.appointments x WHERE x.id = freed;\n'
 '      IF NOT FOUND OR a.therapist_id IS NULL THEN RETURN; END IF;\n'
 "      -- Inside a definer pg_has_role(current_user) is the owner's, so the worker is recognised by\n"
 '      -- its setting here; what it may do is what the service does for any freed slot anyway.\n'
 "      IF NOT (public.app_current_role() = 'system'\n"
 '              OR public.app_current_user_id() IN (a.patient_id, a.therapist_id)\n'
 '              OR EXISTS (SELECT 1 FROM public.appointment_waitlist_entries o\n'
 '                         WHERE o.offered_appointment_id = freed\n'
 '                           AND o.patient_id = public.app_current_user_id())) THEN\n'
 "        RAISE EXCEPTION 'not a party to this appointment' USING ERRCODE = 'insufficient_privilege';\n"
 '      END IF;\n'
 '      expires := least(now() + make_interval(mins => offer_minutes), a.starts_at);\n'
 '      IF expires <= now() THEN RETURN; END IF;\n'
 '      -- Someone already booked the time (or holds an offer on it): nothing to offer.\n'
 '      IF EXISTS (SELECT 1 FROM public.appointments b WHERE b.therapist_id = a.therapist_id\n'
 "                 AND b.status::text IN ('requested', 'scheduled', 'confirmed', 'checked_in', "
 "'in_progress', 'completed')\n"
 '                 AND b.starts_at < a.ends_at AND b.ends_at > a.starts_at)\n'
 '         OR EXISTS (SELECT 1 FROM public.appointment_waitlist_entries h WHERE h.offered_appointment_id = '
 'freed\n'
 "                    AND h.status = 'offered') THEN\n"
 '        RETURN;\n'
 '      END IF;\n'
 '      RETURN QUERY\n'
 "      UPDATE public.appointment_waitlist_entries u SET status = 'offered', offered_appointment_id = "
 'freed,\n'
 '             offered_at = now(), offer_expires_at = expires\n'
 '      WHERE u.id = (\n'
 '        SELECT w.id FROM public.appointment_waitlist_entries w\n'
 '        JOIN public.appointment_types t ON t.id = w.appointment_type_id\n'
 "        WHERE w.therapist_id = a.therapist_id AND w.status = 'waiting'\n"
 '          AND w.patient_id IS DISTINCT FROM a.patient_id\n'
 '          AND a.starts_at + make_interval(mins => t.duration_minutes) <= a.ends_at\n'
 "          AND (w.earliest_date IS NULL OR (a.starts_at AT TIME ZONE coalesce(w.timezone, 'UTC'))::date\n"
 '               >= w.earliest_date)\n'
 "          AND (w.latest_date IS NULL OR (a.starts_at AT TIME ZONE coalesce(w.timezone, 'UTC'))::date\n"
 '               <= w.latest_date)\n'
 '        ORDER BY w.priority, w.created_at LIMIT 1 FOR UPDATE OF w SKIP LOCKED)\n'
 '      RETURNING u.id, u.patient_id;\n'
 '    END $$',
 'REVOKE ALL ON FUNCTION app_offer_freed_slot(uuid, integer) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_offer_freed_slot(uuid, integer) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_calendar_feed_owner(digest bytea) RETURNS uuid\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT f.user_id FROM public.calendar_feeds f WHERE f.token_hash = digest AND f.revoked_at IS NULL '
 '$$',
 'REVOKE ALL ON FUNCTION app_calendar_feed_owner(bytea) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_calendar_feed_owner(bytea) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_clinician_appointment(appointment uuid, patient uuid) RETURNS boolean\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 "    $$ SELECT public.app_current_role() = 'therapist' AND EXISTS (SELECT 1 FROM public.appointments a "
 'WHERE a.id = appointment AND a.patient_id = patient AND a.therapist_id = public.app_current_user_id()) $$',
 'REVOKE ALL ON FUNCTION app_clinician_appointment(uuid, uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_clinician_appointment(uuid, uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_claim_patient_name(claim uuid) RETURNS text\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT p.display_name::text FROM public.insurance_claims c JOIN public.user_profiles p ON p.user_id '
 '= c.patient_id WHERE c.id = claim AND public.app_is_admin() $$',
 'REVOKE ALL ON FUNCTION app_claim_patient_name(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_claim_patient_name(uuid) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_subscription_owner(ref text) RETURNS uuid\n'
 '    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ SELECT s.user_id FROM public.user_subscriptions s WHERE s.processor_subscription_id = ref $$',
 'REVOKE ALL ON FUNCTION app_subscription_owner(text) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_subscription_owner(text) TO "__HP_APP_ROLE__"',
 'CREATE OR REPLACE FUNCTION app_label_false_positive(escalation uuid) RETURNS integer\n'
 '    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS\n'
 '    $$ DECLARE n integer;\n'
 '    BEGIN\n'
 "      UPDATE public.crisis_detections d SET review_label = 'false_positive', reviewed_at = now(),\n"
 '             reviewed_by = public.app_current_user_id()\n'
 '      FROM public.crisis_escalations e\n'
 '      WHERE e.id = escalation AND d.id IN (e.detection_id, e.last_detection_id)\n'
 "        AND public.app_current_role() = 'therapist' AND public.app_current_user_id() IS NOT NULL\n"
 '        AND (e.assigned_to = public.app_current_user_id() OR EXISTS (\n'
 '               SELECT 1 FROM public.therapeutic_relationships r WHERE r.patient_id = e.user_id\n'
 "               AND r.therapist_id = public.app_current_user_id() AND r.status = 'active'));\n"
 '      GET DIAGNOSTICS n = ROW_COUNT;\n'
 '      RETURN n;\n'
 '    END $$',
 'REVOKE ALL ON FUNCTION app_label_false_positive(uuid) FROM PUBLIC',
 'GRANT EXECUTE ON FUNCTION app_label_false_positive(uuid) TO "__HP_APP_ROLE__"']

FUNCTION_SIGNATURES: list[str] = ['app_coupon_by_code(text)',
 'app_count_coupon_redemption(uuid)',
 'app_is_admin()',
 'app_leads_practice(uuid)',
 'app_member_of_practice(uuid)',
 'app_leads_clinician(uuid)',
 'app_clinician_emails(uuid[])',
 'app_invitation_for_token(bytea)',
 'app_accept_invitation(uuid)',
 'app_clinician_timezone(uuid)',
 'app_clinician_hours(uuid)',
 'app_clinician_exceptions(uuid, timestamptz, timestamptz)',
 'app_clinician_busy(uuid, timestamptz, timestamptz, uuid)',
 'app_clinician_held(uuid, timestamptz, uuid)',
 'app_offered_slot(uuid)',
 'app_offer_freed_slot(uuid, integer)',
 'app_calendar_feed_owner(bytea)',
 'app_clinician_appointment(uuid, uuid)',
 'app_claim_patient_name(uuid)',
 'app_subscription_owner(text)',
 'app_label_false_positive(uuid)']

# (table, policy, with the role check, as before)
POLICIES: list[tuple[str, str, str, str]] = [('appointment_cancellations',
  'appointment_cancellations_system',
  'CREATE POLICY "appointment_cancellations_system" ON "appointment_cancellations" USING '
  '(app_is_worker_system()) WITH CHECK (app_is_worker_system())',
  'CREATE POLICY "appointment_cancellations_system" ON "appointment_cancellations" USING (app_current_role() '
  "= 'system') WITH CHECK (app_current_role() = 'system')"),
 ('appointment_reminders',
  'appointment_reminders_system',
  'CREATE POLICY "appointment_reminders_system" ON "appointment_reminders" USING (app_is_worker_system()) '
  'WITH CHECK (app_is_worker_system())',
  'CREATE POLICY "appointment_reminders_system" ON "appointment_reminders" USING (app_current_role() = '
  "'system') WITH CHECK (app_current_role() = 'system')"),
 ('appointment_types',
  'appointment_types_staff',
  'CREATE POLICY "appointment_types_staff" ON "appointment_types" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "appointment_types_staff" ON "appointment_types" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('appointment_waitlist_entries',
  'appointment_waitlist_entries_system',
  'CREATE POLICY "appointment_waitlist_entries_system" ON "appointment_waitlist_entries" USING '
  '(app_is_worker_system()) WITH CHECK (app_is_worker_system())',
  'CREATE POLICY "appointment_waitlist_entries_system" ON "appointment_waitlist_entries" USING '
  "(app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')"),
 ('appointments',
  'appointments_system',
  'CREATE POLICY "appointments_system" ON "appointments" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "appointments_system" ON "appointments" USING (app_current_role() = \'system\') WITH CHECK '
  "(app_current_role() = 'system')"),
 ('calendar_feeds',
  'calendar_feeds_system',
  'CREATE POLICY "calendar_feeds_system" ON "calendar_feeds" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "calendar_feeds_system" ON "calendar_feeds" USING (app_current_role() = \'system\') WITH '
  "CHECK (app_current_role() = 'system')"),
 ('care_practice_members',
  'care_practice_members_staff',
  'CREATE POLICY "care_practice_members_staff" ON "care_practice_members" USING ((app_current_role() = '
  "'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "care_practice_members_staff" ON "care_practice_members" USING (app_current_role() IN '
  "('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('care_practices',
  'care_practices_staff',
  'CREATE POLICY "care_practices_staff" ON "care_practices" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "care_practices_staff" ON "care_practices" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('clinician_invitations',
  'clinician_invitations_staff',
  'CREATE POLICY "clinician_invitations_staff" ON "clinician_invitations" USING ((app_current_role() = '
  "'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "clinician_invitations_staff" ON "clinician_invitations" USING (app_current_role() IN '
  "('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('clinician_on_call_shifts',
  'clinician_on_call_shifts_staff',
  'CREATE POLICY "clinician_on_call_shifts_staff" ON "clinician_on_call_shifts" USING ((app_current_role() = '
  "'admin' OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "clinician_on_call_shifts_staff" ON "clinician_on_call_shifts" USING (app_current_role() IN '
  "('admin', 'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('clinician_profiles',
  'clinician_profiles_system',
  'CREATE POLICY "clinician_profiles_system" ON "clinician_profiles" USING (app_is_worker_system()) WITH '
  'CHECK (app_is_worker_system())',
  'CREATE POLICY "clinician_profiles_system" ON "clinician_profiles" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('coupon_redemptions',
  'coupon_redemptions_system',
  'CREATE POLICY "coupon_redemptions_system" ON "coupon_redemptions" USING (app_is_worker_system()) WITH '
  'CHECK (app_is_worker_system())',
  'CREATE POLICY "coupon_redemptions_system" ON "coupon_redemptions" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('coupons',
  'coupons_staff',
  'CREATE POLICY "coupons_staff" ON "coupons" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "coupons_staff" ON "coupons" USING (app_current_role() IN (\'admin\', \'system\')) WITH '
  "CHECK (app_current_role() IN ('admin', 'system'))"),
 ('crisis_detections',
  'crisis_detections_system',
  'CREATE POLICY "crisis_detections_system" ON "crisis_detections" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "crisis_detections_system" ON "crisis_detections" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('crisis_escalations',
  'crisis_escalations_system',
  'CREATE POLICY "crisis_escalations_system" ON "crisis_escalations" USING (app_is_worker_system()) WITH '
  'CHECK (app_is_worker_system())',
  'CREATE POLICY "crisis_escalations_system" ON "crisis_escalations" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('email_outbox',
  'email_outbox_staff',
  'CREATE POLICY "email_outbox_staff" ON "email_outbox" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "email_outbox_staff" ON "email_outbox" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('insurance_claim_lines',
  'insurance_claim_lines_system',
  'CREATE POLICY "insurance_claim_lines_system" ON "insurance_claim_lines" USING (app_is_worker_system()) '
  'WITH CHECK (app_is_worker_system())',
  'CREATE POLICY "insurance_claim_lines_system" ON "insurance_claim_lines" USING (app_current_role() = '
  "'system') WITH CHECK (app_current_role() = 'system')"),
 ('insurance_claims',
  'insurance_claims_system',
  'CREATE POLICY "insurance_claims_system" ON "insurance_claims" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "insurance_claims_system" ON "insurance_claims" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('insurance_eligibility_checks',
  'insurance_eligibility_checks_system',
  'CREATE POLICY "insurance_eligibility_checks_system" ON "insurance_eligibility_checks" USING '
  '(app_is_worker_system()) WITH CHECK (app_is_worker_system())',
  'CREATE POLICY "insurance_eligibility_checks_system" ON "insurance_eligibility_checks" USING '
  "(app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')"),
 ('insurance_payers',
  'insurance_payers_staff',
  'CREATE POLICY "insurance_payers_staff" ON "insurance_payers" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "insurance_payers_staff" ON "insurance_payers" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('insurance_plans',
  'insurance_plans_staff',
  'CREATE POLICY "insurance_plans_staff" ON "insurance_plans" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "insurance_plans_staff" ON "insurance_plans" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('insurance_policies',
  'insurance_policies_system',
  'CREATE POLICY "insurance_policies_system" ON "insurance_policies" USING (app_is_worker_system()) WITH '
  'CHECK (app_is_worker_system())',
  'CREATE POLICY "insurance_policies_system" ON "insurance_policies" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('invoice_items',
  'invoice_items_system',
  'CREATE POLICY "invoice_items_system" ON "invoice_items" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "invoice_items_system" ON "invoice_items" USING (app_current_role() = \'system\') WITH '
  "CHECK (app_current_role() = 'system')"),
 ('invoices',
  'invoices_system',
  'CREATE POLICY "invoices_system" ON "invoices" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "invoices_system" ON "invoices" USING (app_current_role() = \'system\') WITH CHECK '
  "(app_current_role() = 'system')"),
 ('login_throttles',
  'login_throttles_staff',
  'CREATE POLICY "login_throttles_staff" ON "login_throttles" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "login_throttles_staff" ON "login_throttles" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('outbox_events',
  'outbox_events_staff',
  'CREATE POLICY "outbox_events_staff" ON "outbox_events" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "outbox_events_staff" ON "outbox_events" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('payment_methods',
  'payment_methods_system',
  'CREATE POLICY "payment_methods_system" ON "payment_methods" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "payment_methods_system" ON "payment_methods" USING (app_current_role() = \'system\') WITH '
  "CHECK (app_current_role() = 'system')"),
 ('payments',
  'payments_system',
  'CREATE POLICY "payments_system" ON "payments" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "payments_system" ON "payments" USING (app_current_role() = \'system\') WITH CHECK '
  "(app_current_role() = 'system')"),
 ('processed_events',
  'processed_events_staff',
  'CREATE POLICY "processed_events_staff" ON "processed_events" USING ((app_current_role() = \'admin\' OR '
  "app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "processed_events_staff" ON "processed_events" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('refunds',
  'refunds_system',
  'CREATE POLICY "refunds_system" ON "refunds" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "refunds_system" ON "refunds" USING (app_current_role() = \'system\') WITH CHECK '
  "(app_current_role() = 'system')"),
 ('subscription_events',
  'subscription_events_system',
  'CREATE POLICY "subscription_events_system" ON "subscription_events" USING (app_is_worker_system()) WITH '
  'CHECK (app_is_worker_system())',
  'CREATE POLICY "subscription_events_system" ON "subscription_events" USING (app_current_role() = '
  "'system') WITH CHECK (app_current_role() = 'system')"),
 ('subscription_plans',
  'subscription_plans_staff',
  'CREATE POLICY "subscription_plans_staff" ON "subscription_plans" USING ((app_current_role() = \'admin\' '
  "OR app_is_worker_system())) WITH CHECK ((app_current_role() = 'admin' OR app_is_worker_system()))",
  'CREATE POLICY "subscription_plans_staff" ON "subscription_plans" USING (app_current_role() IN (\'admin\', '
  "'system')) WITH CHECK (app_current_role() IN ('admin', 'system'))"),
 ('therapist_availability',
  'therapist_availability_system',
  'CREATE POLICY "therapist_availability_system" ON "therapist_availability" USING (app_is_worker_system()) '
  'WITH CHECK (app_is_worker_system())',
  'CREATE POLICY "therapist_availability_system" ON "therapist_availability" USING (app_current_role() = '
  "'system') WITH CHECK (app_current_role() = 'system')"),
 ('therapist_availability_exceptions',
  'therapist_availability_exceptions_system',
  'CREATE POLICY "therapist_availability_exceptions_system" ON "therapist_availability_exceptions" USING '
  '(app_is_worker_system()) WITH CHECK (app_is_worker_system())',
  'CREATE POLICY "therapist_availability_exceptions_system" ON "therapist_availability_exceptions" USING '
  "(app_current_role() = 'system') WITH CHECK (app_current_role() = 'system')"),
 ('therapy_sessions',
  'therapy_sessions_system',
  'CREATE POLICY "therapy_sessions_system" ON "therapy_sessions" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "therapy_sessions_system" ON "therapy_sessions" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('user_profiles',
  'user_profiles_system',
  'CREATE POLICY "user_profiles_system" ON "user_profiles" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "user_profiles_system" ON "user_profiles" USING (app_current_role() = \'system\') WITH '
  "CHECK (app_current_role() = 'system')"),
 ('user_subscriptions',
  'user_subscriptions_system',
  'CREATE POLICY "user_subscriptions_system" ON "user_subscriptions" USING (app_is_worker_system()) WITH '
  'CHECK (app_is_worker_system())',
  'CREATE POLICY "user_subscriptions_system" ON "user_subscriptions" USING (app_current_role() = \'system\') '
  "WITH CHECK (app_current_role() = 'system')"),
 ('users',
  'users_system',
  'CREATE POLICY "users_system" ON "users" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "users_system" ON "users" USING (app_current_role() = \'system\') WITH CHECK '
  "(app_current_role() = 'system')"),
 ('video_sessions',
  'video_sessions_system',
  'CREATE POLICY "video_sessions_system" ON "video_sessions" USING (app_is_worker_system()) WITH CHECK '
  '(app_is_worker_system())',
  'CREATE POLICY "video_sessions_system" ON "video_sessions" USING (app_current_role() = \'system\') WITH '
  "CHECK (app_current_role() = 'system')"),
 ('clinician_profiles',
  'clinician_profiles_directory',
  'CREATE POLICY clinician_profiles_directory ON clinician_profiles FOR SELECT\n'
  '    USING (app_current_user_id() IS NOT NULL OR app_is_worker_system())',
  'CREATE POLICY clinician_profiles_directory ON clinician_profiles FOR SELECT\n'
  "    USING (app_current_user_id() IS NOT NULL OR app_current_role() = 'system')")]

# Policies for the real actor, where the API acted as the system actor before
EXTRA_POLICIES: list[str] = ['CREATE POLICY crisis_escalations_clinician_acts ON crisis_escalations FOR UPDATE\n'
 "    USING (app_current_role() = 'therapist'\n"
 '           AND (assigned_to = app_current_user_id() OR app_is_treating_therapist(user_id)))\n'
 "    WITH CHECK (app_current_role() = 'therapist'\n"
 '                AND (assigned_to = app_current_user_id() OR app_is_treating_therapist(user_id)))',
 'CREATE POLICY clinician_profiles_admin_updates ON clinician_profiles FOR UPDATE\n'
 '    USING (app_is_admin()) WITH CHECK (app_is_admin())',
 'CREATE POLICY clinician_profiles_lead_updates ON clinician_profiles FOR UPDATE\n'
 '    USING (app_leads_clinician(user_id)) WITH CHECK (app_leads_clinician(user_id))',
 'CREATE POLICY care_practices_member_read ON care_practices FOR SELECT\n'
 '    USING (app_member_of_practice(id))',
 'CREATE POLICY care_practice_members_member_read ON care_practice_members FOR SELECT\n'
 '    USING (app_member_of_practice(practice_id))',
 'CREATE POLICY care_practice_members_lead_adds ON care_practice_members FOR INSERT\n'
 '    WITH CHECK (app_leads_practice(practice_id))',
 'CREATE POLICY care_practice_members_lead_updates ON care_practice_members FOR UPDATE\n'
 '    USING (app_leads_practice(practice_id)) WITH CHECK (app_leads_practice(practice_id))',
 'CREATE POLICY clinician_on_call_shifts_lead_adds ON clinician_on_call_shifts FOR INSERT\n'
 '    WITH CHECK (app_leads_clinician(clinician_id))',
 'CREATE POLICY clinician_on_call_shifts_lead_updates ON clinician_on_call_shifts FOR UPDATE\n'
 '    USING (app_leads_clinician(clinician_id)) WITH CHECK (app_leads_clinician(clinician_id))',
 'CREATE POLICY appointments_clinician_changes ON appointments FOR UPDATE\n'
 "    USING (app_current_role() = 'therapist' AND therapist_id = app_current_user_id())\n"
 "    WITH CHECK (app_current_role() = 'therapist' AND therapist_id = app_current_user_id())",
 'CREATE POLICY appointments_clinician_reschedules ON appointments FOR INSERT\n'
 '    WITH CHECK (therapist_id = app_current_user_id()\n'
 '                AND app_clinician_appointment(rescheduled_from_id, patient_id))',
 'CREATE POLICY appointment_reminders_clinician ON appointment_reminders\n'
 '    USING (app_clinician_appointment(appointment_id, patient_id))\n'
 '    WITH CHECK (app_clinician_appointment(appointment_id, patient_id))',
 'CREATE POLICY appointment_cancellations_clinician ON appointment_cancellations FOR INSERT\n'
 '    WITH CHECK (therapist_id = app_current_user_id()\n'
 '                AND app_clinician_appointment(appointment_id, patient_id))',
 'CREATE POLICY insurance_policies_admin ON insurance_policies USING (app_is_admin()) WITH CHECK '
 '(app_is_admin())',
 'CREATE POLICY insurance_eligibility_checks_admin ON insurance_eligibility_checks USING (app_is_admin()) '
 'WITH CHECK (app_is_admin())',
 'CREATE POLICY insurance_claims_admin ON insurance_claims USING (app_is_admin()) WITH CHECK '
 '(app_is_admin())',
 'CREATE POLICY insurance_claim_lines_admin ON insurance_claim_lines USING (app_is_admin()) WITH CHECK '
 '(app_is_admin())',
 'CREATE POLICY invoices_admin ON invoices USING (app_is_admin()) WITH CHECK (app_is_admin())',
 'CREATE POLICY invoice_items_admin ON invoice_items USING (app_is_admin()) WITH CHECK (app_is_admin())',
 'CREATE POLICY insurance_policies_treating_clinician ON insurance_policies\n'
 "    USING (app_current_role() = 'therapist' AND app_is_treating_therapist(user_id))\n"
 "    WITH CHECK (app_current_role() = 'therapist' AND app_is_treating_therapist(user_id))",
 'CREATE POLICY insurance_eligibility_checks_treating_clinician ON insurance_eligibility_checks\n'
 "    USING (app_current_role() = 'therapist' AND app_is_treating_therapist(user_id))\n"
 "    WITH CHECK (app_current_role() = 'therapist' AND app_is_treating_therapist(user_id))",
 'CREATE POLICY insurance_claims_treating_clinician ON insurance_claims\n'
 "    USING (app_current_role() = 'therapist' AND app_is_treating_therapist(patient_id))\n"
 "    WITH CHECK (app_current_role() = 'therapist' AND app_is_treating_therapist(patient_id))",
 'CREATE POLICY insurance_claim_lines_treating_clinician ON insurance_claim_lines\n'
 "    USING (app_current_role() = 'therapist' AND app_is_treating_therapist(patient_id))\n"
 "    WITH CHECK (app_current_role() = 'therapist' AND app_is_treating_therapist(patient_id))",
 'CREATE POLICY video_sessions_clinician ON video_sessions\n'
 '    USING (therapist_id = app_current_user_id() AND app_clinician_appointment(appointment_id, '
 'patient_id))\n'
 '    WITH CHECK (therapist_id = app_current_user_id()\n'
 '                AND app_clinician_appointment(appointment_id, patient_id))']

# Trigger functions: (with the role check, as before)
TRIGGER_FUNCTIONS: list[tuple[str, str]] = [('CREATE OR REPLACE FUNCTION clinician_profiles_guard() RETURNS trigger\n'
  '    LANGUAGE plpgsql AS\n'
  '    $$ BEGIN\n'
  '      IF app_is_admin() OR app_is_worker_system() THEN\n'
  '        RETURN NEW;\n'
  '      END IF;\n'
  '      -- A practice lead sets the backup of a clinician in their practice (and nothing else).\n'
  "      IF TG_OP = 'UPDATE' AND app_leads_clinician(OLD.user_id) THEN\n"
  '        OLD.backup_clinician_id := NEW.backup_clinician_id;\n'
  '      END IF;\n'
  "      IF TG_OP = 'INSERT' THEN\n"
  "        IF NEW.status <> 'pending_verification' OR NEW.license_verified_at IS NOT NULL\n"
  '           OR NEW.license_verified_by IS NOT NULL OR NEW.backup_clinician_id IS NOT NULL\n'
  '           OR NEW.is_on_call THEN\n'
  "          RAISE EXCEPTION 'only an administrator can verify a clinician or set their cover'\n"
  "            USING ERRCODE = 'insufficient_privilege';\n"
  '        END IF;\n'
  '      ELSIF NEW.status IS DISTINCT FROM OLD.status\n'
  '         OR NEW.license_verified_at IS DISTINCT FROM OLD.license_verified_at\n'
  '         OR NEW.license_verified_by IS DISTINCT FROM OLD.license_verified_by\n'
  '         OR NEW.license_number IS DISTINCT FROM OLD.license_number\n'
  '         OR NEW.license_country IS DISTINCT FROM OLD.license_country\n'
  '         OR NEW.license_state IS DISTINCT FROM OLD.license_state\n'
  '         OR NEW.backup_clinician_id IS DISTINCT FROM OLD.backup_clinician_id\n'
  '         OR NEW.is_on_call IS DISTINCT FROM OLD.is_on_call\n'
  '         OR NEW.user_id <> OLD.user_id THEN\n'
  "        RAISE EXCEPTION 'only an administrator can verify a clinician or set their cover'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  '      RETURN NEW;\n'
  '    END $$',
  'CREATE OR REPLACE FUNCTION clinician_profiles_guard() RETURNS trigger\n'
  '    LANGUAGE plpgsql AS\n'
  '    $$ BEGIN\n'
  "      IF app_current_role() IN ('admin', 'system') THEN\n"
  '        RETURN NEW;\n'
  '      END IF;\n'
  "      IF TG_OP = 'INSERT' THEN\n"
  "        IF NEW.status <> 'pending_verification' OR NEW.license_verified_at IS NOT NULL\n"
  '           OR NEW.license_verified_by IS NOT NULL OR NEW.backup_clinician_id IS NOT NULL\n'
  '           OR NEW.is_on_call THEN\n'
  "          RAISE EXCEPTION 'only an administrator can verify a clinician or set their cover'\n"
  "            USING ERRCODE = 'insufficient_privilege';\n"
  '        END IF;\n'
  '      ELSIF NEW.status IS DISTINCT FROM OLD.status\n'
  '         OR NEW.license_verified_at IS DISTINCT FROM OLD.license_verified_at\n'
  '         OR NEW.license_verified_by IS DISTINCT FROM OLD.license_verified_by\n'
  '         OR NEW.license_number IS DISTINCT FROM OLD.license_number\n'
  '         OR NEW.license_country IS DISTINCT FROM OLD.license_country\n'
  '         OR NEW.license_state IS DISTINCT FROM OLD.license_state\n'
  '         OR NEW.backup_clinician_id IS DISTINCT FROM OLD.backup_clinician_id\n'
  '         OR NEW.is_on_call IS DISTINCT FROM OLD.is_on_call\n'
  '         OR NEW.user_id <> OLD.user_id THEN\n'
  "        RAISE EXCEPTION 'only an administrator can verify a clinician or set their cover'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  '      RETURN NEW;\n'
  '    END $$'),
 ('CREATE OR REPLACE FUNCTION session_notes_signed_by_author() RETURNS trigger\n'
  '    LANGUAGE plpgsql AS\n'
  '    $$ BEGIN\n'
  "      -- The service's system actor (imports, retention) is trusted; a person signs only as the\n"
  '      -- author, with their own name.\n'
  "      IF NEW.status = 'signed' AND (TG_OP = 'INSERT' OR OLD.status = 'draft')\n"
  "         AND NOT (app_current_role() = 'admin' OR app_is_worker_system())\n"
  '         AND (NEW.author_id IS NULL OR NEW.signed_by IS DISTINCT FROM NEW.author_id\n'
  '              OR app_current_user_id() IS DISTINCT FROM NEW.author_id) THEN\n'
  "        RAISE EXCEPTION 'only the author of a session note can sign it'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  "      IF TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND NEW.author_id IS DISTINCT FROM OLD.author_id\n"
  '         AND NEW.author_id IS NOT NULL THEN\n'
  "        RAISE EXCEPTION 'signed session notes cannot be edited; add an addendum'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  '      RETURN NEW;\n'
  '    END $$',
  'CREATE OR REPLACE FUNCTION session_notes_signed_by_author() RETURNS trigger\n'
  '    LANGUAGE plpgsql AS\n'
  '    $$ BEGIN\n'
  "      -- The service's system actor (imports, retention) is trusted; a person signs only as the\n"
  '      -- author, with their own name.\n'
  "      IF NEW.status = 'signed' AND (TG_OP = 'INSERT' OR OLD.status = 'draft')\n"
  "         AND app_current_role() NOT IN ('admin', 'system')\n"
  '         AND (NEW.author_id IS NULL OR NEW.signed_by IS DISTINCT FROM NEW.author_id\n'
  '              OR app_current_user_id() IS DISTINCT FROM NEW.author_id) THEN\n'
  "        RAISE EXCEPTION 'only the author of a session note can sign it'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  "      IF TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND NEW.author_id IS DISTINCT FROM OLD.author_id\n"
  '         AND NEW.author_id IS NOT NULL THEN\n'
  "        RAISE EXCEPTION 'signed session notes cannot be edited; add an addendum'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  '      RETURN NEW;\n'
  '    END $$'),
 ('CREATE OR REPLACE FUNCTION homework_assignments_patient_guard() RETURNS trigger\n'
  '    LANGUAGE plpgsql AS\n'
  '    $$ BEGIN\n'
  "      IF NOT (app_current_role() = 'admin' OR app_is_worker_system()) AND app_current_user_id() = "
  'OLD.patient_id\n'
  '         AND (NEW.patient_id, NEW.therapist_id, NEW.therapy_session_id, NEW.treatment_goal_id,\n'
  '              NEW.homework_type, NEW.title, NEW.instructions, NEW.therapist_feedback,\n'
  '              NEW.assigned_at, NEW.due_at)\n'
  '             IS DISTINCT FROM\n'
  '             (OLD.patient_id, OLD.therapist_id, OLD.therapy_session_id, OLD.treatment_goal_id,\n'
  '              OLD.homework_type, OLD.title, OLD.instructions, OLD.therapist_feedback,\n'
  '              OLD.assigned_at, OLD.due_at) THEN\n'
  "        RAISE EXCEPTION 'a patient can only record their homework response'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  '      RETURN NEW;\n'
  '    END $$',
  'CREATE OR REPLACE FUNCTION homework_assignments_patient_guard() RETURNS trigger\n'
  '    LANGUAGE plpgsql AS\n'
  '    $$ BEGIN\n'
  "      IF app_current_role() NOT IN ('admin', 'system') AND app_current_user_id() = OLD.patient_id\n"
  '         AND (NEW.patient_id, NEW.therapist_id, NEW.therapy_session_id, NEW.treatment_goal_id,\n'
  '              NEW.homework_type, NEW.title, NEW.instructions, NEW.therapist_feedback,\n'
  '              NEW.assigned_at, NEW.due_at)\n'
  '             IS DISTINCT FROM\n'
  '             (OLD.patient_id, OLD.therapist_id, OLD.therapy_session_id, OLD.treatment_goal_id,\n'
  '              OLD.homework_type, OLD.title, OLD.instructions, OLD.therapist_feedback,\n'
  '              OLD.assigned_at, OLD.due_at) THEN\n'
  "        RAISE EXCEPTION 'a patient can only record their homework response'\n"
  "          USING ERRCODE = 'insufficient_privilege';\n"
  '      END IF;\n'
  '      RETURN NEW;\n'
  '    END $$')]


def _role() -> str:
    return get_settings().app_db_role.replace('"', '""')


def _policy_name(stmt: str) -> tuple[str, str]:
    words = stmt.split()
    return words[2], words[4]


def upgrade() -> None:
    bypass = (
        op.get_bind()
        .execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"))
        .scalar_one()
    )
    if not bypass:
        raise RuntimeError(
            "migration 0021 must run as a role that bypasses row-level security (see its docstring)"
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
        name, table = _policy_name(stmt)
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
        op.execute(stmt)


def downgrade() -> None:
    for stmt in EXTRA_POLICIES:
        name, table = _policy_name(stmt)
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    for table, policy, _after, before in reversed(POLICIES):
        op.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        op.execute(before)
    for _after, before in TRIGGER_FUNCTIONS:
        op.execute(before)
    for signature in FUNCTION_SIGNATURES:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
