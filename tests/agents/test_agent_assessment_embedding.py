"""The crisis engine hands back the sentence embedding it computed, so the agents reuse it."""

from __future__ import annotations

import numpy as np
import pytest

from crisis_engine import CrisisDetector


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.load()


def test_assessment_carries_the_message_embedding(detector: CrisisDetector) -> None:
    text = "can you help me make a revision timetable?"
    a = detector.assess(text)
    assert a.embedding is not None
    assert a.embedding.shape == (384,)
    assert detector.encoder is not None
    direct = detector.encoder.encode([text])[0]
    assert np.allclose(a.embedding, direct, atol=1e-5)
    assert "embedding" not in a.to_dict()  # in-process reuse only, never stored or sent


def test_batched_assessments_each_get_their_own_embedding(detector: CrisisDetector) -> None:
    a, b = detector.assess_batch(["i can't sleep before exams", "thanks, that helped"])
    assert a.embedding is not None
    assert b.embedding is not None
    assert float(np.dot(a.embedding, b.embedding)) < 0.9


def test_keyword_only_mode_has_no_embedding() -> None:
    assert CrisisDetector.load(classifier=False).assess("hello there").embedding is None
