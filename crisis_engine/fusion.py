"""Fuse the keyword signal and the classifier signal into one calibrated score and a level.

Model: four logistic models over the same features give cumulative probabilities
P(level >= LOW), P(>= MODERATE), P(>= HIGH), P(= IMMINENT) (an ordinal read-out). They are fitted
on out-of-fold classifier outputs, so their weights are Platt-style calibration of the
classifier as well as the fusion. ``score`` is P(>= MODERATE): the probability that the message
needs attention. The level is the highest one whose probability clears its threshold. Then the
clinical rules, whose switches and cut-offs all live in ``config/engine.json``:

- an explicit first-person plan, means or timing raises the level to at least HIGH, an
  in-progress act (imminent category) to IMMINENT;
- a first-person risk statement that survived the keyword layer's modifiers is never below
  MODERATE, whatever else the message says ("i'm not being dramatic, i want to die");
- negation, idiom, third person, past, hypothetical, media or clinical context with no such
  first-person statement (and no other unqualified statement) caps the level at LOW, however
  sure the classifier is, unless the message is about someone else at risk (concern for another
  person is third person by nature);
- the classifier without any lexicon hit needs a calibrated probability of at least
  ``classifier_only_min_risk`` (``long_text_min_risk`` for the riskiest window of a long text)
  to reach MODERATE, and goes above ``classifier_only_max_level`` only at
  ``classifier_only_high_min_risk``; the same cap holds when the only lexicon words are weak
  ("i can't stop crying");
- corroboration (issue #23): a message of at most ``corroboration_max_words`` words whose
  MODERATE+ rests on the classifier (no lexicon word at the first-person floor's weight) keeps it
  only if it lies closer to the written crisis examples than to the ordinary ones by at least
  ``corroboration_min_margin`` (``crisis_engine.memory``), and stays above MODERATE only at
  ``corroboration_high_min_margin``.

The classifier's raw risk is over-confident (a head on frozen embeddings gives "my roommate
keeps leaving dishes everywhere" 0.95), so the classifier-alone cut-offs read a calibrated
probability: Platt scaling of the raw risk's logit, ``calibration`` in ``engine.json``, fitted
on out-of-fold predictions (``training/calibration.py``); without that block it is the identity.
When a rule moves the level, ``score`` is moved to the matching side of the MODERATE threshold
(halved when a rule judged an alarm false) so that ``level >= MODERATE`` and
``score >= thresholds.moderate`` always agree.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crisis_engine.classifier import ClassifierRow
from crisis_engine.keywords import KeywordSignal
from crisis_engine.memory import ExampleMemory
from crisis_engine.types import Category, Modifier, RiskLevel

CONFIG_FILE = "engine.json"
ORDINAL: tuple[RiskLevel, ...] = (
    RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT,
)  # fmt: skip
_LOGIT_CLIP = 8.0
_FIRST_PERSON_SELF = (
    Category.SUICIDAL_IDEATION, Category.SELF_HARM, Category.PLAN_OR_MEANS, Category.IMMINENT,
    Category.ABUSE, Category.EATING_DISORDER, Category.HARM_TO_OTHERS,
)  # fmt: skip


def _strong_unmodified(kw: KeywordSignal, reducing: set[Modifier]) -> bool:
    """An unqualified statement of some weight (a threat to others, an abuse disclosure) that
    the first-person flag does not cover."""
    return any(m.effective_weight >= 0.5 and not set(m.modifiers) & reducing for m in kw.matches)


def _lexicon_support(kw: KeywordSignal, reducing: set[Modifier], cutoff: float) -> bool:
    """A lexicon hit strong enough to back MODERATE on its own: an unqualified match at the
    first-person floor's weight or above (weak words such as "i can't stop crying", 0.3, are
    not)."""
    return any(m.effective_weight >= cutoff and not set(m.modifiers) & reducing for m in kw.matches)


def feature_names() -> list[str]:
    names = ["clf_logit", *[f"clf_p_{lv.value}" for lv in RiskLevel]]
    names += [f"kw_{c.value}" for c in Category] + ["kw_score", "kw_first_person"]
    names += [f"mod_{m.value}" for m in Modifier]
    return names


def features(keyword: KeywordSignal, clf: ClassifierRow) -> NDArray[np.float64]:
    """Fixed-order feature vector (see ``feature_names``)."""
    p = min(max(clf.risk, 1e-6), 1 - 1e-6)
    logit = max(-_LOGIT_CLIP, min(_LOGIT_CLIP, math.log(p / (1 - p))))
    return np.asarray([logit, *clf.level_probs, *keyword.features()], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class FusionResult:
    score: float
    level: RiskLevel
    categories: tuple[Category, ...]
    probabilities: dict[RiskLevel, float]  # cumulative P(level >= key) before rules
    rules: tuple[str, ...] = ()  # names of the rules that changed the level
    classifier_probability: float = 0.0  # calibrated classifier risk (see ``Fusion.calibrated``)
    # How much closer the message is to written crisis messages than to ordinary ones, when the
    # corroboration rule asked (``crisis_engine.memory``); None when it did not apply.
    neighbour_margin: float | None = None


@dataclass(frozen=True, slots=True)
class FusionConfig:
    weights: NDArray[np.float64]  # (4, n_features): rows follow ORDINAL
    biases: NDArray[np.float64]  # (4,)
    thresholds: dict[RiskLevel, float]
    classifier_category_cutoffs: dict[Category, float]
    keyword_category_cutoffs: dict[Category, float]
    rules: dict[str, Any]
    raw: dict[str, Any]
    # Platt scaling of the classifier's risk logit: p = sigmoid(a * logit(risk) + b); identity
    # (a=1, b=0) when engine.json has no calibration block.
    calibration: tuple[float, float] = (1.0, 0.0)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FusionConfig:
        fusion = data["fusion"]
        if fusion["features"] != feature_names():
            raise ValueError("engine.json fusion features do not match this engine version")
        models = fusion["models"]
        weights = np.asarray([models[lv.value]["weights"] for lv in ORDINAL], dtype=np.float64)
        biases = np.asarray([models[lv.value]["bias"] for lv in ORDINAL], dtype=np.float64)
        cuts = data["category_cutoffs"]
        return cls(
            weights=weights,
            biases=biases,
            thresholds={lv: float(data["thresholds"][lv.value]) for lv in ORDINAL},
            classifier_category_cutoffs={Category(k): float(v) for k, v in cuts["classifier"].items()},
            keyword_category_cutoffs={Category(k): float(v) for k, v in cuts["keyword"].items()},
            rules=dict(data["rules"]),
            raw=data,
            calibration=_calibration(data.get("calibration")),
        )


def _calibration(block: dict[str, Any] | None) -> tuple[float, float]:
    if block is None:
        return (1.0, 0.0)
    if block.get("method") != "platt":
        raise ValueError(f"engine.json calibration method {block.get('method')!r} is not supported")
    a, b = float(block["a"]), float(block["b"])
    if not a > 0:
        raise ValueError("engine.json calibration slope must be positive (the map must keep the order)")
    return (a, b)


def calibrate(risk: float, a: float, b: float) -> float:
    """Platt-scaled probability of a raw classifier risk: monotone increasing for a > 0 and in
    (0, 1). The logit is clipped like the fusion feature, so 0 and 1 map to finite values."""
    p = min(max(risk, 1e-6), 1 - 1e-6)
    logit = max(-_LOGIT_CLIP, min(_LOGIT_CLIP, math.log(p / (1 - p))))
    z = max(-40.0, min(40.0, a * logit + b))
    return 1.0 / (1.0 + math.exp(-z))


class Fusion:
    def __init__(self, config: FusionConfig, memory: ExampleMemory | None = None) -> None:
        self.config = config
        self.memory = memory

    @classmethod
    def load(cls, path: Path | None = None, memory: ExampleMemory | None = None) -> Fusion:
        if path is None:
            ref = resources.files("crisis_engine").joinpath("config", CONFIG_FILE)
            data = json.loads(ref.read_text("utf-8"))
            memory = memory if memory is not None else ExampleMemory.load()
        else:
            data = json.loads(path.read_text("utf-8"))
        return cls(FusionConfig.from_dict(data), memory)

    @property
    def moderate_threshold(self) -> float:
        return self.config.thresholds[RiskLevel.MODERATE]

    def calibrated(self, risk: float) -> float:
        """The classifier's raw risk as a calibrated probability of needing attention."""
        return calibrate(risk, *self.config.calibration)

    def probabilities(self, keyword: KeywordSignal, clf: ClassifierRow) -> dict[RiskLevel, float]:
        z = self.config.weights @ features(keyword, clf) + self.config.biases
        probs = 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))
        return {lv: float(p) for lv, p in zip(ORDINAL, probs, strict=True)}

    def combine(self, keyword: KeywordSignal, clf_row: ClassifierRow) -> FusionResult:
        return self.decide(self.probabilities(keyword, clf_row), keyword, clf_row)

    def decide(
        self, probs: dict[RiskLevel, float], keyword: KeywordSignal, clf_row: ClassifierRow
    ) -> FusionResult:
        """Level, score and categories from given cumulative probabilities (training uses this
        with cross-validated probabilities to choose thresholds)."""
        cfg = self.config
        level = RiskLevel.NONE
        for lv in ORDINAL:
            if probs[lv] >= cfg.thresholds[lv]:
                level = lv  # highest level that clears its threshold
        before = level
        level, fired, vote = self._apply_rules(level, keyword, clf_row)
        score = probs[RiskLevel.MODERATE]
        t_mod = self.moderate_threshold
        if level >= RiskLevel.MODERATE and score < t_mod:
            score = t_mod
        elif level < RiskLevel.MODERATE and before >= RiskLevel.MODERATE:
            # A rule judged the alarm false: the score falls well below the threshold, keeping
            # the order among such messages, so curves rank them with the negatives they are.
            score = min(score, t_mod) * 0.5
        elif level < RiskLevel.MODERATE and score >= t_mod:
            score = math.nextafter(t_mod, 0.0)
        return FusionResult(
            score=score,
            level=level,
            categories=self._categories(level, keyword, clf_row),
            probabilities=probs,
            rules=tuple(fired),
            classifier_probability=self.calibrated(clf_row.risk),
            neighbour_margin=vote,
        )

    def _apply_rules(
        self, level: RiskLevel, kw: KeywordSignal, clf: ClassifierRow
    ) -> tuple[RiskLevel, list[str], float | None]:
        rules = self.config.rules
        fired: list[str] = []
        vote: float | None = None
        reducing = {Modifier(m) for m in rules["reducing_modifiers"]}
        lexicon_hit = bool(kw.matches) or any(v > 0 for v in kw.category_scores.values())
        if not lexicon_hit and level >= RiskLevel.MODERATE:
            # The classifier alone: frozen sentence embeddings put ordinary messages that share
            # words with crisis messages ("i'd like to sleep earlier") close to them, so without
            # any lexicon support it must be very sure, surer still for the riskiest window of a
            # long text, and it reaches HIGH on its own only when near certain.
            prob = self.calibrated(clf.risk)
            cutoff = rules.get("classifier_only_min_risk", 0.0)
            if clf.windows > 1:
                cutoff = max(cutoff, rules.get("long_text_min_risk", 0.0))
            if prob < cutoff:
                level = RiskLevel.LOW
                fired.append("classifier_only_weak")
            else:
                cap = RiskLevel(rules.get("classifier_only_max_level", "imminent"))
                if level > cap and prob < rules.get("classifier_only_high_min_risk", 0.0):
                    level = cap
                    fired.append("classifier_only_capped")
        if not lexicon_hit and level > RiskLevel.LOW and clf.words <= rules.get("short_text_max_words", 0):
            # A reply of a few words ("maybe", "tomorrow then") means what the conversation
            # around it means; the context stage reads it with the messages before it.
            level = RiskLevel.LOW
            fired.append("short_text_needs_context")
        concern = Category.CONCERN_FOR_OTHER
        supported = _lexicon_support(kw, reducing, rules["first_person_floor_cutoff"]) or (
            # A worried friend's words are third person by nature ("he keeps saying we'd be
            # better off without him"): the lexicon backs them all the same.
            kw.category_score(concern) >= self.config.keyword_category_cutoffs.get(concern, 1.0)
        )
        if lexicon_hit and not supported and level >= RiskLevel.MODERATE:
            # Weak lexicon words only ("i can't stop crying", hopelessness 0.3): the level rests
            # on the classifier, which goes above MODERATE only when near certain, as without
            # any lexicon hit.
            cap = RiskLevel(rules.get("classifier_only_max_level", "imminent"))
            if level > cap and self.calibrated(clf.risk) < rules.get("classifier_only_high_min_risk", 0.0):
                level = cap
                fired.append("classifier_led_capped")
        if (
            not supported
            and level >= RiskLevel.MODERATE
            and self.memory is not None
            and clf.embedding is not None
            and clf.windows == 1
            and clf.words <= rules.get("corroboration_max_words", 0)
        ):
            # No single classifier score decides MODERATE for a short message without other
            # evidence (issue #23): the message must lie closer to written crisis messages than
            # to written ordinary ones.
            vote = self.memory.margin(clf.embedding, int(rules.get("corroboration_k", 5)))
            if vote < rules.get("corroboration_min_margin", 0.0):
                level = RiskLevel.LOW
                fired.append("classifier_uncorroborated")
            elif level > RiskLevel.MODERATE and vote < rules.get("corroboration_high_min_margin", -1.0):
                # HIGH from a few words and one model needs the examples to lean to the crisis
                # side ("i did it just now": margin -0.03, was IMMINENT). Capping every such
                # message at MODERATE cost a fifth of the curated IMMINENT recall ("i have the
                # knife in my hand rn"), so it is this bar instead. Context can still raise it.
                level = RiskLevel.MODERATE
                fired.append("classifier_only_short_capped")
        if (
            rules["lower_on_context"]
            and kw.modifiers_seen & reducing
            and not kw.first_person
            and not _strong_unmodified(kw, reducing)
            and not self._about_someone_at_risk(kw, clf)
        ):
            # Every risk word was negated, idiomatic, someone else's, past, hypothetical, quoted
            # or clinical: the keyword layer judged the message, and the classifier (which cannot
            # tell "killing it" from "killing myself" reliably) may not overrule it.
            cap = RiskLevel(rules.get("context_cap_level", "low"))
            if level > cap:
                level = cap
                fired.append("context_lowered")
        if kw.first_person:
            strongest = max((kw.category_score(c) for c in _FIRST_PERSON_SELF), default=0.0)
            floor = RiskLevel(rules["first_person_floor_level"])
            if strongest >= rules["first_person_floor_cutoff"] and level < floor:
                level = floor
                fired.append("first_person_floor")
            if kw.category_score(Category.PLAN_OR_MEANS) >= rules["plan_means_cutoff"]:
                floor = RiskLevel(rules["plan_means_min_level"])
                if level < floor:
                    level = floor
                    fired.append("plan_or_means_raised")
            if kw.category_score(Category.IMMINENT) >= rules["imminent_cutoff"]:
                floor = RiskLevel(rules["imminent_min_level"])
                if level < floor:
                    level = floor
                    fired.append("imminent_raised")
        return level, fired, vote

    def _about_someone_at_risk(self, kw: KeywordSignal, clf: ClassifierRow) -> bool:
        """Third person is the point of a worried friend's message, not a reason to lower it."""
        cat = Category.CONCERN_FOR_OTHER
        cfg = self.config
        return kw.category_score(cat) >= cfg.keyword_category_cutoffs.get(cat, 1.0) or (
            clf.category_probs.get(cat, 0.0) >= cfg.classifier_category_cutoffs.get(cat, 1.0)
        )

    def _categories(self, level: RiskLevel, kw: KeywordSignal, clf: ClassifierRow) -> tuple[Category, ...]:
        if level == RiskLevel.NONE:
            return ()
        cfg = self.config
        strength: dict[Category, float] = {}
        for cat in Category:
            k = kw.category_score(cat)
            c = clf.category_probs.get(cat, 0.0)
            hit = k >= cfg.keyword_category_cutoffs.get(cat, 1.0) or c >= (
                cfg.classifier_category_cutoffs.get(cat, 1.0)
            )
            if hit:
                strength[cat] = max(k, c)
        if not strength and level >= RiskLevel.MODERATE:
            # A message that needs attention always names what it is about: the strongest one.
            best = max(Category, key=lambda c: max(kw.category_score(c), clf.category_probs.get(c, 0.0)))
            strength[best] = 1.0
        return tuple(sorted(strength, key=lambda c: (-strength[c], c.value)))
