"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 12:46:04.356763
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE DOMAIN mood_scale AS smallint CONSTRAINT mood_scale_range CHECK (VALUE BETWEEN 1 AND 10)")
    op.execute(
        "CREATE DOMAIN normalized_score AS double precision "
        "CONSTRAINT normalized_score_range CHECK (VALUE >= 0 AND VALUE <= 1)"
    )
    op.create_table('appointment_types',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.Enum('intake', 'individual_therapy', 'couples_therapy', 'family_therapy', 'group_therapy', 'medication_management', 'crisis_follow_up', 'check_in', name='appointment_category'), nullable=False),
    sa.Column('duration_minutes', sa.SmallInteger(), server_default='50', nullable=False),
    sa.Column('buffer_minutes', sa.SmallInteger(), server_default='10', nullable=False),
    sa.Column('default_modality', sa.Enum('video', 'phone', 'in_person', name='appointment_modality'), server_default='video', nullable=False),
    sa.Column('default_cpt_code', sa.CHAR(length=5), nullable=True),
    sa.Column('self_pay_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('cancellation_window_hours', sa.SmallInteger(), server_default='24', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('sort_order', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_appointment_types_currency_iso')),
    sa.CheckConstraint("default_cpt_code ~ '^[0-9]{4}[0-9A-Z]$'", name=op.f('ck_appointment_types_cpt_code_format')),
    sa.CheckConstraint('buffer_minutes BETWEEN 0 AND 120', name=op.f('ck_appointment_types_buffer_range')),
    sa.CheckConstraint('cancellation_window_hours >= 0', name=op.f('ck_appointment_types_cancellation_window_nonnegative')),
    sa.CheckConstraint('duration_minutes BETWEEN 5 AND 480', name=op.f('ck_appointment_types_duration_range')),
    sa.CheckConstraint('self_pay_amount >= 0', name=op.f('ck_appointment_types_self_pay_amount_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_types')),
    sa.UniqueConstraint('code', name=op.f('uq_appointment_types_code'))
    )
    op.create_table('assessment_templates',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=40), nullable=False),
    sa.Column('category', sa.Enum('depression', 'anxiety', 'trauma', 'suicide_risk', 'wellbeing', name='assessment_category'), nullable=False),
    sa.Column('version', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('timeframe', sa.String(length=80), nullable=True),
    sa.Column('items', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('scoring', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('min_score', sa.SmallInteger(), nullable=False),
    sa.Column('max_score', sa.SmallInteger(), nullable=False),
    sa.Column('locale', sa.String(length=16), server_default='en', nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('license', sa.Text(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(items) = 'array' AND jsonb_array_length(items) > 0", name=op.f('ck_assessment_templates_items_array')),
    sa.CheckConstraint("jsonb_typeof(scoring) = 'object'", name=op.f('ck_assessment_templates_scoring_object')),
    sa.CheckConstraint('min_score >= 0 AND max_score >= min_score', name=op.f('ck_assessment_templates_score_bounds')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_assessment_templates_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_templates')),
    sa.UniqueConstraint('code', name=op.f('uq_assessment_templates_code'))
    )
    op.create_table('audit_logs',
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.UUID(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('subject_type', sa.String(length=50), nullable=True),
    sa.Column('subject_id', sa.UUID(), nullable=True),
    sa.Column('ip', postgresql.INET(), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('outcome', sa.Enum('success', 'failure', 'denied', name='audit_outcome'), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_logs')),
    info={'audit': True}
    )
    op.create_index('ix_audit_logs_action_occurred_at', 'audit_logs', ['action', 'occurred_at'], unique=False)
    op.create_index('ix_audit_logs_actor_id_occurred_at', 'audit_logs', ['actor_id', 'occurred_at'], unique=False)
    op.create_index('ix_audit_logs_subject', 'audit_logs', ['subject_type', 'subject_id'], unique=False)
    op.create_table('audit_logs_archive',
    sa.Column('archived_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.UUID(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('subject_type', sa.String(length=50), nullable=True),
    sa.Column('subject_id', sa.UUID(), nullable=True),
    sa.Column('ip', postgresql.INET(), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('outcome', sa.Enum('success', 'failure', 'denied', name='audit_outcome'), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_logs_archive')),
    info={'audit': True}
    )
    op.create_index('ix_audit_logs_archive_actor_id_occurred_at', 'audit_logs_archive', ['actor_id', 'occurred_at'], unique=False)
    op.create_index('ix_audit_logs_archive_subject', 'audit_logs_archive', ['subject_type', 'subject_id'], unique=False)
    op.create_table('crisis_daily_aggregates',
    sa.Column('metric_date', sa.Date(), nullable=False),
    sa.Column('country_code', sa.CHAR(length=2), nullable=True),
    sa.Column('assessments_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('risk_low', sa.Integer(), server_default='0', nullable=False),
    sa.Column('risk_moderate', sa.Integer(), server_default='0', nullable=False),
    sa.Column('risk_high', sa.Integer(), server_default='0', nullable=False),
    sa.Column('risk_imminent', sa.Integer(), server_default='0', nullable=False),
    sa.Column('escalations_opened', sa.Integer(), server_default='0', nullable=False),
    sa.Column('escalations_acknowledged', sa.Integer(), server_default='0', nullable=False),
    sa.Column('escalations_to_oncall', sa.Integer(), server_default='0', nullable=False),
    sa.Column('emergency_referrals', sa.Integer(), server_default='0', nullable=False),
    sa.Column('false_positives', sa.Integer(), server_default='0', nullable=False),
    sa.Column('median_ack_seconds', sa.Integer(), nullable=True),
    sa.Column('p90_ack_seconds', sa.Integer(), nullable=True),
    sa.Column('safety_plan_views', sa.Integer(), server_default='0', nullable=False),
    sa.Column('crisis_line_taps', sa.Integer(), server_default='0', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("country_code ~ '^[A-Z]{2}$'", name=op.f('ck_crisis_daily_aggregates_country_code_format')),
    sa.CheckConstraint('assessments_total >= 0 AND risk_low >= 0 AND risk_moderate >= 0 AND risk_high >= 0 AND risk_imminent >= 0 AND escalations_opened >= 0 AND escalations_acknowledged BETWEEN 0 AND escalations_opened AND escalations_to_oncall >= 0 AND emergency_referrals >= 0 AND false_positives >= 0 AND safety_plan_views >= 0 AND crisis_line_taps >= 0', name=op.f('ck_crisis_daily_aggregates_counts_nonnegative')),
    sa.CheckConstraint('median_ack_seconds >= 0 AND p90_ack_seconds >= median_ack_seconds', name=op.f('ck_crisis_daily_aggregates_ack_times_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_daily_aggregates')),
    sa.UniqueConstraint('metric_date', 'country_code', name=op.f('uq_crisis_daily_aggregates_metric_date_country_code'), postgresql_nulls_not_distinct=True)
    )
    op.create_table('crisis_resources',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country_code', sa.String(length=3), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.Enum('call', 'text', 'chat', 'web', name='crisis_resource_channel'), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('audience', sa.String(length=80), nullable=True),
    sa.Column('hours', sa.String(length=120), nullable=True),
    sa.Column('is_emergency', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('priority', sa.SmallInteger(), server_default='100', nullable=False),
    sa.Column('last_verified', sa.Date(), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("country_code ~ '^([A-Z]{2}|INT)$'", name=op.f('ck_crisis_resources_country_code_format')),
    sa.CheckConstraint('priority >= 0', name=op.f('ck_crisis_resources_priority_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_resources')),
    sa.UniqueConstraint('key', name=op.f('uq_crisis_resources_key'))
    )
    op.create_index('ix_crisis_resources_lookup', 'crisis_resources', ['country_code', 'priority'], unique=False, postgresql_where=sa.text('is_active'))
    op.create_table('data_retention_policies',
    sa.Column('data_category', sa.String(length=64), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=True),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('delete', 'anonymize', 'archive', name='data_retention_action'), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('retention_days > 0', name=op.f('ck_data_retention_policies_retention_days_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_retention_policies')),
    sa.UniqueConstraint('data_category', name=op.f('uq_data_retention_policies_data_category'))
    )
    op.create_table('insurance_payers',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('payer_code', sa.String(length=20), nullable=False),
    sa.Column('payer_type', sa.Enum('commercial', 'medicare', 'medicaid', 'tricare', 'eap', 'other', name='insurance_payer_type'), nullable=False),
    sa.Column('supports_electronic_claims', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('supports_eligibility_checks', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('timely_filing_days', sa.SmallInteger(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('claims_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('timely_filing_days > 0', name=op.f('ck_insurance_payers_timely_filing_days_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_payers')),
    sa.UniqueConstraint('payer_code', name=op.f('uq_insurance_payers_payer_code'))
    )
    op.create_index('ix_insurance_payers_active_name', 'insurance_payers', ['name'], unique=False, postgresql_where=sa.text('is_active'))
    op.create_table('medications',
    sa.Column('generic_name', sa.String(length=200), nullable=False),
    sa.Column('brand_names', postgresql.ARRAY(sa.String(length=200)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('drug_class', sa.Enum('ssri', 'snri', 'tricyclic_antidepressant', 'maoi', 'atypical_antidepressant', 'benzodiazepine', 'sedative_hypnotic', 'anxiolytic', 'mood_stabilizer', 'anticonvulsant', 'antipsychotic', 'stimulant', 'non_stimulant_adhd', 'beta_blocker', 'substance_use_treatment', 'opioid', 'other', name='medication_drug_class'), nullable=False),
    sa.Column('rxnorm_cui', sa.String(length=16), nullable=True),
    sa.Column('atc_code', sa.String(length=8), nullable=True),
    sa.Column('controlled_schedule', sa.SmallInteger(), nullable=True),
    sa.Column('dosage_forms', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('dose_unit', sa.String(length=16), server_default='mg', nullable=False),
    sa.Column('typical_dose_min', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('typical_dose_max', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('max_daily_dose', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('black_box_warning', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('black_box_warning_text', sa.Text(), nullable=True),
    sa.Column('overdose_risk', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('overdose_risk_note', sa.Text(), nullable=True),
    sa.Column('discontinuation_risk', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('requires_lab_monitoring', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('NOT black_box_warning OR black_box_warning_text IS NOT NULL', name=op.f('ck_medications_black_box_has_text')),
    sa.CheckConstraint('controlled_schedule BETWEEN 1 AND 5', name=op.f('ck_medications_controlled_schedule_range')),
    sa.CheckConstraint('max_daily_dose > 0', name=op.f('ck_medications_max_daily_dose_positive')),
    sa.CheckConstraint('typical_dose_min > 0 AND typical_dose_max >= typical_dose_min', name=op.f('ck_medications_typical_dose_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medications')),
    sa.UniqueConstraint('generic_name', name=op.f('uq_medications_generic_name')),
    sa.UniqueConstraint('rxnorm_cui', name=op.f('uq_medications_rxnorm_cui'))
    )
    op.create_index('ix_medications_brand_names', 'medications', ['brand_names'], unique=False, postgresql_using='gin')
    op.create_index('ix_medications_drug_class', 'medications', ['drug_class'], unique=False)
    op.create_table('outbox_events',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('aggregate_type', sa.String(length=64), nullable=False),
    sa.Column('aggregate_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(payload) = 'object'", name=op.f('ck_outbox_events_payload_object')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_events_attempts_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events'))
    )
    op.create_index('ix_outbox_events_unpublished', 'outbox_events', ['created_at', 'seq'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('processed_events',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("consumer <> ''", name=op.f('ck_processed_events_consumer_not_empty')),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_processed_events'))
    )
    op.create_index('ix_processed_events_processed_at', 'processed_events', ['processed_at'], unique=False)
    op.create_table('subscription_plans',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('billing_interval', sa.Enum('month', 'year', name='subscription_billing_interval'), nullable=False),
    sa.Column('trial_days', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('features', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('is_public', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('sort_order', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('processor_product_id', sa.String(length=128), nullable=True),
    sa.Column('processor_price_id', sa.String(length=128), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("code ~ '^[a-z0-9][a-z0-9_-]*$'", name=op.f('ck_subscription_plans_code_format')),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_subscription_plans_currency_iso')),
    sa.CheckConstraint("jsonb_typeof(features) = 'object'", name=op.f('ck_subscription_plans_features_object')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_subscription_plans_amount_nonnegative')),
    sa.CheckConstraint('trial_days BETWEEN 0 AND 365', name=op.f('ck_subscription_plans_trial_days_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_subscription_plans_code')),
    sa.UniqueConstraint('processor_price_id', name=op.f('uq_subscription_plans_processor_price_id'))
    )
    op.create_index('ix_subscription_plans_listed', 'subscription_plans', ['sort_order'], unique=False, postgresql_where=sa.text('is_active AND is_public'))
    op.create_table('users',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('patient', 'therapist', 'admin', 'system', name='user_role'), nullable=False),
    sa.Column('status', sa.Enum('active', 'locked', 'suspended', 'deleted', name='user_status'), server_default='active', nullable=False),
    sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('country_code', sa.CHAR(length=2), nullable=True),
    sa.Column('locale', sa.String(length=35), server_default='en', nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('failed_login_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("country_code ~ '^[A-Z]{2}$'", name=op.f('ck_users_country_code_iso')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lower_case')),
    sa.CheckConstraint('failed_login_count >= 0', name=op.f('ck_users_failed_login_count_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    info={'rls': {'owner': 'id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    op.create_table('ai_agent_configurations',
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('approach', sa.Enum('cbt', 'dbt_skills', 'act', 'motivational_interviewing', 'supportive_listening', name='agent_approach'), nullable=False),
    sa.Column('persona', sa.Text(), nullable=False),
    sa.Column('tone', sa.String(length=200), nullable=False),
    sa.Column('boundaries', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('greeting', sa.Text(), nullable=False),
    sa.Column('tools_allowed', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('model_provider', sa.Enum('scripted', 'openai_compatible', 'ollama', 'transformers', name='agent_model_provider'), server_default='scripted', nullable=False),
    sa.Column('model_name', sa.String(length=200), nullable=True),
    sa.Column('model_params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('system_prompt_path', sa.String(length=300), nullable=True),
    sa.Column('system_prompt', sa.Text(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('locale', sa.String(length=16), server_default='en', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('source', sa.Enum('file', 'api', name='agent_config_source'), server_default='file', nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(boundaries) = 'array'", name=op.f('ck_ai_agent_configurations_boundaries_array')),
    sa.CheckConstraint("jsonb_typeof(model_params) = 'object'", name=op.f('ck_ai_agent_configurations_model_params_object')),
    sa.CheckConstraint("jsonb_typeof(tools_allowed) = 'array'", name=op.f('ck_ai_agent_configurations_tools_allowed_array')),
    sa.CheckConstraint('system_prompt IS NOT NULL OR system_prompt_path IS NOT NULL', name=op.f('ck_ai_agent_configurations_has_system_prompt')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_ai_agent_configurations_version_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_ai_agent_configurations_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_agent_configurations')),
    sa.UniqueConstraint('slug', name=op.f('uq_ai_agent_configurations_slug'))
    )
    op.create_index('ix_ai_agent_configurations_active', 'ai_agent_configurations', ['approach'], unique=False, postgresql_where=sa.text('is_active'))
    op.create_index(op.f('ix_ai_agent_configurations_created_by'), 'ai_agent_configurations', ['created_by'], unique=False)
    op.create_table('analytics_cohorts',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=True),
    sa.Column('last_computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(definition) = 'object'", name=op.f('ck_analytics_cohorts_definition_object')),
    sa.CheckConstraint('member_count >= 0', name=op.f('ck_analytics_cohorts_member_count_nonnegative')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_analytics_cohorts_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_cohorts')),
    sa.UniqueConstraint('key', name=op.f('uq_analytics_cohorts_key'))
    )
    op.create_index(op.f('ix_analytics_cohorts_created_by'), 'analytics_cohorts', ['created_by'], unique=False)
    op.create_table('api_keys',
    sa.Column('service_account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.LargeBinary(), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('allowed_cidrs', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.UUID(), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(revoked_by IS NULL) OR (revoked_at IS NOT NULL)', name=op.f('ck_api_keys_revoked_has_time')),
    sa.CheckConstraint('octet_length(key_hash) = 32', name=op.f('ck_api_keys_sha256_digest')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_api_keys_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_api_keys_revoked_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_account_id'], ['users.id'], name=op.f('fk_api_keys_service_account_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_prefix', name=op.f('uq_api_keys_key_prefix'))
    )
    op.create_index(op.f('ix_api_keys_created_by'), 'api_keys', ['created_by'], unique=False)
    op.create_index(op.f('ix_api_keys_revoked_by'), 'api_keys', ['revoked_by'], unique=False)
    op.create_index(op.f('ix_api_keys_service_account_id'), 'api_keys', ['service_account_id'], unique=False)
    op.create_table('appointments',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('appointment_type_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'scheduled', 'confirmed', 'checked_in', 'in_progress', 'completed', 'cancelled', 'no_show', 'rescheduled', name='appointment_status'), server_default='scheduled', nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('modality', sa.Enum('video', 'phone', 'in_person', name='appointment_modality'), nullable=False),
    sa.Column('location', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('reason', sa.LargeBinary(), nullable=True),
    sa.Column('booked_by', sa.UUID(), nullable=True),
    sa.Column('rescheduled_from_id', sa.UUID(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_billable', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("ends_at <= starts_at + interval '8 hours'", name=op.f('ck_appointments_duration_max_8h')),
    sa.CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name=op.f('ck_appointments_completed_has_time')),
    sa.CheckConstraint("status NOT IN ('cancelled', 'no_show') OR cancelled_at IS NOT NULL", name=op.f('ck_appointments_cancelled_has_time')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_appointments_times_ordered')),
    sa.ForeignKeyConstraint(['appointment_type_id'], ['appointment_types.id'], name=op.f('fk_appointments_appointment_type_id_appointment_types'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['booked_by'], ['users.id'], name=op.f('fk_appointments_booked_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_appointments_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rescheduled_from_id'], ['appointments.id'], name=op.f('fk_appointments_rescheduled_from_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_appointments_therapist_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_appointments_appointment_type_id'), 'appointments', ['appointment_type_id'], unique=False)
    op.create_index(op.f('ix_appointments_booked_by'), 'appointments', ['booked_by'], unique=False)
    op.create_index(op.f('ix_appointments_patient_id'), 'appointments', ['patient_id'], unique=False)
    op.create_index('ix_appointments_patient_starts', 'appointments', ['patient_id', 'starts_at'], unique=False)
    op.create_index(op.f('ix_appointments_rescheduled_from_id'), 'appointments', ['rescheduled_from_id'], unique=False)
    op.create_index('ix_appointments_therapist_starts', 'appointments', ['therapist_id', 'starts_at'], unique=False)
    op.create_index('uq_appointments_therapist_start', 'appointments', ['therapist_id', 'starts_at'], unique=True, postgresql_where=sa.text("therapist_id IS NOT NULL AND status IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'in_progress', 'completed')"))
    op.create_table('assessment_assignments',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('template_id', sa.UUID(), nullable=False),
    sa.Column('assigned_by', sa.UUID(), nullable=True),
    sa.Column('message', sa.LargeBinary(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('pending', 'completed', 'cancelled', 'expired', name='assessment_assignment_status'), server_default='pending', nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name=op.f('ck_assessment_assignments_completed_at_iff_done')),
    sa.ForeignKeyConstraint(['assigned_by'], ['users.id'], name=op.f('fk_assessment_assignments_assigned_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['assessment_templates.id'], name=op.f('fk_assessment_assignments_template_id_assessment_templates'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assessment_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_assignments')),
    info={'rls': {'owner': 'user_id', 'also': ['assigned_by'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_assessment_assignments_assigned_by'), 'assessment_assignments', ['assigned_by'], unique=False)
    op.create_index('ix_assessment_assignments_pending', 'assessment_assignments', ['user_id', 'due_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index(op.f('ix_assessment_assignments_template_id'), 'assessment_assignments', ['template_id'], unique=False)
    op.create_index(op.f('ix_assessment_assignments_user_id'), 'assessment_assignments', ['user_id'], unique=False)
    op.create_table('assessment_schedules',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('template_id', sa.UUID(), nullable=False),
    sa.Column('frequency', sa.Enum('weekly', 'biweekly', 'monthly', 'quarterly', name='assessment_schedule_frequency'), nullable=False),
    sa.Column('preferred_time', sa.Time(), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_assessment_schedules_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['assessment_templates.id'], name=op.f('fk_assessment_schedules_template_id_assessment_templates'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assessment_schedules_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_schedules')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_assessment_schedules_created_by'), 'assessment_schedules', ['created_by'], unique=False)
    op.create_index('ix_assessment_schedules_due', 'assessment_schedules', ['next_due_at'], unique=False, postgresql_where=sa.text('is_active'))
    op.create_index(op.f('ix_assessment_schedules_template_id'), 'assessment_schedules', ['template_id'], unique=False)
    op.create_index(op.f('ix_assessment_schedules_user_id'), 'assessment_schedules', ['user_id'], unique=False)
    op.create_index('uq_assessment_schedules_active', 'assessment_schedules', ['user_id', 'template_id'], unique=True, postgresql_where=sa.text('is_active'))
    op.create_table('business_associate_agreements',
    sa.Column('counterparty_name', sa.String(length=200), nullable=False),
    sa.Column('counterparty_contact_email', sa.String(length=320), nullable=True),
    sa.Column('services_description', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.Enum('draft', 'active', 'expired', 'terminated', name='baa_status'), server_default='draft', nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.Column('expiration_date', sa.Date(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('document_uri', sa.String(length=2048), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('expiration_date IS NULL OR effective_date IS NULL OR expiration_date >= effective_date', name=op.f('ck_business_associate_agreements_dates_ordered')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_business_associate_agreements_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_associate_agreements'))
    )
    op.create_table('care_teams',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('active', 'closed', name='care_team_status'), server_default='active', nullable=False),
    sa.Column('lead_clinician_id', sa.UUID(), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name=op.f('ck_care_teams_closed_has_time')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_care_teams_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_clinician_id'], ['users.id'], name=op.f('fk_care_teams_lead_clinician_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_care_teams_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_teams')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_care_teams_created_by'), 'care_teams', ['created_by'], unique=False)
    op.create_index(op.f('ix_care_teams_lead_clinician_id'), 'care_teams', ['lead_clinician_id'], unique=False)
    op.create_index(op.f('ix_care_teams_patient_id'), 'care_teams', ['patient_id'], unique=False)
    op.create_index('uq_care_teams_active_patient', 'care_teams', ['patient_id'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_table('clinician_on_call_shifts',
    sa.Column('clinician_id', sa.UUID(), nullable=False),
    sa.Column('tier', sa.Enum('primary', 'backup', 'supervisor', name='clinician_on_call_tier'), server_default='primary', nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'cancelled', name='clinician_on_call_shift_status'), server_default='scheduled', nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('country_code', sa.CHAR(length=2), nullable=True),
    sa.Column('region_code', sa.String(length=10), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name=op.f('ck_clinician_on_call_shifts_cancelled_has_time')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_clinician_on_call_shifts_ends_after_starts')),
    sa.ForeignKeyConstraint(['clinician_id'], ['users.id'], name=op.f('fk_clinician_on_call_shifts_clinician_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_clinician_on_call_shifts_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinician_on_call_shifts'))
    )
    op.create_index(op.f('ix_clinician_on_call_shifts_clinician_id'), 'clinician_on_call_shifts', ['clinician_id'], unique=False)
    op.create_index('ix_clinician_on_call_shifts_clinician_starts', 'clinician_on_call_shifts', ['clinician_id', 'starts_at'], unique=False)
    op.create_index('ix_clinician_on_call_shifts_coverage', 'clinician_on_call_shifts', ['tier', 'ends_at', 'starts_at'], unique=False, postgresql_where=sa.text("status = 'scheduled'"))
    op.create_index(op.f('ix_clinician_on_call_shifts_created_by'), 'clinician_on_call_shifts', ['created_by'], unique=False)
    op.create_table('clinician_profiles',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Enum('pending_verification', 'active', 'suspended', 'inactive', name='clinician_profile_status'), server_default='pending_verification', nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('credentials', sa.String(length=100), nullable=True),
    sa.Column('license_number', sa.String(length=64), nullable=False),
    sa.Column('license_country', sa.CHAR(length=2), nullable=False),
    sa.Column('license_state', sa.String(length=10), nullable=True),
    sa.Column('license_expires_on', sa.Date(), nullable=True),
    sa.Column('license_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('license_verified_by', sa.UUID(), nullable=True),
    sa.Column('npi_number', sa.String(length=10), nullable=True),
    sa.Column('can_prescribe', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('specialties', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('modalities', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('languages', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('accepting_new_patients', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('max_caseload', sa.SmallInteger(), nullable=True),
    sa.Column('is_on_call', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('backup_clinician_id', sa.UUID(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("license_country ~ '^[A-Z]{2}$'", name=op.f('ck_clinician_profiles_license_country_iso')),
    sa.CheckConstraint("npi_number IS NULL OR npi_number ~ '^[0-9]{10}$'", name=op.f('ck_clinician_profiles_npi_format')),
    sa.CheckConstraint('backup_clinician_id IS NULL OR backup_clinician_id <> user_id', name=op.f('ck_clinician_profiles_backup_not_self')),
    sa.CheckConstraint('max_caseload IS NULL OR max_caseload > 0', name=op.f('ck_clinician_profiles_max_caseload_positive')),
    sa.ForeignKeyConstraint(['backup_clinician_id'], ['users.id'], name=op.f('fk_clinician_profiles_backup_clinician_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['license_verified_by'], ['users.id'], name=op.f('fk_clinician_profiles_license_verified_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_clinician_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinician_profiles')),
    sa.UniqueConstraint('license_country', 'license_state', 'license_number', name='uq_clinician_profiles_license'),
    sa.UniqueConstraint('npi_number', name=op.f('uq_clinician_profiles_npi_number')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_clinician_profiles_accepting', 'clinician_profiles', ['license_country', 'license_state'], unique=False, postgresql_where=sa.text("status = 'active' AND accepting_new_patients"))
    op.create_index(op.f('ix_clinician_profiles_backup_clinician_id'), 'clinician_profiles', ['backup_clinician_id'], unique=False)
    op.create_index(op.f('ix_clinician_profiles_license_verified_by'), 'clinician_profiles', ['license_verified_by'], unique=False)
    op.create_index('ix_clinician_profiles_specialties', 'clinician_profiles', ['specialties'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_clinician_profiles_user_id'), 'clinician_profiles', ['user_id'], unique=True)
    op.create_table('consent_tracking',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('consent_type', sa.Enum('terms', 'privacy', 'data_processing', 'share_with_therapist', 'research', name='consent_type'), nullable=False),
    sa.Column('action', sa.Enum('granted', 'withdrawn', name='consent_action'), nullable=False),
    sa.Column('policy_version', sa.String(length=32), nullable=False),
    sa.Column('ip', postgresql.INET(), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consent_tracking_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_tracking')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_consent_tracking_user_id'), 'consent_tracking', ['user_id'], unique=False)
    op.create_index('ix_consent_tracking_user_id_occurred_at', 'consent_tracking', ['user_id', 'occurred_at'], unique=False)
    op.create_table('coupons',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('discount_type', sa.Enum('percent', 'fixed_amount', name='coupon_discount_type'), nullable=False),
    sa.Column('discount_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=True),
    sa.Column('duration', sa.Enum('once', 'repeating', 'forever', name='coupon_duration'), nullable=False),
    sa.Column('duration_in_months', sa.SmallInteger(), nullable=True),
    sa.Column('max_redemptions', sa.Integer(), nullable=True),
    sa.Column('times_redeemed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applies_to_plan_codes', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('first_subscription_only', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('processor_coupon_id', sa.String(length=128), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(duration = 'repeating') = (duration_in_months IS NOT NULL)", name=op.f('ck_coupons_repeating_has_months')),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_coupons_currency_iso')),
    sa.CheckConstraint("discount_type <> 'fixed_amount' OR currency IS NOT NULL", name=op.f('ck_coupons_fixed_amount_has_currency')),
    sa.CheckConstraint("discount_value > 0 AND (discount_type <> 'percent' OR discount_value <= 100)", name=op.f('ck_coupons_discount_value_range')),
    sa.CheckConstraint("jsonb_typeof(applies_to_plan_codes) = 'array'", name=op.f('ck_coupons_applies_to_plan_codes_array')),
    sa.CheckConstraint('duration_in_months > 0', name=op.f('ck_coupons_duration_in_months_positive')),
    sa.CheckConstraint('max_redemptions > 0', name=op.f('ck_coupons_max_redemptions_positive')),
    sa.CheckConstraint('times_redeemed >= 0 AND (max_redemptions IS NULL OR times_redeemed <= max_redemptions)', name=op.f('ck_coupons_times_redeemed_range')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until > valid_from', name=op.f('ck_coupons_validity_ordered')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_coupons_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupons')),
    sa.UniqueConstraint('processor_coupon_id', name=op.f('uq_coupons_processor_coupon_id'))
    )
    op.create_index(op.f('ix_coupons_created_by'), 'coupons', ['created_by'], unique=False)
    op.create_index('uq_coupons_code_lower', 'coupons', [sa.literal_column('lower(code)')], unique=True)
    op.create_table('crisis_keywords',
    sa.Column('term', sa.Text(), nullable=True),
    sa.Column('pattern', sa.Text(), nullable=True),
    sa.Column('is_regex', sa.Boolean(), sa.Computed('pattern IS NOT NULL', persisted=True), nullable=False),
    sa.Column('is_phrase', sa.Boolean(), sa.Computed("term IS NOT NULL AND btrim(term) ~ '\\s'", persisted=True), nullable=False),
    sa.Column('category', sa.Enum('suicidal_ideation', 'self_harm', 'plan_or_means', 'imminent', 'abuse', 'eating_disorder', 'harm_to_others', 'concern_for_other', 'hopelessness', name='crisis_category'), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.Column('fuzzy', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('requires_first_person', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('requires_context', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('triggers', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('lang', sa.String(length=16), server_default='en', nullable=False),
    sa.Column('lexicon_name', sa.String(length=80), server_default='db', nullable=False),
    sa.Column('lexicon_version', sa.String(length=40), server_default='0', nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(triggers) = 'array'", name=op.f('ck_crisis_keywords_triggers_array')),
    sa.CheckConstraint('num_nonnulls(term, pattern) = 1', name=op.f('ck_crisis_keywords_term_xor_pattern')),
    sa.CheckConstraint('weight > 0 AND weight <= 1', name=op.f('ck_crisis_keywords_weight_range')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_crisis_keywords_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_keywords'))
    )
    op.create_index(op.f('ix_crisis_keywords_created_by'), 'crisis_keywords', ['created_by'], unique=False)
    op.create_index('ix_crisis_keywords_enabled_lang', 'crisis_keywords', ['lang'], unique=False, postgresql_where=sa.text('enabled'))
    op.create_index('uq_crisis_keywords_pattern', 'crisis_keywords', ['lexicon_name', 'lang', sa.literal_column('md5(pattern)'), 'category'], unique=True, postgresql_where=sa.text('pattern IS NOT NULL'))
    op.create_index('uq_crisis_keywords_term', 'crisis_keywords', ['lexicon_name', 'lang', sa.literal_column('lower(term)'), 'category'], unique=True, postgresql_where=sa.text('term IS NOT NULL'))
    op.create_table('data_access_logs',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('accessor_id', sa.UUID(), nullable=True),
    sa.Column('accessor_role', sa.String(length=32), nullable=False),
    sa.Column('resource', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.UUID(), nullable=True),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.ForeignKeyConstraint(['accessor_id'], ['users.id'], name=op.f('fk_data_access_logs_accessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_access_logs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_access_logs')),
    info={'rls': {'owner': 'user_id', 'also': ['accessor_id'], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_data_access_logs_accessor_id'), 'data_access_logs', ['accessor_id'], unique=False)
    op.create_index(op.f('ix_data_access_logs_user_id'), 'data_access_logs', ['user_id'], unique=False)
    op.create_index('ix_data_access_logs_user_id_occurred_at', 'data_access_logs', ['user_id', 'occurred_at'], unique=False)
    op.create_table('data_breach_incidents',
    sa.Column('reference_code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('severity', sa.Enum('low', 'medium', 'high', 'critical', name='data_breach_severity'), nullable=False),
    sa.Column('status', sa.Enum('open', 'investigating', 'contained', 'resolved', name='data_breach_status'), server_default='open', nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contained_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('authority_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('users_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('affected_user_count', sa.Integer(), nullable=True),
    sa.Column('data_categories', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('reported_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('affected_user_count IS NULL OR affected_user_count >= 0', name=op.f('ck_data_breach_incidents_affected_count')),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_data_breach_incidents_reported_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_breach_incidents')),
    sa.UniqueConstraint('reference_code', name=op.f('uq_data_breach_incidents_reference_code'))
    )
    op.create_table('data_subject_requests',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('request_type', sa.Enum('access', 'export', 'erasure', 'rectification', 'restriction', name='data_subject_request_type'), nullable=False),
    sa.Column('status', sa.Enum('received', 'in_progress', 'completed', 'rejected', 'cancelled', name='data_subject_request_status'), server_default='received', nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.UUID(), nullable=True),
    sa.Column('request_details', sa.LargeBinary(), nullable=True),
    sa.Column('resolution_code', sa.String(length=64), nullable=True),
    sa.Column('export_uri', sa.String(length=2048), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['handled_by'], ['users.id'], name=op.f('fk_data_subject_requests_handled_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_subject_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_subject_requests')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_data_subject_requests_status_due_at', 'data_subject_requests', ['status', 'due_at'], unique=False)
    op.create_index(op.f('ix_data_subject_requests_user_id'), 'data_subject_requests', ['user_id'], unique=False)
    op.create_table('drug_interactions',
    sa.Column('medication_a_id', sa.UUID(), nullable=False),
    sa.Column('medication_b_id', sa.UUID(), nullable=False),
    sa.Column('severity', sa.Enum('minor', 'moderate', 'major', 'contraindicated', name='drug_interaction_severity'), nullable=False),
    sa.Column('effect', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('management', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('source_reference', sa.String(length=300), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('medication_a_id < medication_b_id', name=op.f('ck_drug_interactions_pair_ordered')),
    sa.ForeignKeyConstraint(['medication_a_id'], ['medications.id'], name=op.f('fk_drug_interactions_medication_a_id_medications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['medication_b_id'], ['medications.id'], name=op.f('fk_drug_interactions_medication_b_id_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drug_interactions')),
    sa.UniqueConstraint('medication_a_id', 'medication_b_id', name=op.f('uq_drug_interactions_medication_a_id_medication_b_id'))
    )
    op.create_index(op.f('ix_drug_interactions_medication_b_id'), 'drug_interactions', ['medication_b_id'], unique=False)
    op.create_table('email_outbox',
    sa.Column('recipient_user_id', sa.UUID(), nullable=True),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('locale', sa.String(length=35), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'cancelled', name='email_outbox_status'), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=255), nullable=True),
    sa.Column('source_event_id', sa.UUID(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_email_outbox_sent_has_time')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_email_outbox_attempts_non_negative')),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_email_outbox_recipient_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_email_outbox_idempotency_key'))
    )
    op.create_index('ix_email_outbox_pending', 'email_outbox', ['available_at'], unique=False, postgresql_where=sa.text("status IN ('pending', 'sending')"))
    op.create_index(op.f('ix_email_outbox_recipient_user_id'), 'email_outbox', ['recipient_user_id'], unique=False)
    op.create_index('ix_email_outbox_source_event_id', 'email_outbox', ['source_event_id'], unique=False, postgresql_where=sa.text('source_event_id IS NOT NULL'))
    op.create_table('feature_flags',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('rollout_percentage', sa.SmallInteger(), server_default=sa.text('100'), nullable=False),
    sa.Column('rules', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('owner_team', sa.String(length=100), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("key ~ '^[a-z0-9][a-z0-9_.-]*$'", name=op.f('ck_feature_flags_key_format')),
    sa.CheckConstraint('rollout_percentage BETWEEN 0 AND 100', name=op.f('ck_feature_flags_rollout_range')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_feature_flags_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feature_flags')),
    sa.UniqueConstraint('key', name=op.f('uq_feature_flags_key'))
    )
    op.create_index(op.f('ix_feature_flags_updated_by'), 'feature_flags', ['updated_by'], unique=False)
    op.create_table('feature_usage_events',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('feature', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('platform', sa.Enum('ios', 'android', 'web', name='analytics_client_platform'), nullable=True),
    sa.Column('app_version', sa.String(length=32), nullable=True),
    sa.Column('client_event_id', sa.UUID(), nullable=True),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("feature ~ '^[a-z0-9_]+(\\.[a-z0-9_]+)*$'", name=op.f('ck_feature_usage_events_feature_format')),
    sa.CheckConstraint("jsonb_typeof(properties) = 'object'", name=op.f('ck_feature_usage_events_properties_object')),
    sa.CheckConstraint('pg_column_size(properties) <= 4096', name=op.f('ck_feature_usage_events_properties_small')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feature_usage_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feature_usage_events')),
    sa.UniqueConstraint('client_event_id', name=op.f('uq_feature_usage_events_client_event_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_feature_usage_events_feature_occurred', 'feature_usage_events', ['feature', 'occurred_at'], unique=False)
    op.create_index('ix_feature_usage_events_user_created', 'feature_usage_events', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_feature_usage_events_user_id'), 'feature_usage_events', ['user_id'], unique=False)
    op.create_table('insurance_plans',
    sa.Column('payer_id', sa.UUID(), nullable=False),
    sa.Column('plan_code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('plan_type', sa.Enum('hmo', 'ppo', 'epo', 'pos', 'hdhp', 'medicare_advantage', 'medicaid_managed', 'other', name='insurance_plan_type'), nullable=False),
    sa.Column('covers_behavioral_health', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('covers_telehealth', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('requires_preauthorization', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('default_copay_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('default_coinsurance_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_insurance_plans_currency_iso')),
    sa.CheckConstraint('default_coinsurance_percent BETWEEN 0 AND 100', name=op.f('ck_insurance_plans_coinsurance_percent_range')),
    sa.CheckConstraint('default_copay_amount >= 0', name=op.f('ck_insurance_plans_copay_nonnegative')),
    sa.ForeignKeyConstraint(['payer_id'], ['insurance_payers.id'], name=op.f('fk_insurance_plans_payer_id_insurance_payers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_plans')),
    sa.UniqueConstraint('payer_id', 'plan_code', name=op.f('uq_insurance_plans_payer_id_plan_code'))
    )
    op.create_table('journal_prompts',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('follow_up', sa.String(length=1000), nullable=True),
    sa.Column('category', sa.Enum('cbt', 'gratitude', 'reflection', 'crisis', name='journal_prompt_category'), nullable=False),
    sa.Column('technique', sa.Enum('thought_record', 'behavioural_activation', 'cognitive_restructuring', 'worry_time', 'self_compassion', 'problem_solving', 'gratitude', 'reflection', 'grounding', 'safety_planning', 'free_writing', name='journal_cbt_technique'), nullable=True),
    sa.Column('mood_min', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('mood_max', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('locale', sa.String(length=16), server_default='en', nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(tags) = 'array'", name=op.f('ck_journal_prompts_tags_array')),
    sa.CheckConstraint('mood_min IS NULL OR mood_max IS NULL OR mood_min <= mood_max', name=op.f('ck_journal_prompts_mood_window')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_journal_prompts_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_prompts')),
    sa.UniqueConstraint('key', name=op.f('uq_journal_prompts_key'))
    )
    op.create_index(op.f('ix_journal_prompts_created_by'), 'journal_prompts', ['created_by'], unique=False)
    op.create_index('ix_journal_prompts_pick', 'journal_prompts', ['locale', 'category'], unique=False, postgresql_where=sa.text('is_active'))
    op.create_table('mood_goals',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('goal_type', sa.Enum('average_mood', 'logging_streak', 'sleep_hours', 'activity_frequency', 'custom', name='mood_goal_type'), nullable=False),
    sa.Column('title', sa.LargeBinary(), nullable=False),
    sa.Column('description', sa.LargeBinary(), nullable=True),
    sa.Column('activity', sa.String(length=60), nullable=True),
    sa.Column('target_value', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('baseline_value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('current_value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('period', sa.Enum('daily', 'weekly', 'monthly', name='mood_goal_period'), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('active', 'achieved', 'paused', 'abandoned', name='mood_goal_status'), server_default='active', nullable=False),
    sa.Column('achieved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('set_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'achieved') = (achieved_at IS NOT NULL)", name=op.f('ck_mood_goals_achieved_at_iff_achieved')),
    sa.CheckConstraint("goal_type <> 'activity_frequency' OR activity IS NOT NULL", name=op.f('ck_mood_goals_activity_named')),
    sa.CheckConstraint('target_date IS NULL OR target_date >= start_date', name=op.f('ck_mood_goals_target_after_start')),
    sa.CheckConstraint('target_value >= 0', name=op.f('ck_mood_goals_target_nonnegative')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_mood_goals_set_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mood_goals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_goals')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_mood_goals_active', 'mood_goals', ['user_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index(op.f('ix_mood_goals_set_by'), 'mood_goals', ['set_by'], unique=False)
    op.create_index(op.f('ix_mood_goals_user_id'), 'mood_goals', ['user_id'], unique=False)
    op.create_table('mood_patterns',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('pattern_type', sa.Enum('trend', 'weekday_effect', 'sleep_correlation', 'activity_correlation', 'factor_correlation', 'emotion_frequency', 'volatility', 'streak', name='mood_pattern_type'), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('confidence', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=True),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('algorithm_version', sa.String(length=40), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(metrics) = 'object'", name=op.f('ck_mood_patterns_metrics_object')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_mood_patterns_period_order')),
    sa.CheckConstraint('sample_size >= 0', name=op.f('ck_mood_patterns_sample_size_nonnegative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mood_patterns_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_patterns')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_mood_patterns_user_id'), 'mood_patterns', ['user_id'], unique=False)
    op.create_index('uq_mood_patterns_period', 'mood_patterns', ['user_id', 'pattern_type', 'period_start', 'period_end'], unique=True)
    op.create_table('notifications',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('category', sa.Enum('appointment', 'homework', 'message', 'assessment_due', 'care_team', 'crisis_follow_up', 'medication', 'billing', 'account', 'system', name='notification_category'), nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='notification_priority'), server_default='normal', nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=1000), nullable=True),
    sa.Column('action_url', sa.String(length=2048), nullable=True),
    sa.Column('resource_type', sa.String(length=64), nullable=True),
    sa.Column('resource_id', sa.UUID(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(resource_type IS NULL) = (resource_id IS NULL)', name=op.f('ck_notifications_resource_pair')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_notifications_unread', 'notifications', ['user_id', 'created_at'], unique=False, postgresql_where=sa.text('read_at IS NULL AND dismissed_at IS NULL'))
    op.create_index(op.f('ix_notifications_user_id'), 'notifications', ['user_id'], unique=False)
    op.create_index('ix_notifications_user_id_created_at', 'notifications', ['user_id', 'created_at'], unique=False)
    op.create_index('uq_notifications_dedupe', 'notifications', ['user_id', 'dedupe_key'], unique=True, postgresql_where=sa.text('dedupe_key IS NOT NULL'))
    op.create_table('payment_methods',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('processor', sa.Enum('stripe', 'app_store', 'google_play', 'manual', name='payment_processor'), nullable=False),
    sa.Column('processor_payment_method_id', sa.String(length=128), nullable=False),
    sa.Column('processor_customer_id', sa.String(length=128), nullable=True),
    sa.Column('type', sa.Enum('card', 'bank_account', 'apple_pay', 'google_pay', 'paypal', name='payment_method_type'), nullable=False),
    sa.Column('card_brand', sa.String(length=32), nullable=True),
    sa.Column('card_last4', sa.CHAR(length=4), nullable=True),
    sa.Column('card_exp_month', sa.SmallInteger(), nullable=True),
    sa.Column('card_exp_year', sa.SmallInteger(), nullable=True),
    sa.Column('card_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('is_hsa_fsa', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('bank_name', sa.String(length=120), nullable=True),
    sa.Column('bank_last4', sa.CHAR(length=4), nullable=True),
    sa.Column('billing_country', sa.CHAR(length=2), nullable=True),
    sa.Column('billing_postal_code', sa.String(length=16), nullable=True),
    sa.Column('is_default', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("bank_last4 ~ '^[0-9]{4}$'", name=op.f('ck_payment_methods_bank_last4_digits')),
    sa.CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name=op.f('ck_payment_methods_card_last4_digits')),
    sa.CheckConstraint("type <> 'card' OR (card_brand IS NOT NULL AND card_last4 IS NOT NULL)", name=op.f('ck_payment_methods_card_has_display_fields')),
    sa.CheckConstraint('NOT (is_default AND removed_at IS NOT NULL)', name=op.f('ck_payment_methods_removed_not_default')),
    sa.CheckConstraint('card_exp_month BETWEEN 1 AND 12', name=op.f('ck_payment_methods_card_exp_month_range')),
    sa.CheckConstraint('card_exp_year BETWEEN 2000 AND 2100', name=op.f('ck_payment_methods_card_exp_year_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payment_methods_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_methods')),
    sa.UniqueConstraint('processor', 'processor_payment_method_id', name=op.f('uq_payment_methods_processor_processor_payment_method_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_payment_methods_user_id'), 'payment_methods', ['user_id'], unique=False)
    op.create_index('uq_payment_methods_default', 'payment_methods', ['user_id'], unique=True, postgresql_where=sa.text('is_default'))
    op.create_table('privacy_settings',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('share_mood_with_therapist', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('share_journal_with_therapist', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('share_chat_with_therapist', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('share_assessments_with_therapist', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('analytics_opt_in', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('research_opt_in', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_settings')),
    sa.UniqueConstraint('user_id', name=op.f('uq_privacy_settings_user_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_table('referrals',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('referring_clinician_id', sa.UUID(), nullable=True),
    sa.Column('referred_to_clinician_id', sa.UUID(), nullable=True),
    sa.Column('external_provider_name', sa.String(length=200), nullable=True),
    sa.Column('external_provider_contact', sa.String(length=320), nullable=True),
    sa.Column('requested_role', sa.Enum('primary_therapist', 'psychiatrist', 'counselor', 'care_coordinator', name='therapeutic_relationship_role'), nullable=True),
    sa.Column('specialty', sa.String(length=100), nullable=True),
    sa.Column('urgency', sa.Enum('routine', 'urgent', 'emergency', name='referral_urgency'), server_default='routine', nullable=False),
    sa.Column('status', sa.Enum('draft', 'sent', 'accepted', 'declined', 'scheduled', 'completed', 'cancelled', 'expired', name='referral_status'), server_default='draft', nullable=False),
    sa.Column('reason', sa.LargeBinary(), nullable=True),
    sa.Column('response_note', sa.LargeBinary(), nullable=True),
    sa.Column('external_reference', sa.String(length=128), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("referred_to_clinician_id IS NOT NULL OR external_provider_name IS NOT NULL OR status IN ('draft', 'cancelled')", name=op.f('ck_referrals_has_recipient')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_referrals_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referred_to_clinician_id'], ['users.id'], name=op.f('fk_referrals_referred_to_clinician_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referring_clinician_id'], ['users.id'], name=op.f('fk_referrals_referring_clinician_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    info={'rls': {'owner': 'patient_id', 'also': ['referring_clinician_id', 'referred_to_clinician_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_referrals_inbox', 'referrals', ['referred_to_clinician_id', 'created_at'], unique=False, postgresql_where=sa.text("status = 'sent'"))
    op.create_index(op.f('ix_referrals_patient_id'), 'referrals', ['patient_id'], unique=False)
    op.create_index('ix_referrals_patient_id_created_at', 'referrals', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_referrals_referred_to_clinician_id'), 'referrals', ['referred_to_clinician_id'], unique=False)
    op.create_index(op.f('ix_referrals_referring_clinician_id'), 'referrals', ['referring_clinician_id'], unique=False)
    op.create_table('report_definitions',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.Enum('operational', 'clinical_quality', 'safety', 'financial', 'compliance', 'product', name='report_category'), nullable=False),
    sa.Column('query_spec', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('default_format', sa.Enum('csv', 'json', 'pdf', 'xlsx', name='report_format'), server_default='csv', nullable=False),
    sa.Column('schedule_cron', sa.String(length=64), nullable=True),
    sa.Column('contains_phi', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('min_cell_size', sa.SmallInteger(), server_default='11', nullable=False),
    sa.Column('retention_days', sa.SmallInteger(), server_default='90', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(query_spec) = 'object'", name=op.f('ck_report_definitions_query_spec_object')),
    sa.CheckConstraint('min_cell_size >= 1', name=op.f('ck_report_definitions_min_cell_size_positive')),
    sa.CheckConstraint('retention_days > 0', name=op.f('ck_report_definitions_retention_days_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_report_definitions_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_definitions')),
    sa.UniqueConstraint('key', name=op.f('uq_report_definitions_key'))
    )
    op.create_index(op.f('ix_report_definitions_created_by'), 'report_definitions', ['created_by'], unique=False)
    op.create_table('safety_plans',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('warning_signs', sa.LargeBinary(), nullable=True),
    sa.Column('internal_coping_strategies', sa.LargeBinary(), nullable=True),
    sa.Column('distraction_people_places', sa.LargeBinary(), nullable=True),
    sa.Column('people_to_ask_for_help', sa.LargeBinary(), nullable=True),
    sa.Column('professionals_and_crisis_lines', sa.LargeBinary(), nullable=True),
    sa.Column('making_environment_safe', sa.LargeBinary(), nullable=True),
    sa.Column('reasons_for_living', sa.LargeBinary(), nullable=True),
    sa.Column('shared_with_therapist', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_with', sa.UUID(), nullable=True),
    sa.Column('last_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_safety_plans_version_positive')),
    sa.ForeignKeyConstraint(['created_with'], ['users.id'], name=op.f('fk_safety_plans_created_with_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_safety_plans_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plans')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': 'safety_plan'}}
    )
    op.create_index(op.f('ix_safety_plans_created_with'), 'safety_plans', ['created_with'], unique=False)
    op.create_index(op.f('ix_safety_plans_user_id'), 'safety_plans', ['user_id'], unique=False)
    op.create_index('uq_safety_plans_current', 'safety_plans', ['user_id'], unique=True, postgresql_where=sa.text('is_current'))
    op.create_index('uq_safety_plans_user_version', 'safety_plans', ['user_id', 'version'], unique=True)
    op.create_table('system_announcements',
    sa.Column('kind', sa.Enum('info', 'feature', 'maintenance', 'incident', name='system_announcement_kind'), nullable=False),
    sa.Column('severity', sa.Enum('info', 'warning', 'critical', name='system_announcement_severity'), server_default='info', nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='system_announcement_status'), server_default='draft', nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('translations', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('audience_roles', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('audience_countries', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('display_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('display_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('maintenance_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('maintenance_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('affected_services', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('dismissible', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind <> 'maintenance' OR maintenance_starts_at IS NOT NULL", name=op.f('ck_system_announcements_maintenance_has_window')),
    sa.CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name=op.f('ck_system_announcements_published_has_time')),
    sa.CheckConstraint('(maintenance_starts_at IS NULL) = (maintenance_ends_at IS NULL) AND (maintenance_ends_at IS NULL OR maintenance_ends_at > maintenance_starts_at)', name=op.f('ck_system_announcements_maintenance_window')),
    sa.CheckConstraint('display_until IS NULL OR display_until > display_from', name=op.f('ck_system_announcements_display_window')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_system_announcements_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_announcements'))
    )
    op.create_index(op.f('ix_system_announcements_created_by'), 'system_announcements', ['created_by'], unique=False)
    op.create_index('ix_system_announcements_current', 'system_announcements', ['display_from', 'display_until'], unique=False, postgresql_where=sa.text("status = 'published'"))
    op.create_table('system_configurations',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("key ~ '^[a-z0-9][a-z0-9_.-]*$'", name=op.f('ck_system_configurations_key_format')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_system_configurations_version_positive')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_system_configurations_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_configurations')),
    sa.UniqueConstraint('key', name=op.f('uq_system_configurations_key'))
    )
    op.create_index(op.f('ix_system_configurations_updated_by'), 'system_configurations', ['updated_by'], unique=False)
    op.create_table('therapeutic_relationships',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=False),
    sa.Column('role', sa.Enum('primary_therapist', 'psychiatrist', 'counselor', 'care_coordinator', name='therapeutic_relationship_role'), server_default='primary_therapist', nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'paused', 'ended', name='therapeutic_relationship_status'), server_default='pending', nullable=False),
    sa.Column('is_primary', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('consent_to_share_journal', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('consent_to_share_chat', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('consent_to_share_safety_plan', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('patient_consented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'active' OR (started_at IS NOT NULL AND patient_consented_at IS NOT NULL)", name=op.f('ck_therapeutic_relationships_active_is_started_and_consented')),
    sa.CheckConstraint("status <> 'ended' OR ended_at IS NOT NULL", name=op.f('ck_therapeutic_relationships_ended_has_ended_at')),
    sa.CheckConstraint('ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at', name=op.f('ck_therapeutic_relationships_ended_after_started')),
    sa.CheckConstraint('patient_id <> therapist_id', name=op.f('ck_therapeutic_relationships_not_self')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_therapeutic_relationships_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_therapeutic_relationships_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_therapeutic_relationships_therapist_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapeutic_relationships')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_therapeutic_relationships_created_by'), 'therapeutic_relationships', ['created_by'], unique=False)
    op.create_index(op.f('ix_therapeutic_relationships_patient_id'), 'therapeutic_relationships', ['patient_id'], unique=False)
    op.create_index('ix_therapeutic_relationships_therapist_active', 'therapeutic_relationships', ['therapist_id', 'patient_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index(op.f('ix_therapeutic_relationships_therapist_id'), 'therapeutic_relationships', ['therapist_id'], unique=False)
    op.create_index('uq_therapeutic_relationships_active_pair', 'therapeutic_relationships', ['patient_id', 'therapist_id'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_index('uq_therapeutic_relationships_active_primary', 'therapeutic_relationships', ['patient_id'], unique=True, postgresql_where=sa.text("is_primary AND status = 'active'"))
    op.create_table('therapist_availability',
    sa.Column('therapist_id', sa.UUID(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('modality', sa.Enum('video', 'phone', 'in_person', name='appointment_modality'), nullable=True),
    sa.Column('appointment_type_id', sa.UUID(), nullable=True),
    sa.Column('valid_from', sa.Date(), server_default=sa.text('CURRENT_DATE'), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_therapist_availability_times_ordered')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_therapist_availability_validity_ordered')),
    sa.CheckConstraint('weekday BETWEEN 1 AND 7', name=op.f('ck_therapist_availability_weekday_range')),
    sa.ForeignKeyConstraint(['appointment_type_id'], ['appointment_types.id'], name=op.f('fk_therapist_availability_appointment_type_id_appointment_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_therapist_availability_therapist_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapist_availability')),
    info={'rls': {'owner': 'therapist_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_therapist_availability_active_weekday', 'therapist_availability', ['therapist_id', 'weekday'], unique=False, postgresql_where=sa.text('is_active'))
    op.create_index(op.f('ix_therapist_availability_appointment_type_id'), 'therapist_availability', ['appointment_type_id'], unique=False)
    op.create_index(op.f('ix_therapist_availability_therapist_id'), 'therapist_availability', ['therapist_id'], unique=False)
    op.create_table('therapist_availability_exceptions',
    sa.Column('therapist_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Enum('time_off', 'holiday', 'sick', 'training', 'extra_availability', name='therapist_availability_exception_kind'), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('all_day', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_therapist_availability_exceptions_times_ordered')),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_therapist_availability_exceptions_therapist_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapist_availability_exceptions')),
    info={'rls': {'owner': 'therapist_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_therapist_availability_exceptions_range', 'therapist_availability_exceptions', ['therapist_id', 'starts_at', 'ends_at'], unique=False)
    op.create_index(op.f('ix_therapist_availability_exceptions_therapist_id'), 'therapist_availability_exceptions', ['therapist_id'], unique=False)
    op.create_table('therapist_performance_metrics',
    sa.Column('therapist_id', sa.UUID(), nullable=False),
    sa.Column('granularity', sa.Enum('day', 'week', 'month', 'quarter', 'year', name='analytics_period_granularity'), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('active_caseload', sa.Integer(), server_default='0', nullable=False),
    sa.Column('new_patients', sa.Integer(), server_default='0', nullable=False),
    sa.Column('discharged_patients', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sessions_completed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sessions_cancelled', sa.Integer(), server_default='0', nullable=False),
    sa.Column('no_shows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('utilization', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=True),
    sa.Column('median_message_response_seconds', sa.Integer(), nullable=True),
    sa.Column('crisis_alerts_received', sa.Integer(), server_default='0', nullable=False),
    sa.Column('crisis_alerts_acknowledged', sa.Integer(), server_default='0', nullable=False),
    sa.Column('median_alert_ack_seconds', sa.Integer(), nullable=True),
    sa.Column('improvement_rate', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=True),
    sa.Column('mean_phq9_change', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('active_caseload >= 0 AND new_patients >= 0 AND discharged_patients >= 0 AND sessions_completed >= 0 AND sessions_cancelled >= 0 AND no_shows >= 0 AND crisis_alerts_received >= 0 AND crisis_alerts_acknowledged BETWEEN 0 AND crisis_alerts_received', name=op.f('ck_therapist_performance_metrics_counts_in_range')),
    sa.CheckConstraint('median_message_response_seconds >= 0 AND median_alert_ack_seconds >= 0', name=op.f('ck_therapist_performance_metrics_durations_nonnegative')),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_therapist_performance_metrics_therapist_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapist_performance_metrics')),
    sa.UniqueConstraint('therapist_id', 'granularity', 'period_start', name=op.f('uq_therapist_performance_metrics_therapist_id_granularity_period_start')),
    info={'rls': {'owner': 'therapist_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_therapist_performance_metrics_therapist_id'), 'therapist_performance_metrics', ['therapist_id'], unique=False)
    op.create_table('treatment_plans',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('presenting_problem', sa.LargeBinary(), nullable=True),
    sa.Column('approach', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('draft', 'active', 'under_review', 'completed', 'discontinued', name='treatment_plan_status'), server_default='draft', nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('target_end_date', sa.Date(), nullable=True),
    sa.Column('next_review_date', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('session_frequency', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('patient_agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ended_on IS NULL OR start_date IS NULL OR ended_on >= start_date', name=op.f('ck_treatment_plans_dates_ordered')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_treatment_plans_version_positive')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_treatment_plans_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by'], ['users.id'], name=op.f('fk_treatment_plans_signed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_treatment_plans_therapist_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_plans')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_treatment_plans_patient_id'), 'treatment_plans', ['patient_id'], unique=False)
    op.create_index('ix_treatment_plans_review_due', 'treatment_plans', ['therapist_id', 'next_review_date'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index(op.f('ix_treatment_plans_signed_by'), 'treatment_plans', ['signed_by'], unique=False)
    op.create_index(op.f('ix_treatment_plans_therapist_id'), 'treatment_plans', ['therapist_id'], unique=False)
    op.create_index('uq_treatment_plans_active', 'treatment_plans', ['patient_id', 'therapist_id'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_table('user_consents',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('consent_type', sa.Enum('terms', 'privacy', 'data_processing', 'share_with_therapist', 'research', name='consent_type'), nullable=False),
    sa.Column('granted', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('policy_version', sa.String(length=32), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('NOT granted OR granted_at IS NOT NULL', name=op.f('ck_user_consents_granted_has_time')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_consents')),
    sa.UniqueConstraint('user_id', 'consent_type', name=op.f('uq_user_consents_user_id_consent_type')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_table('user_engagement_daily',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('metric_date', sa.Date(), nullable=False),
    sa.Column('app_sessions', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('active_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('chat_messages_sent', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('journal_entries', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('mood_entries', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('assessments_completed', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('exercises_completed', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('medication_adherence', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=True),
    sa.Column('streak_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('first_active_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('app_sessions >= 0 AND active_seconds BETWEEN 0 AND 86400 AND chat_messages_sent >= 0 AND journal_entries >= 0 AND mood_entries >= 0 AND assessments_completed >= 0 AND exercises_completed >= 0 AND streak_days >= 0', name=op.f('ck_user_engagement_daily_counts_in_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_engagement_daily_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_engagement_daily')),
    sa.UniqueConstraint('user_id', 'metric_date', name=op.f('uq_user_engagement_daily_user_id_metric_date')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_user_engagement_daily_metric_date', 'user_engagement_daily', ['metric_date'], unique=False)
    op.create_index(op.f('ix_user_engagement_daily_user_id'), 'user_engagement_daily', ['user_id'], unique=False)
    op.create_table('user_medications',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('prescriber_id', sa.UUID(), nullable=True),
    sa.Column('medication_id', sa.UUID(), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Enum('prescribed', 'self_reported', 'imported', name='user_medication_source'), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'completed', 'discontinued', name='user_medication_status'), server_default='active', nullable=False),
    sa.Column('dose_amount', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.Column('dose_unit', sa.String(length=16), nullable=False),
    sa.Column('dosage_form', sa.String(length=40), nullable=True),
    sa.Column('route', sa.String(length=32), nullable=True),
    sa.Column('as_needed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('instructions', sa.LargeBinary(), nullable=True),
    sa.Column('indication', sa.LargeBinary(), nullable=True),
    sa.Column('external_prescriber_name', sa.String(length=200), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('quantity_dispensed', sa.SmallInteger(), nullable=True),
    sa.Column('refills_remaining', sa.SmallInteger(), nullable=True),
    sa.Column('erx_prescription_id', sa.String(length=128), nullable=True),
    sa.Column('discontinued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discontinued_reason', sa.String(length=64), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'discontinued' OR discontinued_at IS NOT NULL", name=op.f('ck_user_medications_discontinued_has_time')),
    sa.CheckConstraint('dose_amount > 0', name=op.f('ck_user_medications_dose_positive')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_user_medications_dates_ordered')),
    sa.CheckConstraint('quantity_dispensed >= 0 AND refills_remaining >= 0', name=op.f('ck_user_medications_counts_nonnegative')),
    sa.ForeignKeyConstraint(['medication_id'], ['medications.id'], name=op.f('fk_user_medications_medication_id_medications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_user_medications_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prescriber_id'], ['users.id'], name=op.f('fk_user_medications_prescriber_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_medications')),
    sa.UniqueConstraint('erx_prescription_id', name=op.f('uq_user_medications_erx_prescription_id')),
    info={'rls': {'owner': 'patient_id', 'also': ['prescriber_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_user_medications_medication_id'), 'user_medications', ['medication_id'], unique=False)
    op.create_index('ix_user_medications_patient_active', 'user_medications', ['patient_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_user_medications_patient_created', 'user_medications', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_user_medications_patient_id'), 'user_medications', ['patient_id'], unique=False)
    op.create_index(op.f('ix_user_medications_prescriber_id'), 'user_medications', ['prescriber_id'], unique=False)
    op.create_table('user_preferences',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('notifications', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('theme', sa.Enum('system', 'light', 'dark', name='user_theme'), server_default='system', nullable=False),
    sa.Column('preferred_agent_slug', sa.String(length=64), nullable=True),
    sa.Column('crisis_lines_locale', sa.String(length=35), nullable=True),
    sa.Column('quiet_hours_start', sa.Time(), nullable=True),
    sa.Column('quiet_hours_end', sa.Time(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(quiet_hours_start IS NULL) = (quiet_hours_end IS NULL)', name=op.f('ck_user_preferences_quiet_hours_both_or_neither')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_preferences')),
    sa.UniqueConstraint('user_id', name=op.f('uq_user_preferences_user_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_table('user_profiles',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('pronouns', sa.String(length=40), nullable=True),
    sa.Column('emergency_contact_name', sa.LargeBinary(), nullable=True),
    sa.Column('emergency_contact_phone', sa.LargeBinary(), nullable=True),
    sa.Column('emergency_contact_relationship', sa.String(length=40), nullable=True),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('avatar_url', sa.String(length=2048), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('char_length(bio) <= 2000', name=op.f('ck_user_profiles_bio_length')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_user_profiles_user_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_table('user_sessions',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('token_hash', sa.CHAR(length=64), nullable=False),
    sa.Column('family_id', sa.UUID(), nullable=False),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('ip', postgresql.INET(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Enum('logout', 'revoke_all', 'reuse_detected', 'password_changed', 'admin', name='user_session_revoke_reason'), nullable=True),
    sa.Column('replaced_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['replaced_by'], ['user_sessions.id'], name=op.f('fk_user_sessions_replaced_by_user_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_user_sessions_family_id', 'user_sessions', ['family_id'], unique=False)
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    op.create_table('appointment_cancellations',
    sa.Column('appointment_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.Enum('cancellation', 'late_cancellation', 'no_show', name='appointment_cancellation_kind'), nullable=False),
    sa.Column('initiated_by', sa.Enum('patient', 'therapist', 'admin', 'system', name='appointment_cancellation_initiator'), nullable=False),
    sa.Column('cancelled_by', sa.UUID(), nullable=True),
    sa.Column('reason', sa.Enum('schedule_conflict', 'illness', 'feeling_better', 'cost', 'transportation', 'technical_issue', 'therapist_unavailable', 'emergency', 'no_reason_given', 'other', name='appointment_cancellation_reason'), nullable=False),
    sa.Column('reason_note', sa.LargeBinary(), nullable=True),
    sa.Column('notice_minutes', sa.Integer(), nullable=False),
    sa.Column('fee_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), nullable=True),
    sa.Column('fee_waived', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('follow_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_appointment_cancellations_currency_iso')),
    sa.CheckConstraint('(fee_amount IS NULL) = (currency IS NULL)', name=op.f('ck_appointment_cancellations_fee_with_currency')),
    sa.CheckConstraint('fee_amount >= 0', name=op.f('ck_appointment_cancellations_fee_amount_nonnegative')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_appointment_cancellations_appointment_id_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cancelled_by'], ['users.id'], name=op.f('fk_appointment_cancellations_cancelled_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_appointment_cancellations_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_appointment_cancellations_therapist_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_cancellations')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_appointment_cancellations_appointment_id')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_appointment_cancellations_cancelled_by'), 'appointment_cancellations', ['cancelled_by'], unique=False)
    op.create_index('ix_appointment_cancellations_patient_created', 'appointment_cancellations', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_appointment_cancellations_patient_id'), 'appointment_cancellations', ['patient_id'], unique=False)
    op.create_index('ix_appointment_cancellations_therapist_created', 'appointment_cancellations', ['therapist_id', 'created_at'], unique=False)
    op.create_table('appointment_reminders',
    sa.Column('appointment_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', 'push', name='appointment_reminder_channel'), nullable=False),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'sent', 'failed', 'cancelled', name='appointment_reminder_status'), server_default='scheduled', nullable=False),
    sa.Column('attempt_count', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=128), nullable=True),
    sa.Column('failure_reason', sa.String(length=255), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_appointment_reminders_sent_has_time')),
    sa.CheckConstraint('attempt_count >= 0', name=op.f('ck_appointment_reminders_attempt_count_nonnegative')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_appointment_reminders_appointment_id_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_appointment_reminders_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_reminders')),
    sa.UniqueConstraint('appointment_id', 'channel', 'remind_at', name=op.f('uq_appointment_reminders_appointment_id_channel_remind_at')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_appointment_reminders_due', 'appointment_reminders', ['remind_at'], unique=False, postgresql_where=sa.text("status = 'scheduled'"))
    op.create_index(op.f('ix_appointment_reminders_patient_id'), 'appointment_reminders', ['patient_id'], unique=False)
    op.create_table('appointment_waitlist_entries',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('appointment_type_id', sa.UUID(), nullable=False),
    sa.Column('preferred_modality', sa.Enum('video', 'phone', 'in_person', name='appointment_modality'), nullable=True),
    sa.Column('preferred_windows', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('earliest_date', sa.Date(), nullable=True),
    sa.Column('latest_date', sa.Date(), nullable=True),
    sa.Column('priority', sa.SmallInteger(), server_default='100', nullable=False),
    sa.Column('status', sa.Enum('waiting', 'offered', 'booked', 'expired', 'cancelled', name='appointment_waitlist_status'), server_default='waiting', nullable=False),
    sa.Column('offered_appointment_id', sa.UUID(), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(preferred_windows) = 'array'", name=op.f('ck_appointment_waitlist_entries_preferred_windows_array')),
    sa.CheckConstraint("status <> 'offered' OR (offered_appointment_id IS NOT NULL AND offer_expires_at IS NOT NULL)", name=op.f('ck_appointment_waitlist_entries_offer_complete')),
    sa.CheckConstraint('latest_date IS NULL OR latest_date >= earliest_date', name=op.f('ck_appointment_waitlist_entries_dates_ordered')),
    sa.ForeignKeyConstraint(['appointment_type_id'], ['appointment_types.id'], name=op.f('fk_appointment_waitlist_entries_appointment_type_id_appointment_types'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['offered_appointment_id'], ['appointments.id'], name=op.f('fk_appointment_waitlist_entries_offered_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_appointment_waitlist_entries_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_appointment_waitlist_entries_therapist_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_waitlist_entries')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_appointment_waitlist_entries_appointment_type_id'), 'appointment_waitlist_entries', ['appointment_type_id'], unique=False)
    op.create_index(op.f('ix_appointment_waitlist_entries_offered_appointment_id'), 'appointment_waitlist_entries', ['offered_appointment_id'], unique=False)
    op.create_index(op.f('ix_appointment_waitlist_entries_patient_id'), 'appointment_waitlist_entries', ['patient_id'], unique=False)
    op.create_index('ix_appointment_waitlist_entries_queue', 'appointment_waitlist_entries', ['priority', 'created_at'], unique=False, postgresql_where=sa.text("status = 'waiting'"))
    op.create_index(op.f('ix_appointment_waitlist_entries_therapist_id'), 'appointment_waitlist_entries', ['therapist_id'], unique=False)
    op.create_index('uq_appointment_waitlist_entries_open', 'appointment_waitlist_entries', ['patient_id', 'therapist_id', 'appointment_type_id'], unique=True, postgresql_where=sa.text("status IN ('waiting', 'offered')"), postgresql_nulls_not_distinct=True)
    op.create_table('care_plans',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('care_team_id', sa.UUID(), nullable=True),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'active', 'on_hold', 'completed', 'cancelled', name='care_plan_status'), server_default='draft', nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('next_review_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('patient_acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_care_plans_dates_ordered')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_care_plans_version_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_care_plans_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['care_team_id'], ['care_teams.id'], name=op.f('fk_care_plans_care_team_id_care_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_care_plans_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_plans')),
    info={'rls': {'owner': 'patient_id', 'also': ['author_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_care_plans_author_id'), 'care_plans', ['author_id'], unique=False)
    op.create_index(op.f('ix_care_plans_care_team_id'), 'care_plans', ['care_team_id'], unique=False)
    op.create_index(op.f('ix_care_plans_patient_id'), 'care_plans', ['patient_id'], unique=False)
    op.create_index('ix_care_plans_patient_id_created_at', 'care_plans', ['patient_id', 'created_at'], unique=False)
    op.create_index('ix_care_plans_review_due', 'care_plans', ['next_review_date'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_table('care_team_members',
    sa.Column('care_team_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('member_id', sa.UUID(), nullable=True),
    sa.Column('role', sa.Enum('primary_therapist', 'psychiatrist', 'counselor', 'care_coordinator', 'primary_care_physician', 'peer_support', 'family_contact', 'other', name='care_team_member_role'), nullable=False),
    sa.Column('external_name', sa.String(length=200), nullable=True),
    sa.Column('external_organization', sa.String(length=200), nullable=True),
    sa.Column('external_phone', sa.String(length=32), nullable=True),
    sa.Column('external_email', sa.String(length=320), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('left_at IS NULL OR left_at >= joined_at', name=op.f('ck_care_team_members_left_after_joined')),
    sa.CheckConstraint('member_id IS NOT NULL OR external_name IS NOT NULL', name=op.f('ck_care_team_members_member_or_external')),
    sa.ForeignKeyConstraint(['care_team_id'], ['care_teams.id'], name=op.f('fk_care_team_members_care_team_id_care_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_care_team_members_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_care_team_members_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_team_members')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_care_team_members_care_team_id'), 'care_team_members', ['care_team_id'], unique=False)
    op.create_index(op.f('ix_care_team_members_member_id'), 'care_team_members', ['member_id'], unique=False)
    op.create_index(op.f('ix_care_team_members_patient_id'), 'care_team_members', ['patient_id'], unique=False)
    op.create_index('uq_care_team_members_current', 'care_team_members', ['care_team_id', 'member_id'], unique=True, postgresql_where=sa.text('left_at IS NULL AND member_id IS NOT NULL'))
    op.create_table('chat_sessions',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('agent_id', sa.UUID(), nullable=True),
    sa.Column('agent_version', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('active', 'ended', 'abandoned', name='chat_session_status'), server_default='active', nullable=False),
    sa.Column('title', sa.LargeBinary(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('locale', sa.String(length=16), server_default='en', nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status = 'active' OR ended_at IS NOT NULL", name=op.f('ck_chat_sessions_closed_has_ended_at')),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_chat_sessions_ended_after_start')),
    sa.CheckConstraint('last_seq >= 0', name=op.f('ck_chat_sessions_last_seq_nonnegative')),
    sa.ForeignKeyConstraint(['agent_id'], ['ai_agent_configurations.id'], name=op.f('fk_chat_sessions_agent_id_ai_agent_configurations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_sessions')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': 'chat'}}
    )
    op.create_index('ix_chat_sessions_active', 'chat_sessions', ['user_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index(op.f('ix_chat_sessions_agent_id'), 'chat_sessions', ['agent_id'], unique=False)
    op.create_index(op.f('ix_chat_sessions_user_id'), 'chat_sessions', ['user_id'], unique=False)
    op.create_index('ix_chat_sessions_user_started', 'chat_sessions', ['user_id', 'started_at'], unique=False)
    op.create_table('generated_reports',
    sa.Column('report_definition_id', sa.UUID(), nullable=False),
    sa.Column('requested_by', sa.UUID(), nullable=True),
    sa.Column('cohort_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', 'expired', name='generated_report_status'), server_default='queued', nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('format', sa.Enum('csv', 'json', 'pdf', 'xlsx', name='report_format'), nullable=False),
    sa.Column('file_key', sa.String(length=512), nullable=True),
    sa.Column('file_size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('file_sha256', sa.CHAR(length=64), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_message', sa.String(length=1000), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("file_sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_generated_reports_file_sha256_format')),
    sa.CheckConstraint("status <> 'succeeded' OR (file_key IS NOT NULL AND completed_at IS NOT NULL)", name=op.f('ck_generated_reports_succeeded_has_file')),
    sa.CheckConstraint('file_size_bytes >= 0 AND row_count >= 0', name=op.f('ck_generated_reports_sizes_nonnegative')),
    sa.CheckConstraint('period_end IS NULL OR period_end >= period_start', name=op.f('ck_generated_reports_period_ordered')),
    sa.ForeignKeyConstraint(['cohort_id'], ['analytics_cohorts.id'], name=op.f('fk_generated_reports_cohort_id_analytics_cohorts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_definition_id'], ['report_definitions.id'], name=op.f('fk_generated_reports_report_definition_id_report_definitions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_generated_reports_requested_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generated_reports'))
    )
    op.create_index(op.f('ix_generated_reports_cohort_id'), 'generated_reports', ['cohort_id'], unique=False)
    op.create_index('ix_generated_reports_definition_created', 'generated_reports', ['report_definition_id', 'created_at'], unique=False)
    op.create_index('ix_generated_reports_expiring', 'generated_reports', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'succeeded'"))
    op.create_index('ix_generated_reports_pending', 'generated_reports', ['created_at'], unique=False, postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.create_index(op.f('ix_generated_reports_requested_by'), 'generated_reports', ['requested_by'], unique=False)
    op.create_table('insurance_policies',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('payer_id', sa.UUID(), nullable=False),
    sa.Column('plan_id', sa.UUID(), nullable=True),
    sa.Column('priority', sa.Enum('primary', 'secondary', 'tertiary', name='insurance_coverage_priority'), server_default='primary', nullable=False),
    sa.Column('status', sa.Enum('pending_verification', 'active', 'inactive', 'terminated', name='insurance_policy_status'), server_default='pending_verification', nullable=False),
    sa.Column('member_id', sa.LargeBinary(), nullable=False),
    sa.Column('member_id_last4', sa.String(length=4), nullable=True),
    sa.Column('group_number', sa.LargeBinary(), nullable=True),
    sa.Column('subscriber_relationship', sa.Enum('self', 'spouse', 'child', 'other', name='insurance_subscriber_relationship'), server_default='self', nullable=False),
    sa.Column('subscriber_name', sa.LargeBinary(), nullable=True),
    sa.Column('subscriber_date_of_birth', sa.LargeBinary(), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.Column('termination_date', sa.Date(), nullable=True),
    sa.Column('copay_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('coinsurance_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('deductible_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('deductible_met_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('out_of_pocket_max', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('card_front_file_key', sa.String(length=512), nullable=True),
    sa.Column('card_back_file_key', sa.String(length=512), nullable=True),
    sa.Column('last_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_insurance_policies_currency_iso')),
    sa.CheckConstraint("member_id_last4 ~ '^[A-Za-z0-9]{1,4}$'", name=op.f('ck_insurance_policies_member_id_last4_format')),
    sa.CheckConstraint('coinsurance_percent BETWEEN 0 AND 100', name=op.f('ck_insurance_policies_coinsurance_percent_range')),
    sa.CheckConstraint('copay_amount >= 0 AND deductible_amount >= 0 AND deductible_met_amount >= 0 AND out_of_pocket_max >= 0', name=op.f('ck_insurance_policies_amounts_nonnegative')),
    sa.CheckConstraint('termination_date IS NULL OR effective_date IS NULL OR termination_date >= effective_date', name=op.f('ck_insurance_policies_dates_ordered')),
    sa.ForeignKeyConstraint(['payer_id'], ['insurance_payers.id'], name=op.f('fk_insurance_policies_payer_id_insurance_payers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['insurance_plans.id'], name=op.f('fk_insurance_policies_plan_id_insurance_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_insurance_policies_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_policies')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_insurance_policies_payer_id'), 'insurance_policies', ['payer_id'], unique=False)
    op.create_index(op.f('ix_insurance_policies_plan_id'), 'insurance_policies', ['plan_id'], unique=False)
    op.create_index(op.f('ix_insurance_policies_user_id'), 'insurance_policies', ['user_id'], unique=False)
    op.create_index('uq_insurance_policies_active_priority', 'insurance_policies', ['user_id', 'priority'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_table('kpi_snapshots',
    sa.Column('kpi_key', sa.String(length=80), nullable=False),
    sa.Column('granularity', sa.Enum('day', 'week', 'month', 'quarter', 'year', name='analytics_period_granularity'), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('dimensions', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('cohort_id', sa.UUID(), nullable=True),
    sa.Column('value', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=True),
    sa.Column('sample_size', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(unit = 'money') = (currency IS NOT NULL)", name=op.f('ck_kpi_snapshots_money_has_currency')),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_kpi_snapshots_currency_iso')),
    sa.CheckConstraint("jsonb_typeof(dimensions) = 'object'", name=op.f('ck_kpi_snapshots_dimensions_object')),
    sa.CheckConstraint('sample_size >= 0', name=op.f('ck_kpi_snapshots_sample_size_nonnegative')),
    sa.ForeignKeyConstraint(['cohort_id'], ['analytics_cohorts.id'], name=op.f('fk_kpi_snapshots_cohort_id_analytics_cohorts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_snapshots')),
    sa.UniqueConstraint('kpi_key', 'granularity', 'period_start', 'dimensions', name=op.f('uq_kpi_snapshots_kpi_key_granularity_period_start_dimensions'))
    )
    op.create_index(op.f('ix_kpi_snapshots_cohort_id'), 'kpi_snapshots', ['cohort_id'], unique=False)
    op.create_table('medication_schedules',
    sa.Column('user_medication_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('time_of_day', sa.Time(), nullable=False),
    sa.Column('days_of_week', postgresql.ARRAY(sa.SmallInteger()), server_default=sa.text("'{1,2,3,4,5,6,7}'"), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('dose_amount', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.Column('dose_unit', sa.String(length=16), nullable=False),
    sa.Column('grace_minutes', sa.SmallInteger(), server_default='120', nullable=False),
    sa.Column('reminders_enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('cardinality(days_of_week) BETWEEN 1 AND 7 AND days_of_week <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]', name=op.f('ck_medication_schedules_days_of_week_valid')),
    sa.CheckConstraint('dose_amount > 0', name=op.f('ck_medication_schedules_dose_positive')),
    sa.CheckConstraint('grace_minutes BETWEEN 0 AND 1440', name=op.f('ck_medication_schedules_grace_minutes_range')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_medication_schedules_validity_ordered')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_medication_schedules_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_medication_id'], ['user_medications.id'], name=op.f('fk_medication_schedules_user_medication_id_user_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_schedules')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_medication_schedules_patient_id'), 'medication_schedules', ['patient_id'], unique=False)
    op.create_index(op.f('ix_medication_schedules_user_medication_id'), 'medication_schedules', ['user_medication_id'], unique=False)
    op.create_table('medication_side_effect_reports',
    sa.Column('user_medication_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('prescriber_id', sa.UUID(), nullable=True),
    sa.Column('description', sa.LargeBinary(), nullable=False),
    sa.Column('symptom_codes', postgresql.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('severity', sa.Enum('mild', 'moderate', 'severe', 'life_threatening', name='medication_side_effect_severity'), nullable=False),
    sa.Column('urgent', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('onset_date', sa.Date(), nullable=True),
    sa.Column('resolved_date', sa.Date(), nullable=True),
    sa.Column('reviewed_by', sa.UUID(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action_taken', sa.Enum('none', 'monitor', 'dose_adjusted', 'medication_switched', 'discontinued', 'referred', name='medication_side_effect_action'), nullable=True),
    sa.Column('clinician_note', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(action_taken IS NULL) OR (reviewed_at IS NOT NULL)', name=op.f('ck_medication_side_effect_reports_action_after_review')),
    sa.CheckConstraint('resolved_date IS NULL OR resolved_date >= onset_date', name=op.f('ck_medication_side_effect_reports_dates_ordered')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_medication_side_effect_reports_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prescriber_id'], ['users.id'], name=op.f('fk_medication_side_effect_reports_prescriber_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_medication_side_effect_reports_reviewed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_medication_id'], ['user_medications.id'], name=op.f('fk_medication_side_effect_reports_user_medication_id_user_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_side_effect_reports')),
    info={'rls': {'owner': 'patient_id', 'also': ['prescriber_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_medication_side_effect_reports_patient_created', 'medication_side_effect_reports', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_medication_side_effect_reports_patient_id'), 'medication_side_effect_reports', ['patient_id'], unique=False)
    op.create_index(op.f('ix_medication_side_effect_reports_prescriber_id'), 'medication_side_effect_reports', ['prescriber_id'], unique=False)
    op.create_index(op.f('ix_medication_side_effect_reports_reviewed_by'), 'medication_side_effect_reports', ['reviewed_by'], unique=False)
    op.create_index('ix_medication_side_effect_reports_unreviewed', 'medication_side_effect_reports', ['urgent', 'created_at'], unique=False, postgresql_where=sa.text('reviewed_at IS NULL'))
    op.create_index(op.f('ix_medication_side_effect_reports_user_medication_id'), 'medication_side_effect_reports', ['user_medication_id'], unique=False)
    op.create_table('mood_insights',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('pattern_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.Enum('trend', 'correlation', 'streak', 'milestone', 'suggestion', 'check_in', name='mood_insight_kind'), nullable=False),
    sa.Column('insight_key', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), server_default='50', nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('shown_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_mood_insights_period_order')),
    sa.CheckConstraint('priority BETWEEN 0 AND 100', name=op.f('ck_mood_insights_priority_range')),
    sa.ForeignKeyConstraint(['pattern_id'], ['mood_patterns.id'], name=op.f('fk_mood_insights_pattern_id_mood_patterns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mood_insights_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_insights')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_mood_insights_feed', 'mood_insights', ['user_id', 'generated_at'], unique=False, postgresql_where=sa.text('dismissed_at IS NULL'))
    op.create_index(op.f('ix_mood_insights_pattern_id'), 'mood_insights', ['pattern_id'], unique=False)
    op.create_index(op.f('ix_mood_insights_user_id'), 'mood_insights', ['user_id'], unique=False)
    op.create_index('uq_mood_insights_key_period', 'mood_insights', ['user_id', 'insight_key', 'period_start'], unique=True)
    op.create_table('therapy_sessions',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('appointment_id', sa.UUID(), nullable=True),
    sa.Column('treatment_plan_id', sa.UUID(), nullable=True),
    sa.Column('session_type', sa.Enum('intake', 'individual', 'couples', 'family', 'group', 'crisis', 'follow_up', 'assessment', 'medication_management', name='therapy_session_type'), server_default='individual', nullable=False),
    sa.Column('modality', sa.Enum('video', 'audio', 'in_person', 'chat', name='therapy_session_modality'), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'in_progress', 'completed', 'cancelled', 'no_show', name='therapy_session_status'), server_default='scheduled', nullable=False),
    sa.Column('scheduled_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_minutes', sa.SmallInteger(), nullable=True),
    sa.Column('cpt_code', sa.String(length=5), nullable=True),
    sa.Column('cancellation_reason', sa.String(length=64), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("cpt_code IS NULL OR cpt_code ~ '^[0-9]{4}[0-9A-Z]$'", name=op.f('ck_therapy_sessions_cpt_format')),
    sa.CheckConstraint("status <> 'completed' OR ended_at IS NOT NULL", name=op.f('ck_therapy_sessions_completed_has_end')),
    sa.CheckConstraint('duration_minutes IS NULL OR duration_minutes BETWEEN 0 AND 1440', name=op.f('ck_therapy_sessions_duration_range')),
    sa.CheckConstraint('ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at', name=op.f('ck_therapy_sessions_ended_after_started')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_therapy_sessions_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_therapy_sessions_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_therapy_sessions_therapist_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['treatment_plan_id'], ['treatment_plans.id'], name=op.f('fk_therapy_sessions_treatment_plan_id_treatment_plans'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapy_sessions')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_therapy_sessions_appointment_id'), 'therapy_sessions', ['appointment_id'], unique=False)
    op.create_index(op.f('ix_therapy_sessions_patient_id'), 'therapy_sessions', ['patient_id'], unique=False)
    op.create_index('ix_therapy_sessions_patient_id_created_at', 'therapy_sessions', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_therapy_sessions_therapist_id'), 'therapy_sessions', ['therapist_id'], unique=False)
    op.create_index('ix_therapy_sessions_therapist_schedule', 'therapy_sessions', ['therapist_id', 'scheduled_start'], unique=False)
    op.create_index(op.f('ix_therapy_sessions_treatment_plan_id'), 'therapy_sessions', ['treatment_plan_id'], unique=False)
    op.create_table('treatment_goals',
    sa.Column('treatment_plan_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('position', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('description', sa.LargeBinary(), nullable=False),
    sa.Column('interventions', sa.LargeBinary(), nullable=True),
    sa.Column('measure_instrument', sa.String(length=32), nullable=True),
    sa.Column('baseline_value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('target_value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('current_value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('progress', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'achieved', 'partially_achieved', 'discontinued', name='treatment_goal_status'), server_default='not_started', nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('achieved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'achieved' OR achieved_at IS NOT NULL", name=op.f('ck_treatment_goals_achieved_has_time')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_treatment_goals_position_non_negative')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_treatment_goals_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_treatment_goals_therapist_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['treatment_plan_id'], ['treatment_plans.id'], name=op.f('fk_treatment_goals_treatment_plan_id_treatment_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_goals')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_treatment_goals_patient_id'), 'treatment_goals', ['patient_id'], unique=False)
    op.create_index(op.f('ix_treatment_goals_therapist_id'), 'treatment_goals', ['therapist_id'], unique=False)
    op.create_index(op.f('ix_treatment_goals_treatment_plan_id'), 'treatment_goals', ['treatment_plan_id'], unique=False)
    op.create_table('user_subscriptions',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('plan_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Enum('incomplete', 'trialing', 'active', 'past_due', 'paused', 'canceled', 'expired', name='subscription_status'), nullable=False),
    sa.Column('processor', sa.Enum('stripe', 'app_store', 'google_play', 'manual', name='payment_processor'), nullable=False),
    sa.Column('processor_subscription_id', sa.String(length=128), nullable=True),
    sa.Column('processor_customer_id', sa.String(length=128), nullable=True),
    sa.Column('default_payment_method_id', sa.UUID(), nullable=True),
    sa.Column('unit_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('billing_interval', sa.Enum('month', 'year', name='subscription_billing_interval'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('trial_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('current_period_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_reason', sa.String(length=64), nullable=True),
    sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_user_subscriptions_currency_iso')),
    sa.CheckConstraint("status NOT IN ('canceled', 'expired') OR ended_at IS NOT NULL", name=op.f('ck_user_subscriptions_ended_has_time')),
    sa.CheckConstraint('current_period_end IS NULL OR current_period_end > current_period_start', name=op.f('ck_user_subscriptions_period_ordered')),
    sa.CheckConstraint('unit_amount >= 0', name=op.f('ck_user_subscriptions_unit_amount_nonnegative')),
    sa.ForeignKeyConstraint(['default_payment_method_id'], ['payment_methods.id'], name=op.f('fk_user_subscriptions_default_payment_method_id_payment_methods'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['subscription_plans.id'], name=op.f('fk_user_subscriptions_plan_id_subscription_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_subscriptions')),
    sa.UniqueConstraint('processor', 'processor_subscription_id', name=op.f('uq_user_subscriptions_processor_processor_subscription_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_user_subscriptions_default_payment_method_id'), 'user_subscriptions', ['default_payment_method_id'], unique=False)
    op.create_index('ix_user_subscriptions_live_period_end', 'user_subscriptions', ['current_period_end'], unique=False, postgresql_where=sa.text("status IN ('trialing', 'active', 'past_due', 'paused')"))
    op.create_index(op.f('ix_user_subscriptions_plan_id'), 'user_subscriptions', ['plan_id'], unique=False)
    op.create_index(op.f('ix_user_subscriptions_user_id'), 'user_subscriptions', ['user_id'], unique=False)
    op.create_index('uq_user_subscriptions_live', 'user_subscriptions', ['user_id'], unique=True, postgresql_where=sa.text("status IN ('trialing', 'active', 'past_due', 'paused')"))
    op.create_table('video_sessions',
    sa.Column('appointment_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('provider', sa.Enum('daily', 'twilio', 'zoom', 'jitsi', name='video_session_provider'), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('room_url', sa.String(length=500), nullable=False),
    sa.Column('patient_join_url', sa.String(length=500), nullable=True),
    sa.Column('therapist_join_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('created', 'open', 'in_progress', 'ended', 'failed', 'expired', name='video_session_status'), server_default='created', nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('patient_joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('therapist_joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('recording_enabled', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('quality_metrics', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("room_url !~* '(token|secret|password|signature)='", name=op.f('ck_video_sessions_room_url_without_credentials')),
    sa.CheckConstraint('duration_seconds >= 0', name=op.f('ck_video_sessions_duration_nonnegative')),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_video_sessions_times_ordered')),
    sa.CheckConstraint('expires_at > opens_at', name=op.f('ck_video_sessions_window_ordered')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_video_sessions_appointment_id_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_video_sessions_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_video_sessions_therapist_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_sessions')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_video_sessions_appointment_id')),
    sa.UniqueConstraint('provider', 'room_id', name=op.f('uq_video_sessions_provider_room_id')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_video_sessions_patient_id'), 'video_sessions', ['patient_id'], unique=False)
    op.create_index(op.f('ix_video_sessions_therapist_id'), 'video_sessions', ['therapist_id'], unique=False)
    op.create_table('care_plan_tasks',
    sa.Column('care_plan_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('task_type', sa.Enum('follow_up_contact', 'safety_check', 'medication_review', 'assessment_due', 'appointment', 'referral', 'other', name='care_plan_task_type'), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'cancelled', name='care_plan_task_status'), server_default='open', nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='care_plan_task_priority'), server_default='normal', nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('details', sa.LargeBinary(), nullable=True),
    sa.Column('assigned_to', sa.UUID(), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('completed_by', sa.UUID(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_type', sa.String(length=64), nullable=True),
    sa.Column('source_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'done' OR completed_at IS NOT NULL", name=op.f('ck_care_plan_tasks_done_has_time')),
    sa.CheckConstraint('(source_type IS NULL) = (source_id IS NULL)', name=op.f('ck_care_plan_tasks_source_pair')),
    sa.ForeignKeyConstraint(['assigned_to'], ['users.id'], name=op.f('fk_care_plan_tasks_assigned_to_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['care_plan_id'], ['care_plans.id'], name=op.f('fk_care_plan_tasks_care_plan_id_care_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['completed_by'], ['users.id'], name=op.f('fk_care_plan_tasks_completed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_care_plan_tasks_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_care_plan_tasks_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_plan_tasks')),
    info={'rls': {'owner': 'patient_id', 'also': ['assigned_to'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_care_plan_tasks_assigned_to'), 'care_plan_tasks', ['assigned_to'], unique=False)
    op.create_index(op.f('ix_care_plan_tasks_care_plan_id'), 'care_plan_tasks', ['care_plan_id'], unique=False)
    op.create_index(op.f('ix_care_plan_tasks_completed_by'), 'care_plan_tasks', ['completed_by'], unique=False)
    op.create_index(op.f('ix_care_plan_tasks_created_by'), 'care_plan_tasks', ['created_by'], unique=False)
    op.create_index(op.f('ix_care_plan_tasks_patient_id'), 'care_plan_tasks', ['patient_id'], unique=False)
    op.create_index('ix_care_plan_tasks_source', 'care_plan_tasks', ['source_type', 'source_id'], unique=False, postgresql_where=sa.text('source_id IS NOT NULL'))
    op.create_index('ix_care_plan_tasks_worklist', 'care_plan_tasks', ['assigned_to', 'due_at'], unique=False, postgresql_where=sa.text("status IN ('open', 'in_progress')"))
    op.create_table('conversation_analytics',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('message_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('user_message_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('agent_message_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('safety_message_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('avg_latency_ms', sa.Double(), nullable=True),
    sa.Column('max_latency_ms', sa.Integer(), nullable=True),
    sa.Column('avg_sentiment', sa.Double(), nullable=True),
    sa.Column('max_risk_level', sa.Enum('none', 'low', 'moderate', 'high', 'imminent', name='crisis_risk_level'), nullable=True),
    sa.Column('crisis_flag_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('escalation_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('total_tokens', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('first_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('avg_sentiment BETWEEN -1 AND 1', name=op.f('ck_conversation_analytics_avg_sentiment_range')),
    sa.CheckConstraint('duration_seconds >= 0', name=op.f('ck_conversation_analytics_duration_nonnegative')),
    sa.CheckConstraint('message_count >= 0 AND user_message_count >= 0 AND agent_message_count >= 0 AND safety_message_count >= 0 AND crisis_flag_count >= 0 AND escalation_count >= 0 AND total_tokens >= 0', name=op.f('ck_conversation_analytics_counters_nonnegative')),
    sa.CheckConstraint('user_message_count + agent_message_count + safety_message_count <= message_count', name=op.f('ck_conversation_analytics_role_counts_within_total')),
    sa.ForeignKeyConstraint(['session_id'], ['chat_sessions.id'], name=op.f('fk_conversation_analytics_session_id_chat_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_analytics_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_analytics')),
    sa.UniqueConstraint('session_id', name=op.f('uq_conversation_analytics_session_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_conversation_analytics_user_created', 'conversation_analytics', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_conversation_analytics_user_id'), 'conversation_analytics', ['user_id'], unique=False)
    op.create_table('coupon_redemptions',
    sa.Column('coupon_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('subscription_id', sa.UUID(), nullable=True),
    sa.Column('discount_amount', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_coupon_redemptions_currency_iso')),
    sa.CheckConstraint('discount_amount >= 0', name=op.f('ck_coupon_redemptions_discount_amount_nonnegative')),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_coupon_redemptions_coupon_id_coupons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subscription_id'], ['user_subscriptions.id'], name=op.f('fk_coupon_redemptions_subscription_id_user_subscriptions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coupon_redemptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_redemptions')),
    sa.UniqueConstraint('coupon_id', 'user_id', name=op.f('uq_coupon_redemptions_coupon_id_user_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_coupon_redemptions_subscription_id'), 'coupon_redemptions', ['subscription_id'], unique=False)
    op.create_index(op.f('ix_coupon_redemptions_user_id'), 'coupon_redemptions', ['user_id'], unique=False)
    op.create_table('crisis_detections',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('source', sa.Enum('chat_message', 'journal_entry', 'thought_record', 'mood_note', 'gratitude', 'assessment', 'other', name='crisis_detection_source'), nullable=False),
    sa.Column('source_id', sa.UUID(), nullable=True),
    sa.Column('chat_session_id', sa.UUID(), nullable=True),
    sa.Column('risk_level', sa.Enum('none', 'low', 'moderate', 'high', 'imminent', name='crisis_risk_level'), nullable=False),
    sa.Column('score', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=False),
    sa.Column('keyword_score', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=True),
    sa.Column('classifier_score', postgresql.DOMAIN('normalized_score', sa.Double(), constraint_name='normalized_score_range', check='VALUE >= 0 AND VALUE <= 1', create_type=False), nullable=True),
    sa.Column('context_adjusted', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('categories', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('matches', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('excerpt', sa.LargeBinary(), nullable=True),
    sa.Column('engine_version', sa.String(length=64), nullable=False),
    sa.Column('lexicon_version', sa.String(length=200), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('review_label', sa.Enum('true_positive', 'false_positive', 'uncertain', name='crisis_detection_review_label'), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("NOT jsonb_path_exists(matches, '$[*].matched_text')", name=op.f('ck_crisis_detections_matches_without_text')),
    sa.CheckConstraint("jsonb_typeof(categories) = 'array'", name=op.f('ck_crisis_detections_categories_array')),
    sa.CheckConstraint("jsonb_typeof(matches) = 'array'", name=op.f('ck_crisis_detections_matches_array')),
    sa.CheckConstraint('(review_label IS NULL) = (reviewed_at IS NULL)', name=op.f('ck_crisis_detections_review_label_with_time')),
    sa.CheckConstraint('char_length(explanation) <= 1000', name=op.f('ck_crisis_detections_explanation_short')),
    sa.ForeignKeyConstraint(['chat_session_id'], ['chat_sessions.id'], name=op.f('fk_crisis_detections_chat_session_id_chat_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_crisis_detections_reviewed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_crisis_detections_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_detections')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_crisis_detections_chat_session_id'), 'crisis_detections', ['chat_session_id'], unique=False)
    op.create_index('ix_crisis_detections_elevated', 'crisis_detections', ['user_id', 'detected_at'], unique=False, postgresql_where=sa.text("risk_level IN ('moderate', 'high', 'imminent')"))
    op.create_index(op.f('ix_crisis_detections_reviewed_by'), 'crisis_detections', ['reviewed_by'], unique=False)
    op.create_index('ix_crisis_detections_source', 'crisis_detections', ['source', 'source_id'], unique=False)
    op.create_index('ix_crisis_detections_user_detected', 'crisis_detections', ['user_id', 'detected_at'], unique=False)
    op.create_index(op.f('ix_crisis_detections_user_id'), 'crisis_detections', ['user_id'], unique=False)
    op.create_table('diagnoses',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('therapy_session_id', sa.UUID(), nullable=True),
    sa.Column('icd10_code', sa.String(length=8), nullable=False),
    sa.Column('code_description', sa.String(length=255), nullable=True),
    sa.Column('status', sa.Enum('provisional', 'confirmed', 'ruled_out', 'in_remission', 'resolved', name='diagnosis_status'), server_default='provisional', nullable=False),
    sa.Column('severity', sa.Enum('mild', 'moderate', 'severe', name='diagnosis_severity'), nullable=True),
    sa.Column('is_primary', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('onset_date', sa.Date(), nullable=True),
    sa.Column('diagnosed_on', sa.Date(), server_default=sa.text('CURRENT_DATE'), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('clinical_notes', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("icd10_code ~ '^[A-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,4})?$'", name=op.f('ck_diagnoses_icd10_format')),
    sa.CheckConstraint('resolved_on IS NULL OR resolved_on >= diagnosed_on', name=op.f('ck_diagnoses_resolved_after_diagnosed')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_diagnoses_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_diagnoses_therapist_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapy_session_id'], ['therapy_sessions.id'], name=op.f('fk_diagnoses_therapy_session_id_therapy_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diagnoses')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_diagnoses_patient_id'), 'diagnoses', ['patient_id'], unique=False)
    op.create_index(op.f('ix_diagnoses_therapist_id'), 'diagnoses', ['therapist_id'], unique=False)
    op.create_index(op.f('ix_diagnoses_therapy_session_id'), 'diagnoses', ['therapy_session_id'], unique=False)
    op.create_index('uq_diagnoses_open_code', 'diagnoses', ['patient_id', 'icd10_code'], unique=True, postgresql_where=sa.text("status IN ('provisional', 'confirmed')"))
    op.create_index('uq_diagnoses_primary', 'diagnoses', ['patient_id'], unique=True, postgresql_where=sa.text("is_primary AND status IN ('provisional', 'confirmed')"))
    op.create_table('homework_assignments',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('therapy_session_id', sa.UUID(), nullable=True),
    sa.Column('treatment_goal_id', sa.UUID(), nullable=True),
    sa.Column('homework_type', sa.Enum('thought_record', 'behavioral_activation', 'exposure', 'journaling', 'mood_log', 'skills_practice', 'reading', 'worksheet', 'other', name='homework_assignment_type'), nullable=False),
    sa.Column('status', sa.Enum('assigned', 'in_progress', 'completed', 'skipped', 'cancelled', name='homework_assignment_status'), server_default='assigned', nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.LargeBinary(), nullable=True),
    sa.Column('patient_response', sa.LargeBinary(), nullable=True),
    sa.Column('therapist_feedback', sa.LargeBinary(), nullable=True),
    sa.Column('completion_ref', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name=op.f('ck_homework_assignments_completed_has_time')),
    sa.CheckConstraint('due_at IS NULL OR due_at >= assigned_at', name=op.f('ck_homework_assignments_due_after_assigned')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_homework_assignments_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_homework_assignments_therapist_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapy_session_id'], ['therapy_sessions.id'], name=op.f('fk_homework_assignments_therapy_session_id_therapy_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['treatment_goal_id'], ['treatment_goals.id'], name=op.f('fk_homework_assignments_treatment_goal_id_treatment_goals'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_assignments')),
    info={'rls': {'owner': 'patient_id', 'also': ['therapist_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_homework_assignments_open_due', 'homework_assignments', ['patient_id', 'due_at'], unique=False, postgresql_where=sa.text("status IN ('assigned', 'in_progress')"))
    op.create_index(op.f('ix_homework_assignments_patient_id'), 'homework_assignments', ['patient_id'], unique=False)
    op.create_index('ix_homework_assignments_patient_id_created_at', 'homework_assignments', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_homework_assignments_therapist_id'), 'homework_assignments', ['therapist_id'], unique=False)
    op.create_index(op.f('ix_homework_assignments_therapy_session_id'), 'homework_assignments', ['therapy_session_id'], unique=False)
    op.create_index(op.f('ix_homework_assignments_treatment_goal_id'), 'homework_assignments', ['treatment_goal_id'], unique=False)
    op.create_table('insurance_claims',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=True),
    sa.Column('payer_id', sa.UUID(), nullable=False),
    sa.Column('appointment_id', sa.UUID(), nullable=True),
    sa.Column('claim_number', sa.String(length=38), nullable=False),
    sa.Column('payer_claim_number', sa.String(length=64), nullable=True),
    sa.Column('clearinghouse_claim_id', sa.String(length=128), nullable=True),
    sa.Column('status', sa.Enum('draft', 'ready', 'submitted', 'accepted', 'rejected', 'denied', 'partially_paid', 'paid', 'appealed', 'voided', name='insurance_claim_status'), server_default='draft', nullable=False),
    sa.Column('service_date_from', sa.Date(), nullable=False),
    sa.Column('service_date_to', sa.Date(), nullable=False),
    sa.Column('diagnosis_codes', postgresql.ARRAY(sa.String(length=8)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('place_of_service', sa.CHAR(length=2), nullable=False),
    sa.Column('rendering_provider_id', sa.UUID(), nullable=True),
    sa.Column('rendering_provider_npi', sa.CHAR(length=10), nullable=False),
    sa.Column('billing_provider_npi', sa.CHAR(length=10), nullable=False),
    sa.Column('prior_authorization_number', sa.String(length=64), nullable=True),
    sa.Column('total_charge', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('allowed_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('patient_responsibility', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('adjustment_reason_codes', postgresql.ARRAY(sa.String(length=8)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('adjudicated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaces_claim_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_insurance_claims_currency_iso')),
    sa.CheckConstraint("place_of_service ~ '^[0-9]{2}$'", name=op.f('ck_insurance_claims_place_of_service_format')),
    sa.CheckConstraint("rendering_provider_npi ~ '^[0-9]{10}$' AND billing_provider_npi ~ '^[0-9]{10}$'", name=op.f('ck_insurance_claims_npi_format')),
    sa.CheckConstraint("status IN ('draft', 'ready') OR submitted_at IS NOT NULL", name=op.f('ck_insurance_claims_submitted_has_time')),
    sa.CheckConstraint('cardinality(diagnosis_codes) <= 12', name=op.f('ck_insurance_claims_at_most_12_diagnoses')),
    sa.CheckConstraint('service_date_to >= service_date_from', name=op.f('ck_insurance_claims_service_dates_ordered')),
    sa.CheckConstraint('total_charge >= 0 AND allowed_amount >= 0 AND paid_amount >= 0 AND patient_responsibility >= 0', name=op.f('ck_insurance_claims_amounts_nonnegative')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_insurance_claims_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_insurance_claims_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payer_id'], ['insurance_payers.id'], name=op.f('fk_insurance_claims_payer_id_insurance_payers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['policy_id'], ['insurance_policies.id'], name=op.f('fk_insurance_claims_policy_id_insurance_policies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rendering_provider_id'], ['users.id'], name=op.f('fk_insurance_claims_rendering_provider_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaces_claim_id'], ['insurance_claims.id'], name=op.f('fk_insurance_claims_replaces_claim_id_insurance_claims'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_claims')),
    sa.UniqueConstraint('claim_number', name=op.f('uq_insurance_claims_claim_number')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_insurance_claims_appointment_id'), 'insurance_claims', ['appointment_id'], unique=False)
    op.create_index('ix_insurance_claims_open_status', 'insurance_claims', ['status', 'submitted_at'], unique=False, postgresql_where=sa.text("status IN ('ready', 'submitted', 'accepted', 'appealed')"))
    op.create_index('ix_insurance_claims_patient_created', 'insurance_claims', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_insurance_claims_patient_id'), 'insurance_claims', ['patient_id'], unique=False)
    op.create_index(op.f('ix_insurance_claims_payer_id'), 'insurance_claims', ['payer_id'], unique=False)
    op.create_index(op.f('ix_insurance_claims_policy_id'), 'insurance_claims', ['policy_id'], unique=False)
    op.create_index(op.f('ix_insurance_claims_rendering_provider_id'), 'insurance_claims', ['rendering_provider_id'], unique=False)
    op.create_index(op.f('ix_insurance_claims_replaces_claim_id'), 'insurance_claims', ['replaces_claim_id'], unique=False)
    op.create_index('uq_insurance_claims_payer_claim_number', 'insurance_claims', ['payer_id', 'payer_claim_number'], unique=True, postgresql_where=sa.text('payer_claim_number IS NOT NULL'))
    op.create_table('insurance_eligibility_checks',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'eligible', 'ineligible', 'error', name='insurance_eligibility_status'), nullable=False),
    sa.Column('service_type_code', sa.String(length=4), server_default='MH', nullable=False),
    sa.Column('clearinghouse_request_id', sa.String(length=128), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('coverage_active', sa.Boolean(), nullable=True),
    sa.Column('in_network', sa.Boolean(), nullable=True),
    sa.Column('preauthorization_required', sa.Boolean(), nullable=True),
    sa.Column('copay_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('coinsurance_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('deductible_remaining', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('out_of_pocket_remaining', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('sessions_allowed', sa.SmallInteger(), nullable=True),
    sa.Column('sessions_used', sa.SmallInteger(), nullable=True),
    sa.Column('error_codes', postgresql.ARRAY(sa.String(length=16)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('response_summary', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_insurance_eligibility_checks_currency_iso')),
    sa.CheckConstraint('coinsurance_percent BETWEEN 0 AND 100', name=op.f('ck_insurance_eligibility_checks_coinsurance_percent_range')),
    sa.CheckConstraint('copay_amount >= 0 AND deductible_remaining >= 0 AND out_of_pocket_remaining >= 0', name=op.f('ck_insurance_eligibility_checks_amounts_nonnegative')),
    sa.CheckConstraint('sessions_allowed >= 0 AND sessions_used >= 0', name=op.f('ck_insurance_eligibility_checks_sessions_nonnegative')),
    sa.ForeignKeyConstraint(['policy_id'], ['insurance_policies.id'], name=op.f('fk_insurance_eligibility_checks_policy_id_insurance_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_insurance_eligibility_checks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_eligibility_checks')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_insurance_eligibility_checks_policy_checked', 'insurance_eligibility_checks', ['policy_id', 'checked_at'], unique=False)
    op.create_index('ix_insurance_eligibility_checks_user_created', 'insurance_eligibility_checks', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_insurance_eligibility_checks_user_id'), 'insurance_eligibility_checks', ['user_id'], unique=False)
    op.create_table('invoices',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('invoice_number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'paid', 'void', 'uncollectible', name='invoice_status'), server_default='draft', nullable=False),
    sa.Column('subscription_id', sa.UUID(), nullable=True),
    sa.Column('processor_invoice_id', sa.String(length=128), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('subtotal', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('discount_total', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('tax_total', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount_paid', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('amount_due', sa.Numeric(precision=12, scale=2), sa.Computed('total - amount_paid', persisted=True), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('pdf_file_key', sa.String(length=512), nullable=True),
    sa.Column('memo', sa.String(length=500), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_invoices_currency_iso')),
    sa.CheckConstraint("status <> 'paid' OR paid_at IS NOT NULL", name=op.f('ck_invoices_paid_has_time')),
    sa.CheckConstraint('amount_paid BETWEEN 0 AND total', name=op.f('ck_invoices_amount_paid_range')),
    sa.CheckConstraint('period_end IS NULL OR period_end >= period_start', name=op.f('ck_invoices_period_ordered')),
    sa.CheckConstraint('subtotal >= 0 AND discount_total >= 0 AND tax_total >= 0 AND total >= 0', name=op.f('ck_invoices_amounts_nonnegative')),
    sa.CheckConstraint('total = subtotal - discount_total + tax_total', name=op.f('ck_invoices_total_adds_up')),
    sa.ForeignKeyConstraint(['subscription_id'], ['user_subscriptions.id'], name=op.f('fk_invoices_subscription_id_user_subscriptions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invoices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('invoice_number', name=op.f('uq_invoices_invoice_number')),
    sa.UniqueConstraint('processor_invoice_id', name=op.f('uq_invoices_processor_invoice_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index('ix_invoices_open_due', 'invoices', ['due_date'], unique=False, postgresql_where=sa.text("status = 'open'"))
    op.create_index(op.f('ix_invoices_subscription_id'), 'invoices', ['subscription_id'], unique=False)
    op.create_index('ix_invoices_user_created', 'invoices', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_invoices_user_id'), 'invoices', ['user_id'], unique=False)
    op.create_table('medication_intake_logs',
    sa.Column('user_medication_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('schedule_id', sa.UUID(), nullable=True),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('taken', 'taken_late', 'skipped', 'missed', name='medication_intake_status'), nullable=False),
    sa.Column('source', sa.Enum('manual', 'reminder', 'adherence_job', name='medication_intake_source'), server_default='manual', nullable=False),
    sa.Column('dose_amount', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('dose_unit', sa.String(length=16), nullable=True),
    sa.Column('note', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'missed' OR scheduled_for IS NOT NULL", name=op.f('ck_medication_intake_logs_missed_was_scheduled')),
    sa.CheckConstraint("status NOT IN ('taken', 'taken_late') OR taken_at IS NOT NULL", name=op.f('ck_medication_intake_logs_taken_has_time')),
    sa.CheckConstraint('dose_amount > 0', name=op.f('ck_medication_intake_logs_dose_positive')),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_medication_intake_logs_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['schedule_id'], ['medication_schedules.id'], name=op.f('fk_medication_intake_logs_schedule_id_medication_schedules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_medication_id'], ['user_medications.id'], name=op.f('fk_medication_intake_logs_user_medication_id_user_medications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_intake_logs')),
    sa.UniqueConstraint('schedule_id', 'scheduled_for', name=op.f('uq_medication_intake_logs_schedule_id_scheduled_for')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_medication_intake_logs_medication_scheduled', 'medication_intake_logs', ['user_medication_id', 'scheduled_for'], unique=False)
    op.create_index('ix_medication_intake_logs_patient_created', 'medication_intake_logs', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_medication_intake_logs_patient_id'), 'medication_intake_logs', ['patient_id'], unique=False)
    op.create_table('session_notes',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapy_session_id', sa.UUID(), nullable=True),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('note_type', sa.Enum('progress', 'intake', 'contact', 'crisis', 'discharge', 'psychotherapy', name='session_note_type'), server_default='progress', nullable=False),
    sa.Column('format', sa.Enum('soap', 'dap', 'birp', 'narrative', name='session_note_format'), nullable=False),
    sa.Column('status', sa.Enum('draft', 'signed', 'amended', name='session_note_status'), server_default='draft', nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('visible_to_patient', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_by', sa.UUID(), nullable=True),
    sa.Column('cosigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cosigned_by', sa.UUID(), nullable=True),
    sa.Column('amends_note_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status = 'draft' OR signed_at IS NOT NULL", name=op.f('ck_session_notes_signed_has_time')),
    sa.CheckConstraint('(cosigned_at IS NULL) OR (signed_at IS NOT NULL)', name=op.f('ck_session_notes_cosign_after_sign')),
    sa.CheckConstraint('amends_note_id IS NULL OR amends_note_id <> id', name=op.f('ck_session_notes_not_self_amend')),
    sa.ForeignKeyConstraint(['amends_note_id'], ['session_notes.id'], name=op.f('fk_session_notes_amends_note_id_session_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_session_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cosigned_by'], ['users.id'], name=op.f('fk_session_notes_cosigned_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_session_notes_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by'], ['users.id'], name=op.f('fk_session_notes_signed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['therapy_session_id'], ['therapy_sessions.id'], name=op.f('fk_session_notes_therapy_session_id_therapy_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_notes')),
    info={'rls': {'owner': 'patient_id', 'also': ['author_id'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_session_notes_amends_note_id'), 'session_notes', ['amends_note_id'], unique=False)
    op.create_index(op.f('ix_session_notes_author_id'), 'session_notes', ['author_id'], unique=False)
    op.create_index(op.f('ix_session_notes_cosigned_by'), 'session_notes', ['cosigned_by'], unique=False)
    op.create_index(op.f('ix_session_notes_patient_id'), 'session_notes', ['patient_id'], unique=False)
    op.create_index('ix_session_notes_patient_id_created_at', 'session_notes', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_session_notes_signed_by'), 'session_notes', ['signed_by'], unique=False)
    op.create_index(op.f('ix_session_notes_therapy_session_id'), 'session_notes', ['therapy_session_id'], unique=False)
    op.create_index('ix_session_notes_unsigned', 'session_notes', ['author_id', 'created_at'], unique=False, postgresql_where=sa.text("status = 'draft'"))
    op.create_table('chat_messages',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('client_message_id', sa.String(length=64), nullable=True),
    sa.Column('role', sa.Enum('user', 'agent', 'system', 'safety', name='chat_message_role'), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sentiment', sa.Double(), nullable=True),
    sa.Column('risk_level', sa.Enum('none', 'low', 'moderate', 'high', 'imminent', name='crisis_risk_level'), nullable=True),
    sa.Column('crisis_detection_id', sa.UUID(), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=True),
    sa.Column('completion_tokens', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('model_name', sa.String(length=200), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('latency_ms >= 0', name=op.f('ck_chat_messages_latency_nonnegative')),
    sa.CheckConstraint('prompt_tokens >= 0 AND completion_tokens >= 0', name=op.f('ck_chat_messages_tokens_nonnegative')),
    sa.CheckConstraint('sentiment BETWEEN -1 AND 1', name=op.f('ck_chat_messages_sentiment_range')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_chat_messages_seq_positive')),
    sa.ForeignKeyConstraint(['crisis_detection_id'], ['crisis_detections.id'], name=op.f('fk_chat_messages_crisis_detection_id_crisis_detections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['chat_sessions.id'], name=op.f('fk_chat_messages_session_id_chat_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': 'chat'}}
    )
    op.create_index(op.f('ix_chat_messages_crisis_detection_id'), 'chat_messages', ['crisis_detection_id'], unique=False)
    op.create_index('ix_chat_messages_user_created', 'chat_messages', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_chat_messages_user_id'), 'chat_messages', ['user_id'], unique=False)
    op.create_index('uq_chat_messages_session_client_id', 'chat_messages', ['session_id', 'client_message_id'], unique=True, postgresql_where=sa.text('client_message_id IS NOT NULL'))
    op.create_index('uq_chat_messages_session_seq', 'chat_messages', ['session_id', 'seq'], unique=True)
    op.create_table('crisis_escalations',
    sa.Column('detection_id', sa.UUID(), nullable=False),
    sa.Column('last_detection_id', sa.UUID(), nullable=True),
    sa.Column('detection_count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('source', sa.Enum('chat_message', 'journal_entry', 'thought_record', 'mood_note', 'gratitude', 'assessment', 'other', name='crisis_detection_source'), nullable=False),
    sa.Column('source_id', sa.UUID(), nullable=True),
    sa.Column('chat_session_id', sa.UUID(), nullable=True),
    sa.Column('risk_level', sa.Enum('none', 'low', 'moderate', 'high', 'imminent', name='crisis_risk_level'), nullable=False),
    sa.Column('status', sa.Enum('open', 'notified', 'acknowledged', 'in_progress', 'resolved', 'false_positive', name='crisis_escalation_status'), server_default='open', nullable=False),
    sa.Column('level', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('assigned_to', sa.UUID(), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ack_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_to_backup_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_to_oncall_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.UUID(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.UUID(), nullable=True),
    sa.Column('outcome', sa.Enum('contacted_user', 'safety_plan_reviewed', 'referred', 'emergency_services', 'user_unreachable', 'no_action_needed', 'false_positive', name='crisis_escalation_outcome'), nullable=True),
    sa.Column('notes', sa.LargeBinary(), nullable=True),
    sa.Column('false_positive_feedback', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status NOT IN ('resolved', 'false_positive') OR resolved_at IS NOT NULL", name=op.f('ck_crisis_escalations_closed_has_resolved_at')),
    sa.CheckConstraint('acknowledged_at IS NULL OR acknowledged_at >= created_at', name=op.f('ck_crisis_escalations_ack_after_create')),
    sa.CheckConstraint('detection_count >= 1', name=op.f('ck_crisis_escalations_detection_count_positive')),
    sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_crisis_escalations_level_range')),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_crisis_escalations_acknowledged_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assigned_to'], ['users.id'], name=op.f('fk_crisis_escalations_assigned_to_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chat_session_id'], ['chat_sessions.id'], name=op.f('fk_crisis_escalations_chat_session_id_chat_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['detection_id'], ['crisis_detections.id'], name=op.f('fk_crisis_escalations_detection_id_crisis_detections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_detection_id'], ['crisis_detections.id'], name=op.f('fk_crisis_escalations_last_detection_id_crisis_detections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_crisis_escalations_resolved_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_crisis_escalations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_escalations')),
    info={'rls': {'owner': 'user_id', 'also': ['assigned_to'], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_crisis_escalations_acknowledged_by'), 'crisis_escalations', ['acknowledged_by'], unique=False)
    op.create_index('ix_crisis_escalations_active_deadline', 'crisis_escalations', ['ack_deadline'], unique=False, postgresql_where=sa.text("status IN ('open', 'notified', 'acknowledged', 'in_progress')"))
    op.create_index(op.f('ix_crisis_escalations_assigned_to'), 'crisis_escalations', ['assigned_to'], unique=False)
    op.create_index(op.f('ix_crisis_escalations_chat_session_id'), 'crisis_escalations', ['chat_session_id'], unique=False)
    op.create_index(op.f('ix_crisis_escalations_detection_id'), 'crisis_escalations', ['detection_id'], unique=False)
    op.create_index(op.f('ix_crisis_escalations_last_detection_id'), 'crisis_escalations', ['last_detection_id'], unique=False)
    op.create_index(op.f('ix_crisis_escalations_resolved_by'), 'crisis_escalations', ['resolved_by'], unique=False)
    op.create_index('ix_crisis_escalations_user_created', 'crisis_escalations', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_crisis_escalations_user_id'), 'crisis_escalations', ['user_id'], unique=False)
    op.create_index('uq_crisis_escalations_active_session', 'crisis_escalations', ['chat_session_id'], unique=True, postgresql_where=sa.text("chat_session_id IS NOT NULL AND status IN ('open', 'notified', 'acknowledged', 'in_progress')"))
    op.create_index('uq_crisis_escalations_active_source', 'crisis_escalations', ['user_id', 'source', 'source_id'], unique=True, postgresql_where=sa.text("source_id IS NOT NULL AND status IN ('open', 'notified', 'acknowledged', 'in_progress')"))
    op.create_table('gratitude_entries',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('item_count', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('prompt_id', sa.UUID(), nullable=True),
    sa.Column('mood_after', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('crisis_detection_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('item_count BETWEEN 1 AND 10', name=op.f('ck_gratitude_entries_item_count_range')),
    sa.ForeignKeyConstraint(['crisis_detection_id'], ['crisis_detections.id'], name=op.f('fk_gratitude_entries_crisis_detection_id_crisis_detections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['prompt_id'], ['journal_prompts.id'], name=op.f('fk_gratitude_entries_prompt_id_journal_prompts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_gratitude_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gratitude_entries')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': 'journal'}}
    )
    op.create_index(op.f('ix_gratitude_entries_crisis_detection_id'), 'gratitude_entries', ['crisis_detection_id'], unique=False)
    op.create_index(op.f('ix_gratitude_entries_prompt_id'), 'gratitude_entries', ['prompt_id'], unique=False)
    op.create_index('ix_gratitude_entries_user_date', 'gratitude_entries', ['user_id', 'entry_date'], unique=False)
    op.create_index(op.f('ix_gratitude_entries_user_id'), 'gratitude_entries', ['user_id'], unique=False)
    op.create_table('insurance_claim_lines',
    sa.Column('claim_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('line_number', sa.SmallInteger(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('cpt_code', sa.CHAR(length=5), nullable=False),
    sa.Column('modifiers', postgresql.ARRAY(sa.CHAR(length=2)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('diagnosis_pointers', postgresql.ARRAY(sa.SmallInteger()), server_default=sa.text("'{1}'"), nullable=False),
    sa.Column('units', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('charge_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('allowed_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('adjustment_amount', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('status', sa.Enum('pending', 'paid', 'adjusted', 'denied', name='insurance_claim_line_status'), server_default='pending', nullable=False),
    sa.Column('adjustment_reason_codes', postgresql.ARRAY(sa.String(length=8)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("cpt_code ~ '^[0-9]{4}[0-9A-Z]$'", name=op.f('ck_insurance_claim_lines_cpt_code_format')),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_insurance_claim_lines_currency_iso')),
    sa.CheckConstraint('cardinality(diagnosis_pointers) BETWEEN 1 AND 4', name=op.f('ck_insurance_claim_lines_diagnosis_pointers_count')),
    sa.CheckConstraint('cardinality(modifiers) <= 4', name=op.f('ck_insurance_claim_lines_at_most_4_modifiers')),
    sa.CheckConstraint('charge_amount >= 0 AND allowed_amount >= 0 AND paid_amount >= 0', name=op.f('ck_insurance_claim_lines_amounts_nonnegative')),
    sa.CheckConstraint('line_number BETWEEN 1 AND 50', name=op.f('ck_insurance_claim_lines_line_number_range')),
    sa.CheckConstraint('units > 0', name=op.f('ck_insurance_claim_lines_units_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['insurance_claims.id'], name=op.f('fk_insurance_claim_lines_claim_id_insurance_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_insurance_claim_lines_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_claim_lines')),
    sa.UniqueConstraint('claim_id', 'line_number', name=op.f('uq_insurance_claim_lines_claim_id_line_number')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_insurance_claim_lines_patient_id'), 'insurance_claim_lines', ['patient_id'], unique=False)
    op.create_table('invoice_items',
    sa.Column('invoice_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Enum('subscription', 'session', 'copay', 'coinsurance', 'deductible', 'late_cancellation_fee', 'no_show_fee', 'adjustment', 'credit', name='invoice_item_kind'), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('appointment_id', sa.UUID(), nullable=True),
    sa.Column('claim_id', sa.UUID(), nullable=True),
    sa.Column('subscription_plan_id', sa.UUID(), nullable=True),
    sa.Column('quantity', sa.Integer(), server_default='1', nullable=False),
    sa.Column('unit_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_invoice_items_currency_iso')),
    sa.CheckConstraint("kind <> 'credit' OR amount <= 0", name=op.f('ck_invoice_items_credit_nonpositive')),
    sa.CheckConstraint("kind IN ('credit', 'adjustment') OR (unit_amount >= 0 AND amount >= 0)", name=op.f('ck_invoice_items_charges_nonnegative')),
    sa.CheckConstraint('period_end IS NULL OR period_end >= period_start', name=op.f('ck_invoice_items_period_ordered')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_invoice_items_quantity_positive')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_invoice_items_appointment_id_appointments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['claim_id'], ['insurance_claims.id'], name=op.f('fk_invoice_items_claim_id_insurance_claims'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_items_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_plan_id'], ['subscription_plans.id'], name=op.f('fk_invoice_items_subscription_plan_id_subscription_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invoice_items_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_items')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_invoice_items_appointment_id'), 'invoice_items', ['appointment_id'], unique=False)
    op.create_index(op.f('ix_invoice_items_claim_id'), 'invoice_items', ['claim_id'], unique=False)
    op.create_index(op.f('ix_invoice_items_invoice_id'), 'invoice_items', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_invoice_items_subscription_plan_id'), 'invoice_items', ['subscription_plan_id'], unique=False)
    op.create_index(op.f('ix_invoice_items_user_id'), 'invoice_items', ['user_id'], unique=False)
    op.create_table('journal_entries',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('title', sa.LargeBinary(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('mood_before', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('mood_after', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('cbt_technique', sa.Enum('thought_record', 'behavioural_activation', 'cognitive_restructuring', 'worry_time', 'self_compassion', 'problem_solving', 'gratitude', 'reflection', 'grounding', 'safety_planning', 'free_writing', name='journal_cbt_technique'), nullable=True),
    sa.Column('privacy_level', sa.Enum('private', 'shared_with_therapist', name='journal_privacy_level'), server_default='private', nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prompt_id', sa.UUID(), nullable=True),
    sa.Column('word_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('crisis_detection_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(tags) = 'array'", name=op.f('ck_journal_entries_tags_array')),
    sa.CheckConstraint("privacy_level = 'private' OR shared_at IS NOT NULL", name=op.f('ck_journal_entries_shared_has_shared_at')),
    sa.CheckConstraint('word_count >= 0', name=op.f('ck_journal_entries_word_count_nonnegative')),
    sa.ForeignKeyConstraint(['crisis_detection_id'], ['crisis_detections.id'], name=op.f('fk_journal_entries_crisis_detection_id_crisis_detections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['prompt_id'], ['journal_prompts.id'], name=op.f('fk_journal_entries_prompt_id_journal_prompts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_journal_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': 'journal'}}
    )
    op.create_index(op.f('ix_journal_entries_crisis_detection_id'), 'journal_entries', ['crisis_detection_id'], unique=False)
    op.create_index(op.f('ix_journal_entries_prompt_id'), 'journal_entries', ['prompt_id'], unique=False)
    op.create_index('ix_journal_entries_shared', 'journal_entries', ['user_id', 'shared_at'], unique=False, postgresql_where=sa.text("privacy_level = 'shared_with_therapist'"))
    op.create_index('ix_journal_entries_user_created', 'journal_entries', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_journal_entries_user_date', 'journal_entries', ['user_id', 'entry_date'], unique=False)
    op.create_index(op.f('ix_journal_entries_user_id'), 'journal_entries', ['user_id'], unique=False)
    op.create_table('medication_reminders',
    sa.Column('schedule_id', sa.UUID(), nullable=False),
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.Enum('push', 'sms', 'email', name='medication_reminder_channel'), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'sent', 'acknowledged', 'snoozed', 'failed', 'cancelled', name='medication_reminder_status'), server_default='scheduled', nullable=False),
    sa.Column('attempt_count', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intake_log_id', sa.UUID(), nullable=True),
    sa.Column('provider_message_id', sa.String(length=128), nullable=True),
    sa.Column('failure_reason', sa.String(length=255), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'snoozed' OR snoozed_until IS NOT NULL", name=op.f('ck_medication_reminders_snooze_has_time')),
    sa.CheckConstraint('attempt_count >= 0', name=op.f('ck_medication_reminders_attempt_count_nonnegative')),
    sa.ForeignKeyConstraint(['intake_log_id'], ['medication_intake_logs.id'], name=op.f('fk_medication_reminders_intake_log_id_medication_intake_logs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_medication_reminders_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['schedule_id'], ['medication_schedules.id'], name=op.f('fk_medication_reminders_schedule_id_medication_schedules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_reminders')),
    sa.UniqueConstraint('schedule_id', 'remind_at', 'channel', name=op.f('uq_medication_reminders_schedule_id_remind_at_channel')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_medication_reminders_due', 'medication_reminders', ['remind_at'], unique=False, postgresql_where=sa.text("status = 'scheduled'"))
    op.create_index(op.f('ix_medication_reminders_intake_log_id'), 'medication_reminders', ['intake_log_id'], unique=False)
    op.create_index(op.f('ix_medication_reminders_patient_id'), 'medication_reminders', ['patient_id'], unique=False)
    op.create_index('ix_medication_reminders_snoozed', 'medication_reminders', ['snoozed_until'], unique=False, postgresql_where=sa.text("status = 'snoozed'"))
    op.create_table('mood_entries',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('mood', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=False),
    sa.Column('energy', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('anxiety', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('sleep_quality', postgresql.DOMAIN('mood_scale', sa.SmallInteger(), constraint_name='mood_scale_range', check='VALUE BETWEEN 1 AND 10', create_type=False), nullable=True),
    sa.Column('sleep_hours', sa.Numeric(precision=4, scale=2), nullable=True),
    sa.Column('emotions', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('activities', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('note', sa.LargeBinary(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('checkin_count', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('source', sa.Enum('manual', 'reminder', 'chat_agent', 'import', name='mood_entry_source'), server_default='manual', nullable=False),
    sa.Column('crisis_detection_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(emotions) = 'array' AND jsonb_typeof(activities) = 'array'", name=op.f('ck_mood_entries_json_arrays')),
    sa.CheckConstraint('checkin_count >= 1', name=op.f('ck_mood_entries_checkin_count_positive')),
    sa.CheckConstraint('sleep_hours >= 0 AND sleep_hours <= 24', name=op.f('ck_mood_entries_sleep_hours_range')),
    sa.ForeignKeyConstraint(['crisis_detection_id'], ['crisis_detections.id'], name=op.f('fk_mood_entries_crisis_detection_id_crisis_detections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mood_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_entries')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_mood_entries_crisis_detection_id'), 'mood_entries', ['crisis_detection_id'], unique=False)
    op.create_index(op.f('ix_mood_entries_user_id'), 'mood_entries', ['user_id'], unique=False)
    op.create_index('uq_mood_entries_user_date', 'mood_entries', ['user_id', 'entry_date'], unique=True)
    op.create_table('payments',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('purpose', sa.Enum('subscription', 'session', 'copay', 'invoice', 'fee', name='payment_purpose'), nullable=False),
    sa.Column('subscription_id', sa.UUID(), nullable=True),
    sa.Column('invoice_id', sa.UUID(), nullable=True),
    sa.Column('payment_method_id', sa.UUID(), nullable=True),
    sa.Column('processor', sa.Enum('stripe', 'app_store', 'google_play', 'manual', name='payment_processor'), nullable=False),
    sa.Column('processor_payment_id', sa.String(length=128), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('status', sa.Enum('pending', 'requires_action', 'succeeded', 'failed', 'canceled', 'partially_refunded', 'refunded', 'disputed', name='payment_status'), server_default='pending', nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount_refunded', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('failure_message', sa.String(length=500), nullable=True),
    sa.Column('succeeded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt_number', sa.String(length=64), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_payments_currency_iso')),
    sa.CheckConstraint("status <> 'succeeded' OR succeeded_at IS NOT NULL", name=op.f('ck_payments_succeeded_has_time')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payments_amount_nonnegative')),
    sa.CheckConstraint('amount_refunded BETWEEN 0 AND amount', name=op.f('ck_payments_amount_refunded_range')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_method_id'], ['payment_methods.id'], name=op.f('fk_payments_payment_method_id_payment_methods'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['user_subscriptions.id'], name=op.f('fk_payments_subscription_id_user_subscriptions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key')),
    sa.UniqueConstraint('processor', 'processor_payment_id', name=op.f('uq_payments_processor_processor_payment_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_payments_invoice_id'), 'payments', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_payments_payment_method_id'), 'payments', ['payment_method_id'], unique=False)
    op.create_index(op.f('ix_payments_subscription_id'), 'payments', ['subscription_id'], unique=False)
    op.create_index('ix_payments_unsettled', 'payments', ['created_at'], unique=False, postgresql_where=sa.text("status IN ('pending', 'requires_action')"))
    op.create_index('ix_payments_user_created', 'payments', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_payments_user_id'), 'payments', ['user_id'], unique=False)
    op.create_table('user_assessments',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('template_id', sa.UUID(), nullable=False),
    sa.Column('template_version', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'completed', 'abandoned', name='user_assessment_status'), server_default='in_progress', nullable=False),
    sa.Column('source', sa.Enum('self_initiated', 'scheduled', 'clinician_assigned', 'chat_agent', 'crisis_flow', 'onboarding', name='user_assessment_source'), server_default='self_initiated', nullable=False),
    sa.Column('schedule_id', sa.UUID(), nullable=True),
    sa.Column('assignment_id', sa.UUID(), nullable=True),
    sa.Column('chat_session_id', sa.UUID(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total_score', sa.SmallInteger(), nullable=True),
    sa.Column('subscale_scores', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('severity', sa.Enum('minimal', 'mild', 'moderate', 'moderately_severe', 'severe', 'below_threshold', 'above_threshold', 'no_risk_identified', 'low_risk', 'moderate_risk', 'high_risk', name='assessment_severity'), nullable=True),
    sa.Column('interpretation', sa.Text(), nullable=True),
    sa.Column('critical_flag', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('critical_item_ids', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('crisis_detection_id', sa.UUID(), nullable=True),
    sa.Column('reviewed_by', sa.UUID(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(critical_item_ids) = 'array'", name=op.f('ck_user_assessments_critical_items_array')),
    sa.CheckConstraint("status <> 'completed' OR (completed_at IS NOT NULL AND total_score IS NOT NULL)", name=op.f('ck_user_assessments_completed_has_result')),
    sa.CheckConstraint('completed_at IS NULL OR completed_at >= started_at', name=op.f('ck_user_assessments_completed_after_start')),
    sa.CheckConstraint('total_score >= 0', name=op.f('ck_user_assessments_total_score_nonnegative')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assessment_assignments.id'], name=op.f('fk_user_assessments_assignment_id_assessment_assignments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chat_session_id'], ['chat_sessions.id'], name=op.f('fk_user_assessments_chat_session_id_chat_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['crisis_detection_id'], ['crisis_detections.id'], name=op.f('fk_user_assessments_crisis_detection_id_crisis_detections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_user_assessments_reviewed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['schedule_id'], ['assessment_schedules.id'], name=op.f('fk_user_assessments_schedule_id_assessment_schedules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['assessment_templates.id'], name=op.f('fk_user_assessments_template_id_assessment_templates'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_assessments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_assessments')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_user_assessments_assignment_id'), 'user_assessments', ['assignment_id'], unique=False)
    op.create_index(op.f('ix_user_assessments_chat_session_id'), 'user_assessments', ['chat_session_id'], unique=False)
    op.create_index(op.f('ix_user_assessments_crisis_detection_id'), 'user_assessments', ['crisis_detection_id'], unique=False)
    op.create_index('ix_user_assessments_critical', 'user_assessments', ['user_id', 'completed_at'], unique=False, postgresql_where=sa.text('critical_flag'))
    op.create_index('ix_user_assessments_history', 'user_assessments', ['user_id', 'template_id', 'completed_at'], unique=False, postgresql_where=sa.text("status = 'completed'"))
    op.create_index(op.f('ix_user_assessments_reviewed_by'), 'user_assessments', ['reviewed_by'], unique=False)
    op.create_index(op.f('ix_user_assessments_schedule_id'), 'user_assessments', ['schedule_id'], unique=False)
    op.create_index(op.f('ix_user_assessments_template_id'), 'user_assessments', ['template_id'], unique=False)
    op.create_index('ix_user_assessments_user_created', 'user_assessments', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_user_assessments_user_id'), 'user_assessments', ['user_id'], unique=False)
    op.create_table('assessment_responses',
    sa.Column('user_assessment_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('item_id', sa.String(length=40), nullable=False),
    sa.Column('item_index', sa.SmallInteger(), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('item_index >= 0', name=op.f('ck_assessment_responses_item_index_nonnegative')),
    sa.CheckConstraint('value BETWEEN 0 AND 10', name=op.f('ck_assessment_responses_value_range')),
    sa.ForeignKeyConstraint(['user_assessment_id'], ['user_assessments.id'], name=op.f('fk_assessment_responses_user_assessment_id_user_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assessment_responses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_responses')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_assessment_responses_user_id'), 'assessment_responses', ['user_id'], unique=False)
    op.create_index('uq_assessment_responses_item', 'assessment_responses', ['user_assessment_id', 'item_id'], unique=True)
    op.create_table('clinical_outcome_measures',
    sa.Column('patient_id', sa.UUID(), nullable=False),
    sa.Column('therapist_id', sa.UUID(), nullable=True),
    sa.Column('template_id', sa.UUID(), nullable=False),
    sa.Column('treatment_plan_id', sa.UUID(), nullable=True),
    sa.Column('baseline_assessment_id', sa.UUID(), nullable=True),
    sa.Column('latest_assessment_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.Enum('open', 'closed', name='clinical_outcome_episode_status'), server_default='open', nullable=False),
    sa.Column('episode_start', sa.Date(), nullable=False),
    sa.Column('episode_end', sa.Date(), nullable=True),
    sa.Column('baseline_score', sa.SmallInteger(), nullable=False),
    sa.Column('baseline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latest_score', sa.SmallInteger(), nullable=False),
    sa.Column('latest_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score_change', sa.SmallInteger(), sa.Computed('latest_score - baseline_score', persisted=True), nullable=False),
    sa.Column('assessments_count', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('response', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('remission', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('reliable_improvement', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('reliable_deterioration', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (episode_end IS NOT NULL)", name=op.f('ck_clinical_outcome_measures_closed_has_end')),
    sa.CheckConstraint('NOT (reliable_improvement AND reliable_deterioration)', name=op.f('ck_clinical_outcome_measures_change_one_direction')),
    sa.CheckConstraint('assessments_count >= 1', name=op.f('ck_clinical_outcome_measures_assessments_count_positive')),
    sa.CheckConstraint('baseline_score >= 0 AND latest_score >= 0', name=op.f('ck_clinical_outcome_measures_scores_nonnegative')),
    sa.CheckConstraint('episode_end IS NULL OR episode_end >= episode_start', name=op.f('ck_clinical_outcome_measures_episode_ordered')),
    sa.CheckConstraint('latest_at >= baseline_at', name=op.f('ck_clinical_outcome_measures_latest_after_baseline')),
    sa.ForeignKeyConstraint(['baseline_assessment_id'], ['user_assessments.id'], name=op.f('fk_clinical_outcome_measures_baseline_assessment_id_user_assessments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['latest_assessment_id'], ['user_assessments.id'], name=op.f('fk_clinical_outcome_measures_latest_assessment_id_user_assessments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_clinical_outcome_measures_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['assessment_templates.id'], name=op.f('fk_clinical_outcome_measures_template_id_assessment_templates'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_clinical_outcome_measures_therapist_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['treatment_plan_id'], ['treatment_plans.id'], name=op.f('fk_clinical_outcome_measures_treatment_plan_id_treatment_plans'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_outcome_measures')),
    info={'rls': {'owner': 'patient_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index(op.f('ix_clinical_outcome_measures_baseline_assessment_id'), 'clinical_outcome_measures', ['baseline_assessment_id'], unique=False)
    op.create_index(op.f('ix_clinical_outcome_measures_latest_assessment_id'), 'clinical_outcome_measures', ['latest_assessment_id'], unique=False)
    op.create_index('ix_clinical_outcome_measures_patient_created', 'clinical_outcome_measures', ['patient_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_clinical_outcome_measures_patient_id'), 'clinical_outcome_measures', ['patient_id'], unique=False)
    op.create_index(op.f('ix_clinical_outcome_measures_template_id'), 'clinical_outcome_measures', ['template_id'], unique=False)
    op.create_index(op.f('ix_clinical_outcome_measures_therapist_id'), 'clinical_outcome_measures', ['therapist_id'], unique=False)
    op.create_index(op.f('ix_clinical_outcome_measures_treatment_plan_id'), 'clinical_outcome_measures', ['treatment_plan_id'], unique=False)
    op.create_index('uq_clinical_outcome_measures_open', 'clinical_outcome_measures', ['patient_id', 'template_id'], unique=True, postgresql_where=sa.text("status = 'open'"))
    op.create_table('mood_factors',
    sa.Column('mood_entry_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('category', sa.Enum('sleep', 'work', 'study', 'relationships', 'family', 'social', 'health', 'exercise', 'substances', 'finances', 'weather', 'medication', 'other', name='mood_factor_category'), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('impact', sa.SmallInteger(), nullable=False),
    sa.Column('note', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('impact BETWEEN -5 AND 5', name=op.f('ck_mood_factors_impact_range')),
    sa.ForeignKeyConstraint(['mood_entry_id'], ['mood_entries.id'], name=op.f('fk_mood_factors_mood_entry_id_mood_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mood_factors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_factors')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': True, 'consent': None}}
    )
    op.create_index('ix_mood_factors_user_category', 'mood_factors', ['user_id', 'category'], unique=False)
    op.create_index(op.f('ix_mood_factors_user_id'), 'mood_factors', ['user_id'], unique=False)
    op.create_index('uq_mood_factors_entry_label', 'mood_factors', ['mood_entry_id', 'category', 'label'], unique=True)
    op.create_table('refunds',
    sa.Column('payment_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('processor_refund_id', sa.String(length=128), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('reason', sa.Enum('requested_by_customer', 'duplicate', 'fraudulent', 'service_not_rendered', 'goodwill', 'other', name='refund_reason'), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', 'canceled', name='refund_status'), server_default='pending', nullable=False),
    sa.Column('issued_by', sa.UUID(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_refunds_currency_iso')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['issued_by'], ['users.id'], name=op.f('fk_refunds_issued_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refunds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_refunds_idempotency_key')),
    sa.UniqueConstraint('processor_refund_id', name=op.f('uq_refunds_processor_refund_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_refunds_issued_by'), 'refunds', ['issued_by'], unique=False)
    op.create_index(op.f('ix_refunds_payment_id'), 'refunds', ['payment_id'], unique=False)
    op.create_index(op.f('ix_refunds_user_id'), 'refunds', ['user_id'], unique=False)
    op.create_table('subscription_events',
    sa.Column('subscription_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.Enum('created', 'trial_started', 'trial_ended', 'activated', 'renewed', 'plan_changed', 'payment_succeeded', 'payment_failed', 'past_due', 'paused', 'resumed', 'cancel_scheduled', 'cancel_revoked', 'canceled', 'expired', 'refunded', 'coupon_applied', name='subscription_event_type'), nullable=False),
    sa.Column('from_status', sa.Enum('incomplete', 'trialing', 'active', 'past_due', 'paused', 'canceled', 'expired', name='subscription_status'), nullable=True),
    sa.Column('to_status', sa.Enum('incomplete', 'trialing', 'active', 'past_due', 'paused', 'canceled', 'expired', name='subscription_status'), nullable=True),
    sa.Column('from_plan_id', sa.UUID(), nullable=True),
    sa.Column('to_plan_id', sa.UUID(), nullable=True),
    sa.Column('payment_id', sa.UUID(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), nullable=True),
    sa.Column('processor_event_id', sa.String(length=128), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_subscription_events_currency_iso')),
    sa.CheckConstraint('(amount IS NULL) = (currency IS NULL)', name=op.f('ck_subscription_events_amount_with_currency')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_subscription_events_amount_nonnegative')),
    sa.ForeignKeyConstraint(['from_plan_id'], ['subscription_plans.id'], name=op.f('fk_subscription_events_from_plan_id_subscription_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_subscription_events_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['user_subscriptions.id'], name=op.f('fk_subscription_events_subscription_id_user_subscriptions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_plan_id'], ['subscription_plans.id'], name=op.f('fk_subscription_events_to_plan_id_subscription_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscription_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_events')),
    sa.UniqueConstraint('processor_event_id', name=op.f('uq_subscription_events_processor_event_id')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': None}}
    )
    op.create_index(op.f('ix_subscription_events_from_plan_id'), 'subscription_events', ['from_plan_id'], unique=False)
    op.create_index(op.f('ix_subscription_events_payment_id'), 'subscription_events', ['payment_id'], unique=False)
    op.create_index('ix_subscription_events_subscription_occurred', 'subscription_events', ['subscription_id', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_subscription_events_to_plan_id'), 'subscription_events', ['to_plan_id'], unique=False)
    op.create_index(op.f('ix_subscription_events_user_id'), 'subscription_events', ['user_id'], unique=False)
    op.create_index('ix_subscription_events_user_occurred', 'subscription_events', ['user_id', 'occurred_at'], unique=False)
    op.create_table('thought_records',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('journal_entry_id', sa.UUID(), nullable=True),
    sa.Column('situation', sa.LargeBinary(), nullable=True),
    sa.Column('automatic_thought', sa.LargeBinary(), nullable=True),
    sa.Column('belief_before', sa.SmallInteger(), nullable=True),
    sa.Column('emotions', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('distortions', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('evidence_for', sa.LargeBinary(), nullable=True),
    sa.Column('evidence_against', sa.LargeBinary(), nullable=True),
    sa.Column('balanced_thought', sa.LargeBinary(), nullable=True),
    sa.Column('belief_after', sa.SmallInteger(), nullable=True),
    sa.Column('rerated_emotions', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'completed', name='thought_record_status'), server_default='in_progress', nullable=False),
    sa.Column('current_step', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('crisis_detection_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name=op.f('ck_thought_records_completed_at_iff_done')),
    sa.CheckConstraint("NOT jsonb_path_exists(emotions || rerated_emotions, '$[*] ? (@.intensity < 0 || @.intensity > 100)')", name=op.f('ck_thought_records_emotion_intensity_range')),
    sa.CheckConstraint("jsonb_typeof(emotions) = 'array' AND jsonb_typeof(rerated_emotions) = 'array' AND jsonb_typeof(distortions) = 'array'", name=op.f('ck_thought_records_json_arrays')),
    sa.CheckConstraint('belief_after BETWEEN 0 AND 100', name=op.f('ck_thought_records_belief_after_range')),
    sa.CheckConstraint('belief_before BETWEEN 0 AND 100', name=op.f('ck_thought_records_belief_before_range')),
    sa.CheckConstraint('current_step BETWEEN 1 AND 7', name=op.f('ck_thought_records_current_step_range')),
    sa.ForeignKeyConstraint(['crisis_detection_id'], ['crisis_detections.id'], name=op.f('fk_thought_records_crisis_detection_id_crisis_detections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['journal_entry_id'], ['journal_entries.id'], name=op.f('fk_thought_records_journal_entry_id_journal_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thought_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thought_records')),
    info={'rls': {'owner': 'user_id', 'also': [], 'therapist_read': False, 'consent': 'journal'}}
    )
    op.create_index(op.f('ix_thought_records_crisis_detection_id'), 'thought_records', ['crisis_detection_id'], unique=False)
    op.create_index('ix_thought_records_in_progress', 'thought_records', ['user_id', 'updated_at'], unique=False, postgresql_where=sa.text("status = 'in_progress'"))
    op.create_index(op.f('ix_thought_records_journal_entry_id'), 'thought_records', ['journal_entry_id'], unique=False)
    op.create_index('ix_thought_records_user_created', 'thought_records', ['user_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_thought_records_user_id'), 'thought_records', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_thought_records_user_id'), table_name='thought_records')
    op.drop_index('ix_thought_records_user_created', table_name='thought_records')
    op.drop_index(op.f('ix_thought_records_journal_entry_id'), table_name='thought_records')
    op.drop_index('ix_thought_records_in_progress', table_name='thought_records', postgresql_where=sa.text("status = 'in_progress'"))
    op.drop_index(op.f('ix_thought_records_crisis_detection_id'), table_name='thought_records')
    op.drop_table('thought_records')
    op.drop_index('ix_subscription_events_user_occurred', table_name='subscription_events')
    op.drop_index(op.f('ix_subscription_events_user_id'), table_name='subscription_events')
    op.drop_index(op.f('ix_subscription_events_to_plan_id'), table_name='subscription_events')
    op.drop_index('ix_subscription_events_subscription_occurred', table_name='subscription_events')
    op.drop_index(op.f('ix_subscription_events_payment_id'), table_name='subscription_events')
    op.drop_index(op.f('ix_subscription_events_from_plan_id'), table_name='subscription_events')
    op.drop_table('subscription_events')
    op.drop_index(op.f('ix_refunds_user_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_payment_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_issued_by'), table_name='refunds')
    op.drop_table('refunds')
    op.drop_index('uq_mood_factors_entry_label', table_name='mood_factors')
    op.drop_index(op.f('ix_mood_factors_user_id'), table_name='mood_factors')
    op.drop_index('ix_mood_factors_user_category', table_name='mood_factors')
    op.drop_table('mood_factors')
    op.drop_index('uq_clinical_outcome_measures_open', table_name='clinical_outcome_measures', postgresql_where=sa.text("status = 'open'"))
    op.drop_index(op.f('ix_clinical_outcome_measures_treatment_plan_id'), table_name='clinical_outcome_measures')
    op.drop_index(op.f('ix_clinical_outcome_measures_therapist_id'), table_name='clinical_outcome_measures')
    op.drop_index(op.f('ix_clinical_outcome_measures_template_id'), table_name='clinical_outcome_measures')
    op.drop_index(op.f('ix_clinical_outcome_measures_patient_id'), table_name='clinical_outcome_measures')
    op.drop_index('ix_clinical_outcome_measures_patient_created', table_name='clinical_outcome_measures')
    op.drop_index(op.f('ix_clinical_outcome_measures_latest_assessment_id'), table_name='clinical_outcome_measures')
    op.drop_index(op.f('ix_clinical_outcome_measures_baseline_assessment_id'), table_name='clinical_outcome_measures')
    op.drop_table('clinical_outcome_measures')
    op.drop_index('uq_assessment_responses_item', table_name='assessment_responses')
    op.drop_index(op.f('ix_assessment_responses_user_id'), table_name='assessment_responses')
    op.drop_table('assessment_responses')
    op.drop_index(op.f('ix_user_assessments_user_id'), table_name='user_assessments')
    op.drop_index('ix_user_assessments_user_created', table_name='user_assessments')
    op.drop_index(op.f('ix_user_assessments_template_id'), table_name='user_assessments')
    op.drop_index(op.f('ix_user_assessments_schedule_id'), table_name='user_assessments')
    op.drop_index(op.f('ix_user_assessments_reviewed_by'), table_name='user_assessments')
    op.drop_index('ix_user_assessments_history', table_name='user_assessments', postgresql_where=sa.text("status = 'completed'"))
    op.drop_index('ix_user_assessments_critical', table_name='user_assessments', postgresql_where=sa.text('critical_flag'))
    op.drop_index(op.f('ix_user_assessments_crisis_detection_id'), table_name='user_assessments')
    op.drop_index(op.f('ix_user_assessments_chat_session_id'), table_name='user_assessments')
    op.drop_index(op.f('ix_user_assessments_assignment_id'), table_name='user_assessments')
    op.drop_table('user_assessments')
    op.drop_index(op.f('ix_payments_user_id'), table_name='payments')
    op.drop_index('ix_payments_user_created', table_name='payments')
    op.drop_index('ix_payments_unsettled', table_name='payments', postgresql_where=sa.text("status IN ('pending', 'requires_action')"))
    op.drop_index(op.f('ix_payments_subscription_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_payment_method_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_invoice_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_index('uq_mood_entries_user_date', table_name='mood_entries')
    op.drop_index(op.f('ix_mood_entries_user_id'), table_name='mood_entries')
    op.drop_index(op.f('ix_mood_entries_crisis_detection_id'), table_name='mood_entries')
    op.drop_table('mood_entries')
    op.drop_index('ix_medication_reminders_snoozed', table_name='medication_reminders', postgresql_where=sa.text("status = 'snoozed'"))
    op.drop_index(op.f('ix_medication_reminders_patient_id'), table_name='medication_reminders')
    op.drop_index(op.f('ix_medication_reminders_intake_log_id'), table_name='medication_reminders')
    op.drop_index('ix_medication_reminders_due', table_name='medication_reminders', postgresql_where=sa.text("status = 'scheduled'"))
    op.drop_table('medication_reminders')
    op.drop_index(op.f('ix_journal_entries_user_id'), table_name='journal_entries')
    op.drop_index('ix_journal_entries_user_date', table_name='journal_entries')
    op.drop_index('ix_journal_entries_user_created', table_name='journal_entries')
    op.drop_index('ix_journal_entries_shared', table_name='journal_entries', postgresql_where=sa.text("privacy_level = 'shared_with_therapist'"))
    op.drop_index(op.f('ix_journal_entries_prompt_id'), table_name='journal_entries')
    op.drop_index(op.f('ix_journal_entries_crisis_detection_id'), table_name='journal_entries')
    op.drop_table('journal_entries')
    op.drop_index(op.f('ix_invoice_items_user_id'), table_name='invoice_items')
    op.drop_index(op.f('ix_invoice_items_subscription_plan_id'), table_name='invoice_items')
    op.drop_index(op.f('ix_invoice_items_invoice_id'), table_name='invoice_items')
    op.drop_index(op.f('ix_invoice_items_claim_id'), table_name='invoice_items')
    op.drop_index(op.f('ix_invoice_items_appointment_id'), table_name='invoice_items')
    op.drop_table('invoice_items')
    op.drop_index(op.f('ix_insurance_claim_lines_patient_id'), table_name='insurance_claim_lines')
    op.drop_table('insurance_claim_lines')
    op.drop_index(op.f('ix_gratitude_entries_user_id'), table_name='gratitude_entries')
    op.drop_index('ix_gratitude_entries_user_date', table_name='gratitude_entries')
    op.drop_index(op.f('ix_gratitude_entries_prompt_id'), table_name='gratitude_entries')
    op.drop_index(op.f('ix_gratitude_entries_crisis_detection_id'), table_name='gratitude_entries')
    op.drop_table('gratitude_entries')
    op.drop_index('uq_crisis_escalations_active_source', table_name='crisis_escalations', postgresql_where=sa.text("source_id IS NOT NULL AND status IN ('open', 'notified', 'acknowledged', 'in_progress')"))
    op.drop_index('uq_crisis_escalations_active_session', table_name='crisis_escalations', postgresql_where=sa.text("chat_session_id IS NOT NULL AND status IN ('open', 'notified', 'acknowledged', 'in_progress')"))
    op.drop_index(op.f('ix_crisis_escalations_user_id'), table_name='crisis_escalations')
    op.drop_index('ix_crisis_escalations_user_created', table_name='crisis_escalations')
    op.drop_index(op.f('ix_crisis_escalations_resolved_by'), table_name='crisis_escalations')
    op.drop_index(op.f('ix_crisis_escalations_last_detection_id'), table_name='crisis_escalations')
    op.drop_index(op.f('ix_crisis_escalations_detection_id'), table_name='crisis_escalations')
    op.drop_index(op.f('ix_crisis_escalations_chat_session_id'), table_name='crisis_escalations')
    op.drop_index(op.f('ix_crisis_escalations_assigned_to'), table_name='crisis_escalations')
    op.drop_index('ix_crisis_escalations_active_deadline', table_name='crisis_escalations', postgresql_where=sa.text("status IN ('open', 'notified', 'acknowledged', 'in_progress')"))
    op.drop_index(op.f('ix_crisis_escalations_acknowledged_by'), table_name='crisis_escalations')
    op.drop_table('crisis_escalations')
    op.drop_index('uq_chat_messages_session_seq', table_name='chat_messages')
    op.drop_index('uq_chat_messages_session_client_id', table_name='chat_messages', postgresql_where=sa.text('client_message_id IS NOT NULL'))
    op.drop_index(op.f('ix_chat_messages_user_id'), table_name='chat_messages')
    op.drop_index('ix_chat_messages_user_created', table_name='chat_messages')
    op.drop_index(op.f('ix_chat_messages_crisis_detection_id'), table_name='chat_messages')
    op.drop_table('chat_messages')
    op.drop_index('ix_session_notes_unsigned', table_name='session_notes', postgresql_where=sa.text("status = 'draft'"))
    op.drop_index(op.f('ix_session_notes_therapy_session_id'), table_name='session_notes')
    op.drop_index(op.f('ix_session_notes_signed_by'), table_name='session_notes')
    op.drop_index('ix_session_notes_patient_id_created_at', table_name='session_notes')
    op.drop_index(op.f('ix_session_notes_patient_id'), table_name='session_notes')
    op.drop_index(op.f('ix_session_notes_cosigned_by'), table_name='session_notes')
    op.drop_index(op.f('ix_session_notes_author_id'), table_name='session_notes')
    op.drop_index(op.f('ix_session_notes_amends_note_id'), table_name='session_notes')
    op.drop_table('session_notes')
    op.drop_index(op.f('ix_medication_intake_logs_patient_id'), table_name='medication_intake_logs')
    op.drop_index('ix_medication_intake_logs_patient_created', table_name='medication_intake_logs')
    op.drop_index('ix_medication_intake_logs_medication_scheduled', table_name='medication_intake_logs')
    op.drop_table('medication_intake_logs')
    op.drop_index(op.f('ix_invoices_user_id'), table_name='invoices')
    op.drop_index('ix_invoices_user_created', table_name='invoices')
    op.drop_index(op.f('ix_invoices_subscription_id'), table_name='invoices')
    op.drop_index('ix_invoices_open_due', table_name='invoices', postgresql_where=sa.text("status = 'open'"))
    op.drop_table('invoices')
    op.drop_index(op.f('ix_insurance_eligibility_checks_user_id'), table_name='insurance_eligibility_checks')
    op.drop_index('ix_insurance_eligibility_checks_user_created', table_name='insurance_eligibility_checks')
    op.drop_index('ix_insurance_eligibility_checks_policy_checked', table_name='insurance_eligibility_checks')
    op.drop_table('insurance_eligibility_checks')
    op.drop_index('uq_insurance_claims_payer_claim_number', table_name='insurance_claims', postgresql_where=sa.text('payer_claim_number IS NOT NULL'))
    op.drop_index(op.f('ix_insurance_claims_replaces_claim_id'), table_name='insurance_claims')
    op.drop_index(op.f('ix_insurance_claims_rendering_provider_id'), table_name='insurance_claims')
    op.drop_index(op.f('ix_insurance_claims_policy_id'), table_name='insurance_claims')
    op.drop_index(op.f('ix_insurance_claims_payer_id'), table_name='insurance_claims')
    op.drop_index(op.f('ix_insurance_claims_patient_id'), table_name='insurance_claims')
    op.drop_index('ix_insurance_claims_patient_created', table_name='insurance_claims')
    op.drop_index('ix_insurance_claims_open_status', table_name='insurance_claims', postgresql_where=sa.text("status IN ('ready', 'submitted', 'accepted', 'appealed')"))
    op.drop_index(op.f('ix_insurance_claims_appointment_id'), table_name='insurance_claims')
    op.drop_table('insurance_claims')
    op.drop_index(op.f('ix_homework_assignments_treatment_goal_id'), table_name='homework_assignments')
    op.drop_index(op.f('ix_homework_assignments_therapy_session_id'), table_name='homework_assignments')
    op.drop_index(op.f('ix_homework_assignments_therapist_id'), table_name='homework_assignments')
    op.drop_index('ix_homework_assignments_patient_id_created_at', table_name='homework_assignments')
    op.drop_index(op.f('ix_homework_assignments_patient_id'), table_name='homework_assignments')
    op.drop_index('ix_homework_assignments_open_due', table_name='homework_assignments', postgresql_where=sa.text("status IN ('assigned', 'in_progress')"))
    op.drop_table('homework_assignments')
    op.drop_index('uq_diagnoses_primary', table_name='diagnoses', postgresql_where=sa.text("is_primary AND status IN ('provisional', 'confirmed')"))
    op.drop_index('uq_diagnoses_open_code', table_name='diagnoses', postgresql_where=sa.text("status IN ('provisional', 'confirmed')"))
    op.drop_index(op.f('ix_diagnoses_therapy_session_id'), table_name='diagnoses')
    op.drop_index(op.f('ix_diagnoses_therapist_id'), table_name='diagnoses')
    op.drop_index(op.f('ix_diagnoses_patient_id'), table_name='diagnoses')
    op.drop_table('diagnoses')
    op.drop_index(op.f('ix_crisis_detections_user_id'), table_name='crisis_detections')
    op.drop_index('ix_crisis_detections_user_detected', table_name='crisis_detections')
    op.drop_index('ix_crisis_detections_source', table_name='crisis_detections')
    op.drop_index(op.f('ix_crisis_detections_reviewed_by'), table_name='crisis_detections')
    op.drop_index('ix_crisis_detections_elevated', table_name='crisis_detections', postgresql_where=sa.text("risk_level IN ('moderate', 'high', 'imminent')"))
    op.drop_index(op.f('ix_crisis_detections_chat_session_id'), table_name='crisis_detections')
    op.drop_table('crisis_detections')
    op.drop_index(op.f('ix_coupon_redemptions_user_id'), table_name='coupon_redemptions')
    op.drop_index(op.f('ix_coupon_redemptions_subscription_id'), table_name='coupon_redemptions')
    op.drop_table('coupon_redemptions')
    op.drop_index(op.f('ix_conversation_analytics_user_id'), table_name='conversation_analytics')
    op.drop_index('ix_conversation_analytics_user_created', table_name='conversation_analytics')
    op.drop_table('conversation_analytics')
    op.drop_index('ix_care_plan_tasks_worklist', table_name='care_plan_tasks', postgresql_where=sa.text("status IN ('open', 'in_progress')"))
    op.drop_index('ix_care_plan_tasks_source', table_name='care_plan_tasks', postgresql_where=sa.text('source_id IS NOT NULL'))
    op.drop_index(op.f('ix_care_plan_tasks_patient_id'), table_name='care_plan_tasks')
    op.drop_index(op.f('ix_care_plan_tasks_created_by'), table_name='care_plan_tasks')
    op.drop_index(op.f('ix_care_plan_tasks_completed_by'), table_name='care_plan_tasks')
    op.drop_index(op.f('ix_care_plan_tasks_care_plan_id'), table_name='care_plan_tasks')
    op.drop_index(op.f('ix_care_plan_tasks_assigned_to'), table_name='care_plan_tasks')
    op.drop_table('care_plan_tasks')
    op.drop_index(op.f('ix_video_sessions_therapist_id'), table_name='video_sessions')
    op.drop_index(op.f('ix_video_sessions_patient_id'), table_name='video_sessions')
    op.drop_table('video_sessions')
    op.drop_index('uq_user_subscriptions_live', table_name='user_subscriptions', postgresql_where=sa.text("status IN ('trialing', 'active', 'past_due', 'paused')"))
    op.drop_index(op.f('ix_user_subscriptions_user_id'), table_name='user_subscriptions')
    op.drop_index(op.f('ix_user_subscriptions_plan_id'), table_name='user_subscriptions')
    op.drop_index('ix_user_subscriptions_live_period_end', table_name='user_subscriptions', postgresql_where=sa.text("status IN ('trialing', 'active', 'past_due', 'paused')"))
    op.drop_index(op.f('ix_user_subscriptions_default_payment_method_id'), table_name='user_subscriptions')
    op.drop_table('user_subscriptions')
    op.drop_index(op.f('ix_treatment_goals_treatment_plan_id'), table_name='treatment_goals')
    op.drop_index(op.f('ix_treatment_goals_therapist_id'), table_name='treatment_goals')
    op.drop_index(op.f('ix_treatment_goals_patient_id'), table_name='treatment_goals')
    op.drop_table('treatment_goals')
    op.drop_index(op.f('ix_therapy_sessions_treatment_plan_id'), table_name='therapy_sessions')
    op.drop_index('ix_therapy_sessions_therapist_schedule', table_name='therapy_sessions')
    op.drop_index(op.f('ix_therapy_sessions_therapist_id'), table_name='therapy_sessions')
    op.drop_index('ix_therapy_sessions_patient_id_created_at', table_name='therapy_sessions')
    op.drop_index(op.f('ix_therapy_sessions_patient_id'), table_name='therapy_sessions')
    op.drop_index(op.f('ix_therapy_sessions_appointment_id'), table_name='therapy_sessions')
    op.drop_table('therapy_sessions')
    op.drop_index('uq_mood_insights_key_period', table_name='mood_insights')
    op.drop_index(op.f('ix_mood_insights_user_id'), table_name='mood_insights')
    op.drop_index(op.f('ix_mood_insights_pattern_id'), table_name='mood_insights')
    op.drop_index('ix_mood_insights_feed', table_name='mood_insights', postgresql_where=sa.text('dismissed_at IS NULL'))
    op.drop_table('mood_insights')
    op.drop_index(op.f('ix_medication_side_effect_reports_user_medication_id'), table_name='medication_side_effect_reports')
    op.drop_index('ix_medication_side_effect_reports_unreviewed', table_name='medication_side_effect_reports', postgresql_where=sa.text('reviewed_at IS NULL'))
    op.drop_index(op.f('ix_medication_side_effect_reports_reviewed_by'), table_name='medication_side_effect_reports')
    op.drop_index(op.f('ix_medication_side_effect_reports_prescriber_id'), table_name='medication_side_effect_reports')
    op.drop_index(op.f('ix_medication_side_effect_reports_patient_id'), table_name='medication_side_effect_reports')
    op.drop_index('ix_medication_side_effect_reports_patient_created', table_name='medication_side_effect_reports')
    op.drop_table('medication_side_effect_reports')
    op.drop_index(op.f('ix_medication_schedules_user_medication_id'), table_name='medication_schedules')
    op.drop_index(op.f('ix_medication_schedules_patient_id'), table_name='medication_schedules')
    op.drop_table('medication_schedules')
    op.drop_index(op.f('ix_kpi_snapshots_cohort_id'), table_name='kpi_snapshots')
    op.drop_table('kpi_snapshots')
    op.drop_index('uq_insurance_policies_active_priority', table_name='insurance_policies', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_insurance_policies_user_id'), table_name='insurance_policies')
    op.drop_index(op.f('ix_insurance_policies_plan_id'), table_name='insurance_policies')
    op.drop_index(op.f('ix_insurance_policies_payer_id'), table_name='insurance_policies')
    op.drop_table('insurance_policies')
    op.drop_index(op.f('ix_generated_reports_requested_by'), table_name='generated_reports')
    op.drop_index('ix_generated_reports_pending', table_name='generated_reports', postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.drop_index('ix_generated_reports_expiring', table_name='generated_reports', postgresql_where=sa.text("status = 'succeeded'"))
    op.drop_index('ix_generated_reports_definition_created', table_name='generated_reports')
    op.drop_index(op.f('ix_generated_reports_cohort_id'), table_name='generated_reports')
    op.drop_table('generated_reports')
    op.drop_index('ix_chat_sessions_user_started', table_name='chat_sessions')
    op.drop_index(op.f('ix_chat_sessions_user_id'), table_name='chat_sessions')
    op.drop_index(op.f('ix_chat_sessions_agent_id'), table_name='chat_sessions')
    op.drop_index('ix_chat_sessions_active', table_name='chat_sessions', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('chat_sessions')
    op.drop_index('uq_care_team_members_current', table_name='care_team_members', postgresql_where=sa.text('left_at IS NULL AND member_id IS NOT NULL'))
    op.drop_index(op.f('ix_care_team_members_patient_id'), table_name='care_team_members')
    op.drop_index(op.f('ix_care_team_members_member_id'), table_name='care_team_members')
    op.drop_index(op.f('ix_care_team_members_care_team_id'), table_name='care_team_members')
    op.drop_table('care_team_members')
    op.drop_index('ix_care_plans_review_due', table_name='care_plans', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_care_plans_patient_id_created_at', table_name='care_plans')
    op.drop_index(op.f('ix_care_plans_patient_id'), table_name='care_plans')
    op.drop_index(op.f('ix_care_plans_care_team_id'), table_name='care_plans')
    op.drop_index(op.f('ix_care_plans_author_id'), table_name='care_plans')
    op.drop_table('care_plans')
    op.drop_index('uq_appointment_waitlist_entries_open', table_name='appointment_waitlist_entries', postgresql_where=sa.text("status IN ('waiting', 'offered')"), postgresql_nulls_not_distinct=True)
    op.drop_index(op.f('ix_appointment_waitlist_entries_therapist_id'), table_name='appointment_waitlist_entries')
    op.drop_index('ix_appointment_waitlist_entries_queue', table_name='appointment_waitlist_entries', postgresql_where=sa.text("status = 'waiting'"))
    op.drop_index(op.f('ix_appointment_waitlist_entries_patient_id'), table_name='appointment_waitlist_entries')
    op.drop_index(op.f('ix_appointment_waitlist_entries_offered_appointment_id'), table_name='appointment_waitlist_entries')
    op.drop_index(op.f('ix_appointment_waitlist_entries_appointment_type_id'), table_name='appointment_waitlist_entries')
    op.drop_table('appointment_waitlist_entries')
    op.drop_index(op.f('ix_appointment_reminders_patient_id'), table_name='appointment_reminders')
    op.drop_index('ix_appointment_reminders_due', table_name='appointment_reminders', postgresql_where=sa.text("status = 'scheduled'"))
    op.drop_table('appointment_reminders')
    op.drop_index('ix_appointment_cancellations_therapist_created', table_name='appointment_cancellations')
    op.drop_index(op.f('ix_appointment_cancellations_patient_id'), table_name='appointment_cancellations')
    op.drop_index('ix_appointment_cancellations_patient_created', table_name='appointment_cancellations')
    op.drop_index(op.f('ix_appointment_cancellations_cancelled_by'), table_name='appointment_cancellations')
    op.drop_table('appointment_cancellations')
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_index('ix_user_sessions_family_id', table_name='user_sessions')
    op.drop_table('user_sessions')
    op.drop_table('user_profiles')
    op.drop_table('user_preferences')
    op.drop_index(op.f('ix_user_medications_prescriber_id'), table_name='user_medications')
    op.drop_index(op.f('ix_user_medications_patient_id'), table_name='user_medications')
    op.drop_index('ix_user_medications_patient_created', table_name='user_medications')
    op.drop_index('ix_user_medications_patient_active', table_name='user_medications', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_user_medications_medication_id'), table_name='user_medications')
    op.drop_table('user_medications')
    op.drop_index(op.f('ix_user_engagement_daily_user_id'), table_name='user_engagement_daily')
    op.drop_index('ix_user_engagement_daily_metric_date', table_name='user_engagement_daily')
    op.drop_table('user_engagement_daily')
    op.drop_table('user_consents')
    op.drop_index('uq_treatment_plans_active', table_name='treatment_plans', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_treatment_plans_therapist_id'), table_name='treatment_plans')
    op.drop_index(op.f('ix_treatment_plans_signed_by'), table_name='treatment_plans')
    op.drop_index('ix_treatment_plans_review_due', table_name='treatment_plans', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_treatment_plans_patient_id'), table_name='treatment_plans')
    op.drop_table('treatment_plans')
    op.drop_index(op.f('ix_therapist_performance_metrics_therapist_id'), table_name='therapist_performance_metrics')
    op.drop_table('therapist_performance_metrics')
    op.drop_index(op.f('ix_therapist_availability_exceptions_therapist_id'), table_name='therapist_availability_exceptions')
    op.drop_index('ix_therapist_availability_exceptions_range', table_name='therapist_availability_exceptions')
    op.drop_table('therapist_availability_exceptions')
    op.drop_index(op.f('ix_therapist_availability_therapist_id'), table_name='therapist_availability')
    op.drop_index(op.f('ix_therapist_availability_appointment_type_id'), table_name='therapist_availability')
    op.drop_index('ix_therapist_availability_active_weekday', table_name='therapist_availability', postgresql_where=sa.text('is_active'))
    op.drop_table('therapist_availability')
    op.drop_index('uq_therapeutic_relationships_active_primary', table_name='therapeutic_relationships', postgresql_where=sa.text("is_primary AND status = 'active'"))
    op.drop_index('uq_therapeutic_relationships_active_pair', table_name='therapeutic_relationships', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_therapeutic_relationships_therapist_id'), table_name='therapeutic_relationships')
    op.drop_index('ix_therapeutic_relationships_therapist_active', table_name='therapeutic_relationships', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_therapeutic_relationships_patient_id'), table_name='therapeutic_relationships')
    op.drop_index(op.f('ix_therapeutic_relationships_created_by'), table_name='therapeutic_relationships')
    op.drop_table('therapeutic_relationships')
    op.drop_index(op.f('ix_system_configurations_updated_by'), table_name='system_configurations')
    op.drop_table('system_configurations')
    op.drop_index('ix_system_announcements_current', table_name='system_announcements', postgresql_where=sa.text("status = 'published'"))
    op.drop_index(op.f('ix_system_announcements_created_by'), table_name='system_announcements')
    op.drop_table('system_announcements')
    op.drop_index('uq_safety_plans_user_version', table_name='safety_plans')
    op.drop_index('uq_safety_plans_current', table_name='safety_plans', postgresql_where=sa.text('is_current'))
    op.drop_index(op.f('ix_safety_plans_user_id'), table_name='safety_plans')
    op.drop_index(op.f('ix_safety_plans_created_with'), table_name='safety_plans')
    op.drop_table('safety_plans')
    op.drop_index(op.f('ix_report_definitions_created_by'), table_name='report_definitions')
    op.drop_table('report_definitions')
    op.drop_index(op.f('ix_referrals_referring_clinician_id'), table_name='referrals')
    op.drop_index(op.f('ix_referrals_referred_to_clinician_id'), table_name='referrals')
    op.drop_index('ix_referrals_patient_id_created_at', table_name='referrals')
    op.drop_index(op.f('ix_referrals_patient_id'), table_name='referrals')
    op.drop_index('ix_referrals_inbox', table_name='referrals', postgresql_where=sa.text("status = 'sent'"))
    op.drop_table('referrals')
    op.drop_table('privacy_settings')
    op.drop_index('uq_payment_methods_default', table_name='payment_methods', postgresql_where=sa.text('is_default'))
    op.drop_index(op.f('ix_payment_methods_user_id'), table_name='payment_methods')
    op.drop_table('payment_methods')
    op.drop_index('uq_notifications_dedupe', table_name='notifications', postgresql_where=sa.text('dedupe_key IS NOT NULL'))
    op.drop_index('ix_notifications_user_id_created_at', table_name='notifications')
    op.drop_index(op.f('ix_notifications_user_id'), table_name='notifications')
    op.drop_index('ix_notifications_unread', table_name='notifications', postgresql_where=sa.text('read_at IS NULL AND dismissed_at IS NULL'))
    op.drop_table('notifications')
    op.drop_index('uq_mood_patterns_period', table_name='mood_patterns')
    op.drop_index(op.f('ix_mood_patterns_user_id'), table_name='mood_patterns')
    op.drop_table('mood_patterns')
    op.drop_index(op.f('ix_mood_goals_user_id'), table_name='mood_goals')
    op.drop_index(op.f('ix_mood_goals_set_by'), table_name='mood_goals')
    op.drop_index('ix_mood_goals_active', table_name='mood_goals', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('mood_goals')
    op.drop_index('ix_journal_prompts_pick', table_name='journal_prompts', postgresql_where=sa.text('is_active'))
    op.drop_index(op.f('ix_journal_prompts_created_by'), table_name='journal_prompts')
    op.drop_table('journal_prompts')
    op.drop_table('insurance_plans')
    op.drop_index(op.f('ix_feature_usage_events_user_id'), table_name='feature_usage_events')
    op.drop_index('ix_feature_usage_events_user_created', table_name='feature_usage_events')
    op.drop_index('ix_feature_usage_events_feature_occurred', table_name='feature_usage_events')
    op.drop_table('feature_usage_events')
    op.drop_index(op.f('ix_feature_flags_updated_by'), table_name='feature_flags')
    op.drop_table('feature_flags')
    op.drop_index('ix_email_outbox_source_event_id', table_name='email_outbox', postgresql_where=sa.text('source_event_id IS NOT NULL'))
    op.drop_index(op.f('ix_email_outbox_recipient_user_id'), table_name='email_outbox')
    op.drop_index('ix_email_outbox_pending', table_name='email_outbox', postgresql_where=sa.text("status IN ('pending', 'sending')"))
    op.drop_table('email_outbox')
    op.drop_index(op.f('ix_drug_interactions_medication_b_id'), table_name='drug_interactions')
    op.drop_table('drug_interactions')
    op.drop_index(op.f('ix_data_subject_requests_user_id'), table_name='data_subject_requests')
    op.drop_index('ix_data_subject_requests_status_due_at', table_name='data_subject_requests')
    op.drop_table('data_subject_requests')
    op.drop_table('data_breach_incidents')
    op.drop_index('ix_data_access_logs_user_id_occurred_at', table_name='data_access_logs')
    op.drop_index(op.f('ix_data_access_logs_user_id'), table_name='data_access_logs')
    op.drop_index(op.f('ix_data_access_logs_accessor_id'), table_name='data_access_logs')
    op.drop_table('data_access_logs')
    op.drop_index('uq_crisis_keywords_term', table_name='crisis_keywords', postgresql_where=sa.text('term IS NOT NULL'))
    op.drop_index('uq_crisis_keywords_pattern', table_name='crisis_keywords', postgresql_where=sa.text('pattern IS NOT NULL'))
    op.drop_index('ix_crisis_keywords_enabled_lang', table_name='crisis_keywords', postgresql_where=sa.text('enabled'))
    op.drop_index(op.f('ix_crisis_keywords_created_by'), table_name='crisis_keywords')
    op.drop_table('crisis_keywords')
    op.drop_index('uq_coupons_code_lower', table_name='coupons')
    op.drop_index(op.f('ix_coupons_created_by'), table_name='coupons')
    op.drop_table('coupons')
    op.drop_index('ix_consent_tracking_user_id_occurred_at', table_name='consent_tracking')
    op.drop_index(op.f('ix_consent_tracking_user_id'), table_name='consent_tracking')
    op.drop_table('consent_tracking')
    op.drop_index(op.f('ix_clinician_profiles_user_id'), table_name='clinician_profiles')
    op.drop_index('ix_clinician_profiles_specialties', table_name='clinician_profiles', postgresql_using='gin')
    op.drop_index(op.f('ix_clinician_profiles_license_verified_by'), table_name='clinician_profiles')
    op.drop_index(op.f('ix_clinician_profiles_backup_clinician_id'), table_name='clinician_profiles')
    op.drop_index('ix_clinician_profiles_accepting', table_name='clinician_profiles', postgresql_where=sa.text("status = 'active' AND accepting_new_patients"))
    op.drop_table('clinician_profiles')
    op.drop_index(op.f('ix_clinician_on_call_shifts_created_by'), table_name='clinician_on_call_shifts')
    op.drop_index('ix_clinician_on_call_shifts_coverage', table_name='clinician_on_call_shifts', postgresql_where=sa.text("status = 'scheduled'"))
    op.drop_index('ix_clinician_on_call_shifts_clinician_starts', table_name='clinician_on_call_shifts')
    op.drop_index(op.f('ix_clinician_on_call_shifts_clinician_id'), table_name='clinician_on_call_shifts')
    op.drop_table('clinician_on_call_shifts')
    op.drop_index('uq_care_teams_active_patient', table_name='care_teams', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_care_teams_patient_id'), table_name='care_teams')
    op.drop_index(op.f('ix_care_teams_lead_clinician_id'), table_name='care_teams')
    op.drop_index(op.f('ix_care_teams_created_by'), table_name='care_teams')
    op.drop_table('care_teams')
    op.drop_table('business_associate_agreements')
    op.drop_index('uq_assessment_schedules_active', table_name='assessment_schedules', postgresql_where=sa.text('is_active'))
    op.drop_index(op.f('ix_assessment_schedules_user_id'), table_name='assessment_schedules')
    op.drop_index(op.f('ix_assessment_schedules_template_id'), table_name='assessment_schedules')
    op.drop_index('ix_assessment_schedules_due', table_name='assessment_schedules', postgresql_where=sa.text('is_active'))
    op.drop_index(op.f('ix_assessment_schedules_created_by'), table_name='assessment_schedules')
    op.drop_table('assessment_schedules')
    op.drop_index(op.f('ix_assessment_assignments_user_id'), table_name='assessment_assignments')
    op.drop_index(op.f('ix_assessment_assignments_template_id'), table_name='assessment_assignments')
    op.drop_index('ix_assessment_assignments_pending', table_name='assessment_assignments', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index(op.f('ix_assessment_assignments_assigned_by'), table_name='assessment_assignments')
    op.drop_table('assessment_assignments')
    op.drop_index('uq_appointments_therapist_start', table_name='appointments', postgresql_where=sa.text("therapist_id IS NOT NULL AND status IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'in_progress', 'completed')"))
    op.drop_index('ix_appointments_therapist_starts', table_name='appointments')
    op.drop_index(op.f('ix_appointments_rescheduled_from_id'), table_name='appointments')
    op.drop_index('ix_appointments_patient_starts', table_name='appointments')
    op.drop_index(op.f('ix_appointments_patient_id'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_booked_by'), table_name='appointments')
    op.drop_index(op.f('ix_appointments_appointment_type_id'), table_name='appointments')
    op.drop_table('appointments')
    op.drop_index(op.f('ix_api_keys_service_account_id'), table_name='api_keys')
    op.drop_index(op.f('ix_api_keys_revoked_by'), table_name='api_keys')
    op.drop_index(op.f('ix_api_keys_created_by'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_index(op.f('ix_analytics_cohorts_created_by'), table_name='analytics_cohorts')
    op.drop_table('analytics_cohorts')
    op.drop_index(op.f('ix_ai_agent_configurations_created_by'), table_name='ai_agent_configurations')
    op.drop_index('ix_ai_agent_configurations_active', table_name='ai_agent_configurations', postgresql_where=sa.text('is_active'))
    op.drop_table('ai_agent_configurations')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_table('users')
    op.drop_index('ix_subscription_plans_listed', table_name='subscription_plans', postgresql_where=sa.text('is_active AND is_public'))
    op.drop_table('subscription_plans')
    op.drop_index('ix_processed_events_processed_at', table_name='processed_events')
    op.drop_table('processed_events')
    op.drop_index('ix_outbox_events_unpublished', table_name='outbox_events', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox_events')
    op.drop_index('ix_medications_drug_class', table_name='medications')
    op.drop_index('ix_medications_brand_names', table_name='medications', postgresql_using='gin')
    op.drop_table('medications')
    op.drop_index('ix_insurance_payers_active_name', table_name='insurance_payers', postgresql_where=sa.text('is_active'))
    op.drop_table('insurance_payers')
    op.drop_table('data_retention_policies')
    op.drop_index('ix_crisis_resources_lookup', table_name='crisis_resources', postgresql_where=sa.text('is_active'))
    op.drop_table('crisis_resources')
    op.drop_table('crisis_daily_aggregates')
    op.drop_index('ix_audit_logs_archive_subject', table_name='audit_logs_archive')
    op.drop_index('ix_audit_logs_archive_actor_id_occurred_at', table_name='audit_logs_archive')
    op.drop_table('audit_logs_archive')
    op.drop_index('ix_audit_logs_subject', table_name='audit_logs')
    op.drop_index('ix_audit_logs_actor_id_occurred_at', table_name='audit_logs')
    op.drop_index('ix_audit_logs_action_occurred_at', table_name='audit_logs')
    op.drop_table('audit_logs')
    op.drop_table('assessment_templates')
    op.drop_table('appointment_types')
    op.execute("DROP TYPE IF EXISTS agent_approach")
    op.execute("DROP TYPE IF EXISTS agent_config_source")
    op.execute("DROP TYPE IF EXISTS agent_model_provider")
    op.execute("DROP TYPE IF EXISTS analytics_client_platform")
    op.execute("DROP TYPE IF EXISTS analytics_period_granularity")
    op.execute("DROP TYPE IF EXISTS appointment_cancellation_initiator")
    op.execute("DROP TYPE IF EXISTS appointment_cancellation_kind")
    op.execute("DROP TYPE IF EXISTS appointment_cancellation_reason")
    op.execute("DROP TYPE IF EXISTS appointment_category")
    op.execute("DROP TYPE IF EXISTS appointment_modality")
    op.execute("DROP TYPE IF EXISTS appointment_reminder_channel")
    op.execute("DROP TYPE IF EXISTS appointment_reminder_status")
    op.execute("DROP TYPE IF EXISTS appointment_status")
    op.execute("DROP TYPE IF EXISTS appointment_waitlist_status")
    op.execute("DROP TYPE IF EXISTS assessment_assignment_status")
    op.execute("DROP TYPE IF EXISTS assessment_category")
    op.execute("DROP TYPE IF EXISTS assessment_schedule_frequency")
    op.execute("DROP TYPE IF EXISTS assessment_severity")
    op.execute("DROP TYPE IF EXISTS audit_outcome")
    op.execute("DROP TYPE IF EXISTS baa_status")
    op.execute("DROP TYPE IF EXISTS care_plan_status")
    op.execute("DROP TYPE IF EXISTS care_plan_task_priority")
    op.execute("DROP TYPE IF EXISTS care_plan_task_status")
    op.execute("DROP TYPE IF EXISTS care_plan_task_type")
    op.execute("DROP TYPE IF EXISTS care_team_member_role")
    op.execute("DROP TYPE IF EXISTS care_team_status")
    op.execute("DROP TYPE IF EXISTS chat_message_role")
    op.execute("DROP TYPE IF EXISTS chat_session_status")
    op.execute("DROP TYPE IF EXISTS clinical_outcome_episode_status")
    op.execute("DROP TYPE IF EXISTS clinician_on_call_shift_status")
    op.execute("DROP TYPE IF EXISTS clinician_on_call_tier")
    op.execute("DROP TYPE IF EXISTS clinician_profile_status")
    op.execute("DROP TYPE IF EXISTS consent_action")
    op.execute("DROP TYPE IF EXISTS consent_type")
    op.execute("DROP TYPE IF EXISTS coupon_discount_type")
    op.execute("DROP TYPE IF EXISTS coupon_duration")
    op.execute("DROP TYPE IF EXISTS crisis_category")
    op.execute("DROP TYPE IF EXISTS crisis_detection_review_label")
    op.execute("DROP TYPE IF EXISTS crisis_detection_source")
    op.execute("DROP TYPE IF EXISTS crisis_escalation_outcome")
    op.execute("DROP TYPE IF EXISTS crisis_escalation_status")
    op.execute("DROP TYPE IF EXISTS crisis_resource_channel")
    op.execute("DROP TYPE IF EXISTS crisis_risk_level")
    op.execute("DROP TYPE IF EXISTS data_breach_severity")
    op.execute("DROP TYPE IF EXISTS data_breach_status")
    op.execute("DROP TYPE IF EXISTS data_retention_action")
    op.execute("DROP TYPE IF EXISTS data_subject_request_status")
    op.execute("DROP TYPE IF EXISTS data_subject_request_type")
    op.execute("DROP TYPE IF EXISTS diagnosis_severity")
    op.execute("DROP TYPE IF EXISTS diagnosis_status")
    op.execute("DROP TYPE IF EXISTS drug_interaction_severity")
    op.execute("DROP TYPE IF EXISTS email_outbox_status")
    op.execute("DROP TYPE IF EXISTS generated_report_status")
    op.execute("DROP TYPE IF EXISTS homework_assignment_status")
    op.execute("DROP TYPE IF EXISTS homework_assignment_type")
    op.execute("DROP TYPE IF EXISTS insurance_claim_line_status")
    op.execute("DROP TYPE IF EXISTS insurance_claim_status")
    op.execute("DROP TYPE IF EXISTS insurance_coverage_priority")
    op.execute("DROP TYPE IF EXISTS insurance_eligibility_status")
    op.execute("DROP TYPE IF EXISTS insurance_payer_type")
    op.execute("DROP TYPE IF EXISTS insurance_plan_type")
    op.execute("DROP TYPE IF EXISTS insurance_policy_status")
    op.execute("DROP TYPE IF EXISTS insurance_subscriber_relationship")
    op.execute("DROP TYPE IF EXISTS invoice_item_kind")
    op.execute("DROP TYPE IF EXISTS invoice_status")
    op.execute("DROP TYPE IF EXISTS journal_cbt_technique")
    op.execute("DROP TYPE IF EXISTS journal_privacy_level")
    op.execute("DROP TYPE IF EXISTS journal_prompt_category")
    op.execute("DROP TYPE IF EXISTS medication_drug_class")
    op.execute("DROP TYPE IF EXISTS medication_intake_source")
    op.execute("DROP TYPE IF EXISTS medication_intake_status")
    op.execute("DROP TYPE IF EXISTS medication_reminder_channel")
    op.execute("DROP TYPE IF EXISTS medication_reminder_status")
    op.execute("DROP TYPE IF EXISTS medication_side_effect_action")
    op.execute("DROP TYPE IF EXISTS medication_side_effect_severity")
    op.execute("DROP TYPE IF EXISTS mood_entry_source")
    op.execute("DROP TYPE IF EXISTS mood_factor_category")
    op.execute("DROP TYPE IF EXISTS mood_goal_period")
    op.execute("DROP TYPE IF EXISTS mood_goal_status")
    op.execute("DROP TYPE IF EXISTS mood_goal_type")
    op.execute("DROP TYPE IF EXISTS mood_insight_kind")
    op.execute("DROP TYPE IF EXISTS mood_pattern_type")
    op.execute("DROP TYPE IF EXISTS notification_category")
    op.execute("DROP TYPE IF EXISTS notification_priority")
    op.execute("DROP TYPE IF EXISTS payment_method_type")
    op.execute("DROP TYPE IF EXISTS payment_processor")
    op.execute("DROP TYPE IF EXISTS payment_purpose")
    op.execute("DROP TYPE IF EXISTS payment_status")
    op.execute("DROP TYPE IF EXISTS referral_status")
    op.execute("DROP TYPE IF EXISTS referral_urgency")
    op.execute("DROP TYPE IF EXISTS refund_reason")
    op.execute("DROP TYPE IF EXISTS refund_status")
    op.execute("DROP TYPE IF EXISTS report_category")
    op.execute("DROP TYPE IF EXISTS report_format")
    op.execute("DROP TYPE IF EXISTS session_note_format")
    op.execute("DROP TYPE IF EXISTS session_note_status")
    op.execute("DROP TYPE IF EXISTS session_note_type")
    op.execute("DROP TYPE IF EXISTS subscription_billing_interval")
    op.execute("DROP TYPE IF EXISTS subscription_event_type")
    op.execute("DROP TYPE IF EXISTS subscription_status")
    op.execute("DROP TYPE IF EXISTS system_announcement_kind")
    op.execute("DROP TYPE IF EXISTS system_announcement_severity")
    op.execute("DROP TYPE IF EXISTS system_announcement_status")
    op.execute("DROP TYPE IF EXISTS therapeutic_relationship_role")
    op.execute("DROP TYPE IF EXISTS therapeutic_relationship_status")
    op.execute("DROP TYPE IF EXISTS therapist_availability_exception_kind")
    op.execute("DROP TYPE IF EXISTS therapy_session_modality")
    op.execute("DROP TYPE IF EXISTS therapy_session_status")
    op.execute("DROP TYPE IF EXISTS therapy_session_type")
    op.execute("DROP TYPE IF EXISTS thought_record_status")
    op.execute("DROP TYPE IF EXISTS treatment_goal_status")
    op.execute("DROP TYPE IF EXISTS treatment_plan_status")
    op.execute("DROP TYPE IF EXISTS user_assessment_source")
    op.execute("DROP TYPE IF EXISTS user_assessment_status")
    op.execute("DROP TYPE IF EXISTS user_medication_source")
    op.execute("DROP TYPE IF EXISTS user_medication_status")
    op.execute("DROP TYPE IF EXISTS user_role")
    op.execute("DROP TYPE IF EXISTS user_session_revoke_reason")
    op.execute("DROP TYPE IF EXISTS user_status")
    op.execute("DROP TYPE IF EXISTS user_theme")
    op.execute("DROP TYPE IF EXISTS video_session_provider")
    op.execute("DROP TYPE IF EXISTS video_session_status")
    op.execute("DROP DOMAIN IF EXISTS mood_scale")
    op.execute("DROP DOMAIN IF EXISTS normalized_score")
