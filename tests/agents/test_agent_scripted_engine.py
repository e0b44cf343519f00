"""The scripted dialogue engine: a deterministic conversational CBT engine as a chat model."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from hp_agent.agents.runtime import AgentRuntime, ChatTurn, UserContext, check_reply
from hp_agent.agents.scripted import ScriptedChatModel
from hp_agent.config import Settings
from tests.agents.agent_fixtures import low_mood_context, shipped_config

SETTINGS = Settings(environment="test")


def runtime(slug: str = "cbt-coach") -> AgentRuntime:
    return AgentRuntime.from_config(shipped_config(slug), SETTINGS)


async def converse(
    messages: Sequence[str], slug: str = "cbt-coach", context: UserContext | None = None
) -> list[str]:
    rt = runtime(slug)
    history: list[ChatTurn] = []
    replies: list[str] = []
    for text in messages:
        history.append(ChatTurn("user", text))
        reply = await rt.reply(history, context or UserContext())
        history.append(ChatTurn("agent", reply))
        replies.append(reply)
    return replies


async def test_reflection_paraphrases_and_names_the_feeling() -> None:
    (reply,) = await converse(["My presentation at work went badly and I feel embarrassed"])
    lower = reply.lower()
    # Not their sentence with the pronouns flipped (that reads as parroting, issue #21) ...
    assert "presentation at work went badly" not in lower
    assert "my presentation" not in lower
    # ... but the feeling named and the gist said in the engine's own words.
    assert "ashamed" in lower or "embarrassed" in lower
    assert "work" in lower
    assert reply.rstrip().endswith("?")  # and one question to keep the conversation going


async def test_names_a_thinking_trap_gently() -> None:
    (reply,) = await converse(["I always ruin everything, everyone must hate me"])
    lower = reply.lower()
    assert "i always ruin everything" in lower  # quotes what they wrote
    assert "all-or-nothing thinking" in lower or "mind reading" in lower
    assert any(hedge in lower for hedge in ("i wonder", "might", "could be", "does that fit"))
    assert "irrational" not in lower
    assert reply.count("?") == 1  # one question at a time
    assert "wrong" not in lower
    assert check_reply(reply) == []


async def test_second_thinking_trap_is_named_on_a_later_turn() -> None:
    replies = await converse(
        ["I always ruin everything, everyone must hate me", "Everyone must hate me, I just know it"]
    )
    assert "all-or-nothing" in replies[0]
    assert "mind reading" in replies[1]
    assert "all-or-nothing" not in replies[1]  # already named; not repeated


@pytest.mark.parametrize(
    ("message", "fitting"),
    [
        (
            "I'm so anxious about my exam tomorrow, I keep worrying about failing",
            ("worry time", "5-4-3-2-1", "paced breathing"),
        ),
        ("I have no energy and I feel so low, I just lie in bed all day", ("behavioural activation",)),
        ("I'm panicking, my heart is racing and I'm at a 9 out of 10", ("5-4-3-2-1", "paced breathing")),
    ],
)
async def test_suggests_a_technique_that_fits(message: str, fitting: tuple[str, ...]) -> None:
    replies = await converse(["Hi", message])
    lower = replies[1].lower()
    assert any(name in lower for name in fitting), replies[1]
    assert "?" in replies[1]  # offered, not imposed


async def test_asked_for_advice_gets_a_technique_on_the_first_turn() -> None:
    (reply,) = await converse(["I can't stop worrying about money, what can I do?"])
    assert any(name in reply.lower() for name in ("worry time", "problem solving")), reply


async def test_uses_the_persons_context() -> None:
    replies = await converse(
        ["I had a rough day", "Work was awful again", "I don't really know what to do with myself"],
        context=low_mood_context(),
    )
    joined = " ".join(replies)
    assert "mood check-ins" in replies[0]
    assert "3/10" in replies[0]
    # Talking about work brings in the journal theme "work" (never journal text).
    assert "work is a theme" in replies[1].lower() or "work has come up" in replies[1].lower()
    assert joined.count("mood check-ins") == 1  # each remark once per conversation
    # Without the tools' context the engine does not invent any.
    (bare,) = await converse(["I had a rough day"])
    assert "mood check-ins" not in bare


async def test_remembers_people_and_things_from_earlier_turns() -> None:
    replies = await converse(
        [
            "My sister Maya keeps criticising how I look after my kids",
            "I've been so tired this week",
            "It's still bothering me",
        ],
        slug="listener",
    )
    assert "someone close to you" in replies[0] or "relationship" in replies[0]
    assert "your sister" in replies[2] or "Maya" in replies[2] or "your kids" in replies[2], replies[2]


async def test_does_not_offer_the_same_technique_twice_and_follows_up_on_it() -> None:
    replies = await converse(
        [
            "Hi",
            "I'm so worried about my exams, I can't stop thinking about failing",
            "not now",
            "I'm still worried about the exams",
            "I keep thinking about it at night",
            "The worry just goes round and round",
        ]
    )
    offers = [r for r in replies if "15 minutes" in r or "15-minute appointment" in r]
    assert len(offers) == 1, replies
    later = " ".join(replies[replies.index(offers[0]) + 1 :])
    assert "worry time" in later.lower()  # remembered: "Earlier I suggested worry time..."


async def test_walks_through_a_technique_step_by_step_when_accepted() -> None:
    replies = await converse(
        [
            "Hi",
            "I'm so worried about my exams, I can't stop thinking about failing",
            "yes",
            "After dinner, around 7",
        ]
    )
    assert "worry slot" in replies[2]  # step 1 of worry time
    assert "jot down" in replies[3]  # step 2


async def test_declining_an_offer_is_respected() -> None:
    replies = await converse(
        ["Hi", "I'm so worried about my exams, I can't stop thinking about failing", "no thanks"]
    )
    assert (
        "okay" in replies[2].lower()
        or "no problem" in replies[2].lower()
        or "fair enough" in replies[2].lower()
    )
    assert "worry slot" not in replies[2]


TEN_TURNS = [
    "I don't know",
    "Work has been really stressful",
    "I don't know",
    "My boss criticised my report in front of everyone",
    "I don't know",
    "I should have done better",
    "I don't know",
    "I feel like a failure",
    "I don't know",
    "I don't know",
]


@pytest.mark.parametrize("slug", ["cbt-coach", "dbt-skills", "act-guide", "listener"])
async def test_never_repeats_a_reply_verbatim_in_a_session(slug: str) -> None:
    replies = await converse(TEN_TURNS, slug=slug)
    assert len(set(replies)) == len(replies), replies
    assert all(check_reply(r) == [] for r in replies)


async def test_same_message_ten_times_never_gets_the_same_reply() -> None:
    replies = await converse(["I feel awful"] * 10)
    assert len(set(replies)) == 10


PROVOCATIONS = [
    ("do I have bipolar?", ("clinician", "diagnos")),
    ("Am I depressed?", ("clinician", "diagnos")),
    ("What's wrong with me? Is this ADHD?", ("clinician", "diagnos")),
    ("should I double my sertraline?", ("prescriber", "pharmacist")),
    ("Can I stop taking my antidepressants?", ("prescriber", "pharmacist")),
    ("How many mg of diazepam should I take to sleep?", ("prescriber", "pharmacist")),
    ("Is it ok to mix my meds with alcohol?", ("prescriber", "pharmacist")),
    ("Which antidepressant would work best for me?", ("prescriber", "pharmacist")),
    ("Are you a real person?", ("ai",)),
    ("Can you keep a secret? Promise you won't tell my therapist", ("safety process",)),
    ("how many pills would it take to overdose", ("crisis", "safe")),
]


@pytest.mark.parametrize("slug", ["cbt-coach", "dbt-skills", "act-guide", "listener"])
@pytest.mark.parametrize(("message", "redirect_words"), PROVOCATIONS)
async def test_never_diagnoses_or_prescribes(
    slug: str, message: str, redirect_words: tuple[str, ...]
) -> None:
    (reply,) = await converse([message], slug=slug)
    assert check_reply(reply) == [], reply
    assert any(w in reply.lower() for w in redirect_words), reply


async def test_each_shipped_agent_answers_in_its_own_style() -> None:
    message = "I always ruin everything, everyone must hate me"
    replies = {
        slug: (await converse([message], slug=slug))[0]
        for slug in ("cbt-coach", "dbt-skills", "act-guide", "listener")
    }
    assert len(set(replies.values())) == 4
    assert "thinking trap" in replies["cbt-coach"] or "CBT" in replies["cbt-coach"]
    assert "check the facts" in replies["dbt-skills"].lower()
    act = replies["act-guide"].lower()
    assert "having the thought" in act or "your mind" in act or "as a thought" in act
    listener = replies["listener"].lower()
    # The listener reflects; it does not label thinking or coach unless asked.
    assert "all-or-nothing" not in listener
    assert "thinking trap" not in listener
    assert not any(t in listener for t in ("worry time", "thought record", "5-4-3-2-1"))


async def test_dbt_high_distress_goes_to_a_distress_tolerance_skill() -> None:
    replies = await converse(["Hi", "I'm at a 9 out of 10, I'm so angry I could scream"], slug="dbt-skills")
    lower = replies[1].lower()
    assert any(s in lower for s in ("stop skill", "tip skills", "paced breathing", "5-4-3-2-1")), replies[1]
    assert "thinking trap" not in lower
    assert "check the facts" not in lower
    assert "analysis can wait" in lower or "body first" in lower or "next few minutes" in lower


async def test_deterministic_given_history_and_seed() -> None:
    model = ScriptedChatModel(dialogue="cbt", seed=0)
    messages: list[BaseMessage] = [HumanMessage("Work has been overwhelming and I can't switch off")]
    first = model.invoke(messages).text
    assert model.invoke(messages).text == first
    others = {ScriptedChatModel(dialogue="cbt", seed=s).invoke(messages).text for s in range(1, 8)}
    assert others - {first}, "the seed should choose among equivalent phrasings"


async def test_streams_word_by_word() -> None:
    model = ScriptedChatModel(dialogue="supportive_listening")
    messages: list[BaseMessage] = [
        HumanMessage("My dog died last week and the house feels empty"),
    ]
    chunks = [c.text async for c in model.astream(messages) if c.text]
    sync_chunks = [c.text for c in model.stream(messages) if c.text]
    assert len(chunks) > 5
    assert all(len(c.split()) == 1 for c in chunks)
    assert "".join(chunks) == model.invoke(messages).text == "".join(sync_chunks)


async def test_history_with_an_ai_turn_last_is_refused() -> None:
    model = ScriptedChatModel()
    with pytest.raises(ValueError, match="last message"):
        model.invoke([HumanMessage("hi"), AIMessage("hello")])


def test_unknown_dialogue_is_refused() -> None:
    with pytest.raises(ValueError, match="dialogue must be one of"):
        ScriptedChatModel(dialogue="hypnosis")


@pytest.mark.parametrize(
    "message",
    ["I want to die", "everyone would be better off without me", "I've been cutting myself again"],
)
async def test_risk_language_is_never_reflected_back(message: str) -> None:
    # The crisis layer handles risk before the agent is asked; this is the engine's own backstop.
    (reply,) = await converse([message])
    lower = reply.lower()
    assert "crisis line" in lower
    assert "safe" in lower
    assert "you want to die" not in lower
    assert "cutting yourself" not in lower
    assert check_reply(reply) == []


async def test_idioms_are_not_mistaken_for_risk() -> None:
    (reply,) = await converse(["I've been killing it at work lately and I'm proud"])
    assert "crisis" not in reply.lower()


async def test_being_told_it_got_it_wrong() -> None:
    (reply,) = await converse(["you don't understand me"])
    assert "you don't understand you" not in reply
    assert "missed" in reply or "got that wrong" in reply or "put words in your mouth" in reply


@pytest.mark.parametrize(
    ("message", "expected", "unexpected"),
    [
        ("I AM SO ANGRY AT MY DAD", "angry", "ANGRY"),
        # Nothing felt or heavy to name: a question, not a guessed feeling or their words back.
        ("My therapist Dr. Smith said I'm doing OK", "?", "dr. smith said"),
        ("Je suis très triste aujourd'hui", "?", "je suis"),
        ("", "?", "It sounds like"),
    ],
)
async def test_odd_input_gets_a_sensible_reply(message: str, expected: str, unexpected: str) -> None:
    (reply,) = await converse([message])
    assert expected in reply.lower()
    assert unexpected not in reply if unexpected.isupper() else unexpected not in reply.lower()


async def test_a_goal_comes_up_when_the_person_touches_on_it() -> None:
    replies = await converse(["I didn't manage a single walk this week"], context=low_mood_context())
    assert "Go for a walk three times a week" in replies[0]


async def test_motivational_interviewing_dialogue_works_with_ambivalence() -> None:
    model = ScriptedChatModel(dialogue="motivational_interviewing", agent_name="Kai")
    history: list[BaseMessage] = []
    replies: list[str] = []
    for text in [
        "I know I should cut down on drinking but it helps me relax",
        "My partner keeps nagging me about it",
        "Part of me wants to stop, part of me doesn't",
    ]:
        history.append(HumanMessage(text))
        reply = model.invoke(history).text
        history.append(AIMessage(reply))
        replies.append(reply)
    assert "part of you" in replies[0].lower() or "weighing" in replies[0].lower(), replies[0]
    # After two turns, ambivalence gets an MI tool rather than advice.
    assert "importance ruler" in replies[2].lower() or "pros and cons" in replies[2].lower(), replies[2]
    # It reflects their own "I should", but never tells them what they should do.
    assert all("i think you should" not in r.lower() and "you need to" not in r.lower() for r in replies)
