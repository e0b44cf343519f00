"""Issue #23: conversation context builds only on corroborated risk. A MODERATE from the
classifier alone is uncertain (the chat asks the person one check about it); the ordinary turns
after it are read on their own, not held at MODERATE by it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crisis_engine import Context, ContextMessage, CrisisDetector, RiskLevel
from crisis_engine.context import adjust_for_context, corroborated_risk, lexicon_read
from crisis_engine.types import Assessment, Category, Match, Modifier

CLASSIFIER_ONLY = ("classifier",)


@pytest.fixture(scope="module")
def det() -> CrisisDetector:
    return CrisisDetector.load(classifier=False)


def reading(level: RiskLevel, evidence: tuple[str, ...] = (), matches: tuple[Match, ...] = ()) -> Assessment:
    """An earlier message's assessment as the chat stores it."""
    cats = (Category.SUICIDAL_IDEATION,) if level > RiskLevel.NONE else ()
    return Assessment(
        level=level, score=0.5, categories=cats, matches=matches, explanation="", evidence=evidence
    )


def match(*modifiers: Modifier, category: Category = Category.HOPELESSNESS) -> Match:
    return Match(
        term="x", category=category, span=(0, 1), weight=0.45, effective_weight=0.45,
        modifiers=tuple(modifiers), matched_text="x",
    )  # fmt: skip


def as_previous(*assessments: Assessment) -> list[tuple[ContextMessage, Assessment]]:
    return [(ContextMessage("earlier", assessment=a), a) for a in assessments]


def test_one_classifier_only_moderate_is_not_corroborated() -> None:
    assert not corroborated_risk([reading(RiskLevel.MODERATE, CLASSIFIER_ONLY)])
    assert not corroborated_risk([reading(RiskLevel.LOW), reading(RiskLevel.MODERATE, CLASSIFIER_ONLY)])


@pytest.mark.parametrize(
    "earlier",
    [
        [reading(RiskLevel.MODERATE, ("lexicon", "classifier"))],  # the lexicon read it
        [reading(RiskLevel.MODERATE, CLASSIFIER_ONLY)] * 2,  # repeated readings
        [reading(RiskLevel.HIGH, CLASSIFIER_ONLY)],  # HIGH keeps today's flow
        [reading(RiskLevel.MODERATE)],  # stored without its evidence: cannot show it was uncertain
    ],
)
def test_corroborated_risk(earlier: list[Assessment]) -> None:
    assert corroborated_risk(earlier)


def test_lexicon_read_ignores_qualified_matches_but_not_concern_for_others() -> None:
    assert lexicon_read([match()])
    assert not lexicon_read([match(Modifier.IDIOM)])
    assert not lexicon_read([match(Modifier.NEGATION)])
    assert lexicon_read([match(Modifier.THIRD_PERSON, category=Category.CONCERN_FOR_OTHER)])
    assert lexicon_read([match(Modifier.FUZZY)])


TIDY = "what's a quick way to sort my desk"


def test_build_up_of_classifier_readings_alone_is_not_raised() -> None:
    previous = as_previous(reading(RiskLevel.LOW), reading(RiskLevel.LOW))
    plain = adjust_for_context(RiskLevel.LOW, (), TIDY, previous, own_lexicon=False)
    assert plain.level == RiskLevel.LOW
    assert not plain.adjusted
    # The same run with a lexicon match in the current message, or in an earlier one, builds up.
    own = adjust_for_context(RiskLevel.LOW, (), "i feel so hopeless", previous, own_lexicon=True)
    assert own.level == RiskLevel.MODERATE
    earlier = as_previous(reading(RiskLevel.LOW, matches=(match(),)), reading(RiskLevel.LOW))
    backed = adjust_for_context(RiskLevel.LOW, (), TIDY, earlier, own_lexicon=False)
    assert backed.level == RiskLevel.MODERATE
    assert backed.reasons == ("3 concerning messages in a row",)


def _prior(det: CrisisDetector, text: str, evidence: tuple[str, ...]) -> ContextMessage:
    """``text`` as the chat stored it, with the evidence the engine gave (classifier-only
    readings have no lexicon match)."""
    real = det.assess(text)
    matches = () if evidence == CLASSIFIER_ONLY else real.matches
    return ContextMessage(text, assessment=replace(real, evidence=evidence, matches=matches))


def test_weak_cues_count_only_after_corroborated_risk(det: CrisisDetector) -> None:
    backed = Context(recent_messages=(_prior(det, "i want to die", ("lexicon",)),))
    a = det.assess("tonight", context=backed)
    assert a.level >= RiskLevel.MODERATE
    assert "context" in a.evidence
    uncertain = Context(recent_messages=(_prior(det, "i want to die", CLASSIFIER_ONLY),))
    b = det.assess("tonight", context=uncertain)
    assert b.level == RiskLevel.NONE
    assert b.evidence == ()
    twice = Context(recent_messages=(_prior(det, "i want to die", CLASSIFIER_ONLY),) * 2)
    assert det.assess("tonight", context=twice).level >= RiskLevel.MODERATE


