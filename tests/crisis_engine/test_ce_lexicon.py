"""Lexicon format, loading, merging and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crisis_engine.keywords import KeywordScorer
from crisis_engine.lexicon import Lexicon, LexiconError
from crisis_engine.normalize import normalize
from crisis_engine.types import Category


def test_packaged_lexicon_is_versioned_and_covers_every_category() -> None:
    lex = Lexicon.default()
    assert lex.name == "happy-path-core"
    assert lex.version
    assert len(lex) >= 250
    assert {e.category for e in lex.entries} == set(Category)
    assert all(0 < e.weight <= 1 for e in lex.entries)


def test_alternatives_expand_and_are_normalised() -> None:
    lex = Lexicon.from_dict(
        {
            "name": "t",
            "version": "1",
            "entries": [{"term": "{wanna|want to} {die|} now", "category": "imminent", "weight": 0.5}],
        }
    )
    phrases = lex.entries[0].phrases()
    assert ("want", "to", "die", "now") in phrases
    assert ("want", "to", "now") in phrases
    assert len(phrases) == 2  # "wanna" normalises to "want to": duplicates collapse


def test_from_records_ignores_extra_columns_and_merges() -> None:
    rows = [
        {
            "id": 7,
            "term": "pineapple protocol",
            "category": "suicidal_ideation",
            "weight": 0.9,
            "created_at": "x",
        },
        {"term": "kill myself", "category": "suicidal_ideation", "weight": 0.5},
        {"term": "feeling suicidal", "category": "suicidal_ideation", "weight": 0.88, "enabled": False},
    ]
    extra = Lexicon.from_records(rows, name="db", version="42")
    merged = Lexicon.default().merge(extra)
    assert "db@42" in merged.version
    scorer = KeywordScorer.load(merged)
    sig = scorer.score(normalize("starting the pineapple protocol"))
    assert [m.term for m in sig.matches] == ["pineapple protocol"]
    # Replaced weight.
    sig = scorer.score(normalize("kill myself"))
    assert [m.weight for m in sig.matches] == [pytest.approx(0.5)]
    # Disabled entry removed; the plain "suicidal" entry still matches.
    assert [m.term for m in scorer.score(normalize("feeling suicidal")).matches] == ["suicidal"]
    assert [m.term for m in KeywordScorer.load().score(normalize("feeling suicidal")).matches] == [
        "feeling suicidal"
    ]


def test_load_yaml_and_json_files(tmp_path: Path) -> None:
    data = {
        "name": "extra",
        "version": "2026.1",
        "entries": [{"term": "blorp", "category": "self_harm", "weight": 0.7}],
    }
    (tmp_path / "x.json").write_text(json.dumps(data))
    (tmp_path / "x.yaml").write_text(
        "name: extra\nversion: '2026.1'\nentries:\n  - {term: blorp, category: self_harm, weight: 0.7}\n"
    )
    for name in ("x.json", "x.yaml"):
        lex = Lexicon.load(tmp_path / name)
        assert lex.entries[0].term == "blorp"
        assert lex.entries[0].category is Category.SELF_HARM


def test_regex_entries_match(tmp_path: Path) -> None:
    entry = {
        "pattern": r"\bbought \d+ boxes of \w+\b",
        "category": "plan_or_means",
        "weight": 0.8,
        "triggers": ["boxes"],
    }
    lex = Lexicon.from_dict({"name": "r", "version": "1", "entries": [entry]})
    sig = KeywordScorer.load(lex).score(normalize("I bought 6 boxes of paracetamol"))
    assert [m.category for m in sig.matches] == [Category.PLAN_OR_MEANS]
    assert sig.matches[0].matched_text == "bought 6 boxes of paracetamol"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name: x\nversion: 1\nentries: [{term: a, category: nope, weight: 0.5}]", "unknown category"),
        ("name: x\nversion: 1\nentries: [{term: a, category: abuse, weight: 1.5}]", "weight"),
        ("name: x\nversion: 1\nentries: [{category: abuse, weight: 0.5}]", "exactly one of"),
        ("name: x\nversion: 1\nentries: [{pattern: '(', category: abuse, weight: 0.5}]", "invalid regex"),
        (
            "name: x\nversion: 1\nentries: [{term: a, category: abuse, weight: 0.5, colour: red}]",
            "unknown field",
        ),
        ("name: x\nentries: []", "missing 'version'"),
        ("entries: [\n  - {", "not valid YAML"),
    ],
)
def test_bad_lexicon_file_gives_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(LexiconError, match=message) as info:
        Lexicon.load(path)
    assert str(path) in str(info.value)


def test_error_names_the_entry_index() -> None:
    with pytest.raises(LexiconError, match="entry 1"):
        Lexicon.from_records(
            [{"term": "ok", "category": "abuse", "weight": 0.5}, {"term": "bad", "category": "abuse"}]
        )


def test_missing_file() -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        Lexicon.load("/nonexistent/lexicon.yaml")


def test_from_records_accepts_crisis_keywords_rows() -> None:
    import datetime
    import enum
    import uuid

    class DbCategory(enum.Enum):
        SELF_HARM = "self_harm"

    row = {
        "id": uuid.uuid4(),
        "term": "rubbing my skin raw with an eraser",
        "pattern": None,
        "is_regex": False,
        "is_phrase": True,
        "category": DbCategory.SELF_HARM,
        "weight": 0.8,
        "fuzzy": False,
        "requires_first_person": False,
        "requires_context": False,
        "triggers": [],
        "note": None,
        "lang": "en",
        "lexicon_name": "clinic-additions",
        "lexicon_version": "7",
        "enabled": True,
        "created_by": None,
        "created_at": datetime.datetime.now(datetime.UTC),
        "updated_at": datetime.datetime.now(datetime.UTC),
    }
    lex = Lexicon.from_records([row])
    assert (lex.name, lex.version) == ("clinic-additions", "7")
    assert lex.entries[0].category is Category.SELF_HARM
    assert lex.entries[0].id == str(row["id"])
    sig = KeywordScorer.load(Lexicon.default().merge(lex)).score(
        normalize("i keep rubbing my skin raw with an eraser")
    )
    assert any(m.term == "rubbing my skin raw with an eraser" for m in sig.matches)
