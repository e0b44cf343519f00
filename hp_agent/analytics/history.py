"""A synthetic but realistic operating history, bulk-loaded with COPY (``scripts/generate_history.py``
and the analytics tests use this one code path).

People sign up over the period and engage with a personal propensity; clinicians in practices
treat about 70 % of them. Each active day brings a mood check-in, chat messages with agent
replies and sometimes a journal entry; patients in treatment take PHQ-9 and GAD-7 every two
weeks (most improve, some worsen) and get weekly homework. A few messages are detected as risky,
the elevated ones open escalations that are acknowledged (or miss their deadline and go to a
backup or on-call clinician) and reviewed as true or false positives.

Free text columns hold a handful of encrypted stock sentences: nothing here is about anyone.
The loader runs as the database owner inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from hp_agent.db.crypto import keyring

UTC = dt.UTC
LEVEL_WEIGHTS = {"low": 45, "moderate": 30, "high": 20, "imminent": 5}
SOURCES = {"chat_message": 75, "journal_entry": 20, "mood_note": 5}
ACK_DEADLINE = dt.timedelta(minutes=15)
AGENTS = ("cbt-coach", "supportive-listener", "dbt-skills")


@dataclass
class Plan:
    people: int = 1000
    days: int = 90
    end: dt.date = field(default_factory=lambda: dt.datetime.now(UTC).date() - dt.timedelta(days=1))
    seed: int = 20
    email_domain: str = "history.invalid"
    # Filled by ``generate``: the practices it made, and each clinician's practice.
    practices: list[uuid.UUID] = field(default_factory=list)
    clinician_practice: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    @property
    def start(self) -> dt.date:
        return self.end - dt.timedelta(days=self.days - 1)


def _at(day: dt.date, rng: random.Random, hour_lo: int = 7, hour_hi: int = 23) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), UTC) + dt.timedelta(
        seconds=rng.randint(hour_lo * 3600, hour_hi * 3600 - 1)
    )


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


async def _template_ids(conn: Any) -> dict[str, tuple[uuid.UUID, int]]:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (code) code, id, version FROM assessment_templates "
        "WHERE code IN ('phq9', 'gad7') ORDER BY code, version DESC"
    )
    found = {r["code"]: (r["id"], r["version"]) for r in rows}
    if len(found) != 2:
        raise RuntimeError("PHQ-9 and GAD-7 templates are missing: run `hp-agent seed` first")
    return found


async def _agent_ids(conn: Any) -> list[uuid.UUID | None]:
    rows = await conn.fetch("SELECT id FROM ai_agent_configurations ORDER BY slug LIMIT 3")
    return [r["id"] for r in rows] or [None]


async def generate(conn: Any, plan: Plan) -> dict[str, int]:
    """Load the history through ``conn`` (an asyncpg connection, in a transaction, as the owner);
    returns the rows written per table."""
    if not conn.is_in_transaction():
        # The system principal below is transaction-local; outside one it would not hold.
        raise RuntimeError("generate() needs a connection inside a transaction")
    rng = random.Random(plan.seed)
    await conn.execute("SELECT set_config('app.current_role', 'system', true)")
    templates = await _template_ids(conn)
    agents = await _agent_ids(conn)
    ring = keyring()
    stock = [ring.encrypt(s) for s in ("A synthetic entry.", "Generated for analytics.", "Sample text.")]
    tag = uuid.uuid4().hex[:8]  # several histories may share a database (tests, re-runs)
    rows: dict[str, list[tuple[Any, ...]]] = {}

    def add(table: str, row: tuple[Any, ...]) -> None:
        rows.setdefault(table, []).append(row)

    start_ts = dt.datetime.combine(plan.start, dt.time(), UTC)
    n_practices = max(1, plan.people // 100)
    n_clinicians = max(2 * n_practices, plan.people // 20)
    practices = [uuid.uuid4() for _ in range(n_practices)]
    clinicians = [uuid.uuid4() for _ in range(n_clinicians)]
    early = start_ts - dt.timedelta(days=60)
    for i, p in enumerate(practices):
        add("care_practices", (p, f"Practice {i + 1}", early, early))
    for i, c in enumerate(clinicians):
        add("users", (c, f"clin{i}-{tag}@{plan.email_domain}", "!", "therapist", early, early))
        practice = practices[i % n_practices]
        role = "lead" if i < n_practices else "member"
        add("care_practice_members", (uuid.uuid4(), practice, c, role, early, early))
        plan.clinician_practice[c] = practice
    plan.practices = practices

    for i in range(plan.people):
        uid = uuid.uuid4()
        # Sign-ups spread from a month before the period to two thirds into it.
        signup = start_ts + dt.timedelta(days=rng.uniform(-30, plan.days * 0.67))
        add("users", (uid, f"p{i}-{tag}@{plan.email_domain}", "!", "patient", signup, signup))
        propensity = rng.betavariate(2, 3)
        first_day = max(plan.start, signup.date())
        therapist: uuid.UUID | None = None
        treated_from: dt.date | None = None
        if rng.random() < 0.7:
            therapist = rng.choice(clinicians)
            treated_from = first_day + dt.timedelta(days=rng.randint(0, 10))
            began = _at(treated_from, rng, 9, 17)
            ended = None
            if rng.random() < 0.15:
                ended = began + dt.timedelta(days=rng.randint(20, 60))
            status = "ended" if ended is not None else "active"
            add(
                "therapeutic_relationships",
                (uuid.uuid4(), uid, therapist, status, status == "active", began, began, ended, began, began),
            )
        session_id: uuid.UUID | None = None
        seq = 0
        day = first_day
        while day <= plan.end:
            age = (day - first_day).days
            if rng.random() < propensity * (0.97 ** (age / 7)):
                if rng.random() < 0.8:
                    at = _at(day, rng)
                    add("mood_entries", (uuid.uuid4(), uid, day, rng.randint(2, 9), at, at, at))
                if rng.random() < 0.5:
                    if session_id is None or rng.random() < 0.3:
                        session_id = uuid.uuid4()
                        seq = 0
                        add(
                            "chat_sessions",
                            (session_id, uid, rng.choice(agents), "active", _at(day, rng, 0, 7)),
                        )
                    at = _at(day, rng)
                    for _ in range(rng.randint(1, 6)):
                        seq += 1
                        mid = uuid.uuid4()
                        add("chat_messages", (mid, session_id, uid, seq, "user", rng.choice(stock), at))
                        at += dt.timedelta(seconds=rng.randint(2, 20))
                        seq += 1
                        add(
                            "chat_messages",
                            (uuid.uuid4(), session_id, uid, seq, "agent", rng.choice(stock), at),
                        )
                        at += dt.timedelta(seconds=rng.randint(20, 240))
                        if rng.random() < 0.01:
                            _detection(add, rng, uid, "chat_message", mid, at)
                if rng.random() < 0.3:
                    jid = uuid.uuid4()
                    at = _at(day, rng)
                    add("journal_entries", (jid, uid, day, rng.choice(stock), rng.randint(20, 400), at, at))
                    if rng.random() < 0.02:
                        _detection(add, rng, uid, "journal_entry", jid, at)
            day += dt.timedelta(days=1)
        if treated_from is not None or rng.random() < 0.3:
            _assessments(add, rng, uid, treated_from or first_day, plan.end, templates)
        if therapist is not None and treated_from is not None:
            _homework(add, rng, uid, therapist, treated_from, plan.end)

    return await _copy(conn, rows)


def _detection(
    add: Any, rng: random.Random, uid: uuid.UUID, source: str, source_id: uuid.UUID, at: dt.datetime
) -> None:
    level = _pick(rng, LEVEL_WEIGHTS)
    did = uuid.uuid4()
    label = None
    reviewed = None
    if rng.random() < 0.6:
        label = (
            "false_positive"
            if rng.random() < (0.45 if level in ("low", "moderate") else 0.15)
            else "true_positive"
        )
        reviewed = at + dt.timedelta(hours=rng.uniform(1, 48))
    score = {"low": 0.3, "moderate": 0.5, "high": 0.75, "imminent": 0.92}[level]
    false_alarm = at + dt.timedelta(minutes=2) if rng.random() < 0.05 else None
    add(
        "crisis_detections",
        (did, uid, source, source_id, level, score, "synthetic-1", at, label, reviewed, false_alarm, at, at),
    )
    if level in ("high", "imminent") or (level == "moderate" and rng.random() < 0.3):
        eid = uuid.uuid4()
        ack = at + dt.timedelta(seconds=min(7200.0, rng.lognormvariate(6.0, 0.9)))
        deadline = at + ACK_DEADLINE
        backup = deadline if ack > deadline else None
        oncall = deadline + ACK_DEADLINE if ack > deadline + ACK_DEADLINE else None
        acked: dt.datetime | None = ack if rng.random() < 0.92 else None
        if acked is None:
            backup, oncall = deadline, deadline + ACK_DEADLINE
        status = "false_positive" if label == "false_positive" else "resolved"
        resolved = (acked or oncall or at) + dt.timedelta(hours=2)
        add(
            "crisis_escalations",
            (
                eid,
                did,
                uid,
                source,
                source_id,
                level,
                status,
                3 if oncall else 2 if backup else 1,
                at,
                deadline,
                backup,
                oncall,
                acked,
                resolved,
                at,
                at,
            ),
        )


def _assessments(
    add: Any,
    rng: random.Random,
    uid: uuid.UUID,
    first: dt.date,
    end: dt.date,
    templates: dict[str, tuple[uuid.UUID, int]],
) -> None:
    for code, top in (("phq9", 27), ("gad7", 21)):
        template_id, version = templates[code]
        score = rng.randint(top // 4, top - 2)
        # Weekly drift: most improve, some worsen, some stay.
        drift = rng.choice([-1.2, -0.9, -0.6, -0.3, 0.0, 0.0, 0.4])
        day = first
        week = 0
        while day <= end:
            at = _at(day, rng)
            value = max(0, min(top, round(score + drift * week + rng.gauss(0, 1.5))))
            add(
                "user_assessments",
                (uuid.uuid4(), uid, template_id, version, "completed", at, at, value, at, at),
            )
            day += dt.timedelta(days=14)
            week += 2


def _homework(
    add: Any, rng: random.Random, uid: uuid.UUID, therapist: uuid.UUID, first: dt.date, end: dt.date
) -> None:
    day = first
    while day <= end:
        assigned = _at(day, rng, 9, 17)
        due = assigned + dt.timedelta(days=7)
        completed = assigned + dt.timedelta(days=rng.uniform(0.5, 7)) if rng.random() < 0.6 else None
        status = "completed" if completed is not None else "assigned"
        add(
            "homework_assignments",
            (
                uuid.uuid4(),
                uid,
                therapist,
                rng.choice(["thought_record", "mood_log", "reading"]),
                status,
                "Weekly practice",
                assigned,
                due,
                completed,
                assigned,
                assigned,
            ),
        )
        day += dt.timedelta(days=7)


COLUMNS: dict[str, tuple[str, ...]] = {
    "care_practices": ("id", "name", "created_at", "updated_at"),
    "users": ("id", "email", "password_hash", "role", "created_at", "updated_at"),
    "care_practice_members": ("id", "practice_id", "clinician_id", "role", "created_at", "updated_at"),
    "therapeutic_relationships": (
        "id",
        "patient_id",
        "therapist_id",
        "status",
        "is_primary",
        "patient_consented_at",
        "started_at",
        "ended_at",
        "created_at",
        "updated_at",
    ),
    "mood_entries": ("id", "user_id", "entry_date", "mood", "recorded_at", "created_at", "updated_at"),
    "chat_sessions": ("id", "user_id", "agent_id", "status", "started_at"),
    "chat_messages": ("id", "session_id", "user_id", "seq", "role", "content", "created_at"),
    "journal_entries": ("id", "user_id", "entry_date", "content", "word_count", "created_at", "updated_at"),
    "crisis_detections": (
        "id",
        "user_id",
        "source",
        "source_id",
        "risk_level",
        "score",
        "engine_version",
        "detected_at",
        "review_label",
        "reviewed_at",
        "false_alarm_reported_at",
        "created_at",
        "updated_at",
    ),
    "crisis_escalations": (
        "id",
        "detection_id",
        "user_id",
        "source",
        "source_id",
        "risk_level",
        "status",
        "level",
        "notified_at",
        "ack_deadline",
        "escalated_to_backup_at",
        "escalated_to_oncall_at",
        "acknowledged_at",
        "resolved_at",
        "created_at",
        "updated_at",
    ),
    "user_assessments": (
        "id",
        "user_id",
        "template_id",
        "template_version",
        "status",
        "started_at",
        "completed_at",
        "total_score",
        "created_at",
        "updated_at",
    ),
    "homework_assignments": (
        "id",
        "patient_id",
        "therapist_id",
        "homework_type",
        "status",
        "title",
        "assigned_at",
        "due_at",
        "completed_at",
        "created_at",
        "updated_at",
    ),
}
ORDER = list(COLUMNS)  # parents before children


async def _copy(conn: Any, rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    # Chat sessions end where their last message is; a session without messages is dropped.
    written: dict[str, int] = {}
    for table in ORDER:
        data = rows.get(table, [])
        if not data:
            continue
        await conn.copy_records_to_table(table, records=data, columns=list(COLUMNS[table]))
        written[table] = len(data)
    await conn.execute(
        "UPDATE chat_sessions s SET last_seq = m.seq, last_message_at = m.at FROM "
        "(SELECT session_id, max(seq) AS seq, max(created_at) AS at FROM chat_messages "
        " WHERE session_id = ANY($1::uuid[]) GROUP BY 1) m WHERE m.session_id = s.id",
        [r[0] for r in rows.get("chat_sessions", [])],
    )
    return written
