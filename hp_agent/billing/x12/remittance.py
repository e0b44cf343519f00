"""The 835 health care claim payment/advice (005010X221A1), read into claim payments.

Each CLP is one claim the payer adjudicated, named by our claim number (CLP01); its CAS
adjustments say why the payment differs from the charge (group CO contractual, PR patient
responsibility, OA other, PI payer initiated), and the SVC lines repeat that per service.
The reader checks the arithmetic the guide requires (the BPR total is the sum of the claim
payments less provider adjustments), so a document that does not add up is refused whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from hp_agent.billing.x12.segments import COMPONENT, X12Error, d8, element, tokenize, transactions

VERSION = "005010X221A1"
# CLP02 claim status codes that mean the claim was processed (paid in some measure) by this
# payer; 4 is a denial and 22 a reversal of an earlier payment.
PROCESSED = {"1", "2", "3", "19", "20", "21"}
DENIED = "4"
REVERSAL = "22"


@dataclass(frozen=True)
class Adjustment:
    group: str  # CO, PR, OA, PI, CR
    reason: str  # CARC code
    amount: Decimal

    def code(self) -> str:
        return f"{self.group}-{self.reason}"


@dataclass
class ServicePayment:
    cpt_code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    units: int
    allowed: Decimal | None = None
    service_date: dt.date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)


@dataclass
class ClaimPayment:
    claim_number: str
    status_code: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_claim_number: str | None
    adjustments: list[Adjustment] = field(default_factory=list)
    services: list[ServicePayment] = field(default_factory=list)

    def all_adjustments(self) -> list[Adjustment]:
        return [*self.adjustments, *(a for s in self.services for a in s.adjustments)]


@dataclass
class Remittance:
    trace_number: str  # TRN02: the check or EFT number
    total_paid: Decimal  # BPR02
    payment_method: str  # BPR04: ACH, CHK, NON
    payment_date: dt.date | None
    payer_name: str | None
    payer_id: str | None
    payee_npi: str | None
    claims: list[ClaimPayment] = field(default_factory=list)
    provider_adjustment_total: Decimal = Decimal(0)


def _dec(value: str) -> Decimal:
    try:
        return Decimal(value) if value else Decimal(0)
    except InvalidOperation:
        raise X12Error("an amount is not a number") from None


def _cas(seg: list[str]) -> list[Adjustment]:
    # CAS01 group, then up to six (reason, amount, quantity) triples.
    group = element(seg, 1)
    out = []
    for i in range(2, len(seg), 3):
        reason = element(seg, i)
        if reason:
            out.append(Adjustment(group, reason, _dec(element(seg, i + 1))))
    return out


def parse_835(text: str) -> list[Remittance]:
    segments, seps = tokenize(text)
    sets = transactions(segments)
    if not sets:
        raise X12Error("no transaction set in the document")
    return [_one(ts, seps.component) for ts in sets]


def _one(ts: list[list[str]], component: str) -> Remittance:
    if element(ts[0], 1) != "835":
        raise X12Error("not an 835 remittance advice")
    rem: Remittance | None = None
    entity: str | None = None
    claim: ClaimPayment | None = None
    service: ServicePayment | None = None
    bpr: list[str] | None = None
    for seg in ts[1:]:
        sid = seg[0]
        if sid == "BPR":
            bpr = seg
            rem = Remittance(
                trace_number="",
                total_paid=_dec(element(seg, 2)),
                payment_method=element(seg, 4),
                payment_date=d8(element(seg, 16)) if element(seg, 16) else None,
                payer_name=None,
                payer_id=None,
                payee_npi=None,
            )
            continue
        if rem is None:
            continue
        if sid == "TRN" and element(seg, 1) == "1":
            rem.trace_number = element(seg, 2)
        elif sid == "N1":
            entity = element(seg, 1)
            if entity == "PR":
                rem.payer_name = element(seg, 2) or None
                if element(seg, 3) == "XV":
                    rem.payer_id = element(seg, 4) or None
            elif entity == "PE" and element(seg, 3) == "XX":
                rem.payee_npi = element(seg, 4) or None
        elif sid == "REF" and entity == "PR" and element(seg, 1) == "2U" and claim is None:
            rem.payer_id = element(seg, 2) or rem.payer_id
        elif sid == "CLP":
            service = None
            claim = ClaimPayment(
                claim_number=element(seg, 1),
                status_code=element(seg, 2),
                charge=_dec(element(seg, 3)),
                paid=_dec(element(seg, 4)),
                patient_responsibility=_dec(element(seg, 5)),
                payer_claim_number=element(seg, 7) or None,
            )
            rem.claims.append(claim)
        elif sid == "SVC" and claim is not None:
            proc = element(seg, 1).split(component)
            if len(proc) < 2 or proc[0] not in ("HC", "AD"):
                raise X12Error("an SVC procedure is not a CPT/HCPCS code")
            service = ServicePayment(
                cpt_code=proc[1],
                modifiers=tuple(m for m in proc[2:6] if m),
                charge=_dec(element(seg, 2)),
                paid=_dec(element(seg, 3)),
                units=int(_dec(element(seg, 5) or "1")),
            )
            claim.services.append(service)
        elif sid == "CAS" and claim is not None:
            (service.adjustments if service is not None else claim.adjustments).extend(_cas(seg))
        elif sid == "AMT" and service is not None and element(seg, 1) == "B6":
            service.allowed = _dec(element(seg, 2))
        elif sid == "DTM" and service is not None and element(seg, 1) == "472":
            service.service_date = d8(element(seg, 2))
        elif sid == "PLB":
            # Provider-level adjustments: amounts in PLB04, 06, ... (positive reduces the payment).
            rem.provider_adjustment_total += sum(
                (_dec(element(seg, i)) for i in range(4, len(seg), 2)), Decimal(0)
            )
    if rem is None or bpr is None:
        raise X12Error("the 835 has no BPR payment segment")
    if not rem.trace_number:
        raise X12Error("the 835 has no TRN reassociation trace")
    _check_balances(rem)
    return rem


def _check_balances(rem: Remittance) -> None:
    paid = sum((c.paid for c in rem.claims), Decimal(0))
    if paid - rem.provider_adjustment_total != rem.total_paid:
        raise X12Error("BPR02 is not the sum of the claim payments less provider adjustments")
    for c in rem.claims:
        adjusted = sum((a.amount for a in c.all_adjustments()), Decimal(0))
        if c.status_code != REVERSAL and c.charge - adjusted != c.paid:
            raise X12Error("a CLP's charge less its adjustments is not its payment")
        pr = sum((a.amount for a in c.all_adjustments() if a.group == "PR"), Decimal(0))
        if pr != c.patient_responsibility:
            raise X12Error("a CLP's patient responsibility is not the sum of its PR adjustments")
        for s in c.services:
            s_adj = sum((a.amount for a in s.adjustments), Decimal(0))
            if s.charge - s_adj != s.paid:
                raise X12Error("an SVC's charge less its adjustments is not its payment")


def procedure_key(cpt: str, modifiers: tuple[str, ...]) -> str:
    return COMPONENT.join([cpt, *modifiers])
