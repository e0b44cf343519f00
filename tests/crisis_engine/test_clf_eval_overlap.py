"""The curated evaluation suites stay held out: no training row repeats or nearly repeats one.

Compared after a normalisation that ignores case, apostrophes, punctuation, emoji and width
("I don’t want to…" = "i dont want to"), on every training row (hand-written and template) and
every evaluation text (the message and each earlier conversation turn). A near-duplicate is a
token-set Jaccard similarity of at least 0.8, the threshold the evaluation report uses. A
paraphrase (issue #18) is the same content words in other phrasing: content-word stems (function
words dropped, suffixes cut, chat spellings folded; ``evals.contamination.content_tokens``) with a
Jaccard similarity of at least 0.75 and at least three stems on both sides ("everyone in my life
would be better off without me" against "everyone would be better off without me").
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from crisis_engine.training.calibrate import pool_texts
from crisis_engine.training.dataset import load_messages
from crisis_engine.training.templates import generate
from evals.agent_safety.everyday import load_everyday
from evals.contamination import MIN_TOKENS, NEAR_JACCARD, JaccardIndex, ParaphraseIndex
from evals.datasets import EVERYDAY_DIR, MULTILINGUAL_DIR, curated_suites, load_many

_NON_WORD = re.compile(r"[^\w]+")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("'", "").replace("\u2019", "")  # "don't" and "dont" are the same phrasing
    return _NON_WORD.sub(" ", text).strip()


def _eval_texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    # The risk suites, the everyday false-alarm suite (issue #23) and the multilingual chat suite
    # (issue #18) alike.
    suites = [
        *curated_suites(),
        *sorted(EVERYDAY_DIR.glob("*.jsonl")),
        *sorted(MULTILINGUAL_DIR.glob("*.jsonl")),
    ]
    for item in load_many(suites):
        out.append((item.id, item.text))
        out.extend((f"{item.id} (turn {i})", turn) for i, turn in enumerate(item.conversation))
    return out


def overlaps(training: list[str], evaluation: list[tuple[str, str]]) -> list[str]:
    ev = [(i, _norm(t)) for i, t in evaluation]
    by_text: dict[str, list[str]] = {}
    for item_id, norm in ev:
        by_text.setdefault(norm, []).append(item_id)
    # Prefix-filtered search (``JaccardIndex``): the same verdicts as comparing every pair, in
    # well under a second for ~3,700 training rows against ~6,000 evaluation texts.
    index = JaccardIndex([frozenset(norm.split()) for _, norm in ev], NEAR_JACCARD)
    paraphrases = ParaphraseIndex([t for _, t in evaluation])
    found: list[str] = []
    for text in training:
        found.extend(
            f"{evaluation[j][0]}: paraphrase ({sim:.2f}) of training row {text!r}"
            for j, sim in paraphrases.similar(text)
            if _norm(evaluation[j][1]) != _norm(text)
        )
        norm = _norm(text)
        tokens = frozenset(norm.split())
        found.extend(f"{item_id}: identical to training row {text!r}" for item_id in by_text.get(norm, ()))
        if len(tokens) < MIN_TOKENS:
            continue
        for j, sim in index.similar(tokens):
            item_id, ev_norm = ev[j]
            if ev_norm != norm and len(index.sets[j]) >= MIN_TOKENS:
                found.append(f"{item_id}: near-duplicate ({sim:.2f}) of training row {text!r}")
    return found


def test_overlap_index_agrees_with_pairwise_comparison() -> None:
    """The prefix filter must not miss a pair the plain pairwise loop would find."""
    texts = [e.text for e in load_messages()][:400]
    sets = [frozenset(_norm(t).split()) for t in texts]
    index = JaccardIndex(sets, 0.5)
    for i, tokens in enumerate(sets[:150]):
        pairwise = {
            j for j, other in enumerate(sets) if tokens and len(tokens & other) / len(tokens | other) >= 0.5
        }
        assert {j for j, _ in index.similar(tokens)} == pairwise, texts[i]


def test_overlap_check_catches_copies_and_rewordings() -> None:
    evaluation = [("x-1", "I don’t want to be alive anymore 😞"), ("x-2", "the bus was late again")]
    assert overlaps(["i dont want to be alive anymore"], evaluation)  # exact after normalising
    assert overlaps(["honestly i dont want to be alive anymore"], evaluation)  # 6/7 tokens shared
    assert not overlaps(["i want to be a pilot when i grow up"], evaluation)


def test_overlap_check_catches_paraphrases() -> None:
    evaluation = [
        ("x-1", "everyone would be better off without me"),
        ("x-2", "havent eaten in 3 days and i feel kinda proud of it"),
        ("x-3", "thanks, that helped"),
    ]
    assert overlaps(["everybody in my life would be better off without me"], evaluation)
    assert overlaps(["i haven't eaten in 4 days and i feel proud"], evaluation)
    # Too few content words to call a leak, and different content.
    assert not overlaps(["thanks that helps"], evaluation)
    assert not overlaps(["my family would get the insurance and finally be ok"], evaluation)


def _candidate_texts() -> list[str]:
    """Rows written for training but not used yet (``data/candidates/``): held to the same rule,
    so that moving them up never leaks an evaluation text."""
    data = Path(__file__).resolve().parents[2] / "crisis_engine" / "training" / "data" / "candidates"
    files = sorted(data.glob("*.jsonl"))
    lines = [line for f in files for line in f.read_text("utf-8").splitlines() if line.strip()]
    return [json.loads(line)["text"] for line in lines]


def test_training_data_does_not_overlap_curated_eval_suites() -> None:
    # The everyday pool calibrates the classifier and sits in the example memory: it is
    # training data for this purpose too.
    training = [e.text for e in load_messages()] + [e.text for e in generate()] + pool_texts()
    training += _candidate_texts()
    assert len(training) > 4000  # the candidates were read
    found = overlaps(training, _eval_texts())
    assert not found, "\n".join(found)


def test_everyday_pool_does_not_overlap_live_personas() -> None:
    # The pool calibrates the classifier and sits in the example memory (issue #23); the live
    # everyday personas are a test set of that work. (The head's own training rows share a few
    # greetings and one exam message with them: a retraining's task, not checked here.)
    live = [(f"live {p.id} (turn {i})", turn) for p in load_everyday() for i, turn in enumerate(p.turns)]
    found = overlaps(pool_texts(), live)
    assert not found, "\n".join(found)
