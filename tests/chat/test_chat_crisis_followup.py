"""Crisis-flow replies after the C-SSRS screener, through a real socket.

Once the screener is over, a risky message is answered for what it says: at imminent risk the
reply asks whether the person is safe right now and the urgent resources follow; a request for
secrecy gets an honest no; a question about doses gets a refusal without any number; and
consecutive replies are never word for word the same.

The crisis engine is pinned to a stub that returns a fixed level per message: these tests are
about what the flow says at a level, and the real engine is retrained independently (its levels
for these sentences may move). Expected wording is read from ``prompts/crisis/flow.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, cast

import pytest
import yaml

from crisis_engine import Assessment, Category, Context, CrisisDetector, RiskLevel
from hp_agent.crisis import assessor
from hp_agent.crisis.followup import clauses, compose, intents, pick
from hp_agent.paths import prompts_dir
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

CRISIS = "I want to kill myself. I can't do this anymore."
TONIGHT = "i'm going to take them tonight after my roommate goes to bed"
SECRET = "promise you won't tell anyone"
DOSE = "how many pills would it take"

LEVELS = {
    CRISIS: RiskLevel.HIGH,
    TONIGHT: RiskLevel.IMMINENT,
    SECRET: RiskLevel.HIGH,
    DOSE: RiskLevel.IMMINENT,
    "so how many would it even take": RiskLevel.IMMINENT,
    "i still want to do it tonight": RiskLevel.IMMINENT,
}


class StubDetector:
    """Levels by exact text (anything else is LOW): the flow's input, not the engine under test."""

    def assess_batch(self, texts: Sequence[str], contexts: Sequence[Context | None]) -> list[Assessment]:
        return [self.assess(t) for t in texts]

    def assess(self, text: str, context: Context | None = None) -> Assessment:
        level = LEVELS.get(text, RiskLevel.LOW)
        return Assessment(
            level=level,
            score={RiskLevel.LOW: 0.3, RiskLevel.HIGH: 0.85}.get(level, 0.95),
            categories=(Category.SUICIDAL_IDEATION,),
            matches=(),
            explanation="test stub",
            engine_version="stub",
        )


@pytest.fixture
def stub_engine() -> Iterator[None]:
    assessor.pin_detector(cast(CrisisDetector, StubDetector()))
    yield
    assessor.pin_detector(None)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def copy() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((prompts_dir() / "crisis" / "flow.yaml").read_text("utf-8"))
    return data


def _variants(raw: list[str]) -> list[str]:
    return [_one_line(v) for v in raw]


async def _after_screener(live_server: LiveServer) -> Chat:
    """A US user whose screener (started by a high-risk message) ended with three noes."""
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("listener")
    await chat.say(CRISIS)
    await chat.expect("safety", kind="question")
    for answer in ("no", "no", "no"):  # Q1, Q2 (skips to Q6), Q6
        await chat.say(answer)
    await chat.expect("safety", kind="screener_result")
    return chat


async def _flow_frame(chat: Chat) -> dict[str, Any]:
    """The next crisis-flow frame (an escalation reminder may be pushed in between)."""
    while True:
        frame = await chat.expect("safety")
        if frame["kind"] != "reminder":
            return frame


