"""CrisisDetector: the public entry point of the engine.

Pipeline per message: normalise -> keyword signal -> first stage (``cascade.py``: a clearly
benign message in a quiet conversation is settled at NONE here, without the encoder) ->
classifier (sentence encoder + head) -> fusion -> rule floors -> conversation context ->
explanation.

Interfaces this module relies on (owned by the classifier work, agreed through the files):
- ``encoder.SentenceEncoder.load()``, ``.encode(texts) -> ndarray (n, 384)``, ``.token_counts``;
- ``classifier.RiskClassifier.load()``, ``.predict(embeddings) -> ClassifierOutput`` with
  ``.row(i) -> ClassifierRow(risk, level_probs, category_probs)`` and ``.version``;
- ``fusion.Fusion.load()``, ``.combine(KeywordSignal, ClassifierRow) -> FusionResult`` with
  ``score``, ``level``, ``categories``, ``rules``.

Determinism and batches: all windows of all texts in a call are encoded in one batched encoder
call, grouped by padded width, and the encoder's result for a row depends only on its own width
(see ``SentenceEncoder.encode``), so a text gets the same assessment whatever it is batched
with, and the same text always gets the same assessment. A call with a single window takes the
encoder's one-row path, which differs from the batched arithmetic in the last float digits
(scores agree to about 1e-6; levels agree); ``DetectorConfig(exact_batches=True)`` sends single
windows through the batched arithmetic as well, for bit-for-bit agreement at some latency cost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crisis_engine.cascade import STAGE_FIRST, STAGE_FULL, STAGE_KEYWORDS, FirstStage
from crisis_engine.chunks import split_windows
from crisis_engine.context import (
    ContextRules,
    adjust_for_context,
    corroborated_risk,
    is_de_escalation,
    is_retraction,
    lexicon_read,
    ordinary_conversation,
    own_level,
)
from crisis_engine.explain import explain
from crisis_engine.keywords import KeywordScorer, KeywordSignal
from crisis_engine.language import PATH_LEXICON, STAGE_LEXICON, LanguageGuess, LanguageIdentifier
from crisis_engine.language import shared as shared_identifier
from crisis_engine.levels import LevelRules, keyword_level, rule_floor, score_band
from crisis_engine.lexicon import Lexicon
from crisis_engine.modifiers import CUES_VERSION
from crisis_engine.normalize import NormalizedText, normalize
from crisis_engine.presets import STANDARD, apply_preset
from crisis_engine.types import (
    EVIDENCE_CLASSIFIER,
    EVIDENCE_CONTEXT,
    EVIDENCE_LEXICON,
    EVIDENCE_ORDER,
    Assessment,
    Category,
    Context,
    Match,
    Modifier,
    RiskLevel,
)

if TYPE_CHECKING:
    from crisis_engine.classifier import ClassifierRow, RiskClassifier
    from crisis_engine.encoder import SentenceEncoder
    from crisis_engine.fusion import Fusion

__all__ = ["CrisisDetector", "DetectorConfig"]

logger = logging.getLogger(__name__)

LexiconSource = Lexicon | str | Path | Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    levels: LevelRules = field(default_factory=LevelRules)
    context: ContextRules = field(default_factory=ContextRules)
    chunk_words: int = 140  # about 190 word pieces: inside the encoder's 256
    chunk_overlap: int = 1  # sentences shared by consecutive windows
    # Windows are always encoded in batches. True: a lone window runs through the batched
    # arithmetic too (duplicated into a two-row batch), so ``assess`` equals ``assess_batch``
    # bit for bit, at about 1.5x the encoder time of a single message. False (default): a lone
    # window takes the faster one-row path; scores then agree with batches to about 1e-6.
    exact_batches: bool = False
    # The first stage (``crisis_engine.cascade``) settles clearly benign messages without the
    # sentence encoder. False: every message takes the full path (for comparisons).
    cascade: bool = True
    # Issue #18: tell the language of each message; a confidently identified language the
    # encoder does not cover is read by the lexicon alone (``crisis_engine.language``).
    # False: every message takes the encoder path, as before (for comparisons).
    languages: bool = True
    # Named operating point (``crisis_engine.presets``): ``standard`` is engine.json as shipped.
    preset: str = STANDARD


@dataclass(frozen=True, slots=True)
class _Model:
    encoder: SentenceEncoder
    classifier: RiskClassifier
    fusion: Fusion


@dataclass(frozen=True, slots=True)
class _Single:
    """One message assessed on its own, before context."""

    norm: NormalizedText
    keyword: KeywordSignal
    level: RiskLevel
    score: float
    categories: tuple[Category, ...]
    classifier: ClassifierRow | None
    rules: tuple[str, ...]
    # What supports MODERATE+ on its own (see ``Assessment.evidence``); context is added later.
    evidence: tuple[str, ...] = ()
    classifier_probability: float | None = None  # calibrated (``Fusion.calibrated``)
    stage: str = STAGE_FULL
    first_logit: float | None = None  # the first stage's logit, when it was asked
    language: LanguageGuess | None = None  # None: not identified (keyword-only mode, or off)


def _as_lexicon(source: LexiconSource) -> Lexicon:
    if isinstance(source, Lexicon):
        return source
    if isinstance(source, str | Path):
        return Lexicon.load(source)
    return Lexicon.from_records(source)


class CrisisDetector:
    def __init__(
        self,
        scorer: KeywordScorer,
        model: _Model | None,
        config: DetectorConfig | None = None,
        first_stage: FirstStage | None = None,
        language: LanguageIdentifier | None = None,
    ) -> None:
        from crisis_engine import __version__

        self._scorer = scorer
        self.config = config or DetectorConfig()
        if model is not None and self.config.preset != STANDARD:
            model = replace(model, fusion=apply_preset(model.fusion, self.config.preset))
        self._model = model
        self._first = first_stage if model is not None and self.config.cascade else None
        # Languages matter only where the encoder would read the message.
        self._lang = language if model is not None and self.config.languages else None
        parts = [
            __version__,
            f"lexicon {scorer.lexicon.name}@{scorer.lexicon.version}",
            f"cues {CUES_VERSION}",
        ]
        if model is not None:
            parts.append(f"classifier {model.classifier.version}")
            calibration = model.fusion.config.raw.get("calibration") or {}
            if "version" in calibration:  # calibration and corroboration memory (issue #23)
                parts.append(f"calibration {calibration['version']}")
            if self._first is not None:
                parts.append(f"first stage {self._first.version}")
        else:
            parts.append("keywords-only")
        if self.config.preset != STANDARD:
            parts.append(f"preset {self.config.preset}")
        self.version = "; ".join(parts)

    @classmethod
    def load(
        cls,
        lexicon: LexiconSource | None = None,
        extra_lexicons: Sequence[LexiconSource] = (),
        config: DetectorConfig | None = None,
        *,
        classifier: bool | None = None,
        encoder: SentenceEncoder | None = None,
        encoder_threads: int = 2,
    ) -> CrisisDetector:
        """Load the packaged lexicon, weights and config (offline).

        ``lexicon`` replaces the packaged lexicon; ``extra_lexicons`` (files, ``Lexicon`` objects
        or lists of records) are merged on top in order. ``classifier=False`` is keyword-only
        mode (the evaluation baseline); ``classifier=True`` fails if the model cannot be loaded;
        the default uses the classifier and falls back to keywords only, with a warning, when
        the shipped weights are missing. ``encoder_threads``: ONNX Runtime threads of the sentence
        encoder loaded here (ignored when ``encoder`` is given); results do not depend on it.
        """
        base = _as_lexicon(lexicon) if lexicon is not None else Lexicon.default()
        if extra_lexicons:
            base = base.merge(*(_as_lexicon(x) for x in extra_lexicons))
        scorer = KeywordScorer.load(base)
        model: _Model | None = None
        if classifier is not False:
            try:
                model = _load_model(encoder, encoder_threads)
            except (ImportError, FileNotFoundError, OSError, KeyError, ValueError):
                if classifier:
                    raise
                logger.warning("crisis classifier unavailable; running on keywords only", exc_info=True)
        cfg = config or DetectorConfig()
        first: FirstStage | None = None
        if model is not None and cfg.cascade:
            try:
                first = FirstStage.load()
            except (FileNotFoundError, OSError, KeyError, ValueError):
                # Safe direction: without its cut-off or weights, every message takes the full path.
                logger.warning(
                    "crisis engine first stage unavailable; full path for every message", exc_info=True
                )
        language: LanguageIdentifier | None = None
        if model is not None and cfg.languages:
            try:
                language = shared_identifier()  # one model per process, however many detectors
            except (ImportError, FileNotFoundError, OSError, ValueError):
                # Safe direction: without the identifier every message takes the encoder path.
                logger.warning(
                    "language identifier unavailable; encoder path for every message", exc_info=True
                )
        return cls(scorer, model, cfg, first, language)

    def with_lexicon(self, lexicon: Lexicon) -> CrisisDetector:
        """This detector with another lexicon: the classifier, first stage and config are shared
        (nothing is reloaded), only the keyword scorer is built anew. The service uses it to
        layer its database entries over the packaged lexicon while it runs."""
        clone = type(self)(KeywordScorer.load(lexicon), None, self.config, None, None)
        # The model is shared as it is (already under this detector's preset).
        clone._model, clone._first, clone._lang = self._model, self._first, self._lang
        clone.version = self.version.replace(
            f"lexicon {self._scorer.lexicon.name}@{self._scorer.lexicon.version}",
            f"lexicon {lexicon.name}@{lexicon.version}",
        )
        return clone

    @property
    def uses_classifier(self) -> bool:
        return self._model is not None

    @property
    def first_stage(self) -> FirstStage | None:
        """The first stage in use (None: the cascade is off or unavailable)."""
        return self._first

    @property
    def language_identifier(self) -> LanguageIdentifier | None:
        """The language identifier in use (None: languages are not told apart)."""
        return self._lang

    @property
    def keyword_scorer(self) -> KeywordScorer:
        return self._scorer

    @property
    def encoder(self) -> SentenceEncoder | None:
        """The sentence encoder in use (None in keyword-only mode), e.g. for benchmarks."""
        return self._model.encoder if self._model is not None else None

    # -- public API ---------------------------------------------------------------------------

    def assess(self, text: str, context: Context | None = None) -> Assessment:
        return self.assess_batch([text], [context])[0]

    def assess_batch(
        self, texts: Sequence[str], contexts: Sequence[Context | None] | None = None
    ) -> list[Assessment]:
        if isinstance(texts, str):
            raise TypeError("assess_batch expects a sequence of texts, not one string")
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be strings")
        if contexts is not None and len(contexts) != len(texts):
            raise ValueError("contexts must be as long as texts")
        ctxs = list(contexts) if contexts is not None else [None] * len(texts)
        cache: dict[str, ClassifierRow] = {}
        settle = [self._first is not None and self._quiet_context(ctx) for ctx in ctxs]
        singles = self._assess_raw(list(texts), cache, [False] * len(texts), settle)
        out: list[Assessment] = []
        for i, (single, ctx) in enumerate(zip(singles, ctxs, strict=True)):
            if ctx is None or not (ctx.recent_messages or ctx.recent_assessments):
                out.append(self._finish(single))
            else:
                out.append(self._with_context(texts[i], single, ctx, cache))
        return out

    # -- internals ----------------------------------------------------------------------------

    def _quiet_context(self, ctx: Context | None) -> bool:
        """Whether the conversation lets the first stage settle a message: no recent message was
        LOW+ on its own or had a lexicon match, and no recent assessment is LOW+. Every context
        rule (build-up, accumulation, retraction, joint reading, history) then needs the current
        message itself at LOW+, so a message settled at NONE gets what the full path would give
        it whenever the full path also reads it at NONE. An earlier message without its
        assessment counts as quiet only if the first stage would settle it too."""
        if ctx is None:
            return True
        if any(a.level >= RiskLevel.LOW for a in ctx.recent_assessments):
            return False
        rules = self.config.context
        for m in ctx.recent_messages[-rules.window :]:
            if m.seconds_ago is not None and m.seconds_ago > rules.max_age_seconds:
                continue
            a = m.assessment
            if a is None:
                norm = normalize(m.text)
                if not self._settles(norm, self._scorer.score(norm))[0]:
                    return False
            elif own_level(a) >= RiskLevel.LOW or a.matches:
                return False
        return True

    def _settles(self, norm: NormalizedText, kw: KeywordSignal) -> tuple[bool, float | None]:
        if self._first is None:
            return False, None
        return self._first.settles(norm.text, kw)

    def _assess_raw(
        self,
        texts: list[str],
        cache: dict[str, ClassifierRow],
        context_risk: list[bool],
        settle: list[bool] | None = None,
    ) -> list[_Single]:
        """Each text on its own. ``settle[i]``: the first stage may settle text ``i`` (its
        conversation is quiet); texts read with earlier risk (``context_risk``) never are."""
        norms = [normalize(t) for t in texts]
        signals = [self._scorer.score(n, context_risk=cr) for n, cr in zip(norms, context_risk, strict=True)]
        rows: list[ClassifierRow | None] = [None] * len(texts)
        stages = [STAGE_KEYWORDS if self._model is None else STAGE_FULL] * len(texts)
        logits: list[float | None] = [None] * len(texts)
        langs: list[LanguageGuess | None] = [None] * len(texts)
        if self._lang is not None:
            langs = [
                self._lang.guess(t, n.text) if n.text else None for t, n in zip(texts, norms, strict=True)
            ]
        if self._model is not None:
            full: list[int] = []
            for i, n in enumerate(norms):
                guess = langs[i]
                if guess is not None and guess.path == PATH_LEXICON:
                    # A language the encoder does not cover: the lexicon decides alone.
                    stages[i] = STAGE_LEXICON
                    continue
                if settle is not None and settle[i] and not context_risk[i]:
                    settled, logits[i] = self._settles(n, signals[i])
                    if settled:
                        stages[i] = STAGE_FIRST
                        continue
                full.append(i)
            self._prefill([norms[i] for i in full], cache)
            for i in full:
                if norms[i].text:
                    rows[i] = self._classify(norms[i].text, cache)
        return [
            replace(self._decide(n, s, r, stage, z), language=g)
            for n, s, r, stage, z, g in zip(norms, signals, rows, stages, logits, langs, strict=True)
        ]

    def _prefill(self, norms: list[NormalizedText], cache: dict[str, ClassifierRow]) -> None:
        """Encode every window not yet in ``cache`` in one batched encoder call."""
        assert self._model is not None
        cfg = self.config
        todo = list(
            dict.fromkeys(
                chunk
                for n in norms
                if n.text
                for chunk in split_windows(n.text, cfg.chunk_words, cfg.chunk_overlap)
                if chunk not in cache
            )
        )
        if todo:
            emb = np.asarray(self._model.encoder.encode(todo, min_rows=2 if cfg.exact_batches else 1))
            out = self._model.classifier.predict(emb, texts=todo)
            for i, chunk in enumerate(todo):
                cache[chunk] = replace(out.row(i), embedding=emb[i].copy())

    def _classify(self, text: str, cache: dict[str, ClassifierRow]) -> ClassifierRow:
        """The riskiest window's row (all windows are in ``cache`` after ``_prefill``)."""
        windows = split_windows(text, self.config.chunk_words, self.config.chunk_overlap)
        best = max((cache[w] for w in windows), key=lambda r: r.risk)
        return replace(best, windows=len(windows), words=len(text.split()))

    def _decide(
        self,
        norm: NormalizedText,
        kw: KeywordSignal,
        row: ClassifierRow | None,
        stage: str = STAGE_FULL,
        first_logit: float | None = None,
    ) -> _Single:
        if not norm.text:
            return _Single(norm, kw, RiskLevel.NONE, 0.0, (), None, (), stage=stage)
        if stage == STAGE_FIRST:  # clearly benign: no lexicon hit, first-stage logit below the cut-off
            return _Single(norm, kw, RiskLevel.NONE, 0.0, (), None, (), stage=stage, first_logit=first_logit)
        rules = self.config.levels
        if row is None or self._model is None:
            level = keyword_level(kw, rules)
            score = score_band(level, kw.score, rules)
            cats = _keyword_categories(kw) if level > RiskLevel.NONE else ()
            alone = (EVIDENCE_LEXICON,) if level >= RiskLevel.MODERATE else ()
            return _Single(norm, kw, level, score, cats, None, (), alone, stage=stage)
        fused = self._model.fusion.combine(kw, row)
        level, score, fired = fused.level, float(fused.score), list(fused.rules)
        floor = rule_floor(kw, rules)
        if floor > level:
            level = floor
            fired.append(f"keyword_floor_{floor.value}")
            score = (
                max(score, self._model.fusion.moderate_threshold) if floor >= RiskLevel.MODERATE else score
            )
        cats = tuple(fused.categories)
        if level > RiskLevel.NONE:
            cats = tuple(dict.fromkeys(cats + _keyword_categories(kw)))
        evidence: list[str] = []
        if level >= RiskLevel.MODERATE:
            t_mod = self._model.fusion.moderate_threshold
            lexicon_rule = any(r in _LEXICON_RULES or r.startswith("keyword_floor_") for r in fired)
            if lexicon_rule or keyword_level(kw, rules) >= RiskLevel.MODERATE:
                evidence.append(EVIDENCE_LEXICON)
            if fused.probabilities[RiskLevel.MODERATE] >= t_mod and not set(fired) & _CAP_RULES:
                evidence.append(EVIDENCE_CLASSIFIER)
            if not evidence:
                # Raised by a keyword floor the keyword level did not reach alone; or, with no
                # lexicon word at all, the classifier's level capped to MODERATE while the fused
                # MODERATE probability sat below its threshold: that is the classifier's reading
                # (issue #23: it must get the check, not the screener).
                lexicon = bool(kw.matches) or any(r.startswith("keyword_floor_") for r in fired)
                evidence.append(EVIDENCE_LEXICON if lexicon else EVIDENCE_CLASSIFIER)
        return _Single(
            norm, kw, level, min(max(score, 0.0), 1.0), cats, row, tuple(fired), tuple(evidence),
            fused.classifier_probability, stage, first_logit,
        )  # fmt: skip

    def _finish(
        self,
        single: _Single,
        *,
        level: RiskLevel | None = None,
        extra_categories: tuple[Category, ...] = (),
        extra_matches: tuple[Match, ...] = (),
        context_reasons: tuple[str, ...] = (),
        retraction: bool = False,
        context_evidence: bool = False,
    ) -> Assessment:
        final = level if level is not None else single.level
        score = single.score
        if final > single.level:
            score = max(score, self._score_floor(final))
        evidence = set(single.evidence) | ({EVIDENCE_CONTEXT} if context_evidence else set())
        if final >= RiskLevel.MODERATE and not evidence:
            evidence.add(EVIDENCE_CONTEXT)  # only the conversation put it there
        ordered = tuple(e for e in EVIDENCE_ORDER if e in evidence) if final >= RiskLevel.MODERATE else ()
        categories = tuple(dict.fromkeys(single.categories + extra_categories))
        matches = single.keyword.matches + extra_matches
        clf = single.classifier.risk if single.classifier is not None else None
        details: dict[str, Any] = {
            "mode": "full" if self._model is not None else "keywords_only",
            "lexicon_version": self._scorer.lexicon.version,
            "modifiers": sorted(
                {m.value for m in single.keyword.modifiers_seen}
                | ({Modifier.RETRACTION.value} if retraction else set())
            ),
            "normalization": list(single.norm.changes),
            "rules": list(single.rules),
            "evidence": list(ordered),
            "stage": single.stage,
        }
        if single.first_logit is not None:
            details["first_stage_logit"] = round(single.first_logit, 4)
        if single.language is not None:
            details["language"] = single.language.to_dict()
        if self.config.preset != STANDARD:
            details["preset"] = self.config.preset
        if single.classifier_probability is not None:
            # The classifier's risk before calibration; ``classifier_score`` is calibrated.
            details["classifier_raw"] = round(single.classifier.risk, 6) if single.classifier else None
        if context_reasons or retraction:
            # What the message said on its own: later messages build up risk from this, not
            # from a level the context gave it, or one risky turn would raise every turn after.
            details["context"] = {
                "reasons": list(context_reasons),
                "retraction": retraction,
                "own_level": single.level.value,
                "own_categories": [c.value for c in single.categories],
            }
        return Assessment(
            level=final,
            score=round(score, 6),
            categories=categories if final > RiskLevel.NONE else (),
            matches=matches,
            explanation=explain(
                final,
                single.keyword.matches,
                classifier_score=single.classifier_probability if clf is not None else None,
                context_reasons=context_reasons,
                retraction=retraction,
            ),
            keyword_score=single.keyword.score,
            classifier_score=round(single.classifier_probability, 6)
            if single.classifier_probability is not None
            else 0.0,
            context_adjusted=final > single.level,
            engine_version=self.version,
            details=details,
            embedding=single.classifier.embedding if single.classifier is not None else None,
            evidence=ordered,
            stage=single.stage,
            language=single.language.code if single.language is not None else "und",
            language_supported=single.language.supported if single.language is not None else True,
        )

    def _score_floor(self, level: RiskLevel) -> float:
        if self._model is not None and level >= RiskLevel.MODERATE:
            return self._model.fusion.moderate_threshold
        return self.config.levels.bands[level.rank][0]

    def _with_context(
        self, text: str, single: _Single, ctx: Context, cache: dict[str, ClassifierRow]
    ) -> Assessment:
        msgs = list(ctx.recent_messages)
        missing = [i for i, m in enumerate(msgs) if m.assessment is None]
        computed = self._assess_raw(
            [msgs[i].text for i in missing], cache, [False] * len(missing), [True] * len(missing)
        )
        by_index = {i: self._finish(s) for i, s in zip(missing, computed, strict=True)}
        prev_full = [m.assessment if m.assessment is not None else by_index[i] for i, m in enumerate(msgs)]
        previous = list(zip(msgs, prev_full, strict=True))
        # Timing and means words ("tonight", "pills") count when earlier turns carried risk.
        rules = self.config.context
        recent = [
            a
            for m, a in previous[-rules.window :]
            if m.seconds_ago is None or m.seconds_ago <= rules.max_age_seconds
        ]
        if ordinary_conversation(recent, ctx.recent_assessments):
            single = self._uncorroborated_reply(single)
        alone = single  # the message judged on its own: its own signal for the joint reading
        # Weak cues ("tonight", "i'll do it tomorrow") count only right after a message that was
        # risky on its own: after a tiring day, or five turns past a disclosure, "what should i
        # cook tonight" is about dinner. Risky means corroborated (``corroborated_risk``): after
        # one MODERATE from the classifier alone (which the chat checks with the person), "i know,
        # i know" is read on its own.
        # The current message counts as a second reading when the classifier put it at MODERATE+
        # (kept, or taken down only for want of corroboration).
        reading = alone.level >= RiskLevel.MODERATE or "classifier_uncorroborated" in alone.rules
        risky_before = corroborated_risk(recent[-rules.joint_lookback :], current_reading=reading)
        if risky_before:
            single = self._assess_raw([text], cache, [True])[0]
            # A step towards safety names the means and the time of the safe step ("i put the
            # pills back", "seeing a doctor tomorrow"): in a risky conversation it stays at
            # MODERATE at most, unless it was riskier on its own.
            cap = max(alone.level, RiskLevel.MODERATE)
            if single.level > cap and is_de_escalation(single.norm.text):
                single = replace(single, level=cap, rules=(*single.rules, "de_escalation_capped"))
        joint: tuple[RiskLevel, tuple[Category, ...]] | None = None
        if (
            risky_before
            and 0 < len(single.norm.text.split()) <= rules.joint_max_words
            and not is_retraction(single.norm.text)
        ):
            fresh = [
                m.text
                for m, _ in previous[-rules.window :]
                if m.seconds_ago is None or m.seconds_ago <= rules.max_age_seconds
            ]
            together = ".\n".join([*fresh[-rules.joint_lookback :], text])
            read = self._assess_raw([together], cache, [True])[0]
            joint = (read.level, read.categories)
        own_signal = (
            alone.level >= RiskLevel.LOW
            or bool(alone.keyword.matches)
            or (alone.classifier is not None and alone.classifier.risk >= rules.joint_own_signal)
        )
        result = adjust_for_context(
            single.level,
            single.categories,
            single.norm.text,
            previous,
            ctx.recent_assessments,
            self.config.context,
            joint=joint,
            own_signal=own_signal,
            own_lexicon=lexicon_read(single.keyword.matches),
        )
        extra: tuple[Match, ...] = ()
        if result.retraction:
            cue_end = len(single.norm.text)
            category = (result.categories or single.categories or (Category.SUICIDAL_IDEATION,))[0]
            extra = (
                Match(
                    term="retraction",
                    category=category,
                    span=(0, cue_end),
                    weight=0.0,
                    effective_weight=0.0,
                    modifiers=(Modifier.RETRACTION,),
                    matched_text="",
                ),
            )
        history_high = any(a.level >= RiskLevel.HIGH for a in ctx.recent_assessments)
        return self._finish(
            single,
            level=max(result.level, single.level),
            extra_categories=result.categories if result.adjusted or result.retraction else (),
            extra_matches=extra,
            context_reasons=result.reasons,
            retraction=result.retraction,
            context_evidence=risky_before or history_high or result.adjusted or result.retraction,
        )

    def _uncorroborated_reply(self, single: _Single) -> _Single:
        """Issue #23: in an ordinary conversation (``ordinary_conversation``) a short message
        that only the classifier puts at MODERATE, with no lexicon word at all, must lie closer
        to the written crisis examples than to the ordinary ones (``conversation_min_margin``,
        0), where a message with no conversation around it is given a little slack
        (``corroboration_min_margin``, -0.02). The earlier turns are the prior: a short reply in
        a conversation about a flatmate or a laptop is most likely about the flatmate or the
        laptop. Lexicon words, HIGH and above, and any risk earlier in the conversation are
        untouched."""
        row = single.classifier
        if (
            self._model is None
            or self._model.fusion.memory is None
            or single.level != RiskLevel.MODERATE
            or single.evidence != (EVIDENCE_CLASSIFIER,)
            or single.keyword.matches
            or row is None
            or row.embedding is None
            or row.windows != 1
        ):
            return single
        rules = self._model.fusion.config.rules
        bar = rules.get("conversation_min_margin")
        if bar is None or row.words > rules.get("corroboration_max_words", 0):
            return single
        if self._model.fusion.memory.margin(row.embedding, int(rules.get("corroboration_k", 5))) >= bar:
            return single
        t_mod = self._model.fusion.moderate_threshold
        return replace(
            single,
            level=RiskLevel.LOW,
            score=min(single.score, t_mod) * 0.5,  # as for any alarm a rule judged false
            rules=(*single.rules, "classifier_uncorroborated_in_conversation"),
            evidence=(),
        )


# Fusion rules that raise a level because of the lexicon.
_LEXICON_RULES = frozenset({"first_person_floor", "plan_or_means_raised", "imminent_raised"})
# Fusion rules that take the classifier's MODERATE+ away (capping at MODERATE keeps it).
_CAP_RULES = frozenset(
    {"classifier_only_weak", "short_text_needs_context", "context_lowered", "classifier_uncorroborated"}
)


def _keyword_categories(kw: KeywordSignal) -> tuple[Category, ...]:
    strong = {m.category for m in kw.matches if m.effective_weight >= 0.25}
    return tuple(sorted(strong, key=lambda c: (-kw.category_score(c), c.value)))


def _load_model(encoder: SentenceEncoder | None, threads: int) -> _Model:
    from crisis_engine.classifier import RiskClassifier
    from crisis_engine.encoder import SentenceEncoder
    from crisis_engine.fusion import Fusion

    clf = RiskClassifier.load()
    fusion = Fusion.load()
    enc = encoder or SentenceEncoder.load(threads=threads)
    return _Model(encoder=enc, classifier=clf, fusion=fusion)
