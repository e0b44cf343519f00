"""Eligibility: the 270 inquiry we send and the 271 answer we read (004010X092A1, see check.py).

The inquiry asks one payer about one subscriber (who is the patient) for one service type, "A6"
(psychotherapy) by default. Its TRN trace number is our eligibility check's id, and the payer
echoes it in the 271 (TRN*2), which is how an answer finds its check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from hp_agent.billing.x12.segments import (
    Envelope,
    Segment,
    X12Error,
    clean,
    d8,
    element,
    tokenize,
    transactions,
    wrap,
)

VERSION = "004010X092A1"


@dataclass(frozen=True)
class Inquiry:
    trace: str  # TRN02, up to 30 characters
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    provider_tax_id: str
    member_id: str
    last_name: str
    first_name: str
    date_of_birth: dt.date
    gender: str
    service_date: dt.date
    # 4010 has no "MH" (mental health, a 5010 code): A6 is psychotherapy.
    service_type: str = "A6"


def build_270(q: Inquiry, envelope: Envelope, when: dt.datetime) -> list[Segment]:
    if len(q.trace) > 30:
        raise X12Error("the trace number is longer than 30 characters")
    body: list[Segment] = [
        ["ST", "270", "0001"],
        ["BHT", "0022", "13", q.trace[:30], when.strftime("%Y%m%d"), when.strftime("%H%M")],
        ["HL", "1", "", "20", "1"],
        ["NM1", "PR", "2", clean(q.payer_name, 35), "", "", "", "", "PI", q.payer_id],
        ["HL", "2", "1", "21", "1"],
        ["NM1", "1P", "2", clean(q.provider_name, 35), "", "", "", "", "XX", q.provider_npi],
        ["HL", "3", "2", "22", "0"],
        # TRN03: "1" and the EIN identify us as the originator of the trace.
        ["TRN", "1", q.trace, "1" + q.provider_tax_id],
        [
            "NM1",
            "IL",
            "1",
            clean(q.last_name, 35),
            clean(q.first_name, 25),
            "",
            "",
            "",
            "MI",
            clean(q.member_id, 80),
        ],
        ["DMG", "D8", q.date_of_birth.strftime("%Y%m%d"), q.gender],
        ["DTP", "307", "D8", q.service_date.strftime("%Y%m%d")],
        ["EQ", q.service_type],
    ]
    return wrap(envelope, body, when)


@dataclass
class Benefits:
    """What a 271 says about one subscriber, in the eligibility check's terms."""

    trace: str
    payer_id: str | None
    member_id: str | None
    coverage_active: bool | None = None
    in_network: bool | None = None
    preauthorization_required: bool | None = None
    copay_amount: Decimal | None = None
    coinsurance_percent: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None
    sessions_allowed: int | None = None
    sessions_remaining: int | None = None
    plan_description: str | None = None
    error_codes: list[str] = field(default_factory=list)
    benefit_codes: list[str] = field(default_factory=list)


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        raise X12Error("an EB amount is not a number") from None


def _benefit(b: Benefits, eb: Segment) -> None:
    code, period = element(eb, 1), element(eb, 6)
    amount, percent = _amount(element(eb, 7)), _amount(element(eb, 8))
    b.benefit_codes.append(code)
    if code == "1":
        b.coverage_active = True
        b.plan_description = element(eb, 5) or b.plan_description
    elif code in ("6", "7", "8"):  # inactive, inactive pending, inactive pending investigation
        b.coverage_active = False
    elif code == "B" and amount is not None:
        b.copay_amount = amount
    elif code == "A" and percent is not None:
        b.coinsurance_percent = (percent * 100).quantize(Decimal("0.01"))
    elif code == "C" and amount is not None and period == "29":
        b.deductible_remaining = amount
    elif code == "G" and amount is not None and period == "29":
        b.out_of_pocket_remaining = amount
    elif code == "F" and element(eb, 9) == "VS" and element(eb, 10):
        visits = int(Decimal(element(eb, 10)))
        if period == "29":
            b.sessions_remaining = visits
        else:
            b.sessions_allowed = visits
    if element(eb, 11) in ("Y", "N"):
        b.preauthorization_required = element(eb, 11) == "Y"
    if element(eb, 12) in ("Y", "N"):
        b.in_network = element(eb, 12) == "Y"


def parse_271(text: str) -> list[Benefits]:
    """One ``Benefits`` per subscriber answered; a document that is not a 271 is an X12Error."""
    segments, _ = tokenize(text)
    out: list[Benefits] = []
    sets = transactions(segments)
    if not sets:
        raise X12Error("no transaction set in the document")
    for ts in sets:
        if element(ts[0], 1) != "271":
            raise X12Error("not a 271 eligibility response")
        payer_id: str | None = None
        current: Benefits | None = None
        pending_errors: list[str] = []
        for seg in ts[1:]:
            sid = seg[0]
            if sid == "NM1" and element(seg, 1) == "PR":
                payer_id = element(seg, 9) or None
            elif sid == "TRN" and element(seg, 1) == "2":
                current = Benefits(trace=element(seg, 2), payer_id=payer_id, member_id=None)
                current.error_codes.extend(pending_errors)
                out.append(current)
            elif sid == "NM1" and element(seg, 1) == "IL" and current is not None:
                current.member_id = element(seg, 9) or None
            elif sid == "EB" and current is not None:
                _benefit(current, seg)
            elif sid == "AAA":
                code = element(seg, 3)
                (current.error_codes if current is not None else pending_errors).append(code)
            elif sid == "DTP" and element(seg, 3) and element(seg, 2) == "D8":
                d8(element(seg, 3))  # a malformed date makes the document unreadable
    if not out:
        raise X12Error("the 271 answers no inquiry (no TRN*2 trace)")
    return out
