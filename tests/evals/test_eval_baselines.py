"""The TF-IDF + logistic regression baseline on a tiny training set."""

from __future__ import annotations

import pytest

from crisis_engine.types import RiskLevel
from evals.baselines import TfidfBaseline, TrainingDataError, TrainingExample, load_engine_training_data
from evals.items import EvalItem

N, H = RiskLevel.NONE, RiskLevel.HIGH
TRAIN = [
    TrainingExample("i want to kill myself tonight", H),
    TrainingExample("i am going to end my life", H),
    TrainingExample("i have pills and i want to die", H),
    TrainingExample("nice walk in the park today", N),
    TrainingExample("i love pizza and films", N),
    TrainingExample("work was fine, went to the gym", N),
]


def item(text: str, *docs: str) -> EvalItem:
    return EvalItem(id=text or "u", text=text, min_level=N, max_level=N, documents=tuple(docs))


def test_scores_rank_risky_text_above_ordinary_text() -> None:
    model = TfidfBaseline(TRAIN)
    risky, calm = model.predict([item("i want to die tonight"), item("went to the park for a walk")])
    assert risky.score > 0.5 > calm.score
    assert risky.level is H
    assert calm.level is N
    assert risky.categories == frozenset()  # the baseline predicts no categories


def test_multi_document_items_are_aggregated_per_user() -> None:
    model = TfidfBaseline(TRAIN)
    (user,) = model.predict([item("", "nice films today", "i want to end my life", "gym was fine")])
    assert user.level is H
    assert user.document_index == 1


def test_training_data_is_the_engines_train_split() -> None:
    try:
        examples = load_engine_training_data()
    except TrainingDataError as exc:  # engine package incomplete on this checkout
        pytest.skip(str(exc))
    from crisis_engine.training.dataset import split

    train, _validation = split()
    # Exactly the engine's train rows, in order: never its validation rows.
    assert [ex.text for ex in examples] == [ex.text for ex in train]
    assert [ex.level.value for ex in examples] == [ex.level for ex in train]
