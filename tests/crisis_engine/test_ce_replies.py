"""Issue #15: text the service wrote itself is checked once per distinct sentence and
remembered; text a model generated is always assessed as a whole."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from crisis_engine import Context, CrisisDetector, RiskLevel
from crisis_engine.replies import ReplyChecker, sentences
from crisis_engine.types import Assessment


class CountingDetector:
    """The real keyword-only engine, counting the texts it is asked about."""

    def __init__(self) -> None:
        self.inner = CrisisDetector.load(classifier=False)
        self.seen: list[str] = []

    def assess(self, text: str, context: Context | None = None) -> Assessment:
        self.seen.append(text)
        return self.inner.assess(text, context)

    def assess_batch(self, texts: Sequence[str], contexts: object = None) -> list[Assessment]:
        self.seen.extend(texts)
        return self.inner.assess_batch(texts)


@pytest.fixture
def counting() -> CountingDetector:
    return CountingDetector()


def checker(det: CountingDetector, size: int = 100) -> ReplyChecker:
    return ReplyChecker(det, size=size)  # type: ignore[arg-type]


def test_sentences_split_on_end_punctuation_and_lines() -> None:
    assert sentences("That sounds hard. Shall we try it?\nOne step at a time!") == [
        "That sounds hard.",
        "Shall we try it?",
        "One step at a time!",
    ]
    assert sentences("   ") == []


def test_service_text_is_checked_once_per_distinct_sentence(counting: CountingDetector) -> None:
    c = checker(counting)
    c.assess_reply("That sounds hard. Shall we try a breathing exercise?", generated=False)
    assert counting.seen == ["That sounds hard.", "Shall we try a breathing exercise?"]
    # Same sentences in another reply (different case and spacing normalise alike): no engine call.
    a = c.assess_reply("that sounds HARD.   Shall we try a breathing exercise?", generated=False)
    assert len(counting.seen) == 2
    assert a.level == RiskLevel.NONE
    assert c.remembered("Shall we try a breathing exercise? That sounds hard.") is not None
    # Only the new sentence is checked.
    c.assess_reply("That sounds hard. You said the week was long.", generated=False)
    assert counting.seen[2:] == ["You said the week was long."]


def test_riskiest_sentence_decides_a_service_reply(counting: CountingDetector) -> None:
    c = checker(counting)
    a = c.assess_reply("Thanks for telling me. I want to kill myself.", generated=False)
    assert a.level >= RiskLevel.MODERATE
    assert a.keyword_score > 0  # lexicon evidence: the chat's reply guard refuses it
    # And it is remembered: the same risky sentence elsewhere is caught without a new call.
    n = len(counting.seen)
    b = c.assess_reply("I want to kill myself. See you soon.", generated=False)
    assert b.level >= RiskLevel.MODERATE
    assert b.keyword_score > 0
    assert counting.seen[n:] == ["See you soon."]


def test_generated_text_is_always_assessed_whole(counting: CountingDetector) -> None:
    c = checker(counting)
    text = "That sounds hard. Shall we try a breathing exercise?"
    c.assess_reply(text, generated=False)
    n = len(counting.seen)
    c.assess_reply(text, generated=True)
    c.assess_reply(text, generated=True)
    assert counting.seen[n:] == [text, text]


def test_memory_is_bounded(counting: CountingDetector) -> None:
    c = checker(counting, size=3)
    for i in range(10):
        c.assess_reply(f"Step number {i} is done.", generated=False)
    assert len(c) == 3
    assert c.remembered("Step number 0 is done.") is None
    assert c.remembered("Step number 9 is done.") is not None
    with pytest.raises(ValueError, match="positive"):
        checker(counting, size=0)


def test_one_checker_per_detector(counting: CountingDetector) -> None:
    from crisis_engine.replies import reply_checker

    det = counting.inner
    assert reply_checker(det) is reply_checker(det)  # type: ignore[arg-type]
    other = CrisisDetector.load(classifier=False)
    assert reply_checker(other) is not reply_checker(det)
