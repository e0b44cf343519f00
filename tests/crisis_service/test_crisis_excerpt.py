"""The stored excerpt shows a reviewer the risky part of a long text."""

from __future__ import annotations

from crisis_engine import Assessment, Category, Match, RiskLevel
from hp_agent.crisis.service import excerpt_for


def _assessment(term: str) -> Assessment:
    match = Match(
        term=term,
        category=Category.SUICIDAL_IDEATION,
        span=(0, len(term)),
        weight=1.0,
        effective_weight=1.0,
        matched_text=term,
    )
    return Assessment(
        level=RiskLevel.HIGH,
        score=0.9,
        categories=(Category.SUICIDAL_IDEATION,),
        matches=(match,),
        explanation="test",
    )


def test_short_text_is_kept_whole() -> None:
    assert excerpt_for("short text", _assessment("short")) == "short text"


def test_long_text_excerpt_surrounds_the_match() -> None:
    text = "Ordinary day. " * 100 + "I want to end my life tonight. " + "More ordinary things. " * 100
    excerpt = excerpt_for(text, _assessment("end my life"))
    assert "I want to end my life tonight." in excerpt
    assert len(excerpt) == 500


def test_classifier_only_risk_falls_back_to_the_opening() -> None:
    text = "x" * 2000
    assert excerpt_for(text, _assessment("not present")) == text[:500]


async def test_detection_keeps_engine_and_lexicon_versions(owner_db) -> None:
    import uuid

    from sqlalchemy import insert

    from hp_agent.crisis.enums import DetectionSource
    from hp_agent.crisis.service import record
    from hp_agent.db.models import load_all

    users = load_all().metadata.tables["users"]
    uid = uuid.uuid4()
    await owner_db.execute(
        insert(users).values(id=uid, email=f"{uid.hex[:10]}@example.org", password_hash="x")
    )
    long_version = "0.1.0; lexicon happy-path-core@2026.11.4; cues 2026.11.3; classifier clf-2026.11.1"
    assessment = _assessment("end my life")
    import dataclasses

    assessment = dataclasses.replace(assessment, level=RiskLevel.MODERATE, engine_version=long_version)
    outcome = await record(
        owner_db, user_id=uid, source=DetectionSource.OTHER, source_id=None, text="x", assessment=assessment
    )
    assert outcome.detection is not None
    assert outcome.detection.engine_version == "0.1.0"
    assert outcome.detection.lexicon_version == long_version.split("; ", 1)[1]
