"""Long-text windows for the encoder, and explanations."""

from __future__ import annotations

import itertools

from crisis_engine.chunks import split_windows
from crisis_engine.explain import explain
from crisis_engine.types import Category, Match, Modifier, RiskLevel


def test_short_text_is_one_window() -> None:
    assert split_windows("i want to die") == ["i want to die"]


def test_long_text_windows_overlap_and_cover_everything() -> None:
    sentences = [f"sentence number {i} is here." for i in range(200)]
    text = " ".join(sentences)
    windows = split_windows(text, max_words=40, overlap=1)
    assert len(windows) > 1
    assert all(len(w.split()) <= 40 for w in windows)
    joined = " ".join(windows)
    for s in sentences:
        assert s in joined
    # Consecutive windows share a sentence, so a statement on a border is seen whole.
    for a, b in itertools.pairwise(windows):
        assert a.split(".")[-2].strip() in b


def test_a_sentence_longer_than_a_window_is_cut_with_overlap() -> None:
    words = [f"w{i}" for i in range(500)]
    windows = split_windows(" ".join(words), max_words=100)
    assert all(len(w.split()) <= 100 for w in windows)
    assert set(" ".join(windows).split()) == set(words)


def _m(term: str, cat: Category, w: float, mods: tuple[Modifier, ...] = ()) -> Match:
    return Match(term, cat, (0, len(term)), w, w, mods, term)


def test_explanation_mentions_ideation_timing_and_classifier() -> None:
    text = explain(
        RiskLevel.IMMINENT,
        [_m("want to die", Category.SUICIDAL_IDEATION, 0.85), _m("tonight", Category.IMMINENT, 0.55)],
        classifier_score=0.93,
    )
    assert text == (
        "Timing or an act in progress ('tonight') raises the level; "
        "direct first-person suicidal ideation ('want to die'); classifier agrees (0.93)."
    )


def test_explanation_names_lowered_matches_and_context() -> None:
    text = explain(
        RiskLevel.MODERATE,
        [_m("kill myself", Category.SUICIDAL_IDEATION, 0.9, (Modifier.NEGATION,))],
        classifier_score=None,
        context_reasons=("3 concerning messages in a row",),
    )
    assert "'kill myself' negated" in text
    assert "conversation context" in text


def test_explanation_quotes_are_short() -> None:
    long_term = "want to " + "really " * 20 + "die"
    text = explain(
        RiskLevel.MODERATE, [_m(long_term, Category.SUICIDAL_IDEATION, 0.85)], classifier_score=None
    )
    assert "really really really really" in text
    assert text.count("really") <= 6
