"""The X12 writers and readers on their own: what pyx12 accepts and refuses, the balance checks of
the 835 reader, 271 rejections, other separators, and the CPT code a session gets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from hp_agent.billing import codes
from hp_agent.billing.x12 import claim837, eligibility, remittance
from hp_agent.billing.x12.check import problems
from hp_agent.billing.x12.segments import Envelope, X12Error, serialize, tokenize
from hp_agent.scheduling.models import AppointmentCategory
from hp_agent.therapy.models import SessionModality
from tests.insurance.world import sample

WHEN = dt.datetime(2026, 12, 7, 15, 0)


def _claim(**over: object) -> claim837.Claim:
    addr = claim837.Address("1 Elm St", "Springfield", "IL", "62704")
    values: dict[str, object] = {
        "claim_number": "HP1A2B3C4D5E6",
        "total_charge": Decimal("200.00"),
        "place_of_service": "11",
        "diagnosis_codes": ("F43.10",),
        "lines": (claim837.ServiceLine("90837", Decimal("200.00"), dt.date(2026, 12, 1)),),
        "payer_name": "Acme Health Plan",
        "payer_id": "ACME1",
        "subscriber": claim837.Subscriber("XYZ1", "Doe", "Jane", dt.date(1990, 5, 17), "F", addr),
        "rendering": claim837.Provider("1245319599", "Smith", "Alex"),
    }
    values.update(over)
    return claim837.Claim(**values)  # type: ignore[arg-type]


BILLING = claim837.BillingProvider(
    "Happy Path Clinic",
    "1234567893",
    "123456789",
    claim837.Address("100 Main Street", "Springfield", "IL", "627010000"),
    "Billing Office",
    "2175550100",
)
ENV_837 = Envelope("HAPPYPATH", "CLEARHOUSE", 7, claim837.VERSION, "HC")


def test_an_in_person_837p_is_valid_and_a_broken_one_is_not() -> None:
    doc = serialize(claim837.build(_claim(), BILLING, ENV_837, "Clearing House", WHEN))
    assert problems(doc) == []
    assert "SV1*HC:90837*200*UN*1***1~" in doc
    # pyx12 is a real check: a place of service that is not a code, and a missing trailer count.
    assert problems(doc.replace("*11:B:1*", "*1X:B:1*")) != []
    assert problems(doc.replace("SE*", "SE*9")) != []


def test_claim_totals_and_diagnoses_are_checked_before_writing() -> None:
    with pytest.raises(X12Error, match="sum of its lines"):
        claim837.build(_claim(total_charge=Decimal("10")), BILLING, ENV_837, "CH", WHEN)
    with pytest.raises(X12Error, match="diagnosis"):
        claim837.build(_claim(diagnosis_codes=()), BILLING, ENV_837, "CH", WHEN)


def test_separators_never_leak_from_free_text() -> None:
    sub = claim837.Subscriber(
        "XYZ1",
        "O'Neil*~",
        "Ann:Marie",
        dt.date(1990, 5, 17),
        "F",
        claim837.Address("1 Elm St", "Springfield", "IL", "62704"),
    )
    doc = serialize(claim837.build(_claim(subscriber=sub), BILLING, ENV_837, "CH", WHEN))
    assert problems(doc) == []
    assert "NM1*IL*1*O'NEIL*ANN MARIE****MI*XYZ1~" in doc


def test_270_valid_and_271_read() -> None:
    q = eligibility.Inquiry(
        "E123", "Acme", "ACME1", "Clinic", "1234567893", "123456789", "XYZ1", "Doe", "Jane",
        dt.date(1990, 5, 17), "F", dt.date(2026, 12, 7),
    )  # fmt: skip
    doc = serialize(eligibility.build_270(q, Envelope("HP", "CH", 9, eligibility.VERSION, "HS"), WHEN))
    assert problems(doc) == []
    assert "EQ*A6~" in doc
    [b] = eligibility.parse_271(sample("sample_271.x12", TRACE="E123"))
    assert (b.trace, b.coverage_active, b.copay_amount, b.coinsurance_percent) == ("E123", True, 30, 20)
    assert (b.sessions_allowed, b.sessions_remaining, b.out_of_pocket_remaining) == (20, 14, 1800)


def test_271_rejection_codes() -> None:
    text = sample("sample_271.x12", TRACE="E9")
    lines = [ln for ln in text.splitlines() if not ln.startswith("EB*")]
    member = next(i for i, ln in enumerate(lines) if ln.startswith("NM1*IL*"))
    lines.insert(member + 1, "AAA*Y**75*C~")  # subscriber not found
    count = sum(1 for ln in lines if not ln.startswith(("ISA", "GS", "GE", "IEA")))
    rejected = "\n".join(ln if not ln.startswith("SE*") else f"SE*{count}*0001~" for ln in lines) + "\n"
    assert problems(rejected) == []
    [b] = eligibility.parse_271(rejected)
    assert b.error_codes == ["75"]
    assert b.coverage_active is None


def test_835_read_and_its_balances_enforced() -> None:
    text = sample("sample_835.x12", CLAIM="HP1", DOS="20261201")
    [r] = remittance.parse_835(text)
    [c] = r.claims
    assert (r.trace_number, r.total_paid, r.payer_id, r.payee_npi) == (
        "EFT20261220A",
        110,
        "ACME1",
        "1234567893",
    )
    assert (c.claim_number, c.paid, c.patient_responsibility) == ("HP1", 110, 30)
    assert [a.code() for a in c.all_adjustments()] == ["CO-45", "PR-3"]
    with pytest.raises(X12Error, match="BPR02"):
        remittance.parse_835(text.replace("BPR*I*110*", "BPR*I*120*"))
    with pytest.raises(X12Error, match="patient responsibility"):
        remittance.parse_835(text.replace("*150*110*30*12*", "*150*110*25*12*"))
    with pytest.raises(X12Error, match="charge less its adjustments"):
        remittance.parse_835(text.replace("CAS*CO*45*10~", "CAS*CO*45*15~"))


def test_other_separators_are_read_from_the_isa() -> None:
    text = sample("sample_835.x12", CLAIM="HP1", DOS="20261201")
    other = text.replace("*", "|").replace("~\n", "\n").replace("HC:90834:95", "HC>90834>95")
    other = other.replace("|T|:\n", "|T|>\n", 1)
    _, seps = tokenize(other)
    assert (seps.element, seps.component, seps.terminator) == ("|", ">", "\n")
    [r] = remittance.parse_835(other)
    assert r.claims[0].services[0].modifiers == ("95",)
    with pytest.raises(X12Error):
        tokenize("not x12 at all")


@pytest.mark.parametrize(
    ("category", "minutes", "cpt"),
    [
        (AppointmentCategory.INDIVIDUAL_THERAPY, 16, "90832"),
        (AppointmentCategory.INDIVIDUAL_THERAPY, 37, "90832"),
        (AppointmentCategory.INDIVIDUAL_THERAPY, 38, "90834"),
        (AppointmentCategory.CHECK_IN, 52, "90834"),
        (AppointmentCategory.INDIVIDUAL_THERAPY, 53, "90837"),
        (AppointmentCategory.INTAKE, 90, "90791"),
        (AppointmentCategory.COUPLES_THERAPY, 50, "90847"),
        (AppointmentCategory.FAMILY_THERAPY, None, "90847"),
        (AppointmentCategory.GROUP_THERAPY, 90, "90853"),
    ],
)
def test_cpt_from_category_and_length(category: AppointmentCategory, minutes: int | None, cpt: str) -> None:
    assert codes.cpt_for(category, minutes) == cpt


def test_not_billable() -> None:
    with pytest.raises(codes.NotBillable):
        codes.cpt_for(AppointmentCategory.INDIVIDUAL_THERAPY, 15)
    with pytest.raises(codes.NotBillable):
        codes.cpt_for(AppointmentCategory.MEDICATION_MANAGEMENT, 30)
    assert codes.place_of_service(SessionModality.in_person) == ("11", ())
    assert codes.place_of_service(SessionModality.video) == ("10", ("95",))
    assert codes.place_of_service(SessionModality.audio) == ("10", ("93",))
    with pytest.raises(codes.NotBillable):
        codes.place_of_service(SessionModality.chat)


def test_a_document_sent_twice_in_one_second_keeps_both_files(tmp_path: Path) -> None:
    from hp_agent.billing.clearinghouse import FileDrop

    house = FileDrop(tmp_path / "clearinghouse")
    names = [house.send("837", "CLM-1", f"ISA*{n}~") for n in range(3)]
    assert len(set(names)) == 3
    assert sorted(p.read_text() for p in house.outbox.iterdir()) == ["ISA*0~", "ISA*1~", "ISA*2~"]
    assert not [p for p in house.outbox.iterdir() if p.name.startswith(".")]  # no temporary left
