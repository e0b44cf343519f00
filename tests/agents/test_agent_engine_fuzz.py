"""Many generated conversations through every dialogue: no crash, no boundary violation, no
verbatim repeat, replies within their length budget."""

from __future__ import annotations

import random

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from hp_agent.agents.boundaries import check_reply
from hp_agent.agents.scripted import ScriptedChatModel
from hp_agent.agents.scripted.content import APPROACHES

FRAGMENTS = [
    "I always ruin everything",
    "everyone must hate me",
    "my boss yelled at me",
    "I'm so anxious about the exam",
    "I can't sleep",
    "my sister Maya won't talk to me",
    "I should be coping better",
    "it's all my fault",
    "I feel like a failure",
    "they were just being nice",
    "nothing ever works",
    "I'm at a 8 out of 10",
    "yes",
    "no",
    "I don't know",
    "ok",
    "what should I do?",
    "do I have ADHD?",
    "should I stop my meds?",
    "are you human?",
    "will you tell anyone?",
    "thanks",
    "hi",
    "I went for a walk and it helped a bit",
    "😶",
    "work work work",
    "I THINK I'M GOING TO FAIL",
    "Dr. Patel said it's normal",
]


def _message(rng: random.Random) -> str:
    parts = rng.sample(FRAGMENTS, rng.randint(1, 3))
    return rng.choice([", ", ". ", " and "]).join(parts)


@pytest.mark.parametrize("dialogue", APPROACHES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_conversations_stay_safe_and_fresh(dialogue: str, seed: int) -> None:
    rng = random.Random(f"{dialogue}-{seed}")
    model = ScriptedChatModel(dialogue=dialogue, seed=seed, max_reply_chars=600)
    history: list[BaseMessage] = []
    replies: list[str] = []
    for _ in range(15):
        history.append(HumanMessage(_message(rng)))
        reply = model.invoke(history).text
        history.append(AIMessage(reply))
        replies.append(reply)
        assert reply.strip()
        assert check_reply(reply) == [], reply
        # Redirects and technique steps are written whole; everything else is trimmed to budget.
        assert len(reply) <= 700, reply
    assert len(set(replies)) == len(replies)
