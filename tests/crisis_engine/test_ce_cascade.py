"""Issue #15: the engine's first stage settles clearly benign messages without the sentence
encoder; a lexicon hit, a long text or a risky conversation always takes the full path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crisis_engine import Context, ContextMessage, CrisisDetector, RiskLevel
from crisis_engine.cascade import STAGE_FIRST, STAGE_FULL, CascadeConfig, FirstStage
from crisis_engine.detector import DetectorConfig
from crisis_engine.types import Assessment

BENIGN = "had pasta for dinner"


@pytest.fixture(scope="module")
def det() -> CrisisDetector:
    return CrisisDetector.load(classifier=True)


@pytest.fixture(scope="module")
def full(det: CrisisDetector) -> CrisisDetector:
    return CrisisDetector.load(classifier=True, config=DetectorConfig(cascade=False), encoder=det.encoder)


def test_cascade_config_loads_with_its_cutoff_and_figures() -> None:
    cfg = CascadeConfig.load()
    assert cfg.version.startswith("cascade-")
    assert -10 < cfg.cutoff < 5
    chosen = cfg.figures["chosen"]
    # The validation budget: at most 0.5% of the rows needing MODERATE+ settled.
    assert len(chosen["misses"]) <= 0.005 * chosen["needing_moderate_plus"]
    assert chosen["needing_moderate_plus"] >= 200


def test_cascade_config_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cascade.json"
    path.write_text(json.dumps({"version": "cascade-test", "cutoff": -9.5, "max_words": 12}), "utf-8")
    cfg = CascadeConfig.load(path)
    assert (cfg.version, cfg.cutoff, cfg.max_words) == ("cascade-test", -9.5, 12)
    stage = FirstStage.load(cfg)
    assert stage.version == "cascade-test"


def test_benign_message_is_settled_by_the_first_stage(det: CrisisDetector, full: CrisisDetector) -> None:
    a = det.assess(BENIGN)
    assert a.stage == STAGE_FIRST
    assert a.details["stage"] == STAGE_FIRST
    assert a.to_dict()["stage"] == STAGE_FIRST
    assert a.level == RiskLevel.NONE
    assert a.embedding is None
    assert not a.evidence
    assert a.details["first_stage_logit"] < det.first_stage.config.cutoff  # type: ignore[union-attr]
    # The full path agrees that it is ordinary.
    b = full.assess(BENIGN)
    assert b.stage == STAGE_FULL
    assert b.level == RiskLevel.NONE
    assert b.embedding is not None


def test_lexicon_hit_takes_the_full_path(det: CrisisDetector) -> None:
    a = det.assess("i want to kill myself")
    assert a.stage == STAGE_FULL
    assert a.level >= RiskLevel.HIGH
    # A qualified hit too (negated): the full path's rules read those words.
    b = det.assess("i'm not suicidal just really tired")
    assert b.matches
    assert b.stage == STAGE_FULL


def test_risky_conversation_sends_a_benign_looking_message_through_the_full_path(det: CrisisDetector) -> None:
    earlier = "i've been saving up my pills"
    first = det.assess(earlier)
    assert first.level >= RiskLevel.MODERATE
    ctx = Context(recent_messages=(ContextMessage(earlier, assessment=first),))
    a = det.assess(BENIGN, ctx)
    assert a.stage == STAGE_FULL
    assert a.level >= RiskLevel.MODERATE  # the conversation's risk persists
    # Without the earlier assessment, the engine reads the earlier message itself.
    ctx2 = Context(recent_messages=(ContextMessage(earlier),))
    assert det.assess(BENIGN, ctx2).stage == STAGE_FULL
    # A HIGH assessment from another source counts too.
    high = Assessment(level=RiskLevel.HIGH, score=0.9, categories=(), matches=(), explanation="")
    assert det.assess(BENIGN, Context(recent_assessments=(high,))).stage == STAGE_FULL


def test_quiet_conversation_still_lets_the_first_stage_settle(det: CrisisDetector) -> None:
    hello = "good morning"
    ctx = Context(recent_messages=(ContextMessage(hello, assessment=det.assess(hello)),))
    a = det.assess(BENIGN, ctx)
    assert a.stage == STAGE_FIRST
    assert a.level == RiskLevel.NONE


def test_cascade_off_means_the_full_path_always(full: CrisisDetector) -> None:
    assert full.first_stage is None
    assert "first stage" not in full.version
    assert all(a.stage == STAGE_FULL for a in full.assess_batch([BENIGN, "thanks that helped"]))


def test_batch_mixes_stages_and_matches_single_calls(det: CrisisDetector) -> None:
    texts = [BENIGN, "i want to kill myself", "thanks that helped", "whats the point anymore"]
    batch = det.assess_batch(texts)
    for t, b in zip(texts, batch, strict=True):
        one = det.assess(t)
        assert (one.stage, one.level) == (b.stage, b.level)
    assert batch[0].stage == STAGE_FIRST
    assert batch[1].stage == STAGE_FULL


def test_long_text_takes_the_full_path(det: CrisisDetector) -> None:
    long = " ".join([BENIGN] * 60)  # 240 words: more than one encoder window
    assert det.assess(long).stage == STAGE_FULL
