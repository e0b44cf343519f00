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
    def __init__(self, sure: Iterable[str]) -> None:
        base = CrisisDetector.load(classifier=False)
        super().__init__(base.keyword_scorer, None, base.config)
        self.sure = {" ".join(t.lower().split()) for t in sure}

    def assess_batch(
        self, texts: Sequence[str], contexts: Sequence[Context | None] | None = None
    ) -> list[Assessment]:
        out = super().assess_batch(texts, contexts)
        return [self._classified(t, a) for t, a in zip(texts, out, strict=True)]

    def _classified(self, text: str, a: Assessment) -> Assessment:
        if " ".join(text.lower().split()) not in self.sure or a.matches or a.level >= RiskLevel.MODERATE:
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
