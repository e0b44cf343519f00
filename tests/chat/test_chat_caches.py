"""Memoised work on the chat's hot path never outlives what it was computed from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crisis_engine import Context, ContextMessage, CrisisDetector
from hp_agent.agents.scripted import analysis
from hp_agent.agents.scripted.content import default_content, load_content
from hp_agent.crisis import assessor


@pytest.fixture
def detectors() -> Iterator[tuple[CrisisDetector, CrisisDetector]]:
    first, second = CrisisDetector.load(classifier=False), CrisisDetector.load(classifier=False)
    yield first, second
    assessor.pin_detector(None)


async def test_context_free_assessments_are_memoised_per_detector(
    detectors: tuple[CrisisDetector, CrisisDetector],
) -> None:
    first, second = detectors
    text = "Shall we try a short breathing exercise together?"
    assessor.pin_detector(first)
    once = await assessor.assess(text)
    assert await assessor.assess(text) is once  # the same detector: no second engine pass
    assessor.pin_detector(second)
    again = await assessor.assess(text)
    assert again is not once  # another detector (reloaded, retrained): assessed afresh
    assert again.level == once.level


async def test_assessments_with_context_always_run_the_engine(
    detectors: tuple[CrisisDetector, CrisisDetector],
) -> None:
    assessor.pin_detector(detectors[0])
    ctx = Context(recent_messages=(ContextMessage(text="I had a rough week."),))
    text = "I went for a walk this morning."
    assert await assessor.assess(text, ctx) is not await assessor.assess(text, ctx)


def test_message_analyses_are_shared_only_for_the_same_content() -> None:
    content = default_content()
    text = "My sister and I argued about chores again."
    assert analysis.analyse(content, text) is analysis.analyse(content, text)
    reloaded = load_content()
    fresh = analysis.analyse(reloaded, text)
    assert fresh is not analysis.analyse(content, text)
    assert fresh == analysis.analyse(content, text)  # same content files: the same reading


def test_lru_is_bounded_keeps_the_recently_used_and_belongs_to_one_owner() -> None:
    from hp_agent.lru import LRU

    first, second = object(), object()
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1, owner=first)
    cache.put("b", 2, owner=first)
    assert cache.get("a", owner=first) == 1  # "a" is now the most recently used
    cache.put("c", 3, owner=first)
    assert cache.get("b", owner=first) is None  # the least recently used went
    assert (cache.get("a", owner=first), cache.get("c", owner=first)) == (1, 3)
    assert cache.get("a", owner=second) is None  # another owner finds nothing
    cache.put("d", 4, owner=second)
    assert cache.get("a", owner=first) is None  # and a put from it drops the first owner's items
    assert cache.get("d", owner=second) == 4
