"""Context modifiers: what the words around a keyword match say about it.

Each rule looks at a scope around one match (the clause or the sentence it sits in, on the
normalised text) and reports a ``Modifier``. A modifier lowers that match's weight only; it never
touches other matches, so a first-person statement elsewhere in the message keeps its full weight
("my friend is suicidal and honestly so am i").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

import yaml

from crisis_engine.types import Modifier

__all__ = ["MODIFIER_FACTORS", "Person", "TextLayout", "Token", "layout", "scope_modifiers"]

CUES_FILE = "modifiers.yaml"  # cue words and patterns, versioned like the lexicon

# How much of a match's weight survives each modifier (multiplied when several apply).
MODIFIER_FACTORS: dict[Modifier, float] = {
    Modifier.NEGATION: 0.12,
    Modifier.THIRD_PERSON: 0.7,  # applied to the concern_for_other weight it becomes
    Modifier.PAST_OR_RESOLVED: 0.35,
    Modifier.HYPOTHETICAL: 0.3,
    Modifier.QUOTATION_OR_MEDIA: 0.2,
    Modifier.CLINICAL: 0.15,
    Modifier.IDIOM: 0.05,
    Modifier.FUZZY: 0.9,
    Modifier.RETRACTION: 1.0,
}

TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")


class Token(NamedTuple):  # a NamedTuple: built per token, several times faster than a dataclass
    text: str
    start: int
    end: int
    clause: int
    sentence: int


@dataclass(frozen=True, slots=True)
class TextLayout:
    text: str
    tokens: tuple[Token, ...]
    idioms: tuple[tuple[int, int], ...]
    quotes: tuple[tuple[int, int], ...]
    clauses: tuple[tuple[int, int], ...]  # first and last token index of each clause
    sentences: tuple[tuple[int, int], ...]


_SENTENCE_CHARS = frozenset(".!?\n")
_CLAUSE_CHARS = frozenset(",;:()[]")


def layout(
    text: str, idioms_needed: bool = True, spans: Sequence[tuple[int, int]] | None = None
) -> TextLayout:
    """Tokens with clause and sentence numbers, plus idiom and quotation spans.

    ``idioms_needed=False`` skips the idiom scan (no matched word can be part of an idiom);
    ``spans`` are the token spans when the caller already has them."""
    if spans is None:
        spans = [m.span() for m in TOKEN_RE.finditer(text)]
    tokens: list[Token] = []
    clauses: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    clause = sentence = 0
    prev_end = 0
    for i, (start, end) in enumerate(spans):
        word = text[start:end]
        if i:
            gap = text[prev_end:start]
            # Most gaps are one space: only look inside longer ones.
            if gap != " " and not _SENTENCE_CHARS.isdisjoint(gap):
                sentence += 1
                clause += 1
            elif (
                gap != " " and (not _CLAUSE_CHARS.isdisjoint(gap) or " - " in gap)
            ) or word in _CLAUSE_WORDS:
                clause += 1
        if clause == len(clauses):
            clauses.append((i, i))
        else:
            clauses[clause] = (clauses[clause][0], i)
        if sentence == len(sentences):
            sentences.append((i, i))
        else:
            sentences[sentence] = (sentences[sentence][0], i)
        tokens.append(Token(word, start, end, clause, sentence))
        prev_end = end
    idioms = tuple((m.start(), m.end()) for m in _IDIOM_RE.finditer(text)) if idioms_needed else ()
    quotes = tuple((m.start(), m.end()) for m in _QUOTE_RE.finditer(text)) if '"' in text else ()
    return TextLayout(text, tuple(tokens), idioms, quotes, tuple(clauses), tuple(sentences))


_QUOTE_RE = re.compile(r'"[^"\n]{3,300}"')


# Figurative uses of risk words. A match overlapping one of these spans gets Modifier.IDIOM.
def _load_cues() -> dict[str, Any]:
    text = resources.files("crisis_engine").joinpath("lexicons", CUES_FILE).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


_DATA = _load_cues()
_CLAUSE_WORDS = frozenset(str(_DATA["clause_words"]).split())
CUES_VERSION: str = str(_DATA["version"])


def _words(key: str) -> frozenset[str]:
    return frozenset(str(_DATA[key]).split())


def _patterns(key: str) -> list[str]:
    return [str(p) for p in _DATA[key]]


_IDIOMS = _patterns("idioms")
# Every idiom contains one of these words; a match without any of them cannot overlap one.
IDIOM_WORDS = _words("idiom_words")
_IDIOM_RE = re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in _IDIOMS) + r")\b")
_FIRST = _words("first_person")
_THIRD = _words("third_person")
_OBJECT = _words("object_pronouns")
_NEGATORS = _words("negators")
# "can't stop thinking about killing myself", "don't know why i want to die": the negator
# governs the next verb, not the risk phrase.
_NEGATION_RELEASE = _words("negation_release")
_NEGATION_HAVE = _words("negation_have")
_SUBJECTS = frozenset({"i", "i'm", "im", "i've", "i'll", "i'd", "he", "she", "they", "we", "you"})
_SCOPE_BREAK = _words("scope_break")
_PAST = _patterns("past")
_HYPOTHETICAL = _patterns("hypothetical")
_MEDIA = _patterns("media")
_CLINICAL = _patterns("clinical")


def _cue_re(parts: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in parts) + r")\b")


# One pass over a sentence finds every cue; each kind is then checked against its own scope.
_CUES = re.compile(
    "|".join(
        f"(?P<{name}>" + _cue_re(parts).pattern + ")"
        for name, parts in (("past", _PAST), ("hypo", _HYPOTHETICAL), ("media", _MEDIA), ("clin", _CLINICAL))
    )
)
_CUE_MODIFIER = {
    "past": Modifier.PAST_OR_RESOLVED,
    "hypo": Modifier.HYPOTHETICAL,
    "media": Modifier.QUOTATION_OR_MEDIA,
    "clin": Modifier.CLINICAL,
}
_USED_TO = re.compile(r"\bused to\b")  # also inside a match: "used to cut" is history


class Person:
    FIRST = "first"
    THIRD = "third"
    UNKNOWN = "unknown"


def subject_of(lay: TextLayout, first: int, last: int) -> str:
    """Who the statement at tokens [first, last] is about: first, third or unknown person."""
    inside = {t.text for t in lay.tokens[first : last + 1]}
    if inside & {"myself", "me", "my", "i", "i'm", "i've", "i'll", "i'd", "im"}:
        return Person.FIRST
    if inside & {"himself", "herself", "themselves", "he", "she", "they", "he's", "she's", "they're"}:
        return Person.THIRD
    # Nearest person word before the match in the same sentence; a bare "and" does not reset
    # the subject ("she's sad and wants to die").
    sentence = lay.tokens[first].sentence
    for i in range(first - 1, max(-1, first - 12), -1):
        tok = lay.tokens[i]
        if tok.sentence != sentence:
            break
        if tok.text in _FIRST:
            return Person.FIRST
        if tok.text in _OBJECT:
            continue  # "take them tonight": the object, not who is speaking
        if tok.text in _THIRD:
            return Person.THIRD
    return Person.UNKNOWN


_INTENSIFIERS = frozenset(
    {("this", "much"), ("so", "much"), ("this", "bad"), ("this", "badly"), ("so", "badly"),
     ("than", "ever"), ("like", "this"), ("this", "strongly")}
)  # fmt: skip


def _intensified(lay: TextLayout, first: int, clause: int) -> bool:
    toks = lay.tokens
    stop = min(len(toks) - 1, first + 10)
    return any(
        toks[j].clause == clause and (toks[j].text, toks[j + 1].text) in _INTENSIFIERS
        for j in range(first, stop)
    )


def _negated(lay: TextLayout, first: int) -> bool:
    clause = lay.tokens[first].clause
    for i in range(first - 1, max(-1, first - 7), -1):
        tok = lay.tokens[i]
        if tok.clause != clause or tok.text in _SCOPE_BREAK:
            return False
        if tok.text in _NEGATORS:
            nxt = lay.tokens[i + 1].text if i + 1 < len(lay.tokens) else ""
            if first - i > 4 and (
                nxt not in _NEGATION_HAVE
                or any(lay.tokens[j].text in _SUBJECTS for j in range(i + 1, first))
            ):
                # Beyond four words only "don't have / want / intend ..." reaches, and not past a
                # new subject: "i don't want anyone to know i want to kill myself".
                return False
            if tok.text == "no" and nxt in ("one", "reason", "point", "way", "longer", "matter"):
                return False
            if tok.text == "never" and _intensified(lay, first, clause):
                return False  # "i've never wanted to die this much": a comparison, not a denial
            return not (nxt in _NEGATION_RELEASE and i + 1 < first)
    return False


def scope_modifiers(
    lay: TextLayout,
    first: int,
    last: int,
    cache: dict[int, list[tuple[str, int, int]]] | None = None,
    *,
    speaker: bool = False,
) -> set[Modifier]:
    """Modifiers (except person and fuzziness) for the match covering tokens [first, last].

    ``speaker`` says the statement has a first-person subject: then media, clinical and
    hypothetical cues count only inside its own clause ("i'm writing an essay on self harm"),
    never from a neighbouring one ("i watched a sad movie and now i want to die").
    ``cache`` keeps the cues found per sentence across the matches of one message."""
    mods: set[Modifier] = set()
    start, end = lay.tokens[first].start, lay.tokens[last].end
    if any(s < end and start < e for s, e in lay.idioms):
        mods.add(Modifier.IDIOM)
    if any(s <= start and end <= e for s, e in lay.quotes):
        mods.add(Modifier.QUOTATION_OR_MEDIA)
    if _negated(lay, first):
        mods.add(Modifier.NEGATION)
    c0, c1 = lay.clauses[lay.tokens[first].clause]
    sentence = lay.tokens[first].sentence
    s0, s1 = lay.sentences[sentence]
    clause_start, clause_end = lay.tokens[c0].start, lay.tokens[c1].end
    cues = cache.get(sentence) if cache is not None else None
    if cues is None:
        sent_start = lay.tokens[s0].start
        found = _CUES.finditer(lay.text, sent_start, lay.tokens[s1].end)
        cues = [(m.lastgroup or "", m.start(), m.end()) for m in found]
        if cache is not None:
            cache[sentence] = cues
    for kind, cs, ce in cues:
        if cs < end and start < ce:
            continue  # cues are looked for around the match, never inside it ("no longer want to live")
        in_clause = clause_start <= cs and ce <= clause_end
        if (kind == "past" or speaker) and not in_clause:
            continue
        if kind == "hypo" and cs >= start:
            continue
        mods.add(_CUE_MODIFIER[kind])
    if _USED_TO.search(lay.text, clause_start, clause_end):
        mods.add(Modifier.PAST_OR_RESOLVED)
    return mods
