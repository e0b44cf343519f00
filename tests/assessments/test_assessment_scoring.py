"""Scoring against worked examples and every published cut-off, from the seeded template data."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from crisis_engine.types import RiskLevel
from hp_agent.assessments.scoring import InvalidAnswers, Result, score
from hp_agent.seed.loader import DATA_DIR


@functools.cache
def template(code: str) -> dict[str, Any]:
    rows = yaml.safe_load((DATA_DIR / "assessment_templates.yaml").read_text(encoding="utf-8"))["rows"]
    return next(r for r in rows if r["code"] == code)


def run(code: str, answers: dict[str, Any]) -> Result:
    t = template(code)
    return score(t["items"], t["scoring"], answers)


def spread(code: str, total: int, per_item_max: int, **fixed: int) -> dict[str, int]:
    """Answers to the scored items that add up to ``total`` (filled front to back), plus ``fixed``."""
    ids = [i for i in template(code)["scoring"]["item_ids"] if i not in fixed]
    remaining = total - sum(fixed.values())
    answers = dict(fixed)
    for item_id in ids:
        answers[item_id] = min(per_item_max, remaining)
        remaining -= answers[item_id]
    assert remaining == 0
    return answers


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_cut_offs(total: int, severity: str) -> None:
    # Item 9 stays 0 where the total allows it (above 24 it cannot).
    r = run("phq9", spread("phq9", total, 3, phq9_9=0) if total <= 24 else spread("phq9", total, 3))
    assert r.total == total
    assert r.severity == severity
    assert r.further_evaluation == (total >= 10)


def test_phq9_worked_example() -> None:
    # Kroenke 2001 style example: 2,2,1,1,0,1,0,0,0 -> 7 (mild); difficulty is unscored.
    answers = dict(zip([f"phq9_{i}" for i in range(1, 10)], [2, 2, 1, 1, 0, 1, 0, 0, 0], strict=True))
    r = run("phq9", answers | {"phq9_difficulty": 2})
    assert (r.total, r.severity, r.critical, r.crisis_level) == (7, "mild", False, RiskLevel.NONE)
    assert r.interpretation.startswith("Your answers suggest mild")


@pytest.mark.parametrize(
    ("item9", "level"), [(1, RiskLevel.MODERATE), (2, RiskLevel.HIGH), (3, RiskLevel.HIGH)]
)
def test_phq9_item9_is_critical_whatever_the_total(item9: int, level: RiskLevel) -> None:
    r = run("phq9", spread("phq9", item9, 3, phq9_9=item9))
    assert r.total == item9
    assert r.severity == "minimal"
    assert r.critical
    assert r.critical_item_ids == ("phq9_9",)
    assert r.crisis_level == level


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_cut_offs(total: int, severity: str) -> None:
    r = run("gad7", spread("gad7", total, 3))
    assert (r.total, r.severity, r.critical) == (total, severity, False)


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "below_threshold"), (32, "below_threshold"), (33, "above_threshold"), (80, "above_threshold")],
)
def test_pcl5_cut_point(total: int, severity: str) -> None:
    r = run("pcl5", spread("pcl5", total, 4))
    assert (r.total, r.severity) == (total, severity)
    assert r.further_evaluation == (total >= 33)


def test_pcl5_cluster_subscores_and_dsm5_rule() -> None:
    values = [3, 2, 1, 0, 4, 2, 2, 1, 1, 0, 3, 0, 0, 1, 2, 0, 3, 1, 0, 0]
    r = run("pcl5", {f"pcl5_{i}": v for i, v in enumerate(values, start=1)})
    assert r.total == 26
    assert r.subscales["B_intrusion"] == 10
    assert r.subscales["C_avoidance"] == 4
    assert r.subscales["D_negative_cognitions_mood"] == 6
    assert r.subscales["E_arousal_reactivity"] == 6
    # B: 3 endorsed, C: 2, D: 1 (needs 2), E: 2 -> the cluster rule is not met.
    assert r.subscales["dsm5_cluster_rule_met"] is False
    values[9] = 2  # D item 10 now endorsed
    assert run("pcl5", {f"pcl5_{i}": v for i, v in enumerate(values, start=1)}).subscales[
        "dsm5_cluster_rule_met"
    ]


NO = {f"cssrs_{i}": 0 for i in range(1, 7)}


@pytest.mark.parametrize(
    ("answers", "severity", "level"),
    [
        ({"cssrs_1": 0, "cssrs_2": 0, "cssrs_6": 0}, "no_risk_identified", RiskLevel.NONE),
        ({"cssrs_1": 1, "cssrs_2": 0, "cssrs_6": 0}, "low_risk", RiskLevel.LOW),
        (NO | {"cssrs_2": 1}, "low_risk", RiskLevel.LOW),
        (NO | {"cssrs_1": 1, "cssrs_2": 1, "cssrs_3": 1}, "moderate_risk", RiskLevel.MODERATE),
        (
            {"cssrs_1": 0, "cssrs_2": 0, "cssrs_6": 1, "cssrs_6_recent": 0},
            "moderate_risk",
            RiskLevel.MODERATE,
        ),
        (NO | {"cssrs_2": 1, "cssrs_4": 1}, "high_risk", RiskLevel.HIGH),
        (NO | {"cssrs_2": 1, "cssrs_3": 1, "cssrs_5": 1}, "high_risk", RiskLevel.HIGH),
        ({"cssrs_1": 0, "cssrs_2": 0, "cssrs_6": 1, "cssrs_6_recent": 1}, "high_risk", RiskLevel.HIGH),
    ],
)
def test_cssrs_triage(answers: dict[str, int], severity: str, level: RiskLevel) -> None:
    r = run("cssrs_screener", answers)
    assert r.severity == severity
    assert r.crisis_level == level
    assert r.critical == (level >= RiskLevel.MODERATE)
    assert r.total == sum(v for k, v in answers.items() if k != "cssrs_6_recent")


def test_cssrs_skip_logic_and_a_yes_after_a_skip_still_counts() -> None:
    # "No" to question 2 skips 3-5; question 6 is still required.
    with pytest.raises(InvalidAnswers) as e:
        run("cssrs_screener", {"cssrs_1": 1, "cssrs_2": 0})
    assert e.value.details["missing"] == ["cssrs_6"]
    # "Yes" to 2 requires 3, 4 and 5; "yes" to 6 requires the recency question.
    with pytest.raises(InvalidAnswers) as e:
        run("cssrs_screener", {"cssrs_1": 1, "cssrs_2": 1, "cssrs_6": 1})
    assert e.value.details["missing"] == ["cssrs_3", "cssrs_4", "cssrs_5", "cssrs_6_recent"]
    r = run("cssrs_screener", {"cssrs_1": 0, "cssrs_2": 0, "cssrs_4": 1, "cssrs_6": 0})
    assert r.severity == "high_risk"


@pytest.mark.parametrize(
    ("answers", "missing", "unknown", "invalid"),
    [
        ({}, [f"phq9_{i}" for i in range(1, 10)], [], []),
        (spread("phq9", 5, 3) | {"phq9_3": 4}, [], [], ["phq9_3"]),
        (
            spread("phq9", 5, 3) | {"phq9_2": -1, "phq9_4": "2", "phq9_5": True},
            [],
            [],
            ["phq9_2", "phq9_4", "phq9_5"],
        ),
        (spread("phq9", 5, 3) | {"phq9_10": 1, "gad7_1": 0}, [], ["gad7_1", "phq9_10"], []),
        (
            {k: v for k, v in spread("phq9", 5, 3).items() if k != "phq9_9"} | {"phq9_difficulty": 9},
            ["phq9_9"],
            [],
            ["phq9_difficulty"],
        ),
    ],
)
def test_invalid_answers_name_the_items(
    answers: dict[str, Any], missing: list[str], unknown: list[str], invalid: list[str]
) -> None:
    with pytest.raises(InvalidAnswers) as e:
        run("phq9", answers)
    assert e.value.status_code == 422
    assert e.value.details == {"missing": missing, "unknown": unknown, "invalid_values": invalid}
    for item in missing + unknown + invalid:
        assert item in e.value.message


def test_odd_keys_are_not_echoed() -> None:
    with pytest.raises(InvalidAnswers) as e:
        run("gad7", spread("gad7", 3, 3) | {"I feel awful today": 1})
    assert e.value.details["unknown"] == ["(unrecognised key)"]
    assert "awful" not in e.value.message
