"""The 837P professional claim (005010X222A1) for claims whose patient is the subscriber.

One claim per transaction: billing provider (2000A/2010AA), subscriber (2000B/2010BA), payer
(2010BB), the claim (2300) with its diagnoses, the rendering clinician (2310B) and one service
line (2400) per CPT code. Values arrive already checked by the service; this module only lays
them out as the implementation guide orders them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from hp_agent.billing.x12.segments import COMPONENT, Envelope, Segment, X12Error, clean, money, wrap

VERSION = "005010X222A1"


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None


@dataclass(frozen=True)
class Provider:
    npi: str
    last_or_org_name: str
    first_name: str | None = None  # set for a person (entity type 1)
    taxonomy: str | None = None


@dataclass(frozen=True)
class BillingProvider:
    name: str
    npi: str
    tax_id: str  # EIN, nine digits
    address: Address
    contact_name: str
    contact_phone: str
    taxonomy: str | None = None


@dataclass(frozen=True)
class Subscriber:
    member_id: str
    last_name: str
    first_name: str
    date_of_birth: dt.date
    gender: str  # M, F or U
    address: Address
    group_number: str | None = None


@dataclass(frozen=True)
class ServiceLine:
    cpt_code: str
    charge: Decimal
    service_date: dt.date
    modifiers: tuple[str, ...] = ()
    units: int = 1
    diagnosis_pointers: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Claim:
    claim_number: str  # CLM01, our patient control number
    total_charge: Decimal
    place_of_service: str
    diagnosis_codes: tuple[str, ...]  # ICD-10-CM with or without the dot
    lines: tuple[ServiceLine, ...]
    payer_name: str
    payer_id: str
    subscriber: Subscriber
    rendering: Provider
    payer_priority: str = "P"  # SBR01: P primary, S secondary, T tertiary
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    payer_claim_number: str | None = None  # REF*F8 on replacements and voids
    prior_authorization: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _address(addr: Address) -> list[Segment]:
    n3 = ["N3", clean(addr.line1, 55)]
    if addr.line2:
        n3.append(clean(addr.line2, 55))
    return [n3, ["N4", clean(addr.city, 30), clean(addr.state, 2), addr.postal_code.replace("-", "")]]


def transaction(
    claim: Claim,
    billing: BillingProvider,
    submitter_id: str,
    receiver: tuple[str, str],
    reference: str,
    when: dt.datetime,
) -> list[Segment]:
    """The ST..(before SE) segments of one claim."""
    if not claim.diagnosis_codes:
        raise X12Error("a claim needs at least one diagnosis")
    if not 1 <= len(claim.lines) <= 50:
        raise X12Error("a claim has 1 to 50 service lines")
    if sum((line.charge for line in claim.lines), Decimal(0)) != claim.total_charge:
        raise X12Error("the claim total is not the sum of its lines")
    sub = claim.subscriber
    receiver_name, receiver_id = receiver
    segs: list[Segment] = [
        ["ST", "837", "0001", VERSION],
        ["BHT", "0019", "00", reference, when.strftime("%Y%m%d"), when.strftime("%H%M"), "CH"],
        # 1000A submitter and 1000B receiver.
        ["NM1", "41", "2", clean(billing.name, 60), "", "", "", "", "46", submitter_id],
        ["PER", "IC", clean(billing.contact_name, 60), "TE", billing.contact_phone],
        ["NM1", "40", "2", clean(receiver_name, 60), "", "", "", "", "46", receiver_id],
        # 2000A billing provider.
        ["HL", "1", "", "20", "1"],
    ]
    if billing.taxonomy:
        segs.append(["PRV", "BI", "PXC", billing.taxonomy])
    segs += [
        ["NM1", "85", "2", clean(billing.name, 60), "", "", "", "", "XX", billing.npi],
        *_address(billing.address),
        ["REF", "EI", billing.tax_id],
        # 2000B subscriber, who is the patient (no 2000C loop).
        ["HL", "2", "1", "22", "0"],
        ["SBR", claim.payer_priority, "18", clean(sub.group_number or "", 50), "", "", "", "", "", "CI"],
        [
            "NM1",
            "IL",
            "1",
            clean(sub.last_name, 60),
            clean(sub.first_name, 35),
            "",
            "",
            "",
            "MI",
            clean(sub.member_id, 80),
        ],
        *_address(sub.address),
        ["DMG", "D8", sub.date_of_birth.strftime("%Y%m%d"), sub.gender],
        ["NM1", "PR", "2", clean(claim.payer_name, 60), "", "", "", "", "PI", claim.payer_id],
        # 2300 claim: POS:B (professional):frequency; signature on file, assigned, benefits
        # assigned, release signed.
        [
            "CLM",
            claim.claim_number,
            money(claim.total_charge),
            "",
            "",
            COMPONENT.join([claim.place_of_service, "B", claim.frequency]),
            "Y",
            "A",
            "Y",
            "Y",
        ],
    ]
    if claim.payer_claim_number and claim.frequency in ("7", "8"):
        segs.append(["REF", "F8", claim.payer_claim_number])
    if claim.prior_authorization:
        segs.append(["REF", "G1", clean(claim.prior_authorization, 50)])
    codes = [c.replace(".", "") for c in claim.diagnosis_codes]
    segs.append(["HI", *[("ABK" if i == 0 else "ABF") + COMPONENT + c for i, c in enumerate(codes)]])
    # 2310B rendering provider: the clinician (a person) who saw the patient.
    r = claim.rendering
    segs.append(
        [
            "NM1",
            "82",
            "1" if r.first_name else "2",
            clean(r.last_or_org_name, 60),
            clean(r.first_name or "", 35),
            "",
            "",
            "",
            "XX",
            r.npi,
        ]
    )
    if r.taxonomy:
        segs.append(["PRV", "PE", "PXC", r.taxonomy])
    for n, line in enumerate(claim.lines, start=1):
        procedure = COMPONENT.join(["HC", line.cpt_code, *line.modifiers])
        pointers = COMPONENT.join(str(p) for p in line.diagnosis_pointers)
        segs += [
            ["LX", str(n)],
            ["SV1", procedure, money(line.charge), "UN", str(line.units), "", "", pointers],
            ["DTP", "472", "D8", line.service_date.strftime("%Y%m%d")],
        ]
    return segs


def build(
    claim: Claim, billing: BillingProvider, envelope: Envelope, receiver_name: str, when: dt.datetime
) -> list[Segment]:
    """A complete interchange holding one 837P claim."""
    body = transaction(
        claim, billing, envelope.sender_id, (receiver_name, envelope.receiver_id), claim.claim_number, when
    )
    return wrap(envelope, body, when)
