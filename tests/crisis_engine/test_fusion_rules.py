"""Fusion: calibrated score and level from both signals, and the clinical rules on top."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import numpy as np
import pytest

from crisis_engine.classifier import CATEGORIES, ClassifierRow
from crisis_engine.fusion import Fusion, FusionConfig
from crisis_engine.keywords import KeywordSignal
from crisis_engine.types import Category, Modifier, RiskLevel


def _config() -> dict[str, Any]:
    text = resources.files("crisis_engine").joinpath("config", "engine.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture(scope="module")
def fusion() -> Fusion:
    return Fusion.load()


def _kw(
    cats: dict[Category, float] | None = None,
    first_person: bool = False,
    mods: tuple[Modifier, ...] = (),
) -> KeywordSignal:
    cats = cats or {}
    return KeywordSignal((), cats, max(cats.values(), default=0.0), first_person, frozenset(mods))


def _row(risk: float, level: int = 0) -> ClassifierRow:
    probs = [0.02] * 5
    probs[level] = 0.92
    return ClassifierRow(risk, tuple(probs), {c: 0.0 for c in CATEGORIES})


def _moderate_row(fusion: Fusion) -> ClassifierRow:
    """A classifier row that on its own (no keywords) lands exactly at MODERATE."""
    for risk in np.linspace(0.05, 0.999, 190):
        row = _row(float(risk), level=2)
        if fusion.combine(_kw(), row).level == RiskLevel.MODERATE:
            return row
    pytest.fail("no classifier risk gives MODERATE on its own")


def test_fusion_plan_or_means_raises_to_high(fusion: Fusion) -> None:
    quiet = _row(0.02)
    base = fusion.combine(_kw(), quiet)
    plan = fusion.combine(_kw({Category.PLAN_OR_MEANS: 0.85}, first_person=True), quiet)
    assert base.level < RiskLevel.MODERATE
    assert plan.level >= RiskLevel.HIGH
    assert "plan_or_means_raised" in plan.rules or plan.probabilities[RiskLevel.HIGH] >= 0.5
    assert Category.PLAN_OR_MEANS in plan.categories


def test_fusion_in_progress_act_is_imminent(fusion: Fusion) -> None:
    out = fusion.combine(_kw({Category.IMMINENT: 0.95}, first_person=True), _row(0.3))
    assert out.level == RiskLevel.IMMINENT


def test_fusion_negation_lowers_classifier_only_alarm(fusion: Fusion) -> None:
    row = _moderate_row(fusion)
    negated = fusion.combine(_kw({Category.SUICIDAL_IDEATION: 0.1}, mods=(Modifier.NEGATION,)), row)
    assert negated.level < RiskLevel.MODERATE
    idiom = fusion.combine(_kw(mods=(Modifier.IDIOM,)), row)
    assert idiom.level < RiskLevel.MODERATE


def test_fusion_negation_never_hides_first_person_statement(fusion: Fusion) -> None:
    kw = _kw({Category.SUICIDAL_IDEATION: 0.95}, first_person=True, mods=(Modifier.NEGATION,))
    out = fusion.combine(kw, _row(0.01))
    assert out.level >= RiskLevel.MODERATE
    assert out.score >= fusion.moderate_threshold


def test_fusion_context_modifiers_cap_even_a_confident_classifier(fusion: Fusion) -> None:
    # Changed: a classifier risk >= 0.9 used to override negation, idiom and third-person
    # judgements; that let "shoot me a message" or "my feet are killing me" alert. Now only a
    # first-person statement or concern for someone else lifts the cap.
    row = _row(0.995, level=3)
    assert fusion.combine(_kw({Category.SUICIDAL_IDEATION: 0.8}, first_person=True), row).level >= (
        RiskLevel.MODERATE
    )
    idiom = fusion.combine(_kw({Category.SUICIDAL_IDEATION: 0.04}, mods=(Modifier.IDIOM,)), row)
    assert idiom.level <= RiskLevel.LOW
    assert "context_lowered" in idiom.rules
    concern = fusion.combine(_kw({Category.CONCERN_FOR_OTHER: 0.8}, mods=(Modifier.THIRD_PERSON,)), row)
    assert concern.level >= RiskLevel.MODERATE


def _raw_for(fusion: Fusion, prob: float) -> float:
    """The raw classifier risk whose calibrated probability is ``prob`` (the map is monotone)."""
    lo, hi = 1e-6, 1 - 1e-6
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fusion.calibrated(mid) < prob else (lo, mid)
    return (lo + hi) / 2


def test_fusion_classifier_alone_needs_a_strong_signal_and_rarely_makes_high(fusion: Fusion) -> None:
    # The cut-offs are calibrated probabilities; the row carries the raw risk.
    rules = fusion.config.rules
    weak = _row(_raw_for(fusion, max(0.0, rules["classifier_only_min_risk"] - 0.01)), level=3)
    out = fusion.combine(_kw(), weak)
    assert out.level <= RiskLevel.LOW
    sure = _row(_raw_for(fusion, min(0.999, max(rules["classifier_only_min_risk"], 0.9))), level=3)
    capped = fusion.combine(_kw(), sure)
    if fusion.calibrated(sure.risk) < rules["classifier_only_high_min_risk"]:
        assert capped.level <= RiskLevel.MODERATE
    # The riskiest window of a long text needs more than a chat message.
    window = ClassifierRow(
        _raw_for(fusion, (rules["classifier_only_min_risk"] + rules["long_text_min_risk"]) / 2),
        weak.level_probs,
        weak.category_probs,
        windows=5,
    )
    assert rules["long_text_min_risk"] > rules["classifier_only_min_risk"]
    assert fusion.combine(_kw(), window).level <= RiskLevel.LOW


def test_fusion_score_agrees_with_level(fusion: Fusion) -> None:
    rng = np.random.default_rng(4)
    t_mod = fusion.moderate_threshold
    for _ in range(300):
        cats = {c: float(rng.random()) for c in CATEGORIES if rng.random() < 0.2}
        mods = tuple(m for m in Modifier if rng.random() < 0.1)
        kw = _kw(cats, first_person=bool(rng.random() < 0.5), mods=mods)
        out = fusion.combine(kw, _row(float(rng.random()), int(rng.integers(0, 5))))
        assert 0.0 <= out.score <= 1.0
        assert (out.level >= RiskLevel.MODERATE) == (out.score >= t_mod)
        if out.level == RiskLevel.NONE:
            assert out.categories == ()
        if out.level >= RiskLevel.MODERATE:
            assert out.categories


def test_fusion_thresholds_and_rules_come_from_config() -> None:
    data = _config()
    kw = _kw({Category.PLAN_OR_MEANS: 0.85}, first_person=True)
    assert Fusion(FusionConfig.from_dict(data)).combine(kw, _row(0.02)).level >= RiskLevel.HIGH
    data["rules"]["plan_means_cutoff"] = 2.0  # switch the rule off through the config only
    data["rules"]["first_person_floor_cutoff"] = 2.0
    data["thresholds"].update({"moderate": 0.999, "high": 0.999, "imminent": 0.999})
    assert Fusion(FusionConfig.from_dict(data)).combine(kw, _row(0.02)).level < RiskLevel.HIGH


def test_fusion_config_refuses_other_feature_layout() -> None:
    data = _config()
    data["fusion"]["features"] = data["fusion"]["features"][:-1]
    with pytest.raises(ValueError, match="features"):
        FusionConfig.from_dict(data)
