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
    from hp_agent.crisis import assessor

    assessor.pin_detector(CrisisDetector.load(classifier=False))
    yield
    assessor.pin_detector(None)


# Texts the stand-in classifier is sure about (``engines.SureClassifierDetector``): ordinary
# messages that the live run saw put at moderate by the classifier alone.
UNCERTAIN_TEXTS = (
    "my roommate keeps leaving dishes everywhere and i'm fed up",
    "is it normal to still be crying about it?",
    "nope, i'm just fed up with the mess",  # a no to the check that itself reads moderate
)
# Read as moderate only with the conversation before them (the context stage, no lexicon).
RAISED_TEXTS = ("how do i bring it up without it turning into a huge fight?",)


@pytest.fixture
def uncertain_engine() -> Iterator[None]:
    """The engine with a classifier stand-in sure about ``UNCERTAIN_TEXTS`` (see engines.py)."""
    from hp_agent.crisis import assessor
    from tests.chat.engines import SureClassifierDetector

    assessor.pin_detector(SureClassifierDetector(UNCERTAIN_TEXTS, RAISED_TEXTS))
    yield
    assessor.pin_detector(None)
