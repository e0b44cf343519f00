"""CrisisDetector: levels, rules, guard rails, batch equivalence and determinism.

Most tests use keyword-only mode (``classifier=False``), which is deterministic and fast; the
tests marked slow run the full pipeline with the shipped classifier.
"""

from __future__ import annotations

from importlib import resources

import pytest

from crisis_engine import Assessment, Category, CrisisDetector, RiskLevel
from crisis_engine.types import Modifier


@pytest.fixture(scope="module")
def kw() -> CrisisDetector:
    return CrisisDetector.load(classifier=False)


def _weights_present() -> bool:
    root = resources.files("crisis_engine")
    return (
        root.joinpath("weights", "classifier.npz").is_file()
        and root.joinpath("config", "engine.json").is_file()
    )


@pytest.fixture(scope="module")
def full() -> CrisisDetector:
    if not _weights_present():
        pytest.skip("classifier weights not built yet (python -m crisis_engine.training.train)")
    return CrisisDetector.load(classifier=True)


LEVEL_CASES = [
    ("", RiskLevel.NONE),
    ("   \n\t ", RiskLevel.NONE),
    ("had a great day at the beach with friends", RiskLevel.NONE),
    ("this homework is killing me lol", RiskLevel.NONE),
    ("i'm not suicidal, just tired of exams", RiskLevel.NONE),
    ("i feel so hopeless", RiskLevel.LOW),
    ("my friend wants to kill herself", RiskLevel.LOW),
    ("i want to die", RiskLevel.MODERATE),
    ("i cut myself again last night", RiskLevel.MODERATE),
    ("i wish i wasn't here", RiskLevel.MODERATE),
    ("i want to kill myself and i've been stockpiling pills", RiskLevel.HIGH),
    ("i want to die. i bought a rope", RiskLevel.HIGH),
    ("i want to kill myself tonight, i have the pills ready", RiskLevel.IMMINENT),
    ("i already took all my pills", RiskLevel.IMMINENT),
    ("i'm going to kill myself tonight", RiskLevel.IMMINENT),
]


@pytest.mark.parametrize(("text", "level"), LEVEL_CASES)
def test_keyword_only_levels(kw: CrisisDetector, text: str, level: RiskLevel) -> None:
    a = kw.assess(text)
    assert a.level == level, (text, a.explanation)
    assert 0.0 <= a.score <= 1.0


def test_assessment_shape(kw: CrisisDetector) -> None:
    a = kw.assess("i want to kill myself and i've been stockpiling pills")
    assert isinstance(a, Assessment)
    assert Category.SUICIDAL_IDEATION in a.categories
    assert Category.PLAN_OR_MEANS in a.categories
    assert a.matches
    assert all(a.matches[i].span <= a.matches[i + 1].span for i in range(len(a.matches) - 1))
    assert a.engine_version
    assert "keywords-only" in a.engine_version
    assert a.details["mode"] == "keywords_only"
    d = a.to_dict()
    assert d["level"] == "high"
    assert d["matches"][0]["term"]


def test_scores_follow_levels(kw: CrisisDetector) -> None:
    scores = [kw.assess(t).score for t, _ in LEVEL_CASES[2:]]
    levels = [kw.assess(t).level.rank for t, _ in LEVEL_CASES[2:]]
    for (s1, l1), (s2, l2) in zip(
        zip(scores, levels, strict=False), zip(scores[1:], levels[1:], strict=False), strict=False
    ):
        if l1 < l2:
            assert s1 < s2


def test_explanation_is_short_and_quotes_only_matched_terms(kw: CrisisDetector) -> None:
    secret = "my landlord Mr Xylophone on Baker Street"
    a = kw.assess(f"{secret} is awful and i want to die tonight, i have pills")
    assert "want to die" in a.explanation
    assert "Xylophone" not in a.explanation
    assert "Baker" not in a.explanation
    assert len(a.explanation) < 400
    assert kw.assess("lovely weather").explanation == "No risk indicators found."


def test_negation_idiom_third_person_lower_but_never_hide(kw: CrisisDetector) -> None:
    assert kw.assess("i would never kill myself").level == RiskLevel.NONE
    assert kw.assess("i could kill for a pizza").level == RiskLevel.NONE
    assert kw.assess("my friend is suicidal").level <= RiskLevel.LOW
    mixed = kw.assess("my friend is suicidal and honestly so am i")
    assert mixed.level >= RiskLevel.MODERATE
    assert Category.SUICIDAL_IDEATION in mixed.categories
    assert Category.CONCERN_FOR_OTHER in mixed.categories


def test_batch_equals_single(kw: CrisisDetector) -> None:
    texts = [t for t, _ in LEVEL_CASES] + ["kms", "i have a \U0001f52a and i'm done"]
    assert kw.assess_batch(texts) == [kw.assess(t) for t in texts]


