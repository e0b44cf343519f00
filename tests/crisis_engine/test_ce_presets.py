"""Named operating points (issue #18 item 5): defined relative to config/engine.json, monotone,
and never below the lexicon's floors."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from crisis_engine import CrisisDetector, RiskLevel
from crisis_engine.detector import DetectorConfig
from crisis_engine.fusion import Fusion
from crisis_engine.presets import CONSERVATIVE, HIGH_SENSITIVITY, PRESETS, STANDARD, apply_preset, get_preset


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("crisis_engine").joinpath("config", "engine.json").read_text("utf-8")
    )
    return data


@pytest.fixture(scope="module")
def detectors() -> dict[str, CrisisDetector]:
    base = CrisisDetector.load(classifier=True)
    return {
        name: base if name == STANDARD else CrisisDetector.load(config=DetectorConfig(preset=name))
        for name in PRESETS
    }


def test_standard_is_the_shipped_config_exactly() -> None:
    fusion = Fusion.load()
    assert apply_preset(fusion, STANDARD) is fusion
    shipped = _shipped()
    assert {lv.value: t for lv, t in fusion.config.thresholds.items()} == shipped["thresholds"]
    assert fusion.config.rules == shipped["rules"]


def test_other_presets_move_the_shipped_cutoffs_by_their_stated_amounts() -> None:
    fusion = Fusion.load()
    shipped = _shipped()
    for name, sign in ((HIGH_SENSITIVITY, -1), (CONSERVATIVE, 1)):
        p = get_preset(name)
        moved = apply_preset(fusion, name).config
        assert moved.thresholds[RiskLevel.MODERATE] == pytest.approx(
            shipped["thresholds"]["moderate"] + p.threshold_shift
        )
        assert moved.thresholds[RiskLevel.HIGH] == pytest.approx(
            shipped["thresholds"]["high"] + p.threshold_shift / 2
        )
        assert moved.rules["classifier_only_min_risk"] == pytest.approx(
            shipped["rules"]["classifier_only_min_risk"] * p.classifier_only_scale, abs=1e-6
        )
        assert moved.rules["corroboration_min_margin"] == pytest.approx(
            shipped["rules"]["corroboration_min_margin"] + p.margin_shift
        )
        assert sign * (moved.thresholds[RiskLevel.MODERATE] - fusion.moderate_threshold) > 0
        # Weights, calibration and the clinical floors are shared, not copied and changed.
        assert moved.weights is fusion.config.weights
        assert moved.calibration == fusion.config.calibration
        for key in ("first_person_floor_cutoff", "plan_means_cutoff", "imminent_cutoff"):
            assert moved.rules[key] == shipped["rules"][key]
    # The shipped object itself is untouched.
    assert fusion.config.thresholds[RiskLevel.MODERATE] == shipped["thresholds"]["moderate"]


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(ValueError, match="high_sensitivity"):
        get_preset("paranoid")
    with pytest.raises(ValueError, match="unknown crisis preset 'paranoid'"):
        CrisisDetector.load(config=DetectorConfig(preset="paranoid"))


# Ordinary chat, low mood and crisis messages, written for this test.
TEXTS = [
    "had a long day at work, just want to sleep",
    "i'm tired of everything lately",
    "nothing i do matters to anyone",
    "i keep thinking everyone would cope fine if i wasn't around",
    "my roommate keeps leaving dishes everywhere and i'm fed up",
    "what's the point of trying anymore",
    "i feel so empty and numb all the time",
    "i can't see a way out of this",
    "i want to die",
    "i've got the pills lined up on my desk",
    "thanks, that breathing exercise helped",
    "i don't want to wake up tomorrow",
    "honestly i'm exhausted and i hate my life",
    "can you help me plan my week?",
    "sometimes i wonder if i'd be missed",
]


def test_presets_are_ordered_message_by_message(detectors: dict[str, CrisisDetector]) -> None:
    """Whatever standard flags, high_sensitivity flags too, and conservative flags nothing that
    standard does not; direct statements stay flagged under every preset (the floors)."""
    levels = {name: [d.assess(t).level for t in TEXTS] for name, d in detectors.items()}
    for i, text in enumerate(TEXTS):
        assert levels[HIGH_SENSITIVITY][i] >= levels[STANDARD][i] >= levels[CONSERVATIVE][i], text
    assert levels[CONSERVATIVE][TEXTS.index("i want to die")] >= RiskLevel.MODERATE
    assert levels[CONSERVATIVE][TEXTS.index("i've got the pills lined up on my desk")] >= RiskLevel.MODERATE
    flagged = {n: sum(lv >= RiskLevel.MODERATE for lv in ls) for n, ls in levels.items()}
    # The presets are not the same operating point on this mix.
    assert flagged[HIGH_SENSITIVITY] > flagged[CONSERVATIVE]


def test_preset_is_reported_and_kept_with_another_lexicon(detectors: dict[str, CrisisDetector]) -> None:
    hs = detectors[HIGH_SENSITIVITY]
    a = hs.assess("nothing i do matters to anyone")
    assert "preset high_sensitivity" in a.engine_version
    assert a.details["preset"] == HIGH_SENSITIVITY
    assert "preset" not in detectors[STANDARD].assess("nothing i do matters to anyone").details
    other = hs.with_lexicon(hs.keyword_scorer.lexicon)
    for t in TEXTS:
        assert other.assess(t).level == hs.assess(t).level, t
    assert other.version == hs.version
    # The language identifier is shared too (one model per process, whatever the detectors).
    assert other.language_identifier is hs.language_identifier is detectors[STANDARD].language_identifier
    assert other.language_identifier is not None
