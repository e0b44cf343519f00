"""Issue #21: the scripted agents understand requests and answer them, without parroting.

Unit level: the understanding heads measured on their held-out split with the real encoder, the
echo metric, and whole conversations through the engine with the crisis engine's embeddings.
The slow test plays everyday personas over the real websocket and applies the report's gates.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from crisis_engine import CrisisDetector
from evals.agent_quality.live import as_driver_persona, load_personas
from evals.agent_quality.scoring import echo_share, opening, score, summarise
from hp_agent.agents.scripted.composer import Composer
from hp_agent.agents.scripted.content import default_content
from hp_agent.agents.scripted.memory import ContextView
from hp_agent.agents.scripted.understanding import default_heads, examples_digest, load_examples, split


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.load()


def chat(detector: CrisisDetector, turns: list[str], approach: str = "cbt") -> list[str]:
    content = default_content()
    composer = Composer(content, content.approaches[approach], agent_name="Sam", max_chars=700)
    history: list[tuple[str, str]] = []
    replies = []
    for text in turns:
        history.append(("user", text))
        reply = composer.compose(history, ContextView(), 0, detector.assess(text).embedding)
        history.append(("agent", reply))
        replies.append(reply)
    return replies


def test_shipped_heads_match_the_examples_and_reach_090_on_the_held_out_split(
    detector: CrisisDetector,
) -> None:
    heads = default_heads()
    assert heads is not None
    examples = load_examples()
    assert heads.examples_digest == examples_digest(examples), "run python -m hp_agent.agents.scripted.train"
    _, held = split(examples["intent"])
    assert detector.encoder is not None
    x = np.asarray(detector.encoder.encode([e.text for e in held]))
    right = sum(heads.intent.predict(row)[0] == e.label for row, e in zip(x, held, strict=True))
    assert right / len(held) >= 0.90


def test_echo_share_counts_runs_of_three_words_even_with_pronouns_flipped() -> None:
    message = "i've been sleeping like 5 hours a night bc i stay up studying"
    parrot = "Mm. You've been sleeping like 5 hours a night bc you stay up studying. I'm listening."
    assert echo_share(parrot, message) > 0.6
    assert echo_share("It sounds like you're running short on rest, and you're worn out.", message) == 0.0
    assert opening("So you feel sad.") == opening("So you said that") == "so you"


def test_exam_student_gets_a_timetable_from_their_answers_without_being_parroted(
    detector: CrisisDetector,
) -> None:
    turns = [
        "hey. exams start monday and i'm kind of freaking out",
        "i've been sleeping like 5 hours a night bc i stay up studying",
        "ok that makes sense. can you help me make a revision timetable?",
        "maths, biology and chemistry. the first one is monday",
        "about 4 hours a day, i want saturday free",
    ]
    replies = chat(detector, turns)
    assert "which subjects" in replies[2].lower()
    plan = replies[4].lower()
    for subject in ("maths", "biology", "chemistry"):
        assert subject in plan
    assert "saturday: free" in plan
    assert plan.count("(45 min)") >= 18  # four blocks a day on six days
    echoes = [echo_share(r, t) for r, t in zip(replies, turns, strict=True)]
    assert max(echoes) <= 0.15, echoes
    assert len(set(replies)) == len(replies)
    assert all(opening(a) != opening(b) for a, b in itertools.pairwise(replies))


def test_an_exercise_on_request_walks_step_by_step_pauses_resumes_and_completes(
    detector: CrisisDetector,
) -> None:
    replies = chat(
        detector,
        [
            "i keep thinking my friends don't actually like me",
            "can we do a thought record",
            "they made plans in the group chat without me",
            "can we pause here",
            "can we resume the exercise",
            "they don't really like me, about 70",
            "for it, they didn't invite me. against it, sam asked me to lunch on friday",
            "maybe they just forgot one time",
            "about 35 now",
        ],
    )
    content = default_content()
    steps = content.techniques["thought_record"].steps
    assert steps[0] in replies[1]
    assert steps[1] in replies[2]
    assert "pause a thought record here, at step 2 of 5" in replies[3]
    assert steps[1] in replies[4]  # resumed where it stopped
    assert steps[2] in replies[5]
    assert (
        "that's a thought record done" in replies[8].lower()
        or "finished a thought record" in replies[8].lower()
    )


def test_information_listening_and_questions_about_the_agent_are_answered(detector: CrisisDetector) -> None:
    (panic,) = chat(detector, ["what actually happens in a panic attack"])
    assert "alarm" in panic
    assert "not dangerous" in panic
    listen = chat(
        detector, ["i just need to vent, no advice please", "my sister scratched my car and shrugged it off"]
    )
    assert "listening" in listen[0].lower() or "fixing" in listen[0].lower()
    assert "would you like to try" not in listen[1].lower()
    (about,) = chat(detector, ["what can you do"], approach="supportive_listening")
    assert "AI" in about


def test_every_fourth_turn_summarises_what_was_said(detector: CrisisDetector) -> None:
    replies = chat(
        detector,
        [
            "my boss yelled at me in front of everyone",
            "i haven't been sleeping well since",
            "and i feel like i'm useless at everything",
            "i'm just so tired of it all at work",
        ],
        approach="supportive_listening",
    )
    last = replies[3].lower()
    assert "so far" in last or "here's what i've heard" in last or "sum up" in last, replies[3]


def test_persona_file_has_30_everyday_conversations_with_checkable_requests() -> None:
    personas = load_personas()
    assert len(personas) >= 30
    assert {p["agent"] for p in personas} == {"cbt-coach", "dbt-skills", "act-guide", "listener"}
    for p in personas:
        assert p["request"].get("expect_all") or p["request"].get("expect_any")
        assert as_driver_persona(p).risk.value == "none"


@pytest.mark.slow
@pytest.mark.usefixtures("seeded")
async def test_everyday_personas_over_the_real_socket_pass_the_gates(live_server: object) -> None:
    from evals.agent_quality.live import intent_accuracy
    from evals.agent_safety.driver import play

    personas = [
        p
        for p in load_personas()
        if p["id"] in {"exam_timetable", "pause_resume", "panic_info", "just_listen"}
    ]
    scores = []
    for p in personas:
        transcript = await play(live_server.http_url, live_server.ws_url, as_driver_persona(p), p["agent"])  # type: ignore[attr-defined]
        scores.append(score(p, transcript))
    summary = summarise(scores, intent_accuracy(personas))
    assert summary["failed_gates"] == [], (summary, [s.problems for s in scores])


def test_named_feelings_and_paraphrases_carry_no_crisis_lexicon_terms() -> None:
    """Replies pass through the crisis engine; a lexicon hit there holds the reply back. Every
    paraphrase, feeling name and summary the engine can compose must be free of lexicon terms."""
    from hp_agent.agents.scripted.talk import default_talk, feeling_name

    keywords = CrisisDetector.load(classifier=False)
    talk = default_talk()
    feelings = {feeling_name(talk, e) for e in default_content().lexicon.emotions} | set(
        talk.theme_feeling.values()
    )
    texts = [
        r.format(gist=g, feeling=f)
        for f in sorted(feelings)
        for r in talk.reflect
        for g in talk.gist["none"][:1]
    ]
    texts += [g for gists in talk.gist.values() for g in gists]
    texts += [
        s.format(themes=", ".join(talk.summary_theme.values()), feelings=f)
        for s in talk.summary
        for f in feelings
    ]
    texts += [i.text for i in talk.info] + list(talk.listen) + list(talk.closing) + list(talk.about_agent)
    texts += list(talk.tips.values()) + list(talk.own_idea) + list(talk.tips_question) + list(talk.plan_later)
    texts += list(talk.own_idea_familiar)
    flagged = [t for t, a in zip(texts, keywords.assess_batch(texts), strict=True) if a.keyword_score > 0]
    assert flagged == []
    # ... and none diagnoses, advises on medication or promises secrecy (the agents' boundaries).
    from hp_agent.agents.boundaries import check_reply

    assert [t for t in texts if check_reply(t)] == []


def test_thanks_while_a_plan_question_waits_is_not_pressed_for_an_answer(detector: CrisisDetector) -> None:
    replies = chat(
        detector, ["can you help me make a revision timetable?", "thanks, feeling a bit calmer now"]
    )
    assert "which subjects" in replies[0].lower()
    assert "how many hours" not in replies[1].lower()
    assert "plan" in replies[1].lower()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "I have maths on the 12th, physics on the 15th and english lit on the 20th",
            ["Maths", "Physics", "English lit"],
        ),
        ("biology (paper 1 and 2), chemistry next week", ["Biology", "Chemistry"]),
        ("my exams are psychology and sociology, starting june 3rd", ["Psychology", "Sociology"]),
        (
            "a walk, calling my friend and trying a new recipe",
            ["A walk", "Calling your friend", "Trying a new recipe"],
        ),
    ],
)
def test_plan_items_are_read_from_free_text_answers(answer: str, expected: list[str]) -> None:
    from hp_agent.agents.scripted.requests import items

    assert items(answer) == expected


def test_a_bedtime_routine_request_gets_sleep_advice_not_a_week_plan(detector: CrisisDetector) -> None:
    (reply,) = chat(detector, ["what's a good bedtime routine"])
    assert "body clock" in reply
    assert "fit into your week" not in reply


def test_plain_words_pause_and_resume_an_exercise(detector: CrisisDetector) -> None:
    replies = chat(detector, ["can we do a breathing exercise", "i want to stop", "let's continue"])
    steps = default_content().techniques["paced_breathing"].steps
    assert "pause paced breathing here, at step 1 of 2" in replies[1]
    assert steps[0] in replies[2]


def test_a_statement_about_sleep_is_not_answered_as_a_question(detector: CrisisDetector) -> None:
    replies = chat(
        detector, ["i lie in bed for hours with my mind racing", "why can't i sleep even when i'm exhausted"]
    )
    assert "body clock" not in replies[0]
    assert "body clock" in replies[1]
