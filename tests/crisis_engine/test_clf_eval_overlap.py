"""The curated evaluation suites stay held out: no training row repeats or nearly repeats one.

Compared after a normalisation that ignores case, apostrophes, punctuation, emoji and width
("I don’t want to…" = "i dont want to"), on every training row (hand-written and template) and
every evaluation text (the message and each earlier conversation turn). A near-duplicate is a
token-set Jaccard similarity of at least 0.8, the threshold the evaluation report uses.
"""

from __future__ import annotations

import re
import unicodedata

from crisis_engine.training.dataset import load_messages
from crisis_engine.training.templates import generate
from evals.contamination import MIN_TOKENS, NEAR_JACCARD
from evals.datasets import curated_suites, load_many

_NON_WORD = re.compile(r"[^\w]+")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("'", "").replace("\u2019", "")  # "don't" and "dont" are the same phrasing
    return _NON_WORD.sub(" ", text).strip()


def _eval_texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in load_many(curated_suites()):
        out.append((item.id, item.text))
        out.extend((f"{item.id} (turn {i})", turn) for i, turn in enumerate(item.conversation))
    return out


def overlaps(training: list[str], evaluation: list[tuple[str, str]]) -> list[str]:
    ev = [(i, _norm(t), frozenset(_norm(t).split())) for i, t in evaluation]
    found: list[str] = []
    for text in training:
        norm = _norm(text)
        tokens = frozenset(norm.split())
        for item_id, ev_norm, ev_tokens in ev:
            if norm == ev_norm:
                found.append(f"{item_id}: identical to training row {text!r}")
            elif min(len(tokens), len(ev_tokens)) >= MIN_TOKENS:
                sim = len(tokens & ev_tokens) / len(tokens | ev_tokens)
                if sim >= NEAR_JACCARD:
                    found.append(f"{item_id}: near-duplicate ({sim:.2f}) of training row {text!r}")
    return found


def test_overlap_check_catches_copies_and_rewordings() -> None:
    evaluation = [("x-1", "I don’t want to be alive anymore 😞"), ("x-2", "the bus was late again")]
    assert overlaps(["i dont want to be alive anymore"], evaluation)  # exact after normalising
    assert overlaps(["honestly i dont want to be alive anymore"], evaluation)  # 6/7 tokens shared
    assert not overlaps(["i want to be a pilot when i grow up"], evaluation)


def test_training_data_does_not_overlap_curated_eval_suites() -> None:
    training = [e.text for e in load_messages()] + [e.text for e in generate()]
    found = overlaps(training, _eval_texts())
    assert not found, "\n".join(found)
