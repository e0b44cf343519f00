"""Clinicians' feedback (issue #18 item 6): the missed-risk report, and feedback as an evaluation
set and training rows, read for consented people only and never written out in clear."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import stat
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from evals.feedback import SUITE_FALSE_POSITIVE, SUITE_MISSED, read_feedback, training_rows
from evals.feedback_rows import write_rows
from hp_agent.chat.models import ChatMessage, ChatSession, MessageRole
from hp_agent.compliance.models import AuditLog
from hp_agent.crisis.models import CrisisEscalation, MissedRiskReport
from hp_agent.db.session import Database, Principal
from hp_agent.users.models import ConsentType, UserConsent, UserRole
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.escalation.conftest import bearer, link, make_user, patient_principal, token_for
from tests.escalation.test_escalation_access import chat_detection

REPO_FILE = Path(__file__).resolve().parent / "rows.jsonl"
MISSED_TEXT = "been putting my nan's old prescriptions in a shoebox, nearly a full one now"


async def conversation(db: Database, patient: uuid.UUID) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A user message, an agent reply, then the message the engine under-reads."""
    async with db.unit_of_work(patient_principal(patient)) as s:
        chat = ChatSession(id=uuid.uuid4(), user_id=patient)
        s.add(chat)
        await s.flush()
        rows = [
            (MessageRole.USER, "not a great week tbh"),
            (MessageRole.AGENT, "I'm sorry to hear that. What's been happening?"),
            (MessageRole.USER, MISSED_TEXT),
        ]
        msgs = [
            ChatMessage(id=uuid.uuid4(), session_id=chat.id, user_id=patient, seq=i + 1, role=r, content=t)
            for i, (r, t) in enumerate(rows)
        ]
        s.add_all(msgs)
        return chat.id, [m.id for m in msgs]


async def grant_research(db: Database, user: uuid.UUID) -> None:
    async with db.unit_of_work(SYSTEM) as s:
        s.add(
            UserConsent(
                user_id=user,
                consent_type=ConsentType.research,
                granted=True,
                policy_version="2026-01",
                granted_at=dt.datetime.now(dt.UTC),
            )
        )


async def test_missed_risk_report_is_checked_audited_and_kept_without_text(
    esc_server: LiveServer, live_db: Database
) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    other = await make_user(live_db, UserRole.therapist, prefix="ot")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    rel_id = await link(live_db, patient, therapist)  # chat not shared yet
    chat_id, msg_ids = await conversation(live_db, patient)
    t_token = await token_for(esc_server.http_url, therapist, live_db)
    o_token = await token_for(esc_server.http_url, other, live_db)
    p_token = await token_for(esc_server.http_url, patient, live_db)
    url = f"/v1/patients/{patient}/missed-risk"
    body = {
        "chat_session_id": str(chat_id),
        "seq": 3,
        "expected_level": "high",
        "categories": ["plan_or_means"],
    }
    async with (
        httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(t_token)) as t,
        httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(o_token)) as o,
        httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(p_token)) as p,
    ):
        assert (await o.post(url, json=body)).status_code == 404  # not their patient
        assert (await p.post(url, json=body)).status_code == 403  # patients cannot report
        r = await t.post(url, json=body)
        assert r.status_code == 403, r.text  # may not read the chat
        r = await p.put(f"/v1/care/relationships/{rel_id}/consent", json={"share_chat": True})
        assert r.status_code == 200, r.text

        for bad in (
            {**body, "expected_level": "low"},  # a miss is a message that needed the crisis flow
            {**body, "comment": "she said she is collecting them"},  # no free text
            {**body, "categories": []},
            {**body, "categories": ["sadness"]},
            {**body, "seq": 0},
            {**body, "seq": 2**63},  # beyond the column's range: refused, not a database error
        ):
            assert (await t.post(url, json=bad)).status_code == 422, bad
        assert (await t.post(url, json={**body, "seq": 2})).status_code == 409  # the agent's reply
        assert (await t.post(url, json={**body, "seq": 99})).status_code == 404
        assert (await t.post(url, json={**body, "chat_session_id": str(uuid.uuid4())})).status_code == 404

        r = await t.post(url, json=body)
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["chat_message_id"] == str(msg_ids[2])
        assert out["expected_level"] == "high"
        assert out["engine_level"] is None
        assert out["categories"] == ["plan_or_means"]
        assert (await t.post(url, json=body)).status_code == 409  # once per clinician and message

    async with live_db.unit_of_work(SYSTEM) as s:
        audit = (
            await s.execute(
                select(AuditLog).where(
                    AuditLog.action == "crisis.feedback.missed_risk", AuditLog.subject_id == msg_ids[2]
                )
            )
        ).scalar_one()
        assert audit.actor_id == therapist
        assert "prescriptions" not in json.dumps(audit.details)
    # Row-level security: the reporting clinician and the person see it, another clinician not.
    for principal, seen in (
        (Principal(therapist, "therapist"), 1),
        (Principal(patient, "patient"), 1),
        (Principal(other, "therapist"), 0),
    ):
        async with live_db.unit_of_work(principal) as s:
            rows = (
                await s.execute(select(MissedRiskReport).where(MissedRiskReport.user_id == patient))
            ).scalars()
            assert len(list(rows)) == seen, principal


