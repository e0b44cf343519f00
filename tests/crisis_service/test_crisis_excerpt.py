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
