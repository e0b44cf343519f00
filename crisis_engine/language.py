"""Which language a message is in, and so which path reads it (issue #18 item 4).

The sentence encoder (all-MiniLM-L6-v2) and the classifier head were trained on English only:
its score on a Spanish or German message says nothing reliable either way (it missed "ich habe
mich wieder geritzt" and flags foreign small talk by the words it happens to share with crisis
messages). So a message is read on one of two paths:

- ``encoder`` (today's engine): English, and everything the identifier is not sure about. Short
  chat messages ("ok", "jaja si", "merci") carry too few letters to tell a language by, and a
  message that mixes in English function words may carry its risk in the English part; both keep
  the full pipeline, with the lexicon's floors on top as always;
- ``lexicon``: a confidently identified language the encoder does not cover. The lexicon decides
  alone (``levels.keyword_level``, the keyword-only rules), the encoder and the first stage are
  not run, and the assessment says so (``Assessment.language``, ``language_supported``,
  ``details["language"]``). The lexicon carries direct statements for the languages the crisis
  lines serve (es, fr, de, pt, it, nl, pl); for any other language the path finds only what
  the English and multilingual entries match, which the assessment makes visible instead of
  hiding it behind an English model's guess.

Identification uses ``py3langid`` (a maintained fork of langid.py: a naive Bayes model over byte
n-grams for 97 languages, shipped inside the wheel, loaded from the package, never downloaded;
about 20 microseconds a message). Its probabilities are normalised with a length temperature, so
a short text gets a low confidence by construction, which is what the cut-off below relies on.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PATH_ENCODER",
    "PATH_LEXICON",
    "STAGE_LEXICON",
    "SUPPORTED",
    "UNKNOWN",
    "LanguageGuess",
    "LanguageIdentifier",
    "identify",
]

UNKNOWN = "und"  # ISO 639-2 "undetermined"
PATH_ENCODER = "encoder"
PATH_LEXICON = "lexicon"
# ``Assessment.stage`` of a message read on the lexicon path (the encoder never ran).
STAGE_LEXICON = "lexicon"
# Languages the encoder and its head were trained on.
SUPPORTED = frozenset({"en"})

# A message takes the lexicon path only when the identifier gives English at most this
# probability; otherwise it is "unknown" (or English) and takes the encoder path, as before
# languages were told apart. Checked on every English item of the curated and everyday suites
# (docs/crisis-engine.md, "Languages").
MAX_ENGLISH = 0.02
MIN_LETTERS = 12
MIN_WORDS = 3
# English function words that are not also common words (or chat spellings, accents folded) of
# the covered languages: "a", "me", "no", "so", "i" (it), "do" and "to" (pt), "he" and "has"
# (es), "is" (nl), "die", "was", "will" and "im" (de; the normaliser reads "im" as "i'm") are
# left out on purpose. Two of them in a message send it to the encoder path without asking the
# identifier: English, or mixed with English (the risk may be in the English part).
_ENGLISH_CUES = frozenset(
    """
    the and my you your it's its are were be been being of for with this that what when just
    really want don't dont can't cant won't wont i'll ill i've ive i'd myself anymore anyone
    everyone nobody never not have had does did feel feeling going gonna wanna think know
    because but if they them their she his her we our us about out up all how why who there here
    would could should
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LEET = re.compile(r"[^\W\d_]\d|\d[^\W\d_]{2}")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """``code``: ISO 639-1 code, or ``und`` when the message is too short or the identifier is not
    sure; ``confidence``: the identifier's normalised probability of ``code`` (0 when it was not
    asked); ``path``: ``encoder`` or ``lexicon`` (see the module docstring)."""

    code: str
    confidence: float
    path: str
    reason: str = ""  # why the encoder path kept a foreign-looking message ("short", "mixed", ...)

    @property
    def supported(self) -> bool:
        """Whether the engine's classifier covers the message: false only on the lexicon path."""
        return self.path == PATH_ENCODER

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "confidence": round(self.confidence, 4),
            "supported": self.supported,
            "path": self.path,
        }
        if self.reason:
            out["reason"] = self.reason
        return out


ENGLISH_DEFAULT = LanguageGuess(UNKNOWN, 0.0, PATH_ENCODER, "not identified")


class LanguageIdentifier:
    """py3langid's model, loaded once (0.5-1 s, about 30 MB) and shared; thread-safe to call."""

    def __init__(self, identifier: Any, max_english: float = MAX_ENGLISH) -> None:
        self._ident = identifier
        self.max_english = max_english
        labels = list(identifier.nb_classes)
        self._en = labels.index("en")

    @classmethod
    def load(cls, max_english: float = MAX_ENGLISH) -> LanguageIdentifier:
        from py3langid.langid import MODEL_FILE
        from py3langid.langid import LanguageIdentifier as _Ident

        return cls(_Ident.from_model_file(MODEL_FILE, norm_probs=True), max_english)

    def classify(self, text: str) -> tuple[str, float, float]:
        """The identifier's best language, its probability and the probability of English,
        nothing decided yet."""
        # ``_decide`` is the per-class probability vector that ``classify`` and ``rank`` both
        # read (py3langid 0.4); ``rank`` would sort all 97 languages in Python, 10x the cost.
        scores = self._ident._decide(text)
        best = int(scores.argmax())
        return str(self._ident.nb_classes[best]), float(scores[best]), float(scores[self._en])

    def guess(self, text: str, normalized: str | None = None) -> LanguageGuess:
        """Language and path of one message. The identifier reads the text folded by NFKC only
        (accents tell languages apart, and ``normalize`` strips them); length and English
        function words are counted on ``normalized`` (``normalize(text).text``) when given, so
        that leetspeak, fullwidth letters and chat shorthand ("g0nna 3nd 1t t0n1ght") count as
        the English they decode to."""
        folded = unicodedata.normalize("NFKC", text).lower()
        words = _WORD.findall(normalized if normalized is not None else folded)
        letters = sum(len(w) for w in words)
        if len(words) < MIN_WORDS or letters < MIN_LETTERS:
            return LanguageGuess(UNKNOWN, 0.0, PATH_ENCODER, "short")
        cues = sum(1 for w in words if w in _ENGLISH_CUES)
        if cues >= 2:
            # English function words (most chat is English): the encoder path without asking the
            # identifier, which costs more than the keyword stage. A code-switched message lands
            # here too, as it should.
            return LanguageGuess("en", 0.0, PATH_ENCODER, "english function words")
        if _LEET.search(normalized if normalized is not None else folded):
            # Digits inside words are leetspeak, which no language model reads: English chat
            # disguised ("g0nna 3nd 1t t0n1ght") keeps the encoder path.
            return LanguageGuess(UNKNOWN, 0.0, PATH_ENCODER, "obfuscated")
        code, conf, english = self.classify(folded)
        if code in SUPPORTED:
            return LanguageGuess(code, conf, PATH_ENCODER)
        # What matters for the path is "surely not English", not which other language: Spanish
        # and Catalan, or Portuguese and Galician, share most n-grams and split the probability
        # between them, but both leave English none.
        if english > self.max_english:
            return LanguageGuess(UNKNOWN, conf, PATH_ENCODER, f"unsure ({code}, en {english:.2f})")
        return LanguageGuess(code, conf, PATH_LEXICON)


_shared: LanguageIdentifier | None = None
_lock = threading.Lock()


def shared() -> LanguageIdentifier:
    """The process's identifier (loaded on first use)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = LanguageIdentifier.load()
    return _shared


def identify(text: str) -> LanguageGuess:
    """``shared().guess(text)``."""
    return shared().guess(text)