async def test_feedback_becomes_an_evaluation_set_for_consented_people_only(
    esc_server: LiveServer, live_db: Database, settings: object, tmp_path: Path
) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    t_token = await token_for(esc_server.http_url, therapist, live_db)
    ids: dict[str, dict[str, uuid.UUID]] = {}
    for who, consent in (("consented", True), ("not_consented", False)):
        patient = await make_user(live_db, UserRole.patient, prefix="pt")
        await link(live_db, patient, therapist, chat=True)
        if consent:
            await grant_research(live_db, patient)
        eid, fp_msg = await chat_detection(live_db, patient)
        chat_id, msg_ids = await conversation(live_db, patient)
        async with httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(t_token)) as t:
            r = await t.post(
                f"/v1/escalations/{eid}/false-positive",
                json={"reasons": ["clinically_assessed_low_risk"]},
            )
            assert r.status_code == 200, r.text
            r = await t.post(
                f"/v1/patients/{patient}/missed-risk",
                json={"chat_session_id": str(chat_id), "seq": 3, "expected_level": "moderate",
                      "categories": ["plan_or_means", "suicidal_ideation"]},
            )  # fmt: skip
            assert r.status_code == 201, r.text
        async with live_db.unit_of_work(SYSTEM) as s:
            detection = (await s.get(CrisisEscalation, eid)).detection_id  # type: ignore[union-attr]
        ids[who] = {"detection": detection, "fp_msg": fp_msg, "missed_msg": msg_ids[2]}

    async with live_db.unit_of_work(SYSTEM) as s:
        records = {r.id: r for r in await read_feedback(s)}
    fp = records[f"false_positive:{ids['consented']['detection']}"]
    assert (fp.kind, fp.text, fp.conversation) == (
        SUITE_FALSE_POSITIVE,
        "I want to kill myself",
        ("hi", "rough week"),
    )
    assert (fp.min_level.value, fp.max_level.value, fp.low_risk) == ("none", "low", True)
    missed = records[f"missed_risk:{ids['consented']['missed_msg']}"]
    assert (missed.kind, missed.text, missed.conversation) == (
        SUITE_MISSED,
        MISSED_TEXT,
        ("not a great week tbh",),
    )
    assert (missed.min_level.value, missed.max_level.value) == ("moderate", "imminent")
    assert {c.value for c in missed.categories} == {"plan_or_means", "suicidal_ideation"}
    assert f"false_positive:{ids['not_consented']['detection']}" not in records
    assert f"missed_risk:{ids['not_consented']['missed_msg']}" not in records

    # The command end to end: read from the database, assessed, reported without any text.
    from evals import cli

    out = tmp_path / "report"
    database_url = settings.database_url  # type: ignore[attr-defined]
    argv = ["crisis", "--dataset", "feedback", "--database-url", database_url, "--out", str(out),
            "--systems", "keyword_only"]  # fmt: skip
    assert await asyncio.to_thread(cli.main, argv) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["dataset"]["n_items"] >= 2
    assert {SUITE_FALSE_POSITIVE, SUITE_MISSED} <= set(report["dataset"]["suites"])
    assert report["systems"]["keyword_only"]["suites"][SUITE_FALSE_POSITIVE]["n"] >= 1
    for path in out.iterdir():
        if path.suffix in (".json", ".md", ".html"):
            written = path.read_text()
            assert "kill myself" not in written, path.name
            assert "prescriptions" not in written, path.name

    # Training rows: the schema of the training data, written owner-only outside the repository.
    rows = training_rows([fp, missed])
    assert rows == [
        {"text": "I want to kill myself", "level": "low", "categories": [], "kind": "hard_negative",
         "tag": "clinician_false_positive"},
        {"text": MISSED_TEXT, "level": "moderate", "categories": ["plan_or_means", "suicidal_ideation"],
         "kind": "crisis", "tag": "clinician_missed_risk"},
    ]  # fmt: skip
    target = tmp_path / "rows.jsonl"
    write_rows(rows, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [json.loads(x) for x in target.read_text().splitlines()] == rows
    with pytest.raises(ValueError, match="inside the repository"):
        write_rows(rows, REPO_FILE)
