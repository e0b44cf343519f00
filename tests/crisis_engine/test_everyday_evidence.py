"""Issue #23: everyday messages stay below MODERATE, risky look-alikes do not, the classifier's
score is a calibrated probability, and an assessment says what its level rests on."""

from __future__ import annotations

import itertools
import json
from importlib import resources
from typing import Any

import numpy as np
import pytest

from crisis_engine import CrisisDetector
from crisis_engine.fusion import Fusion, FusionConfig, calibrate
from crisis_engine.memory import ExampleMemory, quantise
from crisis_engine.training.calibration import expected_calibration_error, fit_platt, reliability
from crisis_engine.types import Context, ContextMessage, RiskLevel
from evals.everyday.lines import ISSUE_EXAMPLES

# Issue #23's table: each was MODERATE from the classifier alone before.
ISSUE_MESSAGES = sorted(ISSUE_EXAMPLES)

# Phrased like everyday chat, but they need attention: lexicon-backed, or only the classifier
# and its nearest examples can tell (no lexicon word in the last three). The exam message was
# LOW under the corroboration rule alone (the exam talk pulls it towards ordinary examples);
# lexicon 2026.12.1 reads a future absence said with a shrug at everything.
RISKY_LOOK_ALIKES = [
    "my roommate keeps leaving dishes everywhere and honestly i want to die",
    "everyone would be better off without me",
    "it doesnt matter anymore anyway, i wont be here for the exam",
    "i tried it just now but i'm still here, next time i'll take more",
    "i dont see myself being around much longer",
    "what's the point of a future when i wont be in it",
    "maybe i should just do it",
]


@pytest.fixture(scope="module")
def full() -> CrisisDetector:
    return CrisisDetector.load(classifier=True)


