"""Keyword signal: lexicon matching over normalised text, with context modifiers.

Matching works on word tokens: a dictionary from a phrase's first word to its phrases makes the
common case (no risk words at all) a handful of dict lookups per message. Between two words of a
phrase up to two filler words are allowed ("want to *just* die", "kill *my fucking* self" is
handled by normalisation). Regex entries run only when one of their trigger words is present.
Misspellings ("suicde", "kil myself") are repaired with rapidfuzz, but only for tokens that are
not English words, so the cost stays near zero for ordinary text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from crisis_engine.lexicon import Lexicon, LexiconEntry
from crisis_engine.modifiers import (
    IDIOM_WORDS,
    MODIFIER_FACTORS,
    TOKEN_RE,
    Person,
    layout,
    scope_modifiers,
    subject_of,
)
from crisis_engine.normalize import NormalizedText, common_words
from crisis_engine.types import Category, Match, Modifier

__all__ = ["CATEGORY_SEVERITY", "SELF_RISK", "KeywordScorer", "KeywordSignal"]

_FILLERS = frozenset(
    [
        "really",
        "just",
        "so",
        "fucking",
        "fuckin",
        "fkn",
        "effing",
        "freaking",
        "literally",
        "actually",
        "honestly",
        "seriously",
        "kinda",
        "totally",
        "completely",
        "truly",
        "even",
        "all",
        "fr",
        "lowkey",
        "highkey",
        "kind",
        "sort",
        "of",
        "very",
        "too",
        "also",
        "still",
        "genuinely",
        "deadass",
        "legit",
        "sometimes",
        "probably",
        "maybe",
        "definitely",
        "absolutely",
        "simply",
        "gonna",
        "going",
        "badly",
        "desperately",
    ]
)
_MAX_FILLERS = 2

# Statements about the speaker's own safety. Person and context rules apply to these.
SELF_RISK = frozenset(
    {
        Category.SUICIDAL_IDEATION,
        Category.SELF_HARM,
        Category.PLAN_OR_MEANS,
        Category.IMMINENT,
        Category.EATING_DISORDER,
        Category.ABUSE,
        Category.HOPELESSNESS,
    }
)
# Contribution of each category to the overall keyword score.
CATEGORY_SEVERITY: dict[Category, float] = {
    Category.SUICIDAL_IDEATION: 1.0,
    Category.IMMINENT: 1.0,
    Category.PLAN_OR_MEANS: 0.9,
    Category.SELF_HARM: 0.85,
    Category.ABUSE: 0.7,
    Category.EATING_DISORDER: 0.7,
    Category.HARM_TO_OTHERS: 0.7,
    Category.HOPELESSNESS: 0.6,
    Category.CONCERN_FOR_OTHER: 0.5,
}
# Categories that make a context-dependent word ("pills", "tonight", "🔪") count.
_CONTEXT_GIVERS = SELF_RISK | {Category.HARM_TO_OTHERS}
_REDUCING = frozenset(MODIFIER_FACTORS) - {Modifier.FUZZY, Modifier.RETRACTION}
_FIRST_PERSON_CATS = SELF_RISK - {Category.HOPELESSNESS}
_SAME_AS_ABOVE = re.compile(
    r"\b(?:so am i|so do i|me too|same here|same for me|same with me|i am too|i'm the same|"
    r"i do too|i feel the same|as do i|me as well|i (?:also|too) (?:want|feel|think)|and i do|"
    r"i (?:have|do|am|feel) (?:it|that|them)? ?too|honestly me too)\b"
)
# A statement this strong lets nearby means and timing words count. Bare "suicide" (0.45) does
# not; first-person despair does ("i have a knife and i'm done").
_GIVER_MIN = 0.5
_GIVER_MIN_DESPAIR = 0.35
_CONTEXT_REACH = 200  # characters between a context-dependent word and the statement it qualifies
_STOP_TARGETS = frozenset(
    ["want", "wants", "with", "that", "this", "have", "from", "your", "they", "them", "there", "about"]
)


@dataclass(frozen=True)
class KeywordSignal:
    matches: tuple[Match, ...]
    category_scores: dict[Category, float]  # in [0, 1], after modifiers
    score: float  # overall keyword risk in [0, 1]
    first_person: bool  # at least one unmodified first-person risk statement
    modifiers_seen: frozenset[Modifier] = field(default_factory=frozenset)

    def category_score(self, category: Category) -> float:
        return self.category_scores.get(category, 0.0)

    def features(self) -> list[float]:
        """Fixed-order numeric features for fusion: one score per category (Category order),
        the overall score, first_person, then one flag per modifier (Modifier order)."""
        feats = [self.category_scores.get(c, 0.0) for c in Category]
        feats += [self.score, 1.0 if self.first_person else 0.0]
        feats += [1.0 if m in self.modifiers_seen else 0.0 for m in Modifier]
        return feats


EMPTY_SIGNAL = KeywordSignal((), {}, 0.0, False, frozenset())


@dataclass(slots=True)
class _Node:
    """Phrase trie node: next word -> node; ``ends`` lists (entry, phrase) ending here."""

    children: dict[str, _Node] = field(default_factory=dict)
    ends: tuple[tuple[int, str], ...] = ()
    wild: bool = False  # has a "*" or "#" child


@dataclass(frozen=True, slots=True)
class _Hit:
    entry: int
    first: int  # token indices, inclusive
    last: int
    fuzzy: bool
    phrase: str  # the expanded phrase that matched, or the entry label for regexes


class KeywordScorer:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._entries: tuple[LexiconEntry, ...] = lexicon.active_entries()
        self._trie = _Node()
        self._regexes: list[tuple[re.Pattern[str], int, frozenset[str]]] = []
        vocab: set[str] = set()
        targets: set[str] = set()
        for i, entry in enumerate(self._entries):
            if entry.pattern is not None:
                self._regexes.append((re.compile(entry.pattern), i, frozenset(entry.triggers)))
                continue
            for phrase in entry.phrases():
                node = self._trie
                for word in phrase:
                    if word in ("*", "#"):
                        node.wild = True
                    node = node.children.setdefault(word, _Node())
                node.ends = (*node.ends, (i, " ".join(phrase)))
                vocab.update(phrase)
                if (entry.fuzzy or entry.weight >= 0.5) and entry.lang == "en":
                    targets.update(
                        w for w in phrase if len(w) >= 4 and w.isalpha() and w not in _STOP_TARGETS
                    )
        self._vocab = frozenset(vocab)
        self._targets = tuple(sorted(targets))
        self._common = common_words()
        # Tokens that are never repaired: lexicon words and English words. One set lookup per
        # token instead of two; most tokens of a message are in it.
        self._known = self._vocab | self._common
        # Per-scorer cache (a bound method's cache: no leaking between lexicons).
        self._correct = functools.lru_cache(maxsize=4096)(self._correct_uncached)
        # Regex entries by trigger word; entries without triggers always run.
        self._by_trigger: dict[str, list[int]] = {}
        self._untriggered: list[int] = []
        for k, (_, _, triggers) in enumerate(self._regexes):
            if not triggers:
                self._untriggered.append(k)
            for word in triggers:
                self._by_trigger.setdefault(word, []).append(k)
        self._trigger_words = frozenset(self._by_trigger)

    @classmethod
    def load(cls, lexicon: Lexicon | None = None) -> KeywordScorer:
        return cls(lexicon if lexicon is not None else Lexicon.default())

    # -- matching ---------------------------------------------------------------------------

    def _correct_uncached(self, token: str) -> str | None:
        """Closest lexicon word for a misspelt token, or None."""
        if len(token) < 5:
            # Short tokens: only a dropped double letter ("kil" -> "kill") or a swap ("wnat").
            for i in range(len(token)):
                cand = token[: i + 1] + token[i] + token[i + 1 :]
                if cand in self._vocab and cand in self._targets:
                    return cand
            return self._swap_fix(token) if len(token) == 4 else None
        found = process.extractOne(token, self._targets, scorer=fuzz.ratio, score_cutoff=85)
        if found is not None:
            return str(found[0])
        for target in self._targets:
            if abs(len(target) - len(token)) <= 1 and OSA.distance(token, target) <= 1:
                return target
        return None

    def _swap_fix(self, token: str) -> str | None:
        """Two adjacent letters swapped in a short word ("wnat" -> "want")."""
        for i in range(len(token) - 1):
            cand = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
            if cand in self._vocab:
                return cand
        return None

    def _words(self, tokens: Sequence[str]) -> tuple[list[str], set[int]]:
        words = list(tokens)
        fixed: set[int] = set()
        known = self._known
        for i in [i for i, tok in enumerate(tokens) if tok not in known]:
            tok = tokens[i]
            if len(tok) >= 3 and tok.isalpha():
                corrected = self._correct(tok)
                if corrected is not None and corrected != tok:
                    words[i] = corrected
                    fixed.add(i)
        return words, fixed

    def _phrase_hits(self, words: Sequence[str], fixed: set[int]) -> list[_Hit]:
        roots = self._trie.children
        starts = [i for i, word in enumerate(words) if word in roots]
        if not starts:
            return []
        hits: list[_Hit] = []
        n = len(words)

        def walk(node: _Node, j: int, start: int, skipped: int, report: bool) -> None:
            if report:
                for entry, phrase in node.ends:
                    is_fuzzy = any(t in fixed for t in range(start, j))
                    hits.append(_Hit(entry, start, j - 1, is_fuzzy, phrase))
            if j >= n:
                return
            word = words[j]
            child = node.children.get(word)
            if child is not None:
                walk(child, j + 1, start, 0, True)
            if node.wild:
                # "*" is any one word, "#" any number ("for 3 days").
                child = node.children.get("*")
                if child is not None:
                    walk(child, j + 1, start, 0, True)
                child = node.children.get("#")
                if child is not None and word.isdigit():
                    walk(child, j + 1, start, 0, True)
            if skipped < _MAX_FILLERS and word in _FILLERS:
                walk(node, j + 1, start, skipped + 1, False)

        for i in starts:
            walk(roots[words[i]], i + 1, i, 0, True)
        return hits

    def _regex_entries(self, words: Sequence[str]) -> list[int]:
        """The regex entries whose trigger words are among ``words``, in lexicon order."""
        if not self._untriggered and self._trigger_words.isdisjoint(words):
            return []
        by_trigger = self._by_trigger
        todo = set(self._untriggered)
        for w in words:
            found = by_trigger.get(w)
            if found is not None:
                todo.update(found)
        return sorted(todo)

    def _regex_hits(self, text: str, entries: list[int], spans: list[tuple[int, int]]) -> list[_Hit]:
        starts = [s for s, _ in spans]
        ends = [e for _, e in spans]
        hits: list[_Hit] = []
        for k in entries:
            pattern, entry, _ = self._regexes[k]
            for m in pattern.finditer(text):
                first = next((t for t, e in enumerate(ends) if e > m.start()), None)
                last = next((t for t in range(len(starts) - 1, -1, -1) if starts[t] < m.end()), None)
                if first is not None and last is not None and first <= last:
                    hits.append(_Hit(entry, first, last, False, self._entries[entry].label))
        return hits

    # -- scoring ----------------------------------------------------------------------------

    def score(self, text: NormalizedText, *, context_risk: bool = False) -> KeywordSignal:
        """Keyword signal of one normalised message. ``context_risk`` says earlier messages of the
        conversation carried risk, so timing and means words ("tonight", "pills") count alone."""
        tokens: list[str] = TOKEN_RE.findall(text.text)
        if not tokens:
            return EMPTY_SIGNAL
        words, fixed = self._words(tokens)
        hits = self._phrase_hits(words, fixed)
        # Token spans only when something needs them (most messages match nothing), and once.
        spans: list[tuple[int, int]] | None = None
        regex_entries = self._regex_entries(words) if self._regexes else []
        if regex_entries:
            spans = [m.span() for m in TOKEN_RE.finditer(text.text)]
            hits += self._regex_hits(text.text, regex_entries, spans)
        if not context_risk and all(self._entries[h.entry].requires_context for h in hits):
            return EMPTY_SIGNAL  # only timing or means words, and nothing they could qualify
        hits = self._dedupe(hits)
        # The full layout (clauses, idioms, quotes) is only worth building when something matched.
        idiom_words = {w for h in hits for w in words[h.first : h.last + 1]} & IDIOM_WORDS
        if spans is None:
            spans = [m.span() for m in TOKEN_RE.finditer(text.text)]
        lay = layout(text.text, bool(idiom_words), spans)

        pairs: list[tuple[Match, LexiconEntry]] = []
        cue_cache: dict[int, list[tuple[str, int, int]]] = {}
        for hit in hits:
            entry = self._entries[hit.entry]
            category = entry.category
            person = subject_of(lay, hit.first, hit.last) if category in SELF_RISK else Person.UNKNOWN
            mods = scope_modifiers(lay, hit.first, hit.last, cue_cache, speaker=person == Person.FIRST)
            if hit.fuzzy:
                mods.add(Modifier.FUZZY)
            factor = 1.0
            if person == Person.THIRD:
                if entry.requires_first_person or category == Category.HOPELESSNESS:
                    continue
                mods.add(Modifier.THIRD_PERSON)
                category = Category.CONCERN_FOR_OTHER
            for mod in mods:
                factor *= MODIFIER_FACTORS[mod]
            start, end = lay.tokens[hit.first].start, lay.tokens[hit.last].end
            pairs.append(
                (
                    Match(
                        term=hit.phrase,
                        category=category,
                        span=(start, end),
                        weight=entry.weight,
                        effective_weight=entry.weight * factor,
                        modifiers=tuple(sorted(mods, key=lambda m: m.value)),
                        matched_text=text.text[start:end],
                    ),
                    entry,
                )
            )
        return _summarise(_apply_context_rules(pairs, text.text, context_risk))

    def _dedupe(self, hits: list[_Hit]) -> list[_Hit]:
        """Keep the strongest of overlapping hits in the same category."""
        ordered = sorted(
            hits,
            key=lambda h: (
                # A phrase that stands on its own beats a context-dependent one it overlaps.
                self._entries[h.entry].requires_context,
                -self._entries[h.entry].weight,
                -(h.last - h.first),
                h.first,
                h.entry,
            ),
        )
        kept: list[_Hit] = []
        taken: set[tuple[Category, int]] = set()  # (category, token index) already covered
        for hit in ordered:
            cat = self._entries[hit.entry].category
            span = range(hit.first, hit.last + 1)
            if any((cat, t) in taken for t in span):
                continue
            taken.update((cat, t) for t in span)
            kept.append(hit)
        return sorted(kept, key=lambda h: (h.first, h.last, h.entry))


def _apply_context_rules(
    pairs: list[tuple[Match, LexiconEntry]], text: str, context_risk: bool
) -> list[Match]:
    givers = [
        (m.span, m.category is Category.HOPELESSNESS)
        for m, e in pairs
        if not e.requires_context
        and m.category in _CONTEXT_GIVERS
        and m.effective_weight >= (_GIVER_MIN_DESPAIR if m.category is Category.HOPELESSNESS else _GIVER_MIN)
    ]

    def supported(m: Match) -> bool:
        # Near another risk statement: in a long journal, "today" in the first line does not
        # qualify "kill myself" three pages later. Despair qualifies means ("i have a knife and
        # i'm done"), not timing ("so done with this week").
        return context_risk or any(
            s[0] - _CONTEXT_REACH <= m.span[1]
            and m.span[0] <= s[1] + _CONTEXT_REACH
            and not (despair and m.category is not Category.PLAN_OR_MEANS)
            for s, despair in givers
        )

    out = [m for m, e in pairs if not e.requires_context or supported(m)]
    # "my friend is suicidal and honestly so am i": the speaker joins a third-person statement.
    for m, e in pairs:
        if Modifier.THIRD_PERSON not in m.modifiers or (e.requires_context and not supported(m)):
            continue
        cue = _SAME_AS_ABOVE.search(text, m.span[1])
        if cue is None:
            continue
        if e.category is Category.CONCERN_FOR_OTHER:
            continue  # a concern entry names no state the speaker could share
        out.append(
            Match(
                term=m.term,
                category=e.category,
                span=(cue.start(), cue.end()),
                weight=e.weight,
                # "so am i" asserts the state outright: a direct first-person statement.
                effective_weight=max(e.weight, 0.8),
                modifiers=(),
                matched_text=cue.group(0),
            )
        )
    return out


def _summarise(matches: list[Match]) -> KeywordSignal:
    if not matches:
        return EMPTY_SIGNAL
    remaining: dict[Category, float] = {}
    for m in matches:
        remaining[m.category] = remaining.get(m.category, 1.0) * (1.0 - min(m.effective_weight, 1.0))
    cat_scores = {c: round(1.0 - r, 6) for c, r in remaining.items()}
    rest = 1.0
    for c, s in cat_scores.items():
        rest *= 1.0 - s * CATEGORY_SEVERITY[c]
    first_person = any(
        m.category in _FIRST_PERSON_CATS and not (set(m.modifiers) & _REDUCING) and m.effective_weight >= 0.3
        for m in matches
    )
    seen = frozenset(mod for m in matches for mod in m.modifiers)
    return KeywordSignal(
        matches=tuple(sorted(matches, key=lambda m: (m.span, m.category.value, m.term))),
        category_scores=cat_scores,
        score=round(1.0 - rest, 6),
        first_person=first_person,
        modifiers_seen=seen,
    )
