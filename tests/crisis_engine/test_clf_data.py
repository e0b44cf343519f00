"""Training data: schema, size, balance and a reproducible split."""

from __future__ import annotations

from collections import Counter

import pytest

from crisis_engine.training.dataset import load_messages, split
from crisis_engine.training.templates import generate
from crisis_engine.types import RiskLevel


def test_clf_data_is_large_and_covers_every_level_and_category() -> None:
    hand = load_messages()
    everything = hand + generate()
    assert len(hand) >= 900
    assert len(everything) >= 1500
    levels = Counter(e.level for e in everything)
    assert all(levels[lv.value] >= 100 for lv in RiskLevel)
    cats = Counter(c for e in everything for c in e.categories)
    for cat in ("suicidal_ideation", "self_harm", "plan_or_means", "imminent", "abuse",
                "eating_disorder", "harm_to_others", "concern_for_other", "hopelessness"):  # fmt: skip
        assert cats[cat] >= 20, cat
    kinds = Counter(e.kind for e in hand)
    assert kinds["hard_negative"] >= 250


def test_clf_data_rows_are_consistent() -> None:
    for ex in load_messages() + generate():
        crisis = RiskLevel(ex.level) >= RiskLevel.MODERATE
        assert ex.text.strip() == ex.text
        assert ex.text
        assert (ex.kind == "crisis") == crisis, ex.tag
        assert bool(ex.categories) == crisis, ex.tag


def test_clf_split_is_reproducible_and_disjoint() -> None:
    train_a, val_a = split()
    train_b, val_b = split()
    assert [e.text for e in val_a] == [e.text for e in val_b]
    assert [e.text for e in train_a] == [e.text for e in train_b]
    assert not {e.text for e in val_a} & {e.text for e in train_a}
    assert all(e.origin == "hand" for e in val_a)
    assert Counter(e.level for e in val_a).keys() == {lv.value for lv in RiskLevel}


def test_clf_templates_are_deterministic() -> None:
    assert generate(seed=1) == generate(seed=1)
    assert generate(seed=1) != generate(seed=2)


def test_clf_split_of_the_first_file_ignores_later_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Adding a data file must not move rows of messages.jsonl between training and validation,
    # or validation figures before and after a data change are not comparable.
    from crisis_engine.training import dataset

    files = dataset.data_files()
    assert files[0] == "messages.jsonl"
    _, val_all = split()
    monkeypatch.setattr(dataset, "data_files", lambda: ["messages.jsonl"])
    _, val_first = split()
    first = {e.text for e in dataset._load_file("messages.jsonl")}
    assert [e.text for e in val_all if e.text in first] == [e.text for e in val_first]
    if len(files) > 1:
        assert len(val_all) > len(val_first)
