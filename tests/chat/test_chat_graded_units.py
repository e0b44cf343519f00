"""The graded response's pure parts: what counts as uncertain, the check's words, its answers,
and what is (and is never) a way out of the screener."""

from __future__ import annotations

import pytest

from crisis_engine import Assessment, Category, Context, ContextMessage, CrisisDetector, Match, RiskLevel
from hp_agent.crisis.check_words import echo_phrase, is_exit, question, read_check_answer
from hp_agent.crisis.service import classifier_only_moderate


def _assessment(
    level: RiskLevel = RiskLevel.MODERATE,
    *,
    matches: tuple[Match, ...] = (),
    keyword_score: float = 0.0,
    context_adjusted: bool = False,
    categories: tuple[Category, ...] = (Category.SUICIDAL_IDEATION,),
    details: dict[str, object] | None = None,
) -> Assessment:
    return Assessment(
        level=level,
        score=0.7,
        categories=categories,
        matches=matches,
        explanation="test",
        keyword_score=keyword_score,
        classifier_score=0.9,
        context_adjusted=context_adjusted,
        details=details or {},
    )


QUIET = _assessment(RiskLevel.NONE, categories=())
_MATCH = Match("want to die", Category.SUICIDAL_IDEATION, (0, 11), 0.85, 0.85)


def test_classifier_only_moderate_is_exactly_the_uncertain_case() -> None:
    assert classifier_only_moderate(_assessment())
    assert classifier_only_moderate(_assessment(categories=(Category.HOPELESSNESS,)))
    # The classifier's category on its own is noise ("how do i tell him without shouting": abuse).
    assert classifier_only_moderate(_assessment(categories=(Category.ABUSE,)))
    # Lexicon evidence, context, or another level.
    assert not classifier_only_moderate(_assessment(matches=(_MATCH,), keyword_score=0.85))
    assert not classifier_only_moderate(_assessment(keyword_score=0.2))
    # Raised by the conversation, without the conversation to show it was the classifier's alone.
    assert not classifier_only_moderate(_assessment(context_adjusted=True))
    assert not classifier_only_moderate(_assessment(details={"context": {"reasons": ["risk before"]}}))
    assert not classifier_only_moderate(_assessment(RiskLevel.HIGH))
    assert not classifier_only_moderate(_assessment(RiskLevel.LOW))


def test_a_level_raised_by_context_is_uncertain_only_without_lexicon_anywhere() -> None:
    raised = _assessment(
        context_adjusted=True, details={"context": {"reasons": ["3 concerning messages in a row"]}}
    )
    quiet_before = Context((ContextMessage("i feel low", QUIET), ContextMessage("long day", QUIET)))
    assert classifier_only_moderate(raised, quiet_before)
    # An earlier message the lexicon knew, or one whose reading is unknown: not uncertain.
    lexical = _assessment(RiskLevel.LOW, matches=(_MATCH,), keyword_score=0.4)
    assert not classifier_only_moderate(raised, Context((ContextMessage("x", lexical),)))
    assert not classifier_only_moderate(raised, Context((ContextMessage("x", None),)))
    assert not classifier_only_moderate(raised)
    assert not classifier_only_moderate(raised, Context((), recent_assessments=(QUIET,)))


def test_classifier_only_moderate_on_the_engines_own_assessments() -> None:
    """The real engine's keyword stage: a lexicon-backed moderate is never "uncertain"."""
    engine = CrisisDetector.load(classifier=False)
    lexicon = engine.assess("these dishes make me want to die")
    assert lexicon.level == RiskLevel.MODERATE
    assert lexicon.matches
    assert not classifier_only_moderate(lexicon)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("my roommate keeps leaving dishes everywhere and i'm fed up", "you're fed up"),
        ("help me look at this thought properly, i keep spiralling", "you keep spiralling"),
        ("I feel so stuck with my thesis", "you feel so stuck"),
        ("i'm not sure what to do about it", "you're not sure"),
        ("how do i stop beating myself up about it?", None),
        ("what's one small step i could take right now?", None),
        ("is it normal to still be crying about it?", None),
    ],
)
def test_the_check_echoes_only_a_short_phrase(text: str, phrase: str | None) -> None:
    assert echo_phrase(text) == phrase
    asked = question(text, again=False)
    assert "thoughts of hurting yourself" in asked
    if phrase:
        assert asked.startswith(f"When you say {phrase},")
        assert len(phrase.split()) <= 5
    else:
        assert "When you say" not in asked


def test_the_second_check_in_a_conversation_says_so() -> None:
    assert question("i'm fed up", again=True).startswith("I asked you this earlier")


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("no", "no"),
        ("nope, just annoyed", "no"),
        ("I'm fine, thanks", "no"),
        ("no, I meant the dishes", "no"),
        ("yes", "yes"),
        ("sometimes", "yes"),
        ("no... well, sometimes", "yes"),  # an unclear answer about suicidal thoughts is a yes
        ("what do you mean?", "unclear"),
        ("skip", "unclear"),  # declining to answer is not a no
    ],
)
def test_reading_the_answer_to_the_check(text: str, reading: str) -> None:
    assert read_check_answer(text, QUIET) == reading


def test_an_answer_with_risk_of_its_own_is_never_a_no() -> None:
    risky = _assessment(matches=(_MATCH,), keyword_score=0.85)
    assert read_check_answer("no, but I want to die", risky) == "unclear"
    assert read_check_answer("I'm fine, it was a joke", risky) == "unclear"
    assert read_check_answer("no. I do want to die though", risky) == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "No, I meant the dishes",
        "that's not what I meant",
        "I'm fine, it was a joke",
        "haha jk",
        "you misunderstood me, I was talking about my phone",
        "it's just an expression",
    ],
)
def test_explicit_retractions_are_a_way_out(text: str) -> None:
    assert is_exit(text, QUIET)


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "no, never",
        "not really",
        "I'm not joking",
        "I meant it",
        "it wasn't a joke",
        "that's not what I meant, it's worse than that",
        "I'm fine",  # a denial, not a retraction: the screener question stands
    ],
)
def test_answers_and_denials_are_not_a_way_out(text: str) -> None:
    assert not is_exit(text, QUIET)


def test_a_retraction_carrying_risk_is_not_a_way_out() -> None:
    risky = _assessment(RiskLevel.HIGH, matches=(_MATCH,), keyword_score=0.9)
    assert not is_exit("just kidding, I want to die", risky)
    # Context raised the level, but the message itself is quiet: still a way out.
    raised = _assessment(context_adjusted=True, details={"context": {"own_level": "none", "reasons": ["x"]}})
    assert is_exit("no, I meant the dishes", raised)
