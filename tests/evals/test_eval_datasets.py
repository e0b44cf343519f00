"""The JSONL adapter: valid files load as documented, bad lines fail with file, line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crisis_engine.types import Category, RiskLevel
from evals.datasets import DatasetError, curated_suites, load_jsonl, load_many, resolve_dataset


def write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "suite_x.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def test_valid_items_load_with_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"text": "hello", "level": "none"},
        "",  # blank lines are skipped
        {
            "id": 7,
            "text": "yeah tonight",
            "min_level": "high",
            "max_level": "imminent",
            "category": ["suicidal_ideation", "imminent"],
            "conversation": ["i want to die", {"text": "i have pills"}],
            "suite": "multi",
            "tags": ["build_up", "pills"],
        },
        {"text": "killing it", "level": "none", "hard_negative": True, "category": "abuse"},
    )
    items = load_jsonl(path)
    assert [i.id for i in items] == ["suite_x:1", "7", "suite_x:4"]
    assert items[0].suite == "suite_x"
    assert items[0].min_level is items[0].max_level is RiskLevel.NONE
    assert (items[1].min_level, items[1].max_level) == (RiskLevel.HIGH, RiskLevel.IMMINENT)
    assert items[1].categories == {Category.SUICIDAL_IDEATION, Category.IMMINENT}
    assert items[1].conversation == ("i want to die", "i have pills")
    assert items[1].tags == ("build_up", "pills")
    assert items[1].accepts(RiskLevel.HIGH)
    assert not items[1].accepts(RiskLevel.MODERATE)
    assert items[2].hard_negative
    assert items[2].categories == {Category.ABUSE}


def test_one_sided_range_defaults(tmp_path: Path) -> None:
    (item,) = load_jsonl(write(tmp_path, {"text": "x", "min_level": "moderate"}))
    assert (item.min_level, item.max_level) == (RiskLevel.MODERATE, RiskLevel.IMMINENT)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "expected a JSON object"),
        ({"level": "none"}, "'text' must be a non-empty string"),
        ({"text": "  ", "level": "none"}, "'text' must be a non-empty string"),
        ({"text": "x"}, "missing label"),
        ({"text": "x", "level": "moderat"}, "'moderat' is not a risk level"),
        ({"text": "x", "level": "low", "min_level": "low"}, "not both"),
        ({"text": "x", "min_level": "high", "max_level": "low"}, "min_level high is above max_level low"),
        ({"text": "x", "level": "low", "category": "sadness"}, "unknown category 'sadness'"),
        ({"text": "x", "level": "low", "category": 3}, "category must be a string or a list"),
        ({"text": "x", "level": "low", "catgory": "abuse"}, "unknown field(s) catgory"),
        ({"text": "x", "level": "high", "hard_negative": True}, "hard negative cannot require high"),
        ({"text": "x", "level": "low", "hard_negative": "yes"}, "hard_negative must be true or false"),
        ({"text": "x", "level": "low", "conversation": "hi"}, "conversation must be a list"),
        ({"text": "x", "level": "low", "conversation": [""]}, "each conversation turn"),
        ({"text": "x", "level": "low", "id": True}, "id must be a string or an integer"),
        ({"text": "x", "level": "low", "tags": "idiom"}, "tags must be a list of non-empty strings"),
    ],
)
def test_bad_lines_give_clear_errors(tmp_path: Path, line: object, message: str) -> None:
    path = write(tmp_path, {"text": "fine", "level": "none"}, line)
    with pytest.raises(DatasetError) as err:
        load_jsonl(path)
    assert f"{path}:2:" in str(err.value)
    assert message in str(err.value)


def test_duplicate_ids_within_and_across_files(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"id": "a", "text": "x", "level": "none"}, {"id": "a", "text": "y", "level": "none"}
    )
    with pytest.raises(DatasetError, match="duplicate id 'a' \\(first on line 1\\)"):
        load_jsonl(path)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "z", "text": "x", "level": "none"}) + "\n", encoding="utf-8")
    again = tmp_path / "again.jsonl"
    again.write_text(json.dumps({"id": "z", "text": "y", "level": "none"}) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="also used in"):
        load_many([other, again])


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no items"):
        load_jsonl(path)


def test_committed_curated_suites_are_valid_and_sized() -> None:
    suites = curated_suites()
    assert len(suites) >= 8
    items = load_many(suites)
    by_suite: dict[str, int] = {}
    for item in items:
        by_suite[item.suite] = by_suite.get(item.suite, 0) + 1
    assert all(n >= 25 for n in by_suite.values()), by_suite
    assert sum(i.hard_negative for i in items) >= 40
    assert any(i.conversation for i in items)
    assert all(i.tags for i in items)  # every curated item has a subtype tag


def test_dataset_names_resolve(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    kind, paths = resolve_dataset("curated", repo)
    assert kind == "jsonl"
    assert isinstance(paths, list)
    assert len(paths) == len(curated_suites())
    kind, paths = resolve_dataset("multi_turn", repo)
    assert kind == "jsonl"
    assert isinstance(paths, list)
    assert paths[0].stem == "multi_turn"
    csv_path = tmp_path / "cssrs-reddit" / "anonymized_dataset" / "500_Reddit_users_posts_labels.csv"
    csv_path.parent.mkdir(parents=True)
    csv_path.write_text("User,Post,Label\n", encoding="utf-8")
    assert resolve_dataset("cssrs-reddit", repo, data_root=tmp_path) == ("cssrs", csv_path)
    with pytest.raises(DatasetError, match="C-SSRS data not found"):
        resolve_dataset("cssrs-reddit", repo, data_root=tmp_path / "nowhere")
    with pytest.raises(DatasetError, match="unknown dataset 'nope'"):
        resolve_dataset("nope", repo)
