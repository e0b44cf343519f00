"""Languages (issue #18 item 4): which path reads a message, and the lexicon entries of the
languages the crisis lines serve. Phrasings written for this test, not taken from the
evaluation suites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crisis_engine import CrisisDetector, RiskLevel
from crisis_engine.detector import DetectorConfig
from crisis_engine.language import PATH_ENCODER, PATH_LEXICON, STAGE_LEXICON, UNKNOWN, LanguageIdentifier
from crisis_engine.normalize import normalize
from crisis_engine.types import Category, Context, ContextMessage

DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"


@pytest.fixture(scope="module")
def ident() -> LanguageIdentifier:
    return LanguageIdentifier.load()


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.load(classifier=True)


@pytest.fixture(scope="module")
def kw() -> CrisisDetector:
    return CrisisDetector.load(classifier=False)


def _guess(ident: LanguageIdentifier, text: str) -> tuple[str, str]:
    g = ident.guess(text, normalize(text).text)
    return g.code, g.path


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ayer estuve toda la tarde llorando en mi cuarto sin saber qué hacer", "es"),
        ("je n'arrive plus à dormir depuis que mon père est parti", "fr"),
        ("seit Wochen schlafe ich kaum noch und habe keine Kraft mehr", "de"),
        ("faz dias que não consigo sair da cama nem comer direito", "pt"),
        ("da quando mi sono trasferita non parlo più con nessuno", "it"),
    ],
)
def test_a_sentence_in_a_covered_language_takes_the_lexicon_path(
    ident: LanguageIdentifier, text: str, code: str
) -> None:
    assert _guess(ident, text) == (code, PATH_LEXICON)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hola", "short"),
        ("merci bcp", "short"),
        ("jaja sí", "short"),
        ("g0nna 3nd 1t t0n1ght after ev3ry0ne sl33ps", "obfuscated"),
        # English carried inside a foreign sentence: the risk may be in the English part.
        ("estoy agotada de verdad, i don't think i can keep going like this", "english function words"),
    ],
)
def test_short_obfuscated_and_mixed_messages_keep_the_encoder_path(
    ident: LanguageIdentifier, text: str, reason: str
) -> None:
    g = ident.guess(text, normalize(text).text)
    assert g.path == PATH_ENCODER
    assert g.supported
    assert g.reason == reason


def test_every_english_item_of_the_curated_and_everyday_suites_keeps_the_encoder_path(
    ident: LanguageIdentifier,
) -> None:
    """The safety property of the lexicon path: English is never taken away from the classifier
    (about 3,900 messages and conversation turns, the multilingual suites excepted)."""
    moved = []
    files = [*DATASETS.glob("*.jsonl"), *DATASETS.glob("everyday_chat/*.jsonl")]
    assert len(files) > 10
    for path in files:
        if path.stem == "multilingual":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            turns = [c if isinstance(c, str) else c["text"] for c in row.get("conversation", [])]
            for text in [row["text"], *turns]:
                g = ident.guess(text, normalize(text).text)
                if g.path != PATH_ENCODER:
                    moved.append((path.name, g.code))
    assert moved == []


def test_foreign_message_is_read_by_the_lexicon_alone_and_says_so(detector: CrisisDetector) -> None:
    a = detector.assess("llevo meses guardando pastillas en el cajón, ya casi tengo suficientes")
    assert a.language == "es"
    assert a.language_supported is False
    assert a.stage == STAGE_LEXICON
    assert a.details["language"]["path"] == PATH_LEXICON
    assert a.embedding is None
    assert a.classifier_score == 0.0
    assert a.level >= RiskLevel.HIGH
    assert a.evidence == ("lexicon",)
    assert Category.PLAN_OR_MEANS in a.categories
    assert a.to_dict()["language"] == "es"
    assert a.to_dict()["language_supported"] is False


def test_foreign_small_talk_without_lexicon_words_is_none_whatever_the_classifier_would_say(
    detector: CrisisDetector,
) -> None:
    text = "hoy por fin terminé el proyecto y mañana me voy de vacaciones con mis primos"
    a = detector.assess(text)
    assert (a.stage, a.level, a.matches) == (STAGE_LEXICON, RiskLevel.NONE, ())


def test_english_is_assessed_exactly_as_without_languages(detector: CrisisDetector) -> None:
    off = CrisisDetector.load(config=DetectorConfig(languages=False))
    for text in (
        "i've been stockpiling my meds and tonight is the night",
        "my phone died lol",
        "i feel like everyone would be better off if i just disappeared for good",
    ):
        on_a, off_a = detector.assess(text), off.assess(text)
        assert (on_a.level, on_a.score, on_a.stage) == (off_a.level, off_a.score, off_a.stage)
        assert on_a.language_supported
    assert off.language_identifier is None
    assert off.assess("me siento fatal y no sé por qué, todo me sale mal").language == UNKNOWN


def test_a_foreign_turn_after_a_risky_one_is_still_raised_by_the_conversation(
    detector: CrisisDetector,
) -> None:
    first = detector.assess("i have the pills here and i want to die")
    ctx = Context(recent_messages=(ContextMessage("i have the pills here and i want to die", first),))
    a = detector.assess("ya no me importa nada de lo que pase mañana por la mañana", context=ctx)
    assert a.stage == STAGE_LEXICON
    assert a.level >= RiskLevel.MODERATE
    assert "context" in a.evidence


@pytest.mark.parametrize(
    ("text", "minimum"),
    [
        ("llevo días pensando en quitarme la vida", RiskLevel.MODERATE),
        ("me volví a cortar anoche y nadie lo sabe", RiskLevel.MODERATE),
        ("me provoco el vómito cada vez que como algo", RiskLevel.MODERATE),
        ("je pense sérieusement au suicide depuis lundi", RiskLevel.MODERATE),
        ("j'accumule des cachets depuis un mois", RiskLevel.HIGH),
        ("am liebsten wäre ich einfach tot", RiskLevel.MODERATE),
        ("ich habe Schlaftabletten gesammelt", RiskLevel.HIGH),
        ("ich hab mich schon wieder geritzt", RiskLevel.MODERATE),
        ("eu só atrapalho, todo mundo estaria melhor sem mim", RiskLevel.MODERATE),
        ("tô guardando remédio escondido no armário", RiskLevel.HIGH),
        ("vorrei essere morta, sono solo un peso", RiskLevel.MODERATE),
        ("ho nascosto i sonniferi nel cassetto", RiskLevel.HIGH),
        ("ik heb mezelf opnieuw gesneden", RiskLevel.MODERATE),
        ("znowu się pocięłam", RiskLevel.MODERATE),
    ],
)
def test_new_entries_of_the_crisis_line_languages(kw: CrisisDetector, text: str, minimum: RiskLevel) -> None:
    assert kw.assess(text).level >= minimum, text


@pytest.mark.parametrize(
    "text",
    [
        "me corté las uñas y ya estoy lista",
        "je me suis coupé les cheveux hier",
        "meine Schwester macht heute Schluss mit ihrem Freund",
        "essa prova vai me matar de tanto estudar",
        "mi sono tagliato un dito col coltello del pane",
        "ik heb gisteren mijn haar gesneden",
        "ich will einfach nicht mehr arbeiten heute",
    ],
)
def test_everyday_uses_of_the_new_words_do_not_alert(kw: CrisisDetector, text: str) -> None:
    assert kw.assess(text).level < RiskLevel.MODERATE, text
