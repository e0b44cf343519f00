"""Speed-ups that must not change results: caches, prefilters, padding, row-wise head."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crisis_engine import normalize as norm_mod
from crisis_engine.classifier import RiskClassifier
from crisis_engine.encoder import MAX_TOKENS, _width
from crisis_engine.keywords import KeywordScorer
from crisis_engine.lexicon import Lexicon
from crisis_engine.normalize import normalize
from crisis_engine.types import Category, Modifier


def _lexicon(name: str, entries: list[dict[str, object]]) -> Lexicon:
    return Lexicon.from_dict({"name": name, "version": "1", "entries": entries})


# -- keyword scorer -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scorer() -> KeywordScorer:
    return KeywordScorer.load()


def test_misspelling_fuzzy_matches_again_from_the_cache(scorer: KeywordScorer) -> None:
    first = scorer.score(normalize("i'm gonna kil myself"))
    again = scorer.score(normalize("honestly i'm gonna kil myself"))  # "kil" now cached
    for s in (first, again):
        assert any(Modifier.FUZZY in m.modifiers and "kill myself" in m.term for m in s.matches), s.matches
    assert scorer.score(normalize("i'm gonna kil myself")) == first


def test_correction_cache_does_not_leak_between_lexicons() -> None:
    a = KeywordScorer(
        _lexicon("a", [{"term": "i will blorgify", "category": "suicidal_ideation", "weight": 0.9}])
    )
    b = KeywordScorer(
        _lexicon("b", [{"term": "i will snazzle", "category": "suicidal_ideation", "weight": 0.9}])
    )
    text = normalize("i will blorgifx")
    for _ in range(2):  # either order, twice: cached answers stay with their own lexicon
        assert [m.term for m in a.score(text).matches] == ["i will blorgify"]
        assert b.score(text).matches == ()
    assert b.score(normalize("i will snazzel")).matches
    assert a.score(normalize("i will snazzel")).matches == ()


def test_known_words_are_not_corrected(scorer: KeywordScorer) -> None:
    # Lexicon words and English words skip the spelling repair; others go through it.
    words, fixed = scorer._words(["i", "want", "to", "suicde", "skills", "kil"])
    assert words == ["i", "want", "to", "suicide", "skills", "kill"]
    assert fixed == {3, 5}


def test_regex_entries_run_only_with_a_trigger_word() -> None:
    lex = _lexicon(
        "rx",
        [
            {"pattern": r"\bcliff edge\b", "category": "plan_or_means", "weight": 0.8,
             "triggers": ["precipice", "standing"], "id": "cliff"},
            {"pattern": r"\bstanding at\b", "category": "imminent", "weight": 0.6,
             "triggers": ["standing"], "id": "standing"},
            {"pattern": r"\bno way out\b", "category": "hopelessness", "weight": 0.6, "id": "untriggered"},
        ],
    )  # fmt: skip
    s = KeywordScorer(lex)
    assert s.score(normalize("the cliff edge")).matches == ()
    both = s.score(normalize("i'm standing at the cliff edge"))
    assert sorted(m.term for m in both.matches) == ["cliff", "standing"]
    spans = {m.term: m.span for m in both.matches}
    text = normalize("i'm standing at the cliff edge").text
    assert text[slice(*spans["cliff"])] == "cliff edge"
    assert text[slice(*spans["standing"])] == "standing at"
    # Entries without triggers always run.
    assert [m.term for m in s.score(normalize("there is no way out")).matches] == ["untriggered"]


def test_keyword_signal_categories_unchanged_for_plain_chat(scorer: KeywordScorer) -> None:
    assert scorer.score(normalize("how was your day, mine was good")).matches == ()
    s = scorer.score(normalize("i want to die"))
    assert s.category_score(Category.SUICIDAL_IDEATION) > 0.5


# -- normaliser -----------------------------------------------------------------------------


def _reference_slang(t: str, changes: list[str]) -> str:
    """Every rule in order whenever one of its needles is a substring: no index, no word
    needles. The fast path must agree with this on any text."""
    for pattern, repl, name, needles, _words in norm_mod._SLANG:
        if any(n in t for n in needles):
            t, n = pattern.subn(repl, t)
            if n:
                changes.append(name)
    return t


_POOL = (
    "u", "ur", "rn", "od", "odd", "oding", "od'd", "sh", "s/h", "s.h.", "s / h", "si", "s/i", "ed",
    "im", "i m", "ive", "don't", "dont", "don t", "can't", "wont", "won't", "ain't", "i", "my", "to",
    "on", "for", "in", "3", "days", "thoughts", "urges", "voice", "bout", "bouta", "about", "you",
    "your", "good", "mood", "food", "should", "wish", "she", "u.s.", "kms", "kys", "un-alive",
    "unalive", "myself", "my self", "him self", "sewer slide", "tmrw", "tomorrow", "2nite", "gonna",
    "wanna", "idw", "idwt", "jk", "bc", "b/c", "cuz", "pls", "ppl", "gotta", "tryna", "pro-ana",
    "grippy socks", "ctb", "idc", "relapsed", "with",
)  # fmt: skip


def test_slang_fast_path_equals_reference() -> None:
    rng = random.Random(5)
    seps = (" ", " ", " ", ", ", ". ", "\n", "-")
    for _ in range(4000):
        text = "".join(rng.choice(_POOL) + rng.choice(seps) for _ in range(rng.randint(1, 8))).strip()
        fast: list[str] = []
        ref: list[str] = []
        assert norm_mod._apply_slang(text, fast) == _reference_slang(text, ref), text
        assert fast == ref, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("u ok?", "you ok?"),
        ("my sh urges are bad", "my self harm urges are bad"),
        ("my ed voice is loud", "my eating disorder voice is loud"),
        ("i m done", "i'm done"),
        ("gonna od tonight", "going to overdose tonight"),
        ("i don t care", "i don't care"),
        ("should i wish for good food", "should i wish for good food"),  # needles inside words
    ],
)
def test_slang_rules_still_fire(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_token_rewrite_cache_keeps_change_names() -> None:
    for _ in range(2):  # the second call is served from the cache
        n = normalize("i want to k1ll myself, pleeease help")
        assert n.text == "i want to kill myself, please help"
        assert n.changes == ("leet", "elongation", "myself")


# -- encoder padding and classifier head ---------------------------------------------------


def test_width_is_even_and_covers_the_tokens() -> None:
    for tokens in range(1, MAX_TOKENS + 1):
        w = _width(tokens)
        assert tokens <= w <= MAX_TOKENS
        assert w % 2 == 0
        assert w - tokens <= 1


def test_head_rows_do_not_depend_on_the_batch() -> None:
    clf = RiskClassifier.load()
    rng = np.random.default_rng(4)
    x = rng.standard_normal((70, clf.input_dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    texts = [f"message number {i} i feel tired" for i in range(len(x))]
    single = [clf.predict(x[i : i + 1], texts=texts[i : i + 1]).row(0) for i in range(len(x))]
    for n in (2, 3, 17, 70):
        out = clf.predict(x[:n], texts=texts[:n])
        assert [out.row(i) for i in range(n)] == single[:n]
    rev = clf.predict(x[::-1].copy(), texts=texts[::-1])
    assert [rev.row(i) for i in range(len(x))][::-1] == single


def test_emoji_fast_path_equals_the_full_unicode_fold() -> None:
    texts = [f"Hey {ch} `I'M` fine{ch}" for ch in sorted(norm_mod._EMOJI_SAFE)]
    texts += ["i'm dead 😂 that meme", "I have 💊 and 🔪", "ok 🙂", "so tired 😔 idk"]
    for text in texts:
        fast: list[str] = []
        full: list[str] = []
        assert norm_mod._fold_emoji_only(text, fast) == norm_mod._fold_unicode(text, full), text
        assert fast == full, text
    # Characters the Unicode steps do change never take the fast path.
    for ch in ("\ufe0f", "\u200d", "é", "\u0301", "ｋ", "е", "’", "☠", "\U0001f130"):
        assert ch not in norm_mod._EMOJI_SAFE


def test_emoji_messages_normalise_as_before() -> None:
    assert normalize("I'm DEAD 😂 that meme").text == "i'm dead lol that meme"
    assert normalize("i have 💊 tonight").changes == ("emoji",)
    assert normalize("k\u200bill myself 😔").text == "kill myself 😔"  # slow path: invisible char
