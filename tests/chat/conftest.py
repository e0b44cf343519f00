"""Fixtures for the chat tests: reference data (agents, crisis lines, the C-SSRS template)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def keyword_engine() -> Iterator[None]:
    """The crisis engine in keyword-only mode for the duration of a test.

    Conversation tests check the chat (turns, seqs, streaming, storage), not the classifier's
    calibration, which is trained separately and still moves; with the classifier, ordinary
    sentences can build up to moderate over three turns and rightly hand over to the crisis flow.
    Crisis tests use the full engine.
    """
    from crisis_engine import CrisisDetector
    from hp_agent.chat import assessor

    assessor.pin_detector(CrisisDetector.load(classifier=False))
    yield
    assessor.pin_detector(None)
