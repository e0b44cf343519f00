"""Insurance end to end over the API: a policy verified by a 270/271 round trip, a claim built from
a completed session and submitted as a pyx12-valid 837P, an 835 posted to that claim and the
patient's share shown to the patient; and the bad inputs refused with nothing changed."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.billing.clearinghouse import FileDrop
from hp_agent.billing.models import InsuranceClaim, InsuranceClaimPayment, InsuranceRemittance, Invoice
from hp_agent.billing.x12.check import problems
from hp_agent.compliance.models import DataAccessLog
from hp_agent.db.session import Database
from tests.insurance.world import CLINICIAN_NPI, World, build, diagnose, sample, session


async def _count(owner_db: AsyncSession, model: Any, *where: Any) -> int:
    return int((await owner_db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def _claim(client: httpx.AsyncClient, w: World, therapy_session_id: str) -> httpx.Response:
    return await client.post(
        "/v1/insurance/claims", json={"therapy_session_id": therapy_session_id}, headers=w.doc.headers
    )


def _outbox(house: FileDrop, kind: str) -> list[str]:
    return [p.read_text() for p in sorted(house.outbox.iterdir()) if p.name.startswith(kind + "_")]


async def test_eligibility_round_trip_270_out_271_in(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, house: FileDrop
) -> None:
    w = await build(client, app_db, owner_db)
    r = await client.post(f"/v1/insurance/policies/{w.policy_id}/eligibility", headers=w.pat.headers)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "pending"
    [inquiry] = _outbox(house, "270")
    assert problems(inquiry) == []
    assert "NM1*IL*1*DOE*JANE****MI*XYZ123456789~" in inquiry
    trace = next(line for line in inquiry.splitlines() if line.startswith("TRN*1*")).split("*")[2]

    # The clearing house answers in the inbox; an admin reads it now (the worker would too).
    answer = sample("sample_271.x12", TRACE=trace)
    assert problems(answer) == []
    (house.inbox / "answer.271").write_text(answer)
    r = await client.post("/v1/insurance/clearinghouse/poll", headers=w.admin)
    assert r.status_code == 200, r.text
    assert r.json()["processed"] == 1
    assert r.json()["quarantined"] == 0
    assert (house.done_dir / "answer.271").exists()
    assert not (house.inbox / "answer.271").exists()

    [check] = (
        await client.get(f"/v1/insurance/policies/{w.policy_id}/eligibility", headers=w.pat.headers)
    ).json()
    assert check["status"] == "eligible"
    assert check["coverage_active"] is True
    assert check["in_network"] is True
    assert Decimal(check["copay_amount"]) == 30
    assert Decimal(check["coinsurance_percent"]) == 20
    assert Decimal(check["deductible_remaining"]) == 250
    assert check["sessions_allowed"] == 20
    assert check["sessions_used"] == 6
    [policy] = (await client.get("/v1/me/insurance/policies", headers=w.pat.headers)).json()
    assert policy["status"] == "active"
    assert policy["last_verified_at"] is not None
    assert policy["member_id_last4"] == "6789"

    # The same answer again answers nothing new: quarantined, the check unchanged.
    (house.inbox / "again.271").write_text(answer)
    r = await client.post("/v1/insurance/clearinghouse/poll", headers=w.admin)
    assert r.json()["quarantined"] == 1
    assert "inquiry_answered" in (house.quarantine_dir / "again.271.error.txt").read_text()


async def test_claim_837p_valid_and_835_posts_to_the_claim_and_the_patient_sees_their_share(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, house: FileDrop
) -> None:
    w = await build(client, app_db, owner_db)
    await diagnose(client, w, "F32.1")
    await diagnose(client, w, "F41.1")
    ts = await session(client, w, minutes=50)
    r = await _claim(client, w, ts["id"])
    assert r.status_code == 201, r.text
    claim = r.json()
    assert claim["status"] == "ready"
    assert claim["diagnosis_codes"] == ["F32.1", "F41.1"]
    assert claim["place_of_service"] == "10"
    assert Decimal(claim["total_charge"]) == 150
    [line] = claim["lines"]
    assert line["cpt_code"] == "90834"
    assert line["modifiers"] == ["95"]
    # Reading the diagnoses to bill them is in the patient's access log.
    assert (
        await _count(
            owner_db, DataAccessLog, DataAccessLog.user_id == w.pat.id, DataAccessLog.reason == "billing"
        )
        == 1
    )

    r = await client.post(f"/v1/insurance/claims/{claim['id']}/submit", headers=w.doc.headers)
    assert r.status_code == 403  # submitting is the billing office's
    r = await client.post(f"/v1/insurance/claims/{claim['id']}/submit", headers=w.admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted"
    assert r.json()["submitted_at"]
    [x837] = _outbox(house, "837")
    assert problems(x837) == []
    assert f"CLM*{claim['claim_number']}*150***10:B:1*Y*A*Y*Y~" in x837
    assert "HI*ABK:F321*ABF:F411~" in x837
    assert "SV1*HC:90834:95*150*UN*1***1:2~" in x837
    assert f"NM1*82*1*SMITH*ALEX****XX*{CLINICIAN_NPI}~" in x837
    r = await client.post(f"/v1/insurance/claims/{claim['id']}/submit", headers=w.admin)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "claim_not_ready"
    assert len(_outbox(house, "837")) == 1

    dos = dt.date.fromisoformat(ts["started_at"][:10]).strftime("%Y%m%d")
    remit = sample("sample_835.x12", CLAIM=claim["claim_number"], DOS=dos)
    assert problems(remit) == []
    r = await client.post("/v1/insurance/remittances", content=remit, headers=w.pat.headers)
    assert r.status_code == 403
    r = await client.post("/v1/insurance/remittances", content=remit, headers=w.admin)
    assert r.status_code == 201, r.text
    assert r.json()[0]["trace_number"] == "EFT20261220A"
    assert r.json()[0]["claims_count"] == 1

    posted = (await client.get(f"/v1/insurance/claims/{claim['id']}", headers=w.admin)).json()
    assert posted["status"] == "paid"
    assert Decimal(posted["paid_amount"]) == 110
    assert Decimal(posted["patient_responsibility"]) == 30
    assert Decimal(posted["allowed_amount"]) == 140
    assert posted["payer_claim_number"] == "ACME2026120100042"
    assert posted["adjustment_reason_codes"] == ["CO-45", "PR-3"]
    assert posted["lines"][0]["status"] == "adjusted"
    assert Decimal(posted["lines"][0]["paid_amount"]) == 110

    [statement] = (await client.get("/v1/me/insurance/statements", headers=w.pat.headers)).json()
    assert statement["status"] == "open"
    assert Decimal(statement["amount_due"]) == 30
    assert [(i["kind"], Decimal(i["amount"])) for i in statement["items"]] == [("copay", Decimal(30))]
    assert statement["items"][0]["claim_id"] == claim["id"]
    # Nobody else sees it.
    assert (await client.get("/v1/me/insurance/statements", headers=w.doc.headers)).json() == []

    # The same 835 again: refused, nothing posted twice.
    r = await client.post("/v1/insurance/remittances", content=remit, headers=w.admin)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "remittance_duplicate"
    assert (
        await _count(
            owner_db, InsuranceClaimPayment, InsuranceClaimPayment.claim_id == uuid.UUID(claim["id"])
        )
        == 1
    )
    # A resent copy (new envelope numbers, so new bytes) of the same payment: refused by its trace.
    resent = remit.replace("000000777", "000000778").replace("*777*", "*778*").replace("GE*1*777", "GE*1*778")
    assert resent != remit
    r = await client.post("/v1/insurance/remittances", content=resent, headers=w.admin)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "remittance_duplicate"
    assert await _count(owner_db, Invoice, Invoice.user_id == w.pat.id) == 1

    listed = (await client.get("/v1/insurance/claims?status=paid", headers=w.admin)).json()
    assert [c["id"] for c in listed] == [claim["id"]]
    assert listed[0]["payer_name"] == "Acme Health Plan"


async def test_claim_refusals_change_nothing(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    w = await build(client, app_db, owner_db)
    done = await session(client, w, minutes=45)
    r = await _claim(client, w, done["id"])
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "claim_needs_diagnosis"
    assert await _count(owner_db, InsuranceClaim, InsuranceClaim.patient_id == w.pat.id) == 0
    assert (
        await _count(
            owner_db, DataAccessLog, DataAccessLog.user_id == w.pat.id, DataAccessLog.reason == "billing"
        )
        == 0
    )

    await diagnose(client, w)
    short = await session(
        client, w, minutes=10, started_at=(dt.datetime.now(dt.UTC) - dt.timedelta(days=5)).isoformat()
    )
    later = await session(
        client, w, status="scheduled", started_at=None, scheduled_start=dt.datetime.now(dt.UTC).isoformat()
    )
    r = await _claim(client, w, later["id"])
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "session_not_completed"
    r = await _claim(client, w, short["id"])
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "session_too_short"

    r = await _claim(client, w, done["id"])
    assert r.status_code == 201, r.text
    assert r.json()["lines"][0]["cpt_code"] == "90834"
    r = await _claim(client, w, done["id"])
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "claim_exists"
    r = await client.post(
        "/v1/insurance/claims", json={"therapy_session_id": done["id"]}, headers=w.pat.headers
    )
    assert r.status_code == 403  # the patient does not bill their own sessions
    assert await _count(owner_db, InsuranceClaim, InsuranceClaim.patient_id == w.pat.id) == 1


async def test_835_for_an_unknown_claim_posts_nothing(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, house: FileDrop
) -> None:
    w = await build(client, app_db, owner_db)
    await diagnose(client, w)
    ts = await session(client, w)
    claim = (await _claim(client, w, ts["id"])).json()
    assert (
        await client.post(f"/v1/insurance/claims/{claim['id']}/submit", headers=w.admin)
    ).status_code == 200
    dos = dt.date.fromisoformat(ts["started_at"][:10]).strftime("%Y%m%d")
    good = sample("sample_835.x12", CLAIM=claim["claim_number"], DOS=dos)
    # A second CLP for a claim we never sent, in the same payment: the whole document is refused.
    clp = good[good.index("LX*1~") : good.index("\nSE*") + 1]
    extra = clp.replace(claim["claim_number"], "HPNOSUCHCLAIM").replace("LX*1~", "LX*2~")
    bad = good.replace("SE*19*", "SE*27*").replace(clp, clp + extra).replace("BPR*I*110*", "BPR*I*220*")
    assert problems(bad) == []
    r = await client.post("/v1/insurance/remittances", content=bad, headers=w.admin)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_claim"
    assert await _count(owner_db, InsuranceRemittance) == 0
    after = (await client.get(f"/v1/insurance/claims/{claim['id']}", headers=w.admin)).json()
    assert after["status"] == "submitted"
    assert Decimal(after["paid_amount"]) == 0
    assert (await client.get("/v1/me/insurance/statements", headers=w.pat.headers)).json() == []

    # From the inbox the same document is quarantined with the reason; a garbled file too.
    (house.inbox / "remit.835").write_text(bad)
    (house.inbox / "garbled.835").write_text("this is not X12")
    r = await client.post("/v1/insurance/clearinghouse/poll", headers=w.admin)
    assert r.json()["quarantined"] == 2
    assert r.json()["processed"] == 0
    assert "unknown_claim" in (house.quarantine_dir / "remit.835.error.txt").read_text()
    assert "HPNOSUCHCLAIM" not in (house.quarantine_dir / "remit.835.error.txt").read_text()
    assert (house.quarantine_dir / "garbled.835.error.txt").exists()
    assert await _count(owner_db, InsuranceRemittance) == 0

    # The good one from the inbox posts and moves to done.
    (house.inbox / "good.835").write_text(good)
    r = await client.post("/v1/insurance/clearinghouse/poll", headers=w.admin)
    assert r.json()["processed"] == 1, r.json()
    assert (house.done_dir / "good.835").exists()
    assert (await client.get(f"/v1/insurance/claims/{claim['id']}", headers=w.admin)).json()[
        "status"
    ] == "paid"


async def test_policies_are_their_holders_and_admins(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    w = await build(client, app_db, owner_db)
    r = await client.get(f"/v1/insurance/policies?user_id={w.pat.id}", headers=w.doc.headers)
    assert r.status_code == 403
    r = await client.get(f"/v1/insurance/policies?user_id={w.pat.id}", headers=w.admin)
    assert [p["id"] for p in r.json()] == [w.policy_id]
    r = await client.post(f"/v1/insurance/policies/{w.policy_id}/eligibility", headers=w.doc.headers)
    assert r.status_code == 404
    r = await client.post(
        "/v1/insurance/payers", json={"name": "X", "payer_code": "XX1"}, headers=w.pat.headers
    )
    assert r.status_code == 403


async def test_the_worker_job_posts_the_inbox_as_the_system_actor(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, house: FileDrop
) -> None:
    """What the worker's periodic job runs: the inbox read with the worker's role (the new
    remittance tables give the system actor to that role only)."""
    from hp_agent.billing import inbound
    from hp_agent.billing.settings import BillingSettings

    w = await build(client, app_db, owner_db)
    await diagnose(client, w)
    ts = await session(client, w, minutes=60)
    claim = (await _claim(client, w, ts["id"])).json()
    assert claim["lines"][0]["cpt_code"] == "90837"
    assert (
        await client.post(f"/v1/insurance/claims/{claim['id']}/submit", headers=w.admin)
    ).status_code == 200
    dos = dt.date.fromisoformat(ts["started_at"][:10]).strftime("%Y%m%d")
    remit = sample("sample_835.x12", CLAIM=claim["claim_number"], DOS=dos)
    # The fee for 90837 is 200: the payer allowed 190 (CO-45 10), paid 160, the patient owes 30.
    remit = remit.replace("*150*110*30*12*", "*200*160*30*12*").replace("BPR*I*110*", "BPR*I*160*")
    remit = remit.replace("SVC*HC:90834:95*150*110**1~", "SVC*HC:90837:95*200*160**1~").replace(
        "AMT*B6*140", "AMT*B6*190"
    )
    (house.inbox / "remit.835").write_text(remit)
    report = await inbound.process_inbox(app_db, house, BillingSettings())
    assert (report.processed, report.quarantined) == (1, 0)
    posted = (await client.get(f"/v1/insurance/claims/{claim['id']}", headers=w.admin)).json()
    assert posted["status"] == "paid"
    assert Decimal(posted["paid_amount"]) == 160
    [statement] = (await client.get("/v1/me/insurance/statements", headers=w.pat.headers)).json()
    assert Decimal(statement["amount_due"]) == 30


async def test_a_rejected_claim_is_corrected_and_sent_again(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, house: FileDrop
) -> None:
    w = await build(client, app_db, owner_db)
    await diagnose(client, w)
    claim = (await _claim(client, w, (await session(client, w, minutes=30))["id"])).json()
    assert claim["lines"][0]["cpt_code"] == "90832"
    url = f"/v1/insurance/claims/{claim['id']}"
    r = await client.post(url + "/status", json={"status": "accepted"}, headers=w.admin)
    assert r.status_code == 409  # not submitted yet
    assert r.json()["error"]["code"] == "claim_transition_refused"
    assert (await client.post(url + "/submit", headers=w.admin)).status_code == 200
    first_icn = (await client.get(url, headers=w.admin)).json()["clearinghouse_claim_id"]
    r = await client.post(url + "/status", json={"status": "rejected"}, headers=w.admin)
    assert r.json()["status"] == "rejected"
    r = await client.post(url + "/status", json={"status": "ready"}, headers=w.admin)
    assert r.json()["status"] == "ready"
    assert r.json()["submitted_at"] is None
    r = await client.post(url + "/submit", headers=w.admin)
    assert r.json()["status"] == "submitted"
    assert r.json()["clearinghouse_claim_id"] != first_icn
    sent = _outbox(house, "837")
    assert len(sent) == 2
    assert all(problems(doc) == [] for doc in sent)
    r = await client.post(url + "/status", json={"status": "paid"}, headers=w.admin)
    assert r.status_code == 422  # paid follows an 835, never a click


async def test_a_newly_verified_policy_replaces_the_active_one(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, house: FileDrop
) -> None:
    from tests.insurance.world import policy_body

    w = await build(client, app_db, owner_db)
    r = await client.post(
        "/v1/insurance/policies", json=policy_body(w.payer_id, member_id="NEW0002"), headers=w.pat.headers
    )
    second = r.json()["id"]
    for n, policy_id in enumerate((w.policy_id, second)):
        r = await client.post(f"/v1/insurance/policies/{policy_id}/eligibility", headers=w.admin)
        assert r.status_code == 202, r.text
        inquiry = (
            _outbox(house, "270")[-1] if n == 0 else next(d for d in _outbox(house, "270") if "NEW0002" in d)
        )
        trace = next(line for line in inquiry.splitlines() if line.startswith("TRN*1*")).split("*")[2]
        (house.inbox / f"answer{n}.271").write_text(sample("sample_271.x12", TRACE=trace))
        r = await client.post("/v1/insurance/clearinghouse/poll", headers=w.admin)
        assert r.json()["processed"] == 1, r.json()
    mine = {
        p["id"]: p["status"]
        for p in (await client.get("/v1/me/insurance/policies", headers=w.pat.headers)).json()
    }
    assert mine == {w.policy_id: "inactive", second: "active"}
