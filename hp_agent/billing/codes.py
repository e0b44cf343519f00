"""Which CPT code and place of service a therapy session is billed with.

Psychotherapy codes follow the time the clinician spent (CPT's time rule: a code is met once more
than half its time has passed): 16-37 minutes is 90832 (30 min), 38-52 is 90834 (45 min), 53 and
more is 90837 (60 min); under 16 minutes no psychotherapy code applies. Intake is 90791, family or
couples therapy with the patient present 90847, group 90853, whatever their length.
"""

from __future__ import annotations

from hp_agent.errors import HPError
from hp_agent.scheduling.models import AppointmentCategory
from hp_agent.therapy.models import SessionModality, SessionType


class NotBillable(HPError):
    status_code = 422
    code = "session_not_billable"


_BY_SESSION_TYPE = {
    SessionType.intake: AppointmentCategory.INTAKE,
    SessionType.assessment: AppointmentCategory.INTAKE,
    SessionType.individual: AppointmentCategory.INDIVIDUAL_THERAPY,
    SessionType.follow_up: AppointmentCategory.INDIVIDUAL_THERAPY,
    SessionType.crisis: AppointmentCategory.CRISIS_FOLLOW_UP,
    SessionType.couples: AppointmentCategory.COUPLES_THERAPY,
    SessionType.family: AppointmentCategory.FAMILY_THERAPY,
    SessionType.group: AppointmentCategory.GROUP_THERAPY,
    SessionType.medication_management: AppointmentCategory.MEDICATION_MANAGEMENT,
}
_TIMED = {
    AppointmentCategory.INDIVIDUAL_THERAPY,
    AppointmentCategory.CRISIS_FOLLOW_UP,
    AppointmentCategory.CHECK_IN,
}
_FIXED = {
    AppointmentCategory.INTAKE: "90791",
    AppointmentCategory.COUPLES_THERAPY: "90847",
    AppointmentCategory.FAMILY_THERAPY: "90847",
    AppointmentCategory.GROUP_THERAPY: "90853",
}
TELEHEALTH_MODIFIER = "95"  # synchronous audio and video
AUDIO_ONLY_MODIFIER = "93"


def category_for(session_type: SessionType) -> AppointmentCategory:
    return _BY_SESSION_TYPE[session_type]


def psychotherapy_code(minutes: int) -> str:
    if minutes >= 53:
        return "90837"
    if minutes >= 38:
        return "90834"
    if minutes >= 16:
        return "90832"
    raise NotBillable("A psychotherapy session under 16 minutes has no CPT code.", code="session_too_short")


def cpt_for(category: AppointmentCategory, minutes: int | None) -> str:
    if category in _FIXED:
        return _FIXED[category]
    if category in _TIMED:
        if minutes is None:
            raise NotBillable("The session's length is unknown.", code="session_length_unknown")
        return psychotherapy_code(minutes)
    raise NotBillable(
        "Medication management is billed with E/M codes, which this service does not produce.",
        code="category_not_billable",
    )


def place_of_service(modality: SessionModality) -> tuple[str, tuple[str, ...]]:
    """CMS place of service and the line modifiers: telehealth in the patient's home is POS 10
    with modifier 95 (video) or 93 (audio only); in person is the office, 11."""
    if modality == SessionModality.in_person:
        return "11", ()
    if modality == SessionModality.chat:
        raise NotBillable("Chat sessions are not billable to insurance.", code="modality_not_billable")
    if modality == SessionModality.audio:
        return "10", (AUDIO_ONLY_MODIFIER,)
    return "10", (TELEHEALTH_MODIFIER,)
