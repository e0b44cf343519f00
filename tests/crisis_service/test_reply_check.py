"""Issue #15: an agent reply the service wrote is checked once per distinct sentence and
remembered; a reply a model generated is assessed as a whole every time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from crisis_engine import Assessment, Context, CrisisDetector, RiskLevel
from hp_agent.crisis import assessor
from hp_agent.crisis.reply_check import assess_reply


class CountingDetector(CrisisDetector):
    """The real keyword-only engine, recording every text it is asked to assess."""

    seen: list[str]

    def assess_batch(
        self, texts: Sequence[str], contexts: Sequence[Context | None] | None = None
    ) -> list[Assessment]:
        self.seen.extend(texts)
        return super().assess_batch(texts, contexts)


@pytest.fixture
def counting() -> Iterator[CountingDetector]:
    base = CrisisDetector.load(classifier=False)
    det = CountingDetector(base.keyword_scorer, None)
    det.seen = []
    assessor.pin_detector(det)
    yield det
    assessor.pin_detector(None)


async def test_service_reply_sentences_are_checked_once(counting: CountingDetector) -> None:
    reply = "That sounds like a long week. Shall we try a breathing exercise?"
    first = await assess_reply(reply, generated=False)
    assert first.level == RiskLevel.NONE
    assert counting.seen == ["That sounds like a long week.", "Shall we try a breathing exercise?"]
    await assess_reply(reply, generated=False)
    await assess_reply("Shall we try a breathing exercise? That sounds like a long week.", generated=False)
    assert len(counting.seen) == 2  # every sentence known: no engine call
    await assess_reply("That sounds like a long week. You mentioned the exam.", generated=False)
    assert counting.seen[2:] == ["You mentioned the exam."]


async def test_risky_sentence_in_a_service_reply_is_caught(counting: CountingDetector) -> None:
    a = await assess_reply("Thanks for sharing. I want to kill myself.", generated=False)
    assert a.level >= RiskLevel.MODERATE
    assert a.keyword_score > 0


async def test_generated_reply_is_assessed_whole(counting: CountingDetector) -> None:
    text = "Here is an idea. Try writing one line tonight."
    a = await assess_reply(text, generated=True)
    assert a.level == RiskLevel.NONE
    assert counting.seen == [text]  # the whole text, not its sentences


async def test_guarded_reply_from_the_scripted_engine_is_read_by_sentence(counting: CountingDetector) -> None:
    from hp_agent.chat import replies

    async def chunks(text: str):  # type: ignore[no-untyped-def]
        yield text

    sent: list[str] = []

    async def emit(piece: str) -> None:
        sent.append(piece)

    text = "Good to hear. What helped most today?"
    result = await replies.guarded(chunks(text), emit, generated=False)
    assert not result.replaced
    assert counting.seen == ["Good to hear.", "What helped most today?"]
    await replies.guarded(chunks(text), emit, generated=True)
    assert counting.seen[2:] == [text]
    blocked = await replies.guarded(chunks("Good to hear. I want to kill myself."), emit, generated=False)
    assert blocked.replaced


def test_only_the_scripted_engine_counts_as_service_text() -> None:
    from types import SimpleNamespace

    from hp_agent.agents.models import ModelProvider
    from hp_agent.chat.agent_bridge import AgentBridge

    bridge = AgentBridge(settings=None)  # type: ignore[arg-type]
    assert bridge.generates_text  # no agent configured: the safe reading
    bridge.config = SimpleNamespace(model_provider=ModelProvider.SCRIPTED)  # type: ignore[assignment]
    assert not bridge.generates_text
    bridge.config = SimpleNamespace(model_provider=ModelProvider.OLLAMA)  # type: ignore[assignment]
    assert bridge.generates_text


def test_hp_crisis_cascade_false_loads_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from hp_agent.config import get_settings
    from hp_agent.crisis import engine

    monkeypatch.setenv("HP_CRISIS_CASCADE", "false")
    get_settings.cache_clear()
    monkeypatch.setattr(engine, "_detector", None)
    # Any other module-level detector state is put back too (a lexicon overlay keeps its base).
    monkeypatch.setattr(engine, "_base", None, raising=False)
    try:
        det = engine.get_detector()
        assert det.first_stage is None
        assert det.assess("had pasta for dinner").stage == "full"
    finally:
        get_settings.cache_clear()
