"""The export's FHIR R4 Bundle, built from the rows the person's own principal could read.

Only what FHIR has a resource for: Patient; Observation (mood, assessment totals);
QuestionnaireResponse (PHQ-9, GAD-7, PCL-5, C-SSRS screener answers); CarePlan (safety plan,
treatment plans); MedicationStatement; Appointment. Everything else is in the JSON documents.
"""

from __future__ import annotations

import uuid
from typing import Any

Rows = dict[str, list[dict[str, Any]]]

QUESTIONNAIRES = {"phq9", "gad7", "pcl5", "cssrs_screener"}
# LOINC codes of the instruments' total scores, where LOINC has one.
TOTAL_LOINC = {"phq9": ("44261-6", "PHQ-9 total score"), "gad7": ("70274-6", "GAD-7 total score")}
LOCAL = "https://happypath.example/fhir"

_CAREPLAN_STATUS = {
    "draft": "draft",
    "active": "active",
    "under_review": "on-hold",
    "completed": "completed",
    "discontinued": "revoked",
}
_MEDICATION_STATUS = {
    "active": "active",
    "paused": "on-hold",
    "completed": "completed",
    "discontinued": "stopped",
}
_APPOINTMENT_STATUS = {
    "requested": "proposed",
    "scheduled": "booked",
    "confirmed": "booked",
    "checked_in": "checked-in",
    "in_progress": "arrived",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
    "rescheduled": "cancelled",
}


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _patient(rows: Rows, pid: str) -> dict[str, Any]:
    user = rows["users"][0]
    profile = (rows.get("user_profiles") or [{}])[0]
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "active": user.get("status") == "active",
        "telecom": [{"system": "email", "value": user["email"]}],
    }
    if profile.get("display_name"):
        patient["name"] = [{"text": profile["display_name"]}]
    if profile.get("date_of_birth"):
        patient["birthDate"] = profile["date_of_birth"]
    return patient


def _observation(oid: str, subject: str, code: dict[str, Any], when: str, value: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": code,
        "subject": {"reference": subject},
        "effectiveDateTime": when,
        "valueInteger": value,
    }


def bundle(rows: Rows, templates: dict[str, str]) -> dict[str, Any]:
    """``templates``: assessment template id -> code."""
    pid = rows["users"][0]["id"]
    subject = f"urn:uuid:{pid}"
    entries = [_entry(_patient(rows, pid))]
    for m in rows.get("mood_entries", []):
        code = {"coding": [{"system": LOCAL, "code": "mood", "display": "Mood (1-10)"}], "text": "Mood"}
        entries.append(_entry(_observation(m["id"], subject, code, m["recorded_at"], int(m["mood"]))))
    answers: dict[str, list[dict[str, Any]]] = {}
    for r in rows.get("assessment_responses", []):
        answers.setdefault(r["user_assessment_id"], []).append(r)
    for a in rows.get("user_assessments", []):
        kind = templates.get(a["template_id"], "assessment")
        when = a.get("completed_at") or a["started_at"]
        if a.get("total_score") is not None:
            loinc = TOTAL_LOINC.get(kind)
            code = (
                {"coding": [{"system": "http://loinc.org", "code": loinc[0], "display": loinc[1]}]}
                if loinc
                else {"coding": [{"system": LOCAL, "code": f"{kind}-total"}], "text": f"{kind} total score"}
            )
            # A distinct id from the QuestionnaireResponse's: the same row gives both resources.
            oid = str(uuid.uuid5(uuid.UUID(a["id"]), "total-score"))
            entries.append(_entry(_observation(oid, subject, code, when, a["total_score"])))
        if kind in QUESTIONNAIRES:
            items = sorted(answers.get(a["id"], []), key=lambda r: r["item_index"])
            entries.append(
                _entry(
                    {
                        "resourceType": "QuestionnaireResponse",
                        "id": a["id"],
                        "questionnaire": f"{LOCAL}/Questionnaire/{kind}",
                        "status": "completed" if a["status"] == "completed" else "in-progress",
                        "subject": {"reference": subject},
                        "authored": when,
                        "item": [
                            {"linkId": r["item_id"], "answer": [{"valueInteger": r["value"]}]} for r in items
                        ],
                    }
                )
            )
    for plan in rows.get("safety_plans", []):
        parts = [
            f"{k.replace('_', ' ')}: {plan[k]}"
            for k in (
                "warning_signs",
                "internal_coping_strategies",
                "distraction_people_places",
                "people_to_ask_for_help",
                "professionals_and_crisis_lines",
                "making_environment_safe",
                "reasons_for_living",
            )
            if plan.get(k)
        ]
        entries.append(
            _entry(
                {
                    "resourceType": "CarePlan",
                    "id": plan["id"],
                    "status": "active" if plan["is_current"] else "revoked",
                    "intent": "plan",
                    "title": f"Safety plan (version {plan['version']})",
                    "description": "\n".join(parts) or "Safety plan",
                    "subject": {"reference": subject},
                }
            )
        )
    for plan in rows.get("treatment_plans", []):
        care_plan: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": plan["id"],
            "status": _CAREPLAN_STATUS.get(plan["status"], "unknown"),
            "intent": "plan",
            "title": plan["title"],
            "subject": {"reference": subject},
        }
        if plan.get("presenting_problem"):
            care_plan["description"] = plan["presenting_problem"]
        if plan.get("start_date"):
            care_plan["period"] = {"start": plan["start_date"]}
        entries.append(_entry(care_plan))
    for med in rows.get("user_medications", []):
        statement: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "id": med["id"],
            "status": _MEDICATION_STATUS.get(med["status"], "unknown"),
            "medicationCodeableConcept": {"text": med["display_name"]},
            "subject": {"reference": subject},
            "dosage": [
                {
                    "text": f"{med['dose_amount']} {med['dose_unit']}"
                    + (" as needed" if med["as_needed"] else "")
                }
            ],
        }
        if med.get("start_date"):
            statement["effectivePeriod"] = {"start": med["start_date"]}
        entries.append(_entry(statement))
    for appt in rows.get("appointments", []):
        entries.append(
            _entry(
                {
                    "resourceType": "Appointment",
                    "id": appt["id"],
                    "status": _APPOINTMENT_STATUS.get(appt["status"], "booked"),
                    "start": appt["starts_at"],
                    "end": appt["ends_at"],
                    "participant": [{"actor": {"reference": subject}, "status": "accepted"}],
                }
            )
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
