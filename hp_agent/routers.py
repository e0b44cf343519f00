"""Every router the service mounts, in one list (next to the app factory that mounts them)."""

from __future__ import annotations

from fastapi import APIRouter

from hp_agent.admin.announcements import router as announcements_router
from hp_agent.admin.endpoints import router as admin_router
from hp_agent.agents.endpoints import router as agents_router
from hp_agent.agents.memory_endpoints import router as memory_router
from hp_agent.analytics.endpoints import router as analytics_router
from hp_agent.api.health import router as health_router
from hp_agent.assessments.endpoints import router as assessments_router
from hp_agent.auth.endpoints import router as auth_router
from hp_agent.auth.security_endpoints import router as signin_security_router
from hp_agent.billing.endpoints import router as insurance_router
from hp_agent.care.clinician_endpoints import router as clinicians_router
from hp_agent.care.endpoints import router as care_router
from hp_agent.chat.endpoints import router as chat_router
from hp_agent.crisis.endpoints import router as crisis_router
from hp_agent.crisis.feedback import router as crisis_feedback_router
from hp_agent.journal.endpoints import router as journal_router
from hp_agent.journal.guided_ws import router as guided_socket_router
from hp_agent.medication.endpoints import router as medication_router
from hp_agent.mood.endpoints import router as mood_router
from hp_agent.notifications.endpoints import router as inbox_router
from hp_agent.privacy.endpoints import router as privacy_router
from hp_agent.scheduling.endpoints import router as scheduling_router
from hp_agent.subscriptions.endpoints import router as billing_router
from hp_agent.therapist.socket import router as therapist_socket_router
from hp_agent.therapy.endpoints import router as therapy_router
from hp_agent.users.endpoints import router as me_router
from hp_agent.users.notifications import router as notifications_router


def all_routers() -> list[APIRouter]:
    return [
        health_router,
        auth_router,
        signin_security_router,
        memory_router,  # /v1/me/memory before /v1/me's other paths
        me_router,
        privacy_router,
        notifications_router,
        inbox_router,
        medication_router,
        journal_router,
        guided_socket_router,
        mood_router,
        assessments_router,
        crisis_router,
        crisis_feedback_router,
        care_router,
        scheduling_router,
        clinicians_router,
        admin_router,
        announcements_router,
        therapist_socket_router,
        therapy_router,
        chat_router,
        agents_router,
        analytics_router,
        billing_router,
        insurance_router,
    ]
