"""Conversation context: risk that builds over several messages, and retractions.

A message is judged with the person's recent messages (oldest first) and earlier assessments:
- build-up: three messages in a row at LOW or above make the latest at least MODERATE, when the
  run is corroborated (see below);
- accumulation: ideation or self-harm, plan or means, and timing spread over several turns
  count as if they were said together (plan + ideation -> HIGH; + timing now -> IMMINENT;
  means earlier + timing now -> IMMINENT);
- retraction: "jk", "forget it", "nvm", "i'm fine now lol" right after a risky message do not
  erase it: the retraction is held at the risky level minus one step, and at least MODERATE when
  that message was HIGH or above. Taking a crisis statement back is itself a warning sign;
- history: a HIGH or IMMINENT assessment among the earlier ones makes any new risk at least
  MODERATE;
- joint reading: a short message right after a MODERATE+ one is assessed together with the
  messages before it; that level counts when the message adds a signal of its own ("i counted
  them. theres enough"; judged on the message alone, so timing words that count only in context
  do not qualify); otherwise, after a HIGH+ message, the risk persists at MODERATE ("ok", "he's
  home now"), as it does for a step towards safety ("i put the pills back, my mum is coming").
Context only ever raises a level, and only on corroborated risk (issue #23): an earlier message
counts as risky for the joint reading and the weak cues when, on its own, it was at HIGH+, or at
MODERATE with lexicon evidence, or when two of the last messages, the current one included, were
read at MODERATE+ (repeated readings); a build-up run needs one message with an unqualified
lexicon match or two at MODERATE+. A MODERATE from the classifier alone is uncertain (the chat
asks one check about that message): ordinary turns after it ("i know, i know", "what's a quick
way to tidy?") are not held at MODERATE by it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crisis_engine.types import (
    EVIDENCE_CONTEXT,
    EVIDENCE_LEXICON,
    Assessment,
    Category,
    ContextMessage,
    Match,
    Modifier,
    RiskLevel,
)

__all__ = [
    "ContextResult",
    "ContextRules",
    "adjust_for_context",
    "corroborated_risk",
    "is_de_escalation",
    "is_retraction",
    "lexicon_read",
    "ordinary_conversation",
]

_RETRACTION = re.compile(
    r"\b(?:just kidding|kidding|i was joking|i'm joking|joking|was a joke|only joking|forget it|"
    r"forget (?:i said|what i said|that|about it)|nvm|never ?mind|ignore (?:that|me|what i said|it|my last)|"
    r"i'm (?:fine|ok|okay|good|alright|all right)(?: now| really| honestly| lol| haha)*|"
    r"i am (?:fine|ok|okay|good)|don't worry(?: about (?:it|me))?|not serious|wasn't serious|"
    r"didn't mean (?:it|that)|it was nothing|all good|no worries|it's fine|it's nothing|"
    r"doesn't matter|i'll be (?:fine|ok|okay)|lol|lmao|haha+|as a joke|(?:that )?wasn't me|"
    r"(?:grabbed|took|had|was on) my phone and (?:typed|wrote|sent))\b"
)
# Steps towards safety after a risky message: they do not erase it, but the conversation read as
# a whole must not be raised above what was said before ("i put the pills back", "called my mum").
_DE_ESCALATION = re.compile(
    r"\b(?:i'm safe|i am safe|(?:feel|feeling|felt) (?:a bit |a little |much |so much |)(?:safer|better)"
    r"(?! off| if| when)|"
    r"called (?:my|the|a) \w+|(?:put|threw|gave|locked) (?:the \w+ |them |it |those )?(?:back|away)|"
    r"took (?:them|it|the \w+) away|(?:going|went|go) to (?:see )?(?:a|the|my) "
    r"(?:doctor|gp|therapist|hospital|a&e|er|counsellor|counselor)|(?:is|are|'s|'re) coming over|"
    r"not going to do (?:it|anything)|(?:won't|will not) do (?:it|anything)|safety plan)\b"
)
_WORD = re.compile(r"[a-z']+")


def is_retraction(normalized: str) -> bool:
    """A short message that takes back or plays down what came before."""
    words = _WORD.findall(normalized)
    return 0 < len(words) <= 20 and _RETRACTION.search(normalized) is not None


def is_de_escalation(normalized: str) -> bool:
    return _DE_ESCALATION.search(normalized) is not None


@dataclass(frozen=True, slots=True)
class ContextRules:
    build_up_run: int = 3  # this many messages in a row at LOW+ (the current one included)
    window: int = 6  # previous messages considered
    max_age_seconds: float = 6 * 3600  # older messages (when the age is known) do not accumulate
    retraction_lookback: int = 2  # the risky message must be among the last N
    # A short message right after a MODERATE+ one is also read together with the messages
    # before it ("i counted them. theres enough" after talk of pills): the joint reading counts
    # when the message adds a signal of its own; otherwise the risk only persists at MODERATE.
    joint_lookback: int = 3  # earlier messages read together with the current one
    joint_max_words: int = 20
    # The message's own classifier risk that counts as a signal; below 0.5 it is noise on short
    # replies ("no" alone scores about 0.35).
    joint_own_signal: float = 0.5


@dataclass(frozen=True, slots=True)
class ContextResult:
    level: RiskLevel
    adjusted: bool
    retraction: bool
    categories: tuple[Category, ...]  # categories carried over from earlier messages
    reasons: tuple[str, ...]


_SELF = (Category.SUICIDAL_IDEATION, Category.SELF_HARM)


def own_level(a: Assessment) -> RiskLevel:
    """The level ``a`` had before conversation context raised it (``a.level`` if it wasn't)."""
    own = a.details.get("context", {}).get("own_level") if a.context_adjusted else None
    return RiskLevel(own) if own else a.level


def own_categories(a: Assessment) -> tuple[Category, ...]:
    own = a.details.get("context", {}).get("own_categories") if a.context_adjusted else None
    return tuple(Category(c) for c in own) if own is not None else a.categories


# Modifiers that make a lexicon match say something other than the speaker's own risk.
_QUALIFYING = frozenset(
    {
        Modifier.NEGATION,
        Modifier.THIRD_PERSON,
        Modifier.PAST_OR_RESOLVED,
        Modifier.HYPOTHETICAL,
        Modifier.QUOTATION_OR_MEDIA,
        Modifier.CLINICAL,
        Modifier.IDIOM,
    }
)


def lexicon_read(matches: Sequence[Match]) -> bool:
    """The lexicon found risk words in the message itself: an unqualified match, or a worried
    friend's words (third person by nature)."""
    return any(
        m.effective_weight > 0
        and (not set(m.modifiers) & _QUALIFYING or m.category == Category.CONCERN_FOR_OTHER)
        for m in matches
    )


def _backed(a: Assessment) -> bool:
    """``a`` was at MODERATE+ on its own with more than the classifier's reading behind it."""
    own = own_level(a)
    if own >= RiskLevel.HIGH:
        return True
    if own < RiskLevel.MODERATE:
        return False
    own_evidence = [e for e in a.evidence if e != EVIDENCE_CONTEXT]
    # An assessment stored without its evidence (older engines) cannot show it was uncertain.
    return not a.evidence or EVIDENCE_LEXICON in own_evidence


def corroborated_risk(assessments: Sequence[Assessment], current_reading: bool = False) -> bool:
    """Risk among ``assessments`` (on their own) that context may build on: one backed reading
    (see ``_backed``) or two readings at MODERATE+ (repeated, if only the classifier's).
    ``current_reading``: the current message was read at MODERATE+ too (before a corroboration
    rule took it down), which repeats an earlier reading ("i walk past them every day and think
    about it", then "i already know which one")."""
    risky = [a for a in assessments if own_level(a) >= RiskLevel.MODERATE]
    return bool(risky) and (len(risky) + current_reading >= 2 or any(_backed(a) for a in risky))


def ordinary_conversation(recent: Sequence[Assessment], earlier: Sequence[Assessment] = ()) -> bool:
    """The person has been talking and nothing they said was concerning (issue #23): at least
    one earlier message in the window, none at MODERATE or above on its own, none with a risk
    word the lexicon read (``lexicon_read``), and no earlier assessment (``recent_assessments``)
    at LOW or above. In such a conversation a short reply is most likely about what came before
    ("i've asked him twice already" after the washing-up), so the detector asks more of a
    classifier-only reading of it (``conversation_min_margin`` in ``config/engine.json``)."""
    return (
        bool(recent)
        and all(own_level(a) < RiskLevel.MODERATE and not lexicon_read(a.matches) for a in recent)
        and not any(a.level >= RiskLevel.LOW for a in earlier)
    )


def adjust_for_context(
    level: RiskLevel,
    categories: Sequence[Category],
    normalized: str,
    previous: Sequence[tuple[ContextMessage, Assessment]],
    earlier: Sequence[Assessment] = (),
    rules: ContextRules | None = None,
    joint: tuple[RiskLevel, Sequence[Category]] | None = None,
    own_signal: bool = False,
    own_lexicon: bool = True,
) -> ContextResult:
    """Raise ``level`` of the current message given earlier assessments (oldest first).

    ``own_lexicon``: the current message has an unqualified lexicon match (``lexicon_read``)."""
    rules = rules or ContextRules()
    recent = [
        a
        for m, a in previous[-rules.window :]
        if m.seconds_ago is None or m.seconds_ago <= rules.max_age_seconds
    ]
    new = level
    reasons: list[str] = []
    carried: list[Category] = []
    retraction = False

    # Retraction right after a risky message.
    lookback = recent[-rules.retraction_lookback :]
    risky = max((a.level for a in lookback), default=RiskLevel.NONE)
    if risky >= RiskLevel.MODERATE and is_retraction(normalized):
        retraction = True
        floor = RiskLevel.from_rank(risky.rank - 1)
        if risky >= RiskLevel.HIGH:
            floor = max(floor, RiskLevel.MODERATE)
        if floor > new:
            new = floor
            reasons.append(f"retraction right after a {risky.value}-risk message")
        source = next(a for a in reversed(lookback) if a.level == risky)
        carried.extend(source.categories)

    # The message read together with the risky messages just before it (see ContextRules).
    if joint is not None and not retraction:
        joint_level, joint_categories = joint
        if own_signal and not is_de_escalation(normalized):
            target = joint_level
        elif max((a.level for a in recent[-rules.joint_lookback :]), default=new) >= RiskLevel.HIGH:
            # Content-free follow-ups ("ok", "he's home now") keep an acute conversation alive;
            # after a MODERATE message they do not, or every later answer of a journal exercise
            # would alert again.
            target = RiskLevel.MODERATE
        else:
            target = RiskLevel.NONE
        if target > new:
            new = target
            reasons.append("read together with the previous messages")
            carried.extend(joint_categories)

    # Build-up: a run of messages concerning on their own. A run of the classifier's LOW readings
    # of ordinary messages (a new job, a messy flat) is not corroborated: the lexicon must have
    # read something in one of them, or two must have been at MODERATE+ on their own.
    run = rules.build_up_run - 1
    in_a_row = len(recent) >= run and all(own_level(a) >= RiskLevel.LOW for a in recent[-run:])
    run_corroborated = (
        own_lexicon
        or any(lexicon_read(a.matches) for a in recent[-run:])
        or sum(own_level(a) >= RiskLevel.MODERATE for a in recent[-run:]) + (level >= RiskLevel.MODERATE) >= 2
    )
    if level >= RiskLevel.LOW and in_a_row and run_corroborated and new < RiskLevel.MODERATE:
        new = RiskLevel.MODERATE
        reasons.append(f"{rules.build_up_run} concerning messages in a row")

    # Accumulation of ideation, plan and timing across turns.
    # The current message must add to it, so one old HIGH message does not raise everything after;
    # a step towards safety that names the means ("i put the pills back") adds nothing.
    # "What should i cook tonight" names a time but says nothing: the message must carry some
    # risk of its own (LOW+), and earlier messages count with what they said themselves.
    # The categories of LOW readings are the classifier's guesses: ordinary turns ("i stayed up
    # until 3 to finish it" after "a murder mystery", "i'll practise the opening tonight") must
    # not add up to a plan with a time unless the lexicon read risk in one of them or one of
    # them was MODERATE+ on its own ("i have a lot of my antidepressants saved up").
    accumulation_corroborated = (
        own_lexicon
        or level >= RiskLevel.MODERATE
        or any(lexicon_read(a.matches) or own_level(a) >= RiskLevel.MODERATE for a in recent)
    )
    if (
        level >= RiskLevel.LOW
        and accumulation_corroborated
        and set(categories) & {*_SELF, Category.PLAN_OR_MEANS, Category.IMMINENT}
        and not is_de_escalation(normalized)
    ):
        seen = set(categories)
        for a in recent:
            seen.update(own_categories(a))
        has_self = bool(seen & set(_SELF))
        if has_self and Category.PLAN_OR_MEANS in seen:
            target = RiskLevel.HIGH
            if Category.IMMINENT in categories:
                target = RiskLevel.IMMINENT
            if target > new:
                new = target
                reasons.append("ideation, plan and timing built up across messages")
                # In the enum's order: a set's order follows string hashing, which differs
                # between processes, and the same conversation must give the same assessment.
                carried.extend(c for c in Category if c in seen and c in (*_SELF, Category.PLAN_OR_MEANS))
        elif Category.PLAN_OR_MEANS in seen and Category.IMMINENT in seen:
            # Means named earlier and timing now ("i have the pills" ... "tonight after he's
            # asleep") is a plan with a time: IMMINENT, as within one message. Timing said
            # earlier and means now stays HIGH (the timing may have been about something else).
            earlier_plan = any(Category.PLAN_OR_MEANS in own_categories(a) for a in recent)
            target = (
                RiskLevel.IMMINENT
                if Category.IMMINENT in categories and earlier_plan and level >= RiskLevel.MODERATE
                else RiskLevel.HIGH
            )
            if target > new:
                new = target
                reasons.append("plan and timing built up across messages")
                carried.extend((Category.PLAN_OR_MEANS, Category.IMMINENT))

    # Earlier high-risk assessments (other days, other sources).
    past_high = any(a.level >= RiskLevel.HIGH for a in earlier)
    if level >= RiskLevel.LOW and past_high and new < RiskLevel.MODERATE:
        new = RiskLevel.MODERATE
        reasons.append("a recent high-risk assessment")

    extra = tuple(dict.fromkeys(c for c in carried if c not in categories))
    return ContextResult(
        level=new,
        adjusted=new > level,
        retraction=retraction,
        categories=extra,
        reasons=tuple(reasons),
    )