def _config() -> dict[str, Any]:
    text = resources.files("crisis_engine").joinpath("config", "engine.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.mark.parametrize("text", ISSUE_MESSAGES)
def test_issue_examples_are_below_moderate(full: CrisisDetector, text: str) -> None:
    a = full.assess(text)
    assert a.level < RiskLevel.MODERATE, (text, a.level, a.details["rules"])
    assert a.evidence == ()


@pytest.mark.parametrize("text", RISKY_LOOK_ALIKES)
def test_risky_look_alikes_still_need_attention(full: CrisisDetector, text: str) -> None:
    a = full.assess(text)
    assert a.level >= RiskLevel.MODERATE, (text, a.details["rules"])
    assert a.evidence


def test_issue_conversations_with_context_stay_conversations(full: CrisisDetector) -> None:
    """Each turn assessed with the earlier turns as context, as the chat does."""
    conversations = [
        ["i'm really stressed about tomorrow", "can we do a breathing exercise?",
         "ok i tried it just now, it helped a bit", "yes"],
        ["my dog died on saturday", "he was 14", "is it normal to still be crying about it?"],
        ["my roommate keeps leaving dishes everywhere and i'm fed up",
         "how do i bring it up without it turning into a huge fight?"],
    ]  # fmt: skip
    for turns in conversations:
        earlier: list[ContextMessage] = []
        for text in turns:
            a = full.assess(text, Context(recent_messages=tuple(earlier)) if earlier else None)
            assert a.level < RiskLevel.MODERATE, (text, a.details)
            earlier.append(ContextMessage(text=text, assessment=a))


def test_evidence_names_lexicon_classifier_and_context(full: CrisisDetector) -> None:
    lexicon = full.assess("i want to kill myself")
    assert "lexicon" in lexicon.evidence
    assert not lexicon.classifier_only
    # No lexicon word: the classifier (corroborated by its nearest examples) carries it alone.
    oblique = full.assess("i dont see myself being around much longer")
    assert oblique.level >= RiskLevel.MODERATE
    assert oblique.matches == ()
    assert oblique.evidence == ("classifier",)
    assert oblique.classifier_only
    assert oblique.to_dict()["evidence"] == ["classifier"]
    assert oblique.details["evidence"] == ["classifier"]
    # After a risky turn the same message is backed by the conversation too.
    first = full.assess("i want to kill myself")
    after = full.assess(
        "i dont see myself being around much longer",
        Context(recent_messages=(ContextMessage("i want to kill myself", first),)),
    )
    assert "context" in after.evidence
    assert not after.classifier_only
    # Below MODERATE nothing is claimed.
    assert full.assess("what should i cook tonight").evidence == ()


def test_classifier_score_is_the_calibrated_probability(full: CrisisDetector) -> None:
    fusion = Fusion.load()
    a = full.assess("how do i stop beating myself up about it?")
    raw = a.details["classifier_raw"]
    assert a.classifier_score == pytest.approx(fusion.calibrated(raw), abs=1e-4)  # raw is rounded
    assert a.classifier_score < raw  # the head is over-confident on this kind of message


def test_shipped_calibration_is_monotone_and_bounded() -> None:
    fusion = Fusion.load()
    a, b = fusion.config.calibration
    assert a > 0
    assert (a, b) != (1.0, 0.0)
    grid = np.concatenate([[0.0, 1e-9], np.linspace(0.0, 1.0, 2001), [1 - 1e-9, 1.0]])
    probs = [fusion.calibrated(float(r)) for r in np.sort(grid)]
    assert all(0.0 < p < 1.0 for p in probs)
    assert all(p2 >= p1 for p1, p2 in itertools.pairwise(probs))


def test_calibration_refuses_a_map_that_reverses_the_order() -> None:
    data = _config()
    data["calibration"] = {"method": "platt", "a": -1.0, "b": 0.0}
    with pytest.raises(ValueError, match="slope"):
        FusionConfig.from_dict(data)
    data["calibration"] = {"method": "isotonic"}
    with pytest.raises(ValueError, match="method"):
        FusionConfig.from_dict(data)


def test_platt_fit_recovers_a_known_map_and_improves_reliability() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 20_000)
    raw = 1 / (1 + np.exp(-logits))
    true_p = np.asarray([calibrate(float(r), 0.6, -1.2) for r in raw])
    y = rng.random(len(raw)) < true_p
    a, b = fit_platt(raw, y)
    assert a == pytest.approx(0.6, abs=0.05)
    assert b == pytest.approx(-1.2, abs=0.08)
    fitted = [calibrate(float(r), a, b) for r in raw]
    ece_raw = expected_calibration_error(reliability(raw, list(y)))
    ece_cal = expected_calibration_error(reliability(fitted, list(y)))
    assert ece_cal < 0.02 < ece_raw
    assert sum(b.n for b in reliability(fitted, list(y))) == len(raw)


def test_memory_margin_prefers_the_closer_class() -> None:
    rng = np.random.default_rng(1)
    crisis = rng.normal(0, 1, (20, 16)) + 4 * np.eye(16)[0]
    ordinary = rng.normal(0, 1, (20, 16)) + 4 * np.eye(16)[1]
    emb = np.vstack([crisis, ordinary])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    memory = ExampleMemory.from_embeddings(emb, np.asarray([True] * 20 + [False] * 20))
    near_crisis = np.eye(16)[0] + 0.1 * np.eye(16)[1]
    near_ordinary = np.eye(16)[1] + 0.1 * np.eye(16)[0]
    assert memory.margin(near_crisis / np.linalg.norm(near_crisis), 5) > 0
    assert memory.margin(near_ordinary / np.linalg.norm(near_ordinary), 5) < 0
    # Leave-one-out: a row is not its own neighbour.
    assert memory.margin(emb[0], 1, exclude=0) < memory.margin(emb[0], 1)
    assert np.abs(quantise(emb)).max() <= 127


def test_shipped_rules_use_the_corroboration_memory() -> None:
    rules = _config()["rules"]
    assert rules["corroboration_k"] >= 1
    assert rules["corroboration_max_words"] >= 10
    assert ExampleMemory.load() is not None
