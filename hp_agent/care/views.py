"""Profile rows → response bodies (the directory's public view and the full one)."""

from __future__ import annotations

from hp_agent.care.models import ClinicianProfile
from hp_agent.care.schemas import ClinicianOut, DirectoryEntryOut


def directory_entry(p: ClinicianProfile) -> DirectoryEntryOut:
    return DirectoryEntryOut(
        id=p.user_id,
        display_name=p.display_name,
        credentials=p.credentials,
        license_country=p.license_country,
        specialties=list(p.specialties),
        approaches=list(p.modalities),
        languages=list(p.languages),
        accepting_new_patients=p.accepting_new_patients,
        timezone=p.timezone,
        bio=p.bio,
    )


def clinician_out(p: ClinicianProfile, email: str | None = None) -> ClinicianOut:
    return ClinicianOut(
        **directory_entry(p).model_dump(),
        email=email,
        status=p.status.value,
        license_number=p.license_number,
        license_state=p.license_state,
        license_verified_at=p.license_verified_at,
        backup_clinician_id=p.backup_clinician_id,
    )
