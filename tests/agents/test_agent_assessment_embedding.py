"""The crisis engine hands back the sentence embedding it computed, so the agents reuse it; a
message the engine's first stage settled without the encoder gets one made for the agents."""

from __future__ import annotations

import numpy as np
import pytest

from crisis_engine import CrisisDetector
from crisis_engine.detector import DetectorConfig
from hp_agent.crisis import assessor, gateway

REVISION = "can you help me make a revision timetable?"


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.load()


@pytest.fixture(scope="module")
def full_path() -> CrisisDetector:
    return CrisisDetector.load(config=DetectorConfig(cascade=False))


def test_full_path_assessment_carries_the_message_embedding(full_path: CrisisDetector) -> None:
    a = full_path.assess(REVISION)
    assert a.stage == "full"
    assert a.embedding is not None
    assert a.embedding.shape == (384,)
    assert full_path.encoder is not None
    direct = full_path.encoder.encode([REVISION])[0]
    assert np.allclose(a.embedding, direct, atol=1e-5)
    assert "embedding" not in a.to_dict()  # in-process reuse only, never stored or sent


def test_batched_assessments_each_get_their_own_embedding(full_path: CrisisDetector) -> None:
    a, b = full_path.assess_batch(["i can't sleep before exams", "thanks, that helped"])
    assert a.embedding is not None
    assert b.embedding is not None
    assert float(np.dot(a.embedding, b.embedding)) < 0.9


async def test_a_first_stage_message_gets_its_embedding_for_the_agents(detector: CrisisDetector) -> None:
    a = detector.assess(REVISION)
    assert a.stage == "first"  # settled without the encoder: nothing to reuse
    assert a.embedding is None
    assert detector.encoder is not None
    assessor.pin_detector(detector)
    try:
        made = await gateway.agent_embedding(REVISION)
    finally:
        assessor.pin_detector(None)
    assert made is not None
    assert np.allclose(made, detector.encoder.encode([REVISION])[0], atol=1e-5)


def test_keyword_only_mode_has_no_embedding() -> None:
    assert CrisisDetector.load(classifier=False).assess("hello there").embedding is None
