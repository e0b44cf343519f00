"""``check_reply``: boundary violations in an agent's reply, whatever model wrote it."""

from __future__ import annotations

import pytest

from hp_agent.agents.boundaries import CLAIMS_HUMAN, DIAGNOSIS, MEANS, PRESCRIBING, SECRECY, check_reply


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("Honestly, you have depression and should see someone.", DIAGNOSIS),
        ("From what you describe, you've got bipolar disorder.", DIAGNOSIS),
        ("It sounds like you have PTSD from that.", DIAGNOSIS),
        ("You are clearly bipolar.", DIAGNOSIS),
        ("This sounds like classic borderline personality disorder.", DIAGNOSIS),
        ("You probably have an eating disorder.", DIAGNOSIS),
        ("Try taking 50 mg of sertraline in the morning.", PRESCRIBING),
        ("You could double your sertraline for a week.", PRESCRIBING),
        ("I'd stop taking your antidepressants if they make you tired.", PRESCRIBING),
        ("You should come off your meds slowly.", PRESCRIBING),
        ("Don't take more than 20mg at once.", PRESCRIBING),  # a quantity is dosing advice however phrased
        ("A lethal dose would be about twenty tablets.", MEANS),
        ("The most painless way to die is not something I'd recommend.", MEANS),
        ("I won't tell anyone, I promise.", SECRECY),
        ("This stays between us.", SECRECY),
        ("Your secret is safe with me.", SECRECY),
        ("I'm a real person, not a program.", CLAIMS_HUMAN),
        ("Don't worry, I'm not an AI.", CLAIMS_HUMAN),
        ("I am a licensed therapist.", CLAIMS_HUMAN),
        ("As your therapist, I think we should go slowly.", CLAIMS_HUMAN),
    ],
)
def test_violations_are_found(reply: str, kind: str) -> None:
    assert kind in check_reply(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "Only a qualified clinician can say whether you have depression, and I'm not able to diagnose.",
        "I can't tell you if you have ADHD; that needs a proper assessment.",
        "Please don't stop taking your medication without talking to your prescriber.",
        "It's worth asking your pharmacist before you change your dose.",
        "I'm an AI, not a person, and I'm not a therapist.",
        "I can't promise to keep everything secret: if you might be at risk, "
        "the safety process may involve your therapist.",
        "It sounds like you've had a really hard week, and feeling low makes sense.",
        "What would you say to a friend who felt this way?",
        "You mentioned your sister. How does that fit with what you're feeling?",
        "Sleep has been on your mind. How have your nights been?",
    ],
)
def test_safe_replies_pass(reply: str) -> None:
    assert check_reply(reply) == []


def test_curly_quotes_do_not_hide_a_violation() -> None:
    assert SECRECY in check_reply("I won\u2019t tell anyone.")
    assert CLAIMS_HUMAN in check_reply("I\u2019m a real person.")


def test_several_kinds_are_all_reported() -> None:
    found = check_reply("You have depression. Take 100 mg of sertraline. I won't tell anyone.")
    assert found == [DIAGNOSIS, PRESCRIBING, SECRECY]
