"""HP_CRISIS_PRESET (issue #18 item 5): the service accepts exactly the engine's presets."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from crisis_engine.presets import PRESETS
from hp_agent.config import Settings


def test_service_setting_names_exactly_the_engines_presets() -> None:
    annotation = Settings.model_fields["crisis_preset"].annotation
    assert set(typing.get_args(annotation)) == set(PRESETS)
    assert Settings().crisis_preset == "standard"


def test_unknown_preset_stops_the_service_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HP_CRISIS_PRESET", "high_sensitivity")
    assert Settings().crisis_preset == "high_sensitivity"
    monkeypatch.setenv("HP_CRISIS_PRESET", "paranoid")
    with pytest.raises(ValidationError, match="crisis_preset"):
        Settings()
