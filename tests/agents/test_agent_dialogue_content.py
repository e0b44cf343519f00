"""The dialogue content in ``prompts/dialogue/``: complete, safe, and what the engine expects."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hp_agent.agents.boundaries import check_reply
from hp_agent.agents.scripted.analysis import analyse
from hp_agent.agents.scripted.content import APPROACHES, DialogueContentError, default_content, load_content
from hp_agent.paths import prompts_dir

SAMPLE_VALUES = {
    "clause": "you had a hard day at work",
    "clause_cap": "You had a hard day at work",
    "quote": "I always mess up",
    "emotion": "anxious",
    "trap": "all-or-nothing thinking",
    "explain": "seeing things in only two boxes",
    "entity": "your sister",
    "topic": "work",
    "technique": "worry time",
    "goal": "Walk three times a week",
    "theme": "sleep",
    "theme_cap": "Sleep",
    "mood": "3",
    "from_mood": "6",
    "days": "4",
    "name": "Sam",
    "name_part": ", Robin",
}


def _all_lines() -> list[str]:
    content = default_content()
    lines: list[str] = []
    for approach in content.approaches.values():
        for templates in approach.templates.values():
            lines.extend(templates)
    for technique in content.techniques.values():
        lines.extend(technique.offer)
        lines.extend(technique.steps)
    for distortion in content.distortions:
        lines.extend(distortion.questions)
    for redirects in content.redirects.values():
        lines.extend(redirects)
    return lines


def test_every_line_the_engine_can_say_respects_the_boundaries() -> None:
    lines = _all_lines()
    assert len(lines) > 200
    for line in lines:
        rendered = line.format_map(SAMPLE_VALUES)
        assert check_reply(rendered) == [], rendered


def test_every_approach_is_loaded_with_its_own_voice() -> None:
    content = default_content()
    assert set(content.approaches) == set(APPROACHES)
    questions = {name: a.lines("questions") for name, a in content.approaches.items()}
    assert len({q for q in questions.values()}) == len(APPROACHES)  # no two approaches share all questions


def test_technique_offers_are_recognisable_later() -> None:
    for technique in default_content().techniques.values():
        assert technique.offer, technique.id
        assert technique.steps, technique.id
        for offer in technique.offer:
            # The engine finds what it offered in its own earlier replies by these markers.
            assert any(m.lower() in offer.lower() for m in technique.markers), (technique.id, offer)


@pytest.mark.parametrize(
    ("sentence", "trap"),
    [
        ("I always mess everything up", "all_or_nothing"),
        ("If I fail this it's a disaster", "catastrophising"),
        ("They probably think I'm stupid", "mind_reading"),
        ("I'm going to fail the interview", "fortune_telling"),
        ("This always happens to me", "overgeneralisation"),
        ("I'm such a loser", "labelling"),
        ("I should be able to cope with this", "should_statements"),
        ("It's all my fault they split up", "personalisation"),
        ("I feel like a fraud", "emotional_reasoning"),
        ("They were just being nice", "discounting_the_positive"),
        ("One mistake ruined the whole presentation", "mental_filter"),
    ],
)
def test_each_thinking_trap_is_recognised(sentence: str, trap: str) -> None:
    found = [t.distortion.id for t in analyse(default_content(), sentence).traps]
    assert trap in found, found


@pytest.mark.parametrize(
    "sentence",
    [
        "I went for a walk and had lunch with a friend",
        "I need to talk about my week",
        "Work was busy but fine",
        "I have to pick up my kids at three",
    ],
)
def test_neutral_sentences_have_no_thinking_trap(sentence: str) -> None:
    assert analyse(default_content(), sentence).traps == ()


def test_reflection_turns_first_person_around() -> None:
    a = analyse(default_content(), "Honestly I think my boss hates me and I am exhausted")
    assert a.clause is not None
    assert "your boss hates you" in a.clause
    assert "you are exhausted" in a.clause
    assert "your boss" in a.entities


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "dialogue"
    shutil.copytree(prompts_dir() / "dialogue", target)
    return target


def test_unknown_technique_in_an_approach_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "approaches" / "cbt.yaml"
    path.write_text(
        path.read_text().replace("techniques: [thought_record", "techniques: [mind_control, thought_record")
    )
    with pytest.raises(DialogueContentError, match="mind_control"):
        load_content(root)


def test_boolean_intent_names_are_refused(tmp_path: Path) -> None:
    # A bare `yes:` key is a boolean in YAML; the loader must not silently lose the intent.
    root = _copy(tmp_path)
    path = root / "lexicon.yaml"
    path.write_text(path.read_text().replace("  agrees:", "  yes:"))
    with pytest.raises(DialogueContentError, match="strings"):
        load_content(root)


def test_bad_pattern_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "distortions.yaml"
    path.write_text(path.read_text().replace("'\\b(?:complete|total|utter)", "'\\b(?:complete|total|utter"))
    with pytest.raises(DialogueContentError, match="bad pattern"):
        load_content(root)
