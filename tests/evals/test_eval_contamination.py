"""Overlap detection between evaluation items and training texts."""

from __future__ import annotations

from crisis_engine.types import RiskLevel
from evals.contamination import find_overlap, normalise
from evals.items import EvalItem


def item(i: str, text: str) -> EvalItem:
    return EvalItem(id=i, text=text, min_level=RiskLevel.NONE, max_level=RiskLevel.NONE)


def test_normalise_ignores_case_and_punctuation() -> None:
    assert normalise("I  want to DIE!!!") == "i want to die"


def test_exact_and_near_duplicates() -> None:
    items = [
        item("a", "I want to die."),  # exact after normalisation
        item("b", "everyone would be better off without me honestly"),  # 7/8 tokens shared -> near
        item("c", "my cat knocked over the plant again"),  # unrelated
        item("d", "die"),  # too short for a near verdict
    ]
    training = ["i want to die", "everyone would be better off without me", "die today"]
    overlap = find_overlap(items, training)
    assert overlap.exact == ("a",)
    assert overlap.near == ("b",)
    assert overlap.n_training == 3


def test_paraphrases_are_reported_apart_from_near_duplicates() -> None:
    items = [
        item("p", "everybody in my life would be better off without me"),  # same content stems
        item("q", "thanks, that helps"),  # too few content words for a verdict
    ]
    overlap = find_overlap(items, ["everyone would be better off without me", "thanks that helped"])
    assert overlap.near == ()
    assert overlap.paraphrase == ("p",)
    assert overlap.as_dict()["paraphrase"] == ["p"]