def test_deterministic_across_instances(kw: CrisisDetector) -> None:
    other = CrisisDetector.load(classifier=False)
    for text, _ in LEVEL_CASES:
        assert kw.assess(text) == other.assess(text)


def test_long_journal_entry_with_risk_in_the_middle(kw: CrisisDetector) -> None:
    filler = "Today I went to class, then I walked the dog around the park and cooked dinner. " * 130
    text = filler + "Honestly I have decided to kill myself tonight. " + filler
    assert len(text) > 20_000
    assert kw.assess(text).level == RiskLevel.IMMINENT
    assert kw.assess(filler * 2).level == RiskLevel.NONE


def test_extra_lexicon_from_records() -> None:
    det = CrisisDetector.load(
        classifier=False,
        extra_lexicons=[
            [{"term": "going to see the purple door", "category": "suicidal_ideation", "weight": 0.9}]
        ],
    )
    assert det.assess("i'm going to see the purple door").level >= RiskLevel.MODERATE
    assert (
        CrisisDetector.load(classifier=False).assess("i'm going to see the purple door").level
        == RiskLevel.NONE
    )


def test_batch_rejects_a_single_string_and_non_text(kw: CrisisDetector) -> None:
    with pytest.raises(TypeError):
        kw.assess_batch("i want to die")
    with pytest.raises(TypeError):
        kw.assess(None)  # type: ignore[arg-type]


def test_retraction_modifier_is_reported(kw: CrisisDetector) -> None:
    from crisis_engine import Context, ContextMessage

    ctx = Context(recent_messages=(ContextMessage("i'm going to kill myself tonight"),))
    a = kw.assess("jk lol", context=ctx)
    assert any(Modifier.RETRACTION in m.modifiers for m in a.matches)
    assert "retraction" in a.details["modifiers"]


@pytest.mark.slow
def test_full_pipeline_levels(full: CrisisDetector) -> None:
    assert full.uses_classifier
    assert full.assess("").level == RiskLevel.NONE
    assert full.assess("had a lovely walk with my dog").level <= RiskLevel.LOW
    assert full.assess("i want to kill myself and i've been stockpiling pills").level >= RiskLevel.HIGH
    assert full.assess("i already took all my pills").level == RiskLevel.IMMINENT
    a = full.assess("i want to die")
    assert a.level >= RiskLevel.MODERATE
    assert "classifier" in a.explanation
    assert a.details["mode"] == "full"


@pytest.mark.slow
def test_full_pipeline_batch_agrees_with_single_and_is_deterministic(full: CrisisDetector) -> None:
    texts = [t for t, _ in LEVEL_CASES] + [
        "i feel like nobody would notice if i disappeared",
        "great game last night",
    ]
    batch = full.assess_batch(texts)
    single = [full.assess(t) for t in texts]
    # A lone message takes the encoder's one-row path (last float digits differ from batches).
    assert [a.level for a in batch] == [a.level for a in single]
    assert [a.categories for a in batch] == [a.categories for a in single]
    assert max(abs(a.score - b.score) for a, b in zip(batch, single, strict=True)) < 1e-4
    assert single == [full.assess(t) for t in texts]  # same text, same assessment
    assert batch == full.assess_batch(texts)
    # A text's assessment does not depend on what it is batched with, bit for bit.
    assert full.assess_batch(texts[::-1])[::-1] == batch
    assert full.assess_batch(texts[:3] + texts)[3:] == batch


@pytest.mark.slow
def test_full_pipeline_long_text_chunks(full: CrisisDetector) -> None:
    filler = "Today I went to class, then I walked the dog around the park and cooked dinner. " * 130
    text = filler + "I can't do this anymore, I'm going to end my life tonight. " + filler
    assert full.assess(text).level >= RiskLevel.HIGH


@pytest.mark.slow
def test_exact_batches_equal_single_calls_bit_for_bit() -> None:
    from crisis_engine.detector import DetectorConfig

    exact = CrisisDetector.load(classifier=True, config=DetectorConfig(exact_batches=True))
    texts = [t for t, _ in LEVEL_CASES] + ["nobody would notice if i disappeared", "great game last night"]
    assert exact.assess_batch(texts) == [exact.assess(t) for t in texts]


@pytest.mark.parametrize("text", ["that is odd", "feeling odd today", "i work odd jobs"])
def test_the_word_odd_is_not_an_overdose(kw: CrisisDetector, full: CrisisDetector, text: str) -> None:
    for detector in (kw, full):
        a = detector.assess(text)
        assert a.level <= RiskLevel.LOW, (text, a.level)
        assert not any("overdos" in m.term for m in a.matches)
