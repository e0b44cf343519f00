"""A small lexicon-based sentiment score for chat messages, in [-1, 1].

Deliberately simple and explainable (it is a trend signal for analytics, never a clinical
measure and never an input to the crisis layer): each word from the lexicon adds its valence,
a negator within the three preceding words flips and dampens it ("not happy" is mildly
negative), an intensifier before it scales it, and the sum is squashed the way VADER does,
``s / sqrt(s^2 + 15)``, so longer messages do not run off to the ends of the range.
"""

from __future__ import annotations

import math
import re

_POSITIVE = {
    "good": 1.5,
    "great": 2.0,
    "better": 1.5,
    "best": 2.0,
    "happy": 2.0,
    "glad": 1.5,
    "calm": 1.5,
    "relaxed": 1.5,
    "hopeful": 2.0,
    "hope": 1.2,
    "proud": 1.8,
    "grateful": 2.0,
    "thankful": 2.0,
    "thanks": 1.2,
    "thank": 1.2,
    "love": 2.0,
    "loved": 2.0,
    "enjoy": 1.5,
    "enjoyed": 1.5,
    "fun": 1.5,
    "peaceful": 1.8,
    "okay": 0.5,
    "ok": 0.5,
    "fine": 0.6,
    "nice": 1.3,
    "excited": 1.8,
    "confident": 1.6,
    "safe": 1.2,
    "rested": 1.2,
    "helpful": 1.4,
    "helps": 1.2,
    "helped": 1.2,
    "improving": 1.5,
    "progress": 1.3,
    "supported": 1.5,
    "content": 1.2,
    "joy": 2.2,
    "wonderful": 2.3,
    "amazing": 2.3,
    "relieved": 1.6,
    "motivated": 1.5,
    "strong": 1.2,
    "laugh": 1.5,
    "laughed": 1.5,
    "smile": 1.4,
}
_NEGATIVE = {
    "bad": -1.5,
    "worse": -1.8,
    "worst": -2.3,
    "sad": -1.8,
    "down": -1.0,
    "low": -1.0,
    "upset": -1.6,
    "angry": -1.8,
    "mad": -1.4,
    "anxious": -1.8,
    "anxiety": -1.6,
    "worried": -1.6,
    "worry": -1.4,
    "stressed": -1.7,
    "stress": -1.4,
    "scared": -1.8,
    "afraid": -1.8,
    "panic": -2.0,
    "lonely": -2.0,
    "alone": -1.4,
    "tired": -1.2,
    "exhausted": -1.8,
    "hopeless": -2.5,
    "helpless": -2.2,
    "worthless": -2.5,
    "useless": -2.0,
    "empty": -1.8,
    "numb": -1.5,
    "hurt": -1.8,
    "pain": -1.8,
    "cry": -1.6,
    "crying": -1.6,
    "cried": -1.6,
    "awful": -2.2,
    "terrible": -2.3,
    "horrible": -2.3,
    "hate": -2.2,
    "ashamed": -2.0,
    "guilty": -1.8,
    "overwhelmed": -2.0,
    "miserable": -2.4,
    "depressed": -2.2,
    "frustrated": -1.6,
    "annoyed": -1.2,
    "nervous": -1.4,
    "fail": -1.6,
    "failed": -1.8,
    "failure": -2.0,
    "struggling": -1.6,
    "struggle": -1.4,
    "broken": -2.0,
    "die": -2.5,
    "dead": -2.2,
    "kill": -2.5,
    "suicide": -3.0,
    "suicidal": -3.0,
}
_NEGATORS = {
    "not",
    "no",
    "never",
    "dont",
    "don't",
    "isnt",
    "isn't",
    "wasnt",
    "wasn't",
    "cant",
    "can't",
    "cannot",
    "aint",
    "ain't",
    "nothing",
    "hardly",
    "without",
    "didnt",
    "didn't",
    "doesnt",
    "doesn't",
    "wont",
    "won't",
    "nor",
}
_INTENSIFIERS = {
    "very": 1.3,
    "really": 1.3,
    "so": 1.25,
    "extremely": 1.5,
    "incredibly": 1.5,
    "totally": 1.3,
    "completely": 1.4,
    "super": 1.3,
    "quite": 1.1,
    "a bit": 0.7,
    "slightly": 0.6,
    "somewhat": 0.8,
    "kinda": 0.8,
}
_WORD = re.compile(r"[a-z']+")
_ALPHA = 15.0
_NEGATION_DAMPING = -0.6


def score(text: str) -> float:
    """Sentiment in [-1, 1]; 0.0 when no lexicon word is present."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    total = 0.0
    for i, word in enumerate(words):
        valence = _POSITIVE.get(word) or _NEGATIVE.get(word)
        if valence is None:
            continue
        if i > 0 and words[i - 1] in _INTENSIFIERS:
            valence *= _INTENSIFIERS[words[i - 1]]
        if any(w in _NEGATORS for w in words[max(0, i - 3) : i]):
            valence *= _NEGATION_DAMPING
        total += valence
    if total == 0.0:
        return 0.0
    value = total / math.sqrt(total * total + _ALPHA)
    return round(max(-1.0, min(1.0, value)), 4)
