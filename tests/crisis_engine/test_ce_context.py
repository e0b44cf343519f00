"""Conversation context: build-up over turns, accumulation of plan and timing, retractions."""

from __future__ import annotations

import pytest

from crisis_engine import Context, ContextMessage, CrisisDetector, RiskLevel
from crisis_engine.context import is_retraction
from crisis_engine.normalize import normalize


@pytest.fixture(scope="module")
def det() -> CrisisDetector:
    return CrisisDetector.load(classifier=False)


def ctx(*texts: str) -> Context:
    return Context(recent_messages=tuple(ContextMessage(t) for t in texts))


def test_no_context_is_not_adjusted(det: CrisisDetector) -> None:
    a = det.assess("i feel so hopeless", context=Context())
    assert a.level == RiskLevel.LOW
    assert not a.context_adjusted


def test_three_hopeless_messages_build_up_to_moderate(det: CrisisDetector) -> None:
    history = ctx("i feel so hopeless", "nobody cares about me")
    alone = det.assess("i'm so tired of everything")
    assert alone.level == RiskLevel.LOW
    a = det.assess("i'm so tired of everything", context=history)
    assert a.level >= RiskLevel.MODERATE
    assert a.context_adjusted
    assert "context" in a.explanation


def test_two_messages_are_not_a_run(det: CrisisDetector) -> None:
    a = det.assess("i'm so tired of everything", context=ctx("had a nice lunch", "i feel so hopeless"))
    assert a.level == RiskLevel.LOW


def test_plan_and_timing_accumulate_across_turns(det: CrisisDetector) -> None:
    history = ctx("i want to die", "i've been saving up my pills")
    a = det.assess("tonight", context=history)
    assert a.level >= RiskLevel.HIGH
    assert a.context_adjusted
    assert det.assess("tonight").level == RiskLevel.NONE


def test_ideation_then_means_is_high(det: CrisisDetector) -> None:
    a = det.assess("i bought a rope", context=ctx("i don't want to be alive anymore"))
    assert a.level >= RiskLevel.HIGH


@pytest.mark.parametrize(
    "retraction", ["jk", "just kidding", "forget it", "nvm", "i'm fine now lol", "lol jk forget i said that"]
)
def test_retraction_after_high_risk_stays_at_least_moderate(det: CrisisDetector, retraction: str) -> None:
    risky = "i'm going to kill myself tonight"
    assert det.assess(risky).level >= RiskLevel.HIGH
    a = det.assess(retraction, context=ctx(risky))
    assert a.level >= RiskLevel.HIGH  # IMMINENT minus one step
    assert a.context_adjusted
    assert a.details["context"]["retraction"] is True


def test_retraction_after_moderate_is_low(det: CrisisDetector) -> None:
    a = det.assess("jk", context=ctx("i want to die"))
    assert a.level == RiskLevel.LOW


def test_retraction_after_high_is_moderate_at_least(det: CrisisDetector) -> None:
    prev = det.assess("i want to kill myself and i've been stockpiling pills")
    assert prev.level == RiskLevel.HIGH
    a = det.assess("nvm", context=Context(recent_messages=(ContextMessage("x", assessment=prev),)))
    assert a.level == RiskLevel.MODERATE


def test_retraction_words_without_risky_history_do_nothing(det: CrisisDetector) -> None:
    a = det.assess("jk lol", context=ctx("what's for dinner"))
    assert a.level == RiskLevel.NONE
    assert not a.context_adjusted


def test_old_messages_do_not_accumulate(det: CrisisDetector) -> None:
    history = Context(
        recent_messages=(
            ContextMessage("i want to die", seconds_ago=3 * 86400),
            ContextMessage("i've been saving up my pills", seconds_ago=3 * 86400),
        )
    )
    assert det.assess("tonight", context=history).level == RiskLevel.NONE


def test_earlier_high_assessment_raises_new_risk(det: CrisisDetector) -> None:
    earlier = det.assess("i want to kill myself and i've been stockpiling pills")
    a = det.assess("i feel so hopeless", context=Context(recent_assessments=(earlier,)))
    assert a.level == RiskLevel.MODERATE
    assert a.context_adjusted


