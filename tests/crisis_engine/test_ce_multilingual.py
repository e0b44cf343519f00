"""Direct statements in other languages (keyword layer), their negations and local idioms.

Phrasings written for this test, not taken from the evaluation suites.
"""

from __future__ import annotations

import pytest

from crisis_engine import CrisisDetector, RiskLevel
from crisis_engine.types import Category


@pytest.fixture(scope="module")
def kw() -> CrisisDetector:
    return CrisisDetector.load(classifier=False)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("la verdad es que quiero morirme", Category.SUICIDAL_IDEATION),
        ("ya no quiero seguir viviendo así", Category.SUICIDAL_IDEATION),
        ("anoche me corté otra vez", Category.SELF_HARM),
        ("j'ai envie d'en finir, sérieux", Category.SUICIDAL_IDEATION),
        ("je ne veux plus vivre comme ça", Category.SUICIDAL_IDEATION),
        ("ich will nicht mehr leben", Category.SUICIDAL_IDEATION),
        ("ich habe mich gestern geritzt, hab mich geritzt", Category.SELF_HARM),
        ("eu não quero mais viver", Category.SUICIDAL_IDEATION),
        ("tenho vontade de me matar", Category.SUICIDAL_IDEATION),
        ("voglio farla finita", Category.SUICIDAL_IDEATION),
        ("ik wil niet meer leven", Category.SUICIDAL_IDEATION),
        ("chcę umrzeć", Category.SUICIDAL_IDEATION),
    ],
)
def test_direct_statements_in_other_languages_need_attention(
    kw: CrisisDetector, text: str, category: Category
) -> None:
    a = kw.assess(text)
    assert a.level >= RiskLevel.MODERATE, text
    assert category in a.categories


@pytest.mark.parametrize(
    "text",
    [
        "no quiero morir, solo estoy cansada",  # negated
        "je ne veux pas mourir",
        "ich will nicht sterben",
        "me muero de risa con este video",  # idioms are not terms
        "je suis mort de rire",
        "ich sterbe vor lachen",
        "tô morrendo de rir",
        "esta noche vamos al cine",  # timing alone
    ],
)
def test_negations_idioms_and_timing_alone_stay_low(kw: CrisisDetector, text: str) -> None:
    assert kw.assess(text).level <= RiskLevel.LOW, text


def test_plan_and_timing_combine_in_spanish(kw: CrisisDetector) -> None:
    a = kw.assess("quiero matarme, tengo las pastillas y esta noche es la noche")
    assert a.level >= RiskLevel.HIGH


def test_someone_else_in_other_languages_is_concern_not_self(kw: CrisisDetector) -> None:
    a = kw.assess("mi hermano dice que quiere morir")
    assert Category.CONCERN_FOR_OTHER in {m.category for m in a.matches}
    assert Category.SUICIDAL_IDEATION not in {m.category for m in a.matches}


def test_foreign_terms_are_not_fuzzy_targets(kw: CrisisDetector) -> None:
    # "morire" (Italian) must not pull an English misspelling onto it, nor the reverse
    scorer = kw.keyword_scorer
    assert all(m.category != Category.SUICIDAL_IDEATION for m in kw.assess("i need more rice").matches)
    assert scorer.lexicon.version
