"""Word n-gram model: pure-Python features equal scikit-learn's, shipped weights load safely."""

from __future__ import annotations

import numpy as np

from crisis_engine.lexical import LexicalModel, mix_risk, ngrams
from crisis_engine.training.lexical_fit import fit_lexical


def test_lexical_logits_equal_sklearn_pipeline() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [
        "i want to die", "i want to sleep earlier", "shoot me a text", "i'm going to end it tonight",
        "had a nice walk", "nobody would miss me", "my feet are killing me", "i cut myself again",
        "want to get better at saying no", "i can't go on like this", "pizza tonight?", "goodbye everyone",
    ]  # fmt: skip
    risk = np.asarray([1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], dtype=np.float32)
    weight = np.linspace(0.5, 1.5, len(texts)).astype(np.float32)
    model = LexicalModel.from_arrays(fit_lexical(texts, risk, weight, "test"))
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False)
    x = vec.fit_transform(texts)
    lr = LogisticRegression(C=16.0, max_iter=5000).fit(x, risk.astype(np.int64), sample_weight=weight)
    probe = ["i want to die tonight", "i want to sleep", "completely unseen words", "die die die"]
    expected = lr.decision_function(vec.transform(probe))
    assert np.allclose(model.logits(probe), expected, atol=1e-5)


def test_ngrams_are_unigrams_and_bigrams_of_two_letter_tokens() -> None:
    grams = ngrams("i want to die, to die")
    assert grams["to die"] == 2
    assert grams["want to"] == 1
    assert "i" not in grams


def test_mix_is_an_average_of_logits() -> None:
    out = mix_risk(np.asarray([0.5, 0.9]), np.asarray([0.0, np.log(9.0)]), 0.5)
    assert np.allclose(out, [0.5, 0.9], atol=1e-6)


def test_shipped_lexical_weights_load_without_pickle() -> None:
    model = LexicalModel.load()
    assert model.logit("i want to kill myself") > model.logit("i went for a walk with my dog")
    assert 0.0 < model.mix < 1.0
