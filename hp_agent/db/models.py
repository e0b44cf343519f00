"""Imports every model module so ``Base.metadata`` is complete (Alembic, tests, seeding)."""

from __future__ import annotations

import importlib

from hp_agent.db.base import Base

MODEL_MODULES = (
    "hp_agent.users.models",  # User Management
    "hp_agent.auth.models",  # sign-in throttling
    "hp_agent.auth.security_models",  # second factor, recovery codes, emailed link tokens
    "hp_agent.compliance.models",  # Compliance & Privacy (+ audit_logs_archive)
    "hp_agent.care.models",  # Care Coordination
    "hp_agent.care.network_models",  # Care Coordination (practices, invitations, invite codes)
    "hp_agent.therapy.models",  # Clinical Therapy
    "hp_agent.admin.models",  # System Administration (+ system_configurations)
    "hp_agent.events.models",  # outbox_events and delivery bookkeeping
    "hp_agent.billing.models",  # Insurance & Billing
    "hp_agent.subscriptions.models",  # Subscription & Payment
    "hp_agent.scheduling.models",  # Appointment Scheduling
    "hp_agent.medication.models",  # Medication Management
    "hp_agent.notifications.models",  # notification preferences (inbox: admin.models)
    "hp_agent.analytics.models",  # Analytics & Reporting
    "hp_agent.assessments.models",  # Assessment & Screening
    "hp_agent.mood.models",  # Mood Tracking
    "hp_agent.journal.models",  # Journaling
    "hp_agent.crisis.models",  # Crisis Management
    "hp_agent.agents.models",  # Conversational Agent (configurations)
    "hp_agent.chat.models",  # Conversational Agent (sessions, messages, analytics)
    "hp_agent.agents.memory_models",  # Conversational Agent (memory across sessions)
    "hp_agent.db.data_keys",  # per-person data keys (envelope encryption, erasure)
)


def load_all() -> type[Base]:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base