def test_context_never_lowers(det: CrisisDetector) -> None:
    a = det.assess("i want to die", context=ctx("had a great day", "love my dog"))
    assert a.level == det.assess("i want to die").level


def test_batch_with_contexts_equals_single(det: CrisisDetector) -> None:
    texts = ["tonight", "jk", "i feel hopeless"]
    contexts = [ctx("i want to die", "i have pills"), ctx("i'm going to kill myself tonight"), None]
    assert det.assess_batch(texts, contexts) == [
        det.assess(t, c) for t, c in zip(texts, contexts, strict=False)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("jk", True), ("nvm lol", True), ("never mind, i'm ok", True), ("", False), ("i went for a run", False),
     ("forget it " + "and some more words " * 5, False)],
)  # fmt: skip
def test_is_retraction(text: str, expected: bool) -> None:
    assert is_retraction(normalize(text).text) is expected


def test_ambiguous_intent_counts_after_risky_turns(det: CrisisDetector) -> None:
    assert det.assess("i'm going to do it tonight").level <= RiskLevel.LOW
    a = det.assess("i'm going to do it tonight", context=ctx("i want to die", "nobody would miss me"))
    assert a.level == RiskLevel.IMMINENT


def test_short_follow_up_is_read_with_the_risky_messages_before_it(det: CrisisDetector) -> None:
    history = ctx("i really want to die", "i've been saving up my sleeping pills")
    # a message with a signal of its own takes the level of the conversation read as a whole
    a = det.assess("i have enough now. tonight", context=history)
    assert a.level >= RiskLevel.HIGH
    assert a.context_adjusted
    # a bare follow-up keeps the risk alive at MODERATE, no higher
    b = det.assess("ok", context=history)
    assert b.level == RiskLevel.MODERATE
    assert "previous messages" in " ".join(b.details["context"]["reasons"])


def test_step_towards_safety_is_held_at_moderate(det: CrisisDetector) -> None:
    history = ctx("i want to kill myself", "i have the pills out on the table")
    a = det.assess("i put the pills back and called my sister, she's coming over", context=history)
    assert a.level == RiskLevel.MODERATE


def test_follow_up_after_ordinary_chat_is_not_raised(det: CrisisDetector) -> None:
    a = det.assess("ok", context=ctx("this exam is killing me lol", "what should i eat tonight"))
    assert a.level == RiskLevel.NONE
    assert not a.context_adjusted


def test_retraction_that_blames_someone_else_does_not_erase_risk(det: CrisisDetector) -> None:
    history = ctx("i want to kill myself")
    a = det.assess("that wasn't me, my cousin took my phone and typed it", context=history)
    assert a.level == RiskLevel.LOW  # MODERATE minus one step
    assert a.details["context"]["retraction"] is True


# 2026.11.6: a timing message after means or ideation in the same conversation.
PILLS_TONIGHT = "i'm going to take them tonight after my roommate goes to bed"


def test_timing_after_ideation_and_means_is_imminent(det: CrisisDetector) -> None:
    history = ctx("i don't want to be here anymore", "i have a whole bottle of sleeping pills in my drawer")
    assert det.assess(PILLS_TONIGHT).level < RiskLevel.MODERATE  # "them" alone names no means
    a = det.assess(PILLS_TONIGHT, context=history)
    assert a.level == RiskLevel.IMMINENT
    assert "imminent" in {c.value for c in a.categories}


def test_timing_after_benign_messages_stays_benign(det: CrisisDetector) -> None:
    a = det.assess(PILLS_TONIGHT, context=ctx("had a nice day", "my kids love the zoo"))
    assert a.level == RiskLevel.NONE


def test_means_earlier_and_timing_now_is_imminent(det: CrisisDetector) -> None:
    a = det.assess("tonight", context=ctx("i bought a rope"))
    assert a.level == RiskLevel.IMMINENT
    assert a.context_adjusted