def test_retraction_after_high_risk_is_unchanged(det: CrisisDetector) -> None:
    # Retractions read the earlier level as it was: "jk" after HIGH stays at MODERATE at least.
    prev = det.assess("i want to kill myself and i've been stockpiling pills")
    a = det.assess("jk", context=Context(recent_messages=(ContextMessage("x", assessment=prev),)))
    assert a.level == RiskLevel.MODERATE


def test_capped_classifier_level_without_lexicon_is_classifier_evidence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fused HIGH capped to MODERATE for want of lexicon support, with the fused MODERATE
    probability below its threshold (the ordinal models disagree), is still the classifier's
    reading: it gets the check, not the screener. It was labelled lexicon evidence before."""
    from crisis_engine.classifier import ClassifierRow
    from crisis_engine.fusion import FusionResult
    from crisis_engine.normalize import normalize

    full = _full()
    model = full._model
    assert model is not None
    t_mod = model.fusion.moderate_threshold
    probs = {
        RiskLevel.LOW: 0.9,
        RiskLevel.MODERATE: t_mod - 0.1,
        RiskLevel.HIGH: 0.8,
        RiskLevel.IMMINENT: 0.1,
    }
    capped = FusionResult(
        score=t_mod, level=RiskLevel.MODERATE, categories=(Category.SUICIDAL_IDEATION,),
        probabilities=probs, rules=("classifier_only_capped",), classifier_probability=0.9,
    )  # fmt: skip
    monkeypatch.setattr(model.fusion, "combine", lambda kw, row: capped)
    row = ClassifierRow(risk=0.99, level_probs=(0.0, 0.0, 0.2, 0.7, 0.1), category_probs={}, words=6)
    text = normalize("an ordinary sentence about my day")
    kw = full._scorer.score(text)
    assert not kw.matches
    single = full._decide(text, kw, row)
    assert single.level == RiskLevel.MODERATE
    assert single.evidence == CLASSIFIER_ONLY


@pytest.mark.parametrize(
    ("text", "needs_attention"),
    [
        ("my cousin posted a goodbye message last night and went quiet", True),
        ("she sent me a farewell text and now she isn't answering", True),
        ("nothing matters now, i won't be around for graduation", True),
        ("my coworker sent a farewell email to the team, she's retiring", False),
        ("i won't be here for the meeting, i'm on holiday", False),
        ("the grief still hits me some mornings", False),
    ],
)
def test_lexicon_2026_12_1_families_in_the_full_pipeline(text: str, needs_attention: bool) -> None:
    a = _full().assess(text)
    assert (a.level >= RiskLevel.MODERATE) is needs_attention, (text, a.level, a.details["rules"])
    # The concern entries back the classifier (no corroboration needed) but stay below the keyword
    # layer's emergency cut, so the evidence names the fused model, as for other concern entries.
    assert any(m.term.startswith(("goodbye_then", "future_absence")) for m in a.matches) is needs_attention


_FULL: list[CrisisDetector] = []


def _full() -> CrisisDetector:
    if not _FULL:
        _FULL.append(CrisisDetector.load(classifier=True))
    return _FULL[0]


def _with(a: Assessment, *categories: Category) -> Assessment:
    return replace(a, categories=categories)


def test_classifier_categories_of_ordinary_turns_do_not_add_up_to_a_plan() -> None:
    # Live everyday chat: "i'm reading a murder mystery" then "i stayed up until 3 to finish it"
    # went to HIGH, "... i'll practise the opening tonight" to IMMINENT, from the classifier's
    # category guesses on LOW/NONE readings with no lexicon word anywhere.
    guesses = (Category.SUICIDAL_IDEATION, Category.PLAN_OR_MEANS)
    earlier = as_previous(_with(reading(RiskLevel.LOW), *guesses))
    cats = (Category.IMMINENT, Category.SUICIDAL_IDEATION)
    text = "i'll practise the opening tonight"
    plain = adjust_for_context(RiskLevel.LOW, cats, text, earlier, own_lexicon=False)
    assert plain.level == RiskLevel.LOW
    # A lexicon read in the conversation, or an earlier reading at MODERATE+ on its own ("i have
    # a lot of my antidepressants saved up"), still lets them accumulate.
    own = adjust_for_context(RiskLevel.LOW, cats, "tonight", earlier, own_lexicon=True)
    assert own.level == RiskLevel.IMMINENT
    moderate = as_previous(_with(reading(RiskLevel.MODERATE, CLASSIFIER_ONLY), *guesses))
    built = adjust_for_context(RiskLevel.LOW, cats, "tonight", moderate, own_lexicon=False)
    assert built.level == RiskLevel.IMMINENT
    assert "ideation, plan and timing built up across messages" in built.reasons
