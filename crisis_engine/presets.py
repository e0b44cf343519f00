"""Named operating points (issue #18 item 5): how readily the engine says MODERATE or more.

A deployment picks one (``DetectorConfig(preset=...)``; the service reads ``HP_CRISIS_PRESET``).
``standard`` is ``config/engine.json`` exactly as shipped: whatever thresholds that file holds
today (they are tuned elsewhere, with their own validation runs) are the standard ones. The other
presets are *relative* to that file, so they move with it when it is retuned:

- ``high_sensitivity`` (a service for people already known to be at risk, or a clinician-staffed
  pilot where a missed message costs far more than a check): the MODERATE threshold of the fused
  probability is lowered, the classifier alone needs less calibrated probability to reach
  MODERATE, and a short message needs a smaller margin towards written crisis examples;
- ``conservative`` (broad wellness use, where false alarms erode trust): the same knobs moved the
  other way.

Only the fused model's cut-offs move. The lexicon's first-person floors (an explicit statement of
ideation is MODERATE, a plan with ideation HIGH, an act in progress IMMINENT), the conversation
rules and the lexicon path for languages the encoder does not cover are the same under every
preset: no preset may talk the engine out of a direct statement. Measured recall and false-alarm
rates of each preset: docs/crisis-engine.md, "Operating points".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from crisis_engine.types import RiskLevel

if TYPE_CHECKING:
    from crisis_engine.fusion import Fusion

__all__ = ["CONSERVATIVE", "HIGH_SENSITIVITY", "PRESETS", "STANDARD", "Preset", "apply_preset", "get_preset"]

STANDARD = "standard"
HIGH_SENSITIVITY = "high_sensitivity"
CONSERVATIVE = "conservative"


@dataclass(frozen=True, slots=True)
class Preset:
    """Moves relative to engine.json. ``threshold_shift`` is added to the LOW and MODERATE
    thresholds of the fused cumulative probabilities (HIGH and IMMINENT move by half of it);
    ``classifier_only_scale`` multiplies the calibrated cut-offs the classifier alone must clear
    (``classifier_only_min_risk``, ``long_text_min_risk``); ``margin_shift`` is added to the
    corroboration margins of short classifier-only messages."""

    name: str
    description: str
    threshold_shift: float = 0.0
    classifier_only_scale: float = 1.0
    margin_shift: float = 0.0


PRESETS: dict[str, Preset] = {
    STANDARD: Preset(STANDARD, "engine.json as shipped"),
    HIGH_SENSITIVITY: Preset(
        HIGH_SENSITIVITY,
        "more MODERATE+ from the fused model: lower thresholds, weaker classifier-only bars",
        threshold_shift=-0.12,
        classifier_only_scale=0.6,
        margin_shift=-0.03,
    ),
    CONSERVATIVE: Preset(
        CONSERVATIVE,
        "fewer MODERATE+ from the fused model: higher thresholds, stronger classifier-only bars",
        threshold_shift=0.1,
        classifier_only_scale=1.5,
        margin_shift=0.02,
    ),
}

# Cut-offs stay inside this band whatever the file says, so a preset can never turn a level off.
_LO, _HI = 0.05, 0.95


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown crisis preset {name!r}; choose from {', '.join(PRESETS)}") from None


def _clamp(x: float) -> float:
    return round(min(max(x, _LO), _HI), 6)


def apply_preset(fusion: Fusion, name: str) -> Fusion:
    """``fusion`` with the preset's cut-offs; the same object for ``standard``. Weights,
    calibration, category cut-offs, clinical floors and the example memory are shared."""
    from crisis_engine.fusion import Fusion

    preset = get_preset(name)
    if preset.name == STANDARD:
        return fusion
    cfg = fusion.config
    shift = {
        RiskLevel.LOW: preset.threshold_shift,
        RiskLevel.MODERATE: preset.threshold_shift,
        RiskLevel.HIGH: preset.threshold_shift / 2,
        RiskLevel.IMMINENT: preset.threshold_shift / 2,
    }
    thresholds = {lv: _clamp(t + shift[lv]) for lv, t in cfg.thresholds.items()}
    rules = dict(cfg.rules)
    for key in ("classifier_only_min_risk", "long_text_min_risk"):
        if key in rules:
            rules[key] = _clamp(float(rules[key]) * preset.classifier_only_scale)
    for key in ("corroboration_min_margin", "corroboration_high_min_margin"):
        if key in rules:
            rules[key] = round(float(rules[key]) + preset.margin_shift, 6)
    return Fusion(replace(cfg, thresholds=thresholds, rules=rules), fusion.memory)
