"""Issue #23: in an ordinary conversation a short reply that only the classifier reads as
MODERATE must lie closer to written crisis messages than to ordinary ones (no slack); the same
message with no conversation keeps the stand-alone slack, and lexicon words, HIGH and risk
earlier in the conversation are untouched."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from crisis_engine import Context, ContextMessage, CrisisDetector, RiskLevel
from crisis_engine.context import ordinary_conversation
from crisis_engine.types import Assessment, Category, Match

RULE = "classifier_uncorroborated_in_conversation"
# Classifier-only MODERATE on its own, slightly closer to the ordinary examples (margin about
# -0.016, inside the stand-alone slack of -0.02).
REPLY = "my roommate keeps borrowing my things and i'm losing my patience"
OPENER = "my laptop has been really slow this week"


@pytest.fixture(scope="module")
def det() -> CrisisDetector:
    return CrisisDetector.load()


def reading(level: RiskLevel, matches: tuple[Match, ...] = ()) -> Assessment:
    cats = (Category.SUICIDAL_IDEATION,) if level > RiskLevel.NONE else ()
    return Assessment(level=level, score=0.5, categories=cats, matches=matches, explanation="")


def word() -> Match:
    return Match(
        term="x", category=Category.HOPELESSNESS, span=(0, 1), weight=0.45, effective_weight=0.45,
        modifiers=(), matched_text="x",
    )  # fmt: skip


def test_ordinary_conversation() -> None:
    assert ordinary_conversation([reading(RiskLevel.NONE), reading(RiskLevel.LOW)])
    assert not ordinary_conversation([])  # no conversation yet: the stand-alone rule
    assert not ordinary_conversation([reading(RiskLevel.MODERATE)])
    assert not ordinary_conversation([reading(RiskLevel.LOW, matches=(word(),))])
    assert not ordinary_conversation([reading(RiskLevel.NONE)], earlier=[reading(RiskLevel.LOW)])


def with_opener(det: CrisisDetector, text: str, opener: str = OPENER) -> Assessment:
    first = det.assess(opener)
    return det.assess(text, context=Context(recent_messages=(ContextMessage(opener, assessment=first),)))


def test_classifier_only_reply_in_ordinary_conversation_needs_the_crisis_side(det: CrisisDetector) -> None:
    alone = det.assess(REPLY)
    assert alone.level == RiskLevel.MODERATE
    assert alone.classifier_only
    assert RULE not in alone.details["rules"]
    reply = with_opener(det, REPLY)
    assert reply.level == RiskLevel.LOW
    assert RULE in reply.details["rules"]
    assert reply.evidence == ()
    assert reply.score < det._model.fusion.moderate_threshold  # type: ignore[union-attr]


def test_reply_after_risk_or_lexicon_words_keeps_its_reading(det: CrisisDetector) -> None:
    # The conversation was not ordinary: a risk word the lexicon read earlier.
    after_words = with_opener(det, REPLY, opener="i feel so hopeless about everything")
    assert RULE not in after_words.details["rules"]
    assert after_words.level >= RiskLevel.MODERATE


def test_reply_closer_to_crisis_examples_keeps_moderate(det: CrisisDetector) -> None:
    # A goodbye after ordinary-looking turns (curated multi_turn): on the crisis side of the
    # written examples, so it keeps MODERATE and gets the chat's check.
    turns = ["i gave my dog to my neighbour today", "wrote some letters", "i feel weirdly calm"]
    msgs: list[ContextMessage] = []
    for t in turns:
        earlier = Context(recent_messages=tuple(msgs)) if msgs else None
        msgs.append(ContextMessage(t, assessment=det.assess(t, context=earlier)))
    a = det.assess("thanks for everything. i mean it", context=Context(recent_messages=tuple(msgs)))
    assert a.level >= RiskLevel.MODERATE
    assert RULE not in a.details["rules"]


def test_shipped_margins() -> None:
    config = resources.files("crisis_engine").joinpath("config", "engine.json")
    rules = json.loads(config.read_text("utf-8"))["rules"]
    # Chosen with the risk suites and the everyday suite together (docs/crisis-engine.md).
    assert rules["corroboration_min_margin"] == -0.02
    assert rules["conversation_min_margin"] == 0.0
