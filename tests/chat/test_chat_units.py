"""Pure pieces of the chat layer: screener answers, screener order, sentiment, frame parsing."""

from __future__ import annotations

from typing import Any

import pytest

from hp_agent.chat import protocol, sentiment
from hp_agent.chat.protocol import ProtocolError, parse_frame
from hp_agent.crisis.flow import next_item, parse_answer, triage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("Yeah.", "yes"),
        ("yep", "yes"),
        ("kind of", "yes"),
        ("sometimes, yes", "yes"),
        ("I'm not sure", "yes"),
        ("maybe", "yes"),
        ("I have", "yes"),
        ("no", "no"),
        ("Nope!", "no"),
        ("not really", "no"),
        ("never", "no"),
        ("no, I haven't", "no"),
        ("definitely not", "no"),
        ("I don't think so", "no"),
        ("no... well, sometimes", "yes"),
        ("skip", "decline"),
        ("please stop", "decline"),
        ("skip this one", "decline"),
        ("how can i stop wanting to kill myself", "unclear"),
        ("i can't stop thinking about it, yes", "yes"),
        ("no more questions please, I'm done", "decline"),
        ("I'd rather not say", "decline"),
        ("hmm", "unclear"),
        ("what do you mean", "unclear"),
        ("I haven\u2019t", "no"),
    ],
)
def test_chat_parse_screener_answers(text: str, expected: str) -> None:
    assert parse_answer(text) == expected


ITEMS: list[dict[str, Any]] = [
    {"id": "cssrs_1"},
    {"id": "cssrs_2", "skip": {"if_value": 0, "go_to": "cssrs_6"}},
    {"id": "cssrs_3"},
    {"id": "cssrs_4"},
    {"id": "cssrs_5"},
    {"id": "cssrs_6"},
    {"id": "cssrs_6_recent", "ask_if": {"item": "cssrs_6", "value": 1}},
]
SCORING = {
    "triage": [
        {"severity": "high_risk", "any_yes": ["cssrs_4", "cssrs_5", "cssrs_6_recent"]},
        {"severity": "moderate_risk", "any_yes": ["cssrs_3", "cssrs_6"]},
        {"severity": "low_risk", "any_yes": ["cssrs_1", "cssrs_2"]},
        {"severity": "no_risk_identified", "any_yes": []},
    ]
}


def test_chat_screener_order_follows_skip_and_ask_if() -> None:
    def nxt(answers: dict[str, int]) -> str | None:
        item = next_item(ITEMS, answers)
        return item["id"] if item else None

    assert nxt({}) == "cssrs_1"
    assert nxt({"cssrs_1": 1, "cssrs_2": 0}) == "cssrs_6"
    assert nxt({"cssrs_1": 1, "cssrs_2": 1}) == "cssrs_3"
    assert nxt({"cssrs_1": 0, "cssrs_2": 0, "cssrs_6": 0}) is None
    assert nxt({"cssrs_1": 0, "cssrs_2": 0, "cssrs_6": 1}) == "cssrs_6_recent"
    assert triage(SCORING, {"cssrs_1": 1})["severity"] == "low_risk"
    assert triage(SCORING, {"cssrs_6": 1, "cssrs_6_recent": 0})["severity"] == "moderate_risk"
    assert triage(SCORING, {"cssrs_6": 1, "cssrs_6_recent": 1})["severity"] == "high_risk"
    assert triage(SCORING, {})["severity"] == "no_risk_identified"


def test_chat_sentiment_lexicon() -> None:
    assert sentiment.score("I feel really happy and hopeful today") > 0.5
    assert sentiment.score("I feel awful, lonely and hopeless") < -0.5
    assert sentiment.score("I am not happy") < 0
    assert sentiment.score("The bus was at nine") == 0.0
    assert -1 <= sentiment.score("bad " * 500) <= 1


def test_chat_parse_frame_limits() -> None:
    frame = parse_frame('{"type":"user_message","client_message_id":"a","text":"hi","extra":1}')
    assert isinstance(frame, protocol.UserMessageFrame)
    with pytest.raises(ProtocolError) as err:
        parse_frame("x" * (protocol.MAX_FRAME_BYTES + 1))
    assert err.value.close == protocol.Close.TOO_BIG
    with pytest.raises(ProtocolError) as err:
        parse_frame('{"type":"resume","session_id":"a","last_seq":-1}')
    assert err.value.code == "invalid_frame"
    assert err.value.frame()["fields"][0]["field"] == "last_seq"
    assert protocol.token_from_subprotocols(["hp.chat.v1", "bearer.abc"]) == "abc"
    assert protocol.token_from_subprotocols(["hp.chat.v1", "bearer."]) is None


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (
            ["That sounds hard. What happened next? Tell me more."],
            ["That sounds hard. ", "What happened next? ", "Tell me more."],
        ),
        (["It took 3.5 hours", ". Then ", "we rested"], ["It took 3.5 hours. ", "Then we rested"]),
        (["no ending punctuation"], ["no ending punctuation"]),
    ],
)
def test_chat_reply_frames_are_sentences_even_from_one_chunk(chunks: list[str], expected: list[str]) -> None:
    from hp_agent.chat.replies import sentences

    assert sentences(chunks) == expected
    assert "".join(sentences(chunks)) == "".join(chunks)
