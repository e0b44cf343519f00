"""Reading one message: intents, emotions, topics, people and things, thinking traps, a rating,
and the clause worth reflecting back in the person's own words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hp_agent.agents.scripted.content import DialogueContent, Distortion
from hp_agent.agents.scripted.understanding import (
    MIN_INTENT_CONFIDENCE,
    MIN_TOPIC_CONFIDENCE,
    Reading,
    default_heads,
)
from hp_agent.lru import LRU

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_CLAUSE_SPLIT = re.compile(
    r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bSt\.)(?<=[.!?;])\s+|\s*[\n\u2014]\s*|,\s+",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:and|but|so|because|well|honestly|basically|like|just|i mean|i think|i guess|tbh|ok(?:ay)?|um+|"
    r"yeah|yes|no(?=,)|nah|hi|hello|hey|thanks|also|anyway|actually)\b[\s,]*)+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
# First person -> second person, longest first; applied to lowercase tokens.
_SWAP_PAIRS = [
    ("i am", "you are"),
    ("i was", "you were"),
    ("i'm", "you're"),
    ("im", "you're"),
    ("i've", "you've"),
    ("ive", "you've"),
    ("i'd", "you'd"),
    ("i'll", "you'll"),
    ("i", "you"),
    ("me", "you"),
    ("my", "your"),
    ("mine", "yours"),
    ("myself", "yourself"),
    ("am", "are"),
    ("we", "you"),
    ("us", "you"),
    ("our", "your"),
    ("ourselves", "yourselves"),
]
_SWAP_BIGRAMS = {a: b for a, b in _SWAP_PAIRS if " " in a}
_SWAP_WORDS = {a: b for a, b in _SWAP_PAIRS if " " not in a}
MAX_CLAUSE_WORDS = 16
# Questions are answered, not reflected back ("It sounds like how do I...").
_QUESTION_START = re.compile(
    r"^(?:how|what|why|when|where|who|which|should|can|could|would|will|do|does|did|is|are|am|was)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class TrapHit:
    distortion: Distortion
    quote: str  # the person's words that matched, as written


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    intents: tuple[str, ...]
    emotions: tuple[str, ...]
    topics: tuple[str, ...]
    entities: tuple[str, ...]  # "your sister", "Maya", "your presentation"
    traps: tuple[TrapHit, ...]
    rating: int | None
    clause: str | None  # reflected: "you always ruin everything"
    self_critical: bool  # the reflected clause is a harsh word about themselves
    painful: bool  # something painful is described, with or without a feeling word
    asks_question: bool
    word_count: int
    # From the crisis engine's embedding of the message (None: not available for this message).
    reading: Reading | None = None
    theme: str | None = None  # sleep, exams_work, relationships, ... (understanding/topics.yaml)
    patterned: tuple[str, ...] = ()  # the intents the lexicon's patterns matched, whatever the head said

    def has(self, intent: str) -> bool:
        return intent in self.intents


def normalise(text: str) -> str:
    text = " ".join(text.translate(_QUOTES).split())
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 8 and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        # SHOUTING reads as emphasis, not as names and acronyms.
        text = text.lower()
    # "I I I I": collapse a word repeated in a row.
    return re.sub(r"\b(\w+)(?:\s+\1\b)+", r"\1", text, flags=re.IGNORECASE)


# Function words: a message with none of them is probably not English, and the engine should not
# pretend to reflect words it cannot read.
_ENGLISH_CUES = frozenset(
    re.findall(
        r"\S+",
        "i i'm im you the a an to and my me it it's is was of in that have feel am so but not just do "
        "don't can't cant with about at for this be on what how he she they we been had get got no",
    )
)


def _looks_english(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    return len(words) < 3 or any(w in _ENGLISH_CUES for w in words)


def swap_person(text: str) -> str:
    tokens = text.split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        core = word.strip('.,!?;:"()').lower()
        trail = word[len(word.rstrip('.,!?;:"()')) :]
        if i + 1 < len(tokens):
            nxt = tokens[i + 1].strip('.,!?;:"()').lower()
            pair = _SWAP_BIGRAMS.get(f"{core} {nxt}")
            if pair and word.rstrip('.,!?;:"()').lower() == core:
                trail2 = tokens[i + 1][len(tokens[i + 1].rstrip('.,!?;:"()')) :]
                out.append(pair + trail2)
                i += 2
                continue
        swapped = _SWAP_WORDS.get(core)
        if swapped is not None:
            out.append(swapped + trail)
        elif core == "you" or core == "your":
            # The person addressing the agent; keep as is (clauses with "you" are rarely chosen).
            out.append(word)
        else:
            out.append(word)
        i += 1
    return " ".join(out)


def _match_any(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _entities(content: DialogueContent, text: str) -> list[str]:
    lex = content.lexicon
    found: list[str] = []
    lower = text.lower()
    # ``word in lower`` is a necessary condition for each pattern below and costs a fraction of a
    # regex search: most of the lexicon is absent from any one message.
    for word in sorted(lex.relations, key=len, reverse=True):
        if word in lower and re.search(rf"\b(?:my|our) {re.escape(word)}\b", lower):
            label = f"your {word}"
            if not any(label in f or f in label for f in found):
                found.append(label)
    for word in lex.things:
        if word in lower and re.search(rf"\b(?:my|the|this|our) {re.escape(word)}\b", lower):
            label = (
                f"your {word}" if re.search(rf"\b(?:my|our) {re.escape(word)}\b", lower) else f"the {word}"
            )
            if label not in found:
                found.append(label)
    # Names: capitalised words that do not start a sentence and are not common words.
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        words = sentence.split()
        for idx, raw in enumerate(words):
            word = raw.strip(".,!?;:\"()'")
            if idx == 0 or not word or not word[0].isupper() or word in lex.not_names or len(word) < 2:
                continue
            if word.isupper() and len(word) > 1:  # acronyms and shouting
                continue
            if word.endswith("'s"):
                word = word[:-2]
            if word not in found and word not in lex.not_names:
                found.append(word)
    return found


def _is_self_critical(content: DialogueContent, text: str) -> bool:
    return any(p.search(text) for p in content.lexicon.topics.get("self_worth", ())) or any(
        d.id == "labelling" and any(p.search(text) for p in d.patterns) for d in content.distortions
    )


def _clause(
    content: DialogueContent, text: str, traps: list[TrapHit], names: list[str]
) -> tuple[str | None, bool]:
    candidates = [c.strip(" ,.!?;:\"'") for c in _CLAUSE_SPLIT.split(text) if c and c.strip(" ,.!?;:\"'")]
    best: tuple[float, int, str] | None = None
    for idx, cand in enumerate(candidates):
        cand = _LEADING_FILLER.sub("", cand).strip(" ,")
        words = cand.split()
        if len(words) < 3 or cand.endswith("?") or _QUESTION_START.match(cand):
            continue
        if re.search(r"\byou\b|\byour\b|\byou're\b", cand, re.IGNORECASE):
            continue  # addressed to the agent: turning it around would put words in their mouth
        lower = cand.lower()
        score = 0.0
        if any(t.quote.lower() in lower for t in traps):
            score += 3
        if any(_match_any(ps, lower) for ps in content.lexicon.emotions.values()):
            score += 2
        if any(_match_any(ps, lower) for ps in content.lexicon.topics.values()):
            score += 1
        if re.search(r"\b(?:i|i'm|my|me|i've)\b", lower):
            score += 1
        if len(words) > 24:
            score -= 1
        if _is_self_critical(content, cand):
            score -= 4  # reflecting "you're pathetic" back would only echo the critic
        if best is None or score > best[0]:
            best = (score, idx, cand)
    if best is None:
        return None, False
    critical = _is_self_critical(content, best[2])
    words = best[2].split()
    if len(words) > MAX_CLAUSE_WORDS:
        # Cut at a comma inside the limit when there is one, else at the limit.
        head = " ".join(words[:MAX_CLAUSE_WORDS])
        comma = head.rfind(",")
        best_text = head[:comma] if comma > 20 else head
    else:
        best_text = best[2]
    # A shouted word inside a calm sentence is emphasis: reflect it in a normal voice.
    # (A run of two or more capitalised words; a lone acronym like "GP" stays as written.)
    best_text = re.sub(r"\b[A-Z][A-Z']+(?:\s+[A-Z][A-Z']+)+\b", lambda m: m.group(0).lower(), best_text)
    swapped = swap_person(best_text).strip(" ,")
    if swapped:
        first = swapped.split()[0].strip(".,!?;:\"()'")
        # A sentence-initial capital is kept only for a name the person capitalises elsewhere too.
        if first not in names or first in content.lexicon.not_names:
            swapped = swapped[0].lower() + swapped[1:]
    return (swapped or None), critical


# Analyses by message text, for one content object (the process's content is loaded once). The
# engine rebuilds its memory from the whole history on every turn, so without this each reply
# re-reads every earlier message (a few milliseconds each). ``Analysis`` is immutable and depends
# only on the content and the text, so sharing it changes no reply.
_analyses: LRU[str, Analysis] = LRU(4096)


def analyse(content: DialogueContent, raw: str, embedding: object = None) -> Analysis:
    """The reading of ``raw``; with ``embedding`` (the crisis engine's vector for it) intent and
    topic come from the understanding heads, else from the lexicon's patterns. An analysis made
    with an embedding replaces one made without, so later turns remember the better reading."""
    cached = _analyses.get(raw, owner=content)
    if cached is None or (embedding is not None and cached.reading is None):
        reading = None
        heads = default_heads() if embedding is not None else None
        if heads is not None:
            reading = heads.read(embedding)
        fresh = _analyse(content, raw, reading)
        if cached is None or fresh.reading is not None:
            cached = fresh
            _analyses.put(raw, cached, owner=content)
    return cached


# Head intents -> the engine's intent names (lexicon.yaml uses the same names for its patterns).
HEAD_INTENTS = {
    "agree": "agrees",
    "disagree": "declines",
    "thanks": "thanks_goodbye",
    "goodbye": "thanks_goodbye",
    "greeting": "greeting",
    "unsure": "unsure",
    "ask_advice": "asks_advice",
    "ask_plan": "asks_plan",
    "ask_exercise": "asks_exercise",
    "ask_info": "asks_info",
    "ask_listen": "asks_listen",
    "about_agent": "asks_about_agent",
    "venting": "venting",
}
# Decided by patterns only, whatever the embedding says: safety and boundaries never depend on a
# nearest neighbour, and a request named in so many words ("a revision timetable") is a request.
PATTERN_ONLY = frozenset(
    {
        "risk",
        "asks_means",
        "asks_medication",
        "asks_diagnosis",
        "asks_secrecy",
        "asks_human",
        "misunderstood",
        "asks_plan",
        "asks_exercise",
        "asks_info",
        "asks_listen",
        "pause",
        "resume",
        "own_idea",
    }
)
# Without a confident reading, a theme is inferred from the lexicon's topics and feelings.
_THEME_FROM_TOPIC = {
    "sleep": "sleep",
    "work": "exams_work",
    "study": "exams_work",
    "self_worth": "self_esteem",
    "relationships": "relationships",
    "family": "relationships",
    "friends": "relationships",
}
_THEME_FROM_EMOTION = {
    "angry": "anger",
    "anxious": "worry_panic",
    "worried": "worry_panic",
    "lonely": "loneliness",
    "sad": "low_mood",
    "numb": "low_mood",
    "hopeless": "low_mood",
    "exhausted": "low_mood",
    "stressed": "exams_work",
    "overwhelmed": "exams_work",
}
_GRIEF = re.compile(
    r"\b(?:died|passed away|passed on|funeral|grie(?:f|ving)|bereave\w*|lost my (?:mum|mom|dad|nan|"
    r"gran\w*|grand\w*|friend|brother|sister|son|daughter|husband|wife|partner|dog|cat))\b"
)


def _intents(matched: tuple[str, ...], reading: Reading | None) -> tuple[str, ...]:
    if reading is None or reading.intent_confidence < MIN_INTENT_CONFIDENCE:
        return matched
    kept = [name for name in matched if name in PATTERN_ONLY]
    head = HEAD_INTENTS.get(reading.intent)
    if head and head not in kept:
        kept.append(head)
    return tuple(kept)


def _theme(
    lower: str, topics: tuple[str, ...], emotions: tuple[str, ...], reading: Reading | None
) -> str | None:
    if _GRIEF.search(lower):
        return "grief"
    # A feeling named outright ("so angry", "lonely", "tired of everything") says more about what
    # the message is about than the nearest examples do.
    for e in ("angry", "lonely", "hopeless"):
        if e in emotions:
            return _THEME_FROM_EMOTION[e]
    if reading is not None and reading.topic and reading.topic_confidence >= MIN_TOPIC_CONFIDENCE:
        return reading.topic
    for t in topics:
        if t in _THEME_FROM_TOPIC:
            return _THEME_FROM_TOPIC[t]
    for e in emotions:
        if e in _THEME_FROM_EMOTION:
            return _THEME_FROM_EMOTION[e]
    return None


def _analyse(content: DialogueContent, raw: str, reading: Reading | None = None) -> Analysis:
    text = normalise(raw)
    lower = text.lower()
    lex = content.lexicon
    patterned = tuple(name for name, ps in lex.intents.items() if _match_any(ps, lower))
    intents = _intents(patterned, reading)
    emotions = tuple(label for label, patterns in lex.emotions.items() if _match_any(patterns, lower))
    topics = tuple(label for label, patterns in lex.topics.items() if _match_any(patterns, lower))
    traps: list[TrapHit] = []
    for distortion in content.distortions:
        for pattern in distortion.patterns:
            match = pattern.search(text)
            if match:
                traps.append(TrapHit(distortion, _quote(text, match)))
                break
    rating = None
    for match in lex.rating.finditer(lower):
        value = match.group(1) or match.group(2)
        if value is not None:
            rating = int(value)
            break
    entities = _entities(content, text)
    clause, critical = _clause(content, text, traps, entities) if _looks_english(text) else (None, False)
    return Analysis(
        text=text,
        intents=intents,
        emotions=emotions,
        topics=topics,
        entities=tuple(entities),
        traps=tuple(traps),
        rating=rating,
        clause=clause,
        self_critical=critical,
        painful=bool(traps) or any(p.search(lower) for p in lex.painful),
        asks_question=text.rstrip().endswith("?"),
        word_count=len(_WORD.findall(text)),
        reading=reading,
        patterned=patterned,
        theme=_theme(lower, topics, emotions, reading),
    )


def _quote(text: str, match: re.Match[str]) -> str:
    """The matched words extended to the end of their clause, at most five words."""
    start, end = match.span()
    rest = re.split(r"[,.;!?]", text[end:], maxsplit=1)[0]
    quote = (text[start:end] + rest).strip()
    words = quote.split()
    # A few words are enough to point at the thought; more would read as an echo.
    return " ".join(words[:5])