async def _reply(chat: Chat, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Send a message after the screener: (acknowledgement, resources), in that order."""
    ack = await chat.say(text)
    first, second = [await _flow_frame(chat) for _ in range(2)]
    assert [first["kind"], second["kind"]] == ["acknowledge", "resources"]
    assert [first["seq"], second["seq"]] == [ack["seq"] + 1, ack["seq"] + 2]
    return first, second


pytestmark = pytest.mark.usefixtures("seeded", "stub_engine")


async def test_imminent_message_after_the_screener_asks_about_safety_now(
    live_server: LiveServer, copy: dict[str, Any]
) -> None:
    chat = await _after_screener(live_server)
    reply, resources = await _reply(chat, TONIGHT)
    assert reply["text"] in _variants(copy["follow_up"]["imminent"])
    assert re.search(r"are you (safe|somewhere safe)", reply["text"], re.IGNORECASE)
    assert "emergency number below now" in reply["text"]
    assert resources["payload"]["urgent"] is True
    assert any(line["action"]["uri"] == "tel:911" for line in resources["payload"]["crisis_lines"])

    # Said again: answered again, but not with the same words.
    again, _ = await _reply(chat, "i still want to do it tonight")
    assert again["text"] in _variants(copy["follow_up"]["imminent"])
    assert again["text"] != reply["text"]
    await chat.close()


async def test_secrecy_and_dose_requests_get_their_own_answer(
    live_server: LiveServer, copy: dict[str, Any]
) -> None:
    chat = await _after_screener(live_server)
    secrecy, _ = await _reply(chat, SECRET)
    assert any(secrecy["text"].startswith(v) for v in _variants(copy["intent"]["secrecy"]))
    assert "care team may be told" in secrecy["text"]
    # At high risk the level's safety question closes the answer.
    assert any(secrecy["text"].endswith(v) for v in _variants(copy["intent"]["close"]["high"]))

    dose, resources = await _reply(chat, DOSE)
    assert any(dose["text"].startswith(v) for v in _variants(copy["intent"]["method"]))
    assert not re.search(r"\d", dose["text"]), "a refusal to a dose question carries no number"
    assert any(dose["text"].endswith(v) for v in _variants(copy["intent"]["close"]["imminent"]))
    assert resources["payload"]["urgent"] is True

    again, _ = await _reply(chat, "so how many would it even take")
    assert any(again["text"].startswith(v) for v in _variants(copy["intent"]["method"]))
    assert again["text"] != dose["text"]
    assert not re.search(r"\d", again["text"])
    await chat.close()


async def test_dose_question_before_and_during_the_screener_is_refused_first(
    live_server: LiveServer, copy: dict[str, Any]
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("listener")
    await chat.say(DOSE)  # the first risky message: refusal, then the imminent acknowledgement
    ack = await _flow_frame(chat)
    assert ack["kind"] == "acknowledge"
    refusal = next(v for v in _variants(copy["intent"]["method"]) if ack["text"].startswith(v))
    assert ack["text"].endswith(_one_line(copy["acknowledge"]["imminent"]))
    assert (await _flow_frame(chat))["kind"] == "resources"
    q1 = await _flow_frame(chat)
    assert q1["kind"] == "question"

    await chat.say(DOSE)  # not an answer: refused again (other words), then the same question
    assert (await _flow_frame(chat))["kind"] == "resources"  # imminent: the lines come first
    again = await _flow_frame(chat)
    assert again["question"]["item_id"] == q1["question"]["item_id"]
    assert again["intro"] in _variants(copy["intent"]["method"])
    assert again["intro"] != refusal
    await chat.close()


# -- the follow-up rules without a socket ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("please don't tell anyone. promise me", ("secrecy",)),
        ("if i tell you something, can you promise to keep it just between us?", ("secrecy",)),
        ("I don\u2019t want my mum to find out", ("secrecy",)),
        ("how many would it even take", ("method",)),
        ("what's the most painless way to die", ("method",)),
        ("how high does a bridge need to be", ("method",)),
        ("don't tell anyone, but how much would i need?", ("method", "secrecy")),
        # Not requests: help-seeking and ordinary questions must not be refused.
        ("how can i stop wanting to kill myself", ()),
        ("what's the quickest way to feel better", ()),
        ("i don't tell anyone how i feel", ()),
        ("what meds would work for anxiety", ()),
        ("how much sleep is enough", ()),
    ],
)
def test_requests_are_recognised(text: str, found: tuple[str, ...]) -> None:
    assert intents(text) == found


def test_clauses_are_normalised() -> None:
    assert clauses("Please, DON\u2019T tell anyone!! Promise?") == ["please", "don't tell anyone", "promise"]


def test_rotation_never_repeats_the_last_reply() -> None:
    recent: list[str] = []
    seen = []
    for _ in range(5):
        reply = compose(TONIGHT, RiskLevel.IMMINENT, recent)
        assert not recent or reply != recent[0]
        seen.append(reply)
        recent.insert(0, reply)
    assert len(set(seen)) == 3  # every variant used before any comes back
    assert pick(("a", "b"), ["x b y", "a"]) == "a"  # least recently used when all were used


def test_high_follow_up_mentions_the_safety_plan_only_when_there_is_one(copy: dict[str, Any]) -> None:
    plan = _one_line(copy["follow_up"]["high_with_plan"])
    assert plan in compose("it's bad again", RiskLevel.HIGH, [], has_plan=True)
    assert "safety plan" not in compose("it's bad again", RiskLevel.HIGH, [], has_plan=False)
    moderate = compose("it's bad again", RiskLevel.MODERATE, [], has_plan=True)
    assert moderate == _one_line(copy["acknowledge_again"])
