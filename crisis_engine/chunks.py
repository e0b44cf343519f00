"""Split long text into overlapping windows for the sentence encoder.

The encoder reads at most 256 word pieces; a journal entry of 20,000 characters would otherwise be
cut after its first paragraph and a risky sentence in the middle would be lost. Windows are built
from whole sentences (about ``max_words`` words each), consecutive windows share ``overlap``
sentences, and a single sentence longer than a window is cut into overlapping word windows.
The detector takes the riskiest window.
"""

from __future__ import annotations

import re

__all__ = ["split_windows"]

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n+|$)")


def _sentences(text: str, max_words: int) -> list[list[str]]:
    out: list[list[str]] = []
    step = max(1, max_words * 3 // 4)
    for m in _SENTENCE.finditer(text):
        words = m.group(0).split()
        if not words:
            continue
        if len(words) <= max_words:
            out.append(words)
            continue
        for i in range(0, len(words), step):
            out.append(words[i : i + max_words])
            if i + max_words >= len(words):
                break
    return out


def split_windows(text: str, max_words: int = 140, overlap: int = 1) -> list[str]:
    """``text`` itself when short enough, otherwise overlapping sentence windows."""
    if len(text.split()) <= max_words:
        return [text]
    sentences = _sentences(text, max_words)
    windows: list[str] = []
    i = 0
    while i < len(sentences):
        count = 0
        j = i
        while j < len(sentences) and (count + len(sentences[j]) <= max_words or j == i):
            count += len(sentences[j])
            j += 1
        windows.append(" ".join(w for s in sentences[i:j] for w in s))
        if j >= len(sentences):
            break
        i = max(i + 1, j - overlap)
    return windows
