"""The summary the scripted engine keeps of a conversation (no database): what it holds, what it
never holds, and the line the next conversation opens with."""

from __future__ import annotations

import json

from hp_agent.agents.memory import empty_summary, merge, recall_line, summarise
from hp_agent.agents.memory_exercises import completed_exercises
from hp_agent.agents.runtime import AgentRuntime, ChatTurn, UserContext
from hp_agent.config import Settings
from tests.agents.agent_fixtures import shipped_config

GROUNDING = "the 5-4-3-2-1 grounding exercise"


async def _conversation(slug: str, messages: list[str]) -> list[tuple[str, str]]:
    rt = AgentRuntime.from_config(shipped_config(slug), Settings(environment="test"))
    history: list[ChatTurn] = []
    turns: list[tuple[str, str]] = []
    for text in messages:
        history.append(ChatTurn("user", text))
        reply = await rt.reply(history, UserContext())
        history.append(ChatTurn("agent", reply))
        turns += [("user", text), ("agent", reply)]
    return turns


async def test_a_paused_exercise_and_a_plan_are_remembered_without_the_persons_words() -> None:
    messages = [
        "i can't sleep, i lie awake until 3am every night",
        "can you walk me through a grounding exercise",
        "lamp, mug, window",
        "stop",
        "can you help me make a revision timetable?",
    ]
    turns = await _conversation("cbt-coach", messages)
    summary = summarise(turns)
    assert summary["topics"][0] == "sleep"
    assert summary["exercises_paused"] == [GROUNDING]
    assert summary["exercises_done"] == []
    assert summary["plans"] == ["a revision plan"]
    stored = json.dumps(summary).lower()
    for words in ("3am", "lie awake", "lamp", "timetable", "window"):
        assert words not in stored
    line = recall_line(summary)
    assert line is not None
    assert line.startswith("Last time we talked about sleep")
    assert "paused the 5-4-3-2-1 grounding exercise" in line
    assert completed_exercises(turns) == [], "a paused exercise is not offered for saving"


async def test_a_finished_exercise_followed_by_thanks_helped() -> None:
    messages = [
        "i'm so stressed about my exams next week",
        "can you walk me through a grounding exercise",
        "lamp, mug, window, my cat, the radiator",
        "sofa under me, socks, the blanket, the cat's fur",
        "traffic, the fridge, my breathing. coffee and soap. toothpaste",
        "maybe a 4 now, it was a 7",
        "thanks, that helped",
    ]
    turns = await _conversation("listener", messages)
    summary = summarise(turns)
    assert summary["topics"] == ["exam stress"]
    assert summary["exercises_done"] == [GROUNDING]
    assert summary["helped"] == [GROUNDING]
    assert recall_line(summary) == (
        f"Last time we talked about exam stress and you tried {GROUNDING}. How has that been?"
    )
    [exercise] = completed_exercises(turns)
    assert [answer for _, answer in exercise.answers] == messages[2:6]


def test_merge_keeps_the_newest_first_and_forgets_a_pause_once_done() -> None:
    older = {**empty_summary(), "topics": ["sleep"], "exercises_paused": [GROUNDING]}
    newer = {**empty_summary(), "topics": ["exam stress", "sleep"], "exercises_done": [GROUNDING]}
    merged = merge(older, newer)
    assert merged["topics"] == ["exam stress", "sleep"]
    assert merged["exercises_paused"] == []
    assert merged["exercises_done"] == [GROUNDING]
    many = merge(
        {**empty_summary(), "topics": [f"t{i}" for i in range(5)]}, {**empty_summary(), "topics": ["new"]}
    )
    assert many["topics"] == ["new", "t0", "t1", "t2", "t3"]


def test_nothing_to_recall_gives_no_line() -> None:
    assert recall_line(empty_summary()) is None
    assert summarise([]) == empty_summary()
