"""A crisis engine for tests of the graded response that does not move when the classifier does.

``classifier_only_moderate`` cases come from the classifier alone, and the classifier (and its
thresholds) is retrained and recalibrated under these tests. So the tests run the real engine in
keyword-only mode (lexicon, modifiers, rule floors, conversation context: all real and
deterministic) with a stand-in for the classifier stage that is sure about a few named texts:
for those, when the lexicon found nothing, the assessment is what the full engine returns for a
classifier-only moderate reading (level moderate, no matches, no keyword score, a classifier
score, the classifier's category). Everything downstream (the chat, the database, the socket)
is the real thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from crisis_engine import Assessment, Category, Context, CrisisDetector, RiskLevel

SURE_SCORE = 0.91


class SureClassifierDetector(CrisisDetector):
    def __init__(self, sure: Iterable[str], raised: Iterable[str] = ()) -> None:
        base = CrisisDetector.load(classifier=False)
        super().__init__(base.keyword_scorer, None, base.config)
        self.sure = {_key(t) for t in sure}
        # Read as moderate only together with the messages before them ("3 concerning messages
        # in a row"): the context stage's raise, on the classifier's readings alone.
        self.raised = {_key(t) for t in raised}

    def assess_batch(
        self, texts: Sequence[str], contexts: Sequence[Context | None] | None = None
    ) -> list[Assessment]:
        out = super().assess_batch(texts, contexts)
        ctxs = list(contexts) if contexts is not None else [None] * len(texts)
        return [self._classified(t, a, c) for t, a, c in zip(texts, out, ctxs, strict=True)]

    def _classified(self, text: str, a: Assessment, context: Context | None) -> Assessment:
        if a.matches or a.level >= RiskLevel.MODERATE:
            return a
        if _key(text) in self.raised and context is not None and context.recent_messages:
            return dataclasses.replace(
                a,
                level=RiskLevel.MODERATE,
                score=0.62,
                categories=(Category.HOPELESSNESS,),
                classifier_score=0.4,
                context_adjusted=True,
                explanation="moderate: read together with the previous messages",
                details={
                    **a.details,
                    "mode": "full",
                    "context": {
                        "reasons": ["read together with the previous messages"],
                        "retraction": False,
                        "own_level": a.level.value,
                        "own_categories": [],
                    },
                },
            )
        if _key(text) not in self.sure:
            return a
        return dataclasses.replace(
            a,
            level=RiskLevel.MODERATE,
            score=0.71,
            categories=(Category.SUICIDAL_IDEATION,),
            classifier_score=SURE_SCORE,
            explanation=f"moderate: classifier {SURE_SCORE:.2f} (no lexicon match)",
            details={**a.details, "mode": "full"},
        )


def _key(text: str) -> str:
    return " ".join(text.lower().split())
