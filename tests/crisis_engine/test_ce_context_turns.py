"""A conversation scored turn by turn, each turn's assessment handed back as context (as the chat
service does): one risky turn must not raise every ordinary turn after it, and short replies mean
what the conversation around them means."""

from __future__ import annotations

import pytest

from crisis_engine import Assessment, Context, ContextMessage, CrisisDetector, RiskLevel
from crisis_engine.context import own_level


@pytest.fixture(scope="module")
def det() -> CrisisDetector:
    return CrisisDetector.load(classifier=True)


def converse(det: CrisisDetector, *turns: str) -> list[Assessment]:
    previous: list[ContextMessage] = []
    out: list[Assessment] = []
    for text in turns:
        a = det.assess(text, context=Context(recent_messages=tuple(previous[-6:])))
        previous.append(ContextMessage(text=text, assessment=a, seconds_ago=30))
        out.append(a)
    return out


@pytest.mark.parametrize("reply", ["maybe", "see you tomorrow then", "tomorrow then", "tonight is the night"])
def test_short_reply_alone_is_left_to_the_conversation(det: CrisisDetector, reply: str) -> None:
    assert det.assess(reply).level <= RiskLevel.LOW


def test_short_reply_after_a_disclosure_keeps_the_risk(det: CrisisDetector) -> None:
    turns = converse(det, "i've been thinking about killing myself", "do you have a plan?", "maybe")
    assert turns[-1].level >= RiskLevel.MODERATE


def test_ordinary_turns_after_a_disclosure_calm_down(det: CrisisDetector) -> None:
    turns = converse(
        det,
        "i've been thinking about ending it",
        "no",
        "ok",
        "sure",
        "what should i cook tonight",
        "see you tomorrow then",
    )
    assert turns[0].level >= RiskLevel.HIGH
    # Right after it, content-free answers keep an acute conversation open...
    assert turns[1].level >= RiskLevel.MODERATE
    # ...but turns raised only by context do not raise the turns after them in turn.
    assert turns[4].level <= RiskLevel.LOW
    assert turns[5].level <= RiskLevel.LOW


def test_timing_words_after_a_tiring_day_are_not_a_plan(det: CrisisDetector) -> None:
    turns = converse(
        det,
        "work was awful",
        "my boss yelled at me",
        "i'm exhausted",
        "I keep putting off my essay and feel bad about it.",
        "what should i cook tonight",
    )
    assert all(t.level <= RiskLevel.LOW for t in turns), [t.level for t in turns]


@pytest.mark.parametrize(
    "turns",
    [
        ("i have the pills", "i'm going to take them tonight after my roommate goes to bed"),
        ("i want to die", "i'll do it tomorrow"),
        ("i've been thinking about killing myself", "i have the pills in my drawer", "maybe tonight"),
    ],
)
def test_means_or_ideation_then_timing_is_imminent(det: CrisisDetector, turns: tuple[str, ...]) -> None:
    assert converse(det, *turns)[-1].level == RiskLevel.IMMINENT


def test_a_raised_turn_remembers_what_it_said_on_its_own(det: CrisisDetector) -> None:
    first, answer = converse(det, "i've been thinking about ending it", "no")
    assert answer.context_adjusted
    assert answer.level >= RiskLevel.MODERATE
    assert own_level(answer) == det.assess("no").level
    assert own_level(first) == first.level


def test_categories_built_up_across_turns_come_in_a_fixed_order() -> None:
    # They used to be listed in set order, which follows string hashing and so changed from one
    # process to the next: the same conversation must give the same assessment everywhere.
    kw = CrisisDetector.load(classifier=False)
    *_, last = converse(
        kw,
        "i want to kill myself",
        "i cut myself again last night",
        "i have been starving myself for days",
        "i keep thinking about the bridge",
    )
    assert last.level == RiskLevel.HIGH
    assert [c.value for c in last.categories] == ["plan_or_means", "suicidal_ideation", "self_harm"]
