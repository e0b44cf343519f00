"""Checking replies: text a model generated in full, text the service wrote itself once per sentence.

Every agent reply is checked by the engine before it is sent. A scripted reply is assembled from
the service's own sentences (the scripted agents' phrasings, the crisis flow's wording) plus, at
most, a short reflection of the person's words; read as a whole, every reply is new text and
costs a full engine pass, though nearly all of its sentences were checked many times before.
``ReplyChecker.assess_reply(text, generated=False)`` splits such text into sentences, checks each
distinct sentence once and remembers the result (a bounded LRU keyed by the normalised
sentence), and answers with the riskiest sentence's assessment. Text a model generated
(``generated=True``) is always assessed as a whole, never from this memory.

What the sentence-wise reading gives up, knowingly, for the service's own text only: lexicon
words that count only near another risk statement ("pills" ... "tonight") are judged within
their sentence. A model's text, which can say anything, keeps the whole-text reading.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING

from crisis_engine.normalize import normalize
from crisis_engine.types import Assessment

if TYPE_CHECKING:
    from crisis_engine.detector import CrisisDetector

__all__ = ["ReplyChecker", "reply_checker", "sentences"]

DEFAULT_SIZE = 8192
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"')\]\u201d\u2019]*\s+|\n+")


def sentences(text: str) -> list[str]:
    """``text`` cut after sentence-ending punctuation and at line breaks (pieces stripped)."""
    return [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]


class ReplyChecker:
    """Reply checks for one detector. Thread-safe; the memory holds at most ``size`` sentences."""

    def __init__(self, detector: CrisisDetector, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self.detector = detector
        self.size = size
        self._memory: OrderedDict[str, Assessment] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._memory)

    def assess_reply(self, text: str, generated: bool) -> Assessment:
        """The engine's reading of a reply. ``generated``: a model wrote it (assessed as a whole,
        always); otherwise the service wrote it (the riskiest of its sentences, each checked once
        and remembered)."""
        if generated:
            return self.detector.assess(text)
        parts = sentences(text)
        if not parts:
            return self.detector.assess(text)
        keys = [normalize(p).text for p in parts]
        found: dict[str, Assessment] = {}
        with self._lock:
            for key in keys:
                known = self._memory.get(key)
                if known is not None:
                    self._memory.move_to_end(key)
                    found[key] = known
        todo = {k: p for k, p in zip(keys, parts, strict=True) if k not in found}
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        if todo:
            fresh = self.detector.assess_batch(list(todo.values()))
            with self._lock:
                for key, a in zip(todo, fresh, strict=True):
                    found[key] = a
                    self._memory[key] = a
                    self._memory.move_to_end(key)
                while len(self._memory) > self.size:
                    self._memory.popitem(last=False)
        return max((found[k] for k in keys), key=_severity)

    def remembered(self, text: str) -> Assessment | None:
        """The reading of service-written ``text`` when every sentence of it is in memory
        (cheap: no engine call), else None."""
        keys = [normalize(p).text for p in sentences(text)]
        if not keys:
            return None
        with self._lock:
            known = [self._memory.get(k) for k in keys]
            if any(a is None for a in known):
                return None
            for k in keys:
                self._memory.move_to_end(k)
        self.hits += len(keys)
        return max((a for a in known if a is not None), key=_severity)

    def prime(self, texts: list[str]) -> None:
        """Check the sentences of service-written ``texts`` now (e.g. when scripts load)."""
        for text in texts:
            self.assess_reply(text, generated=False)


def _severity(a: Assessment) -> tuple[int, float, float]:
    return (a.level.rank, a.keyword_score, a.score)


_checkers: weakref.WeakKeyDictionary[CrisisDetector, ReplyChecker] = weakref.WeakKeyDictionary()
_checkers_lock = threading.Lock()


def reply_checker(detector: CrisisDetector) -> ReplyChecker:
    """The process's reply checker for ``detector`` (one memory per detector: a sentence's
    reading is only valid for the engine that made it)."""
    with _checkers_lock:
        found = _checkers.get(detector)
        if found is None:
            found = _checkers[detector] = ReplyChecker(detector)
        return found
