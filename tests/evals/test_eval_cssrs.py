"""C-SSRS adapter and per-user aggregation on a tiny CSV written here (no third-party data)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from eval_fakes import FakeEngine

from crisis_engine.types import Category, RiskLevel
from evals.cli import main
from evals.cssrs import CssrsError, aggregate_user, label_confusion, load_cssrs, split_posts
from evals.detectors import EngineDetector
from evals.items import Prediction


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["User", "Post", "Label"])
        writer.writerows(rows)
    return path


ROWS = [
    ("user-0", repr(["feeling sad today", "had a nice walk"]), "Supportive"),
    ("user-1", repr(["i want to die", "sad again", "nothing"]), "Ideation"),
    # Not a Python literal: the whole string is one document.
    ("user-2", "['i have the pills here', unbalanced", "Attempt"),
    ("user-3", repr(["this homework is killing me"]), "Indicator"),
    ("user-4", repr(["i want to kill myself"]), "Behavior"),
]


def test_split_posts_falls_back_to_one_document() -> None:
    assert split_posts("['a', 'b']") == (("a", "b"), True)
    assert split_posts("['a', broken") == (("['a', broken",), False)
    assert split_posts("42") == (("42",), False)


def test_load_maps_labels_to_ranges(tmp_path: Path) -> None:
    items = load_cssrs(write_csv(tmp_path / "c.csv", ROWS))
    assert [i.id for i in items] == ["user-0", "user-1", "user-2", "user-3", "user-4"]
    assert items[0].documents == ("feeling sad today", "had a nice walk")
    assert items[2].documents == ("['i have the pills here', unbalanced",)
    assert (items[0].min_level, items[0].max_level) == (RiskLevel.NONE, RiskLevel.LOW)
    assert (items[1].min_level, items[1].max_level) == (RiskLevel.MODERATE, RiskLevel.HIGH)
    assert (items[2].min_level, items[2].max_level) == (RiskLevel.HIGH, RiskLevel.IMMINENT)
    assert not any(i.show_text for i in items)


def test_unknown_label_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(CssrsError, match=r"c.csv:2: unknown label 'Maybe'"):
        load_cssrs(write_csv(tmp_path / "c.csv", [("u", "['x']", "Maybe")]))
    bad = tmp_path / "bad.csv"
    bad.write_text("User,Text\nu,x\n", encoding="utf-8")
    with pytest.raises(CssrsError, match="missing column"):
        load_cssrs(bad)


def test_aggregate_user_max_level_and_score_quantile() -> None:
    posts = [
        Prediction(RiskLevel.LOW, 0.2),
        Prediction(RiskLevel.HIGH, 0.6, frozenset({Category.SELF_HARM})),
        Prediction(RiskLevel.NONE, 0.1),
        Prediction(RiskLevel.MODERATE, 0.9, frozenset({Category.SUICIDAL_IDEATION})),
        Prediction(RiskLevel.NONE, 0.0, frozenset({Category.ABUSE})),  # below MODERATE: not counted
    ]
    user = aggregate_user(posts)
    assert user.level is RiskLevel.HIGH  # the worst level, even though another post scores higher
    assert user.document_index == 1
    # 0.9 quantile of [0, .1, .2, .6, .9]: position 3.6 -> .6 + .6*(.9-.6) = 0.78
    assert user.score == pytest.approx(0.78)
    assert user.categories == {Category.SELF_HARM, Category.SUICIDAL_IDEATION}
    assert user.extra["n_posts"] == 5


def test_engine_detector_and_label_confusion(tmp_path: Path) -> None:
    items = load_cssrs(write_csv(tmp_path / "c.csv", ROWS))
    preds = EngineDetector("fake", FakeEngine()).predict(items)
    assert [p.level for p in preds] == [
        RiskLevel.LOW,  # sad
        RiskLevel.MODERATE,  # want to die
        RiskLevel.IMMINENT,  # pills, in the unparsed row
        RiskLevel.MODERATE,  # idiom false alarm
        RiskLevel.HIGH,
    ]
    matrix = label_confusion(items, preds)
    assert matrix == [
        [0, 1, 0, 0, 0],  # Supportive
        [0, 0, 1, 0, 0],  # Indicator
        [0, 0, 1, 0, 0],  # Ideation
        [0, 0, 0, 1, 0],  # Behavior
        [0, 0, 0, 0, 1],  # Attempt
    ]


def test_cli_on_csv_keeps_text_out_of_reports(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "c.csv", ROWS)
    out = tmp_path / "out"
    code = main(
        ["crisis", "--dataset", str(csv_path), "--out", str(out), "--systems", "engine"],
        factories={"engine": lambda: EngineDetector("engine", FakeEngine())},
    )
    assert code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["systems"]["engine"]["cssrs_label_confusion"]["rows"][0] == "Supportive"
    (alarm,) = report["worst"]["false_alarms"]
    assert alarm["id"] == "user-3"
    assert alarm["text"] is None
    assert alarm["post_index"] == 0
    assert "killing me" not in alarm["explanation"]  # no quoted spans of the text
    assert alarm["explanation"].startswith("categories: suicidal_ideation")
    for name in ("report.md", "report.html", "report.json"):
        body = (out / name).read_text(encoding="utf-8")
        for _user, posts, _label in ROWS:
            for post in split_posts(posts)[0]:
                assert post not in body, (name, post)


def test_aggregated_latency_is_per_post() -> None:
    posts = [Prediction(RiskLevel.NONE, 0.1, latency_ms=2.0), Prediction(RiskLevel.LOW, 0.2, latency_ms=4.0)]
    assert aggregate_user(posts).latency_ms == 3.0
