"""Answering what the person asked for: a plan built from their answers, an exercise, information.

A plan takes two questions (what to fit in; how much time and which day stays free) and is then
built from the answers. Which question the engine asked last is read from its own last reply, so
the engine stays stateless like the rest of the dialogue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hp_agent.agents.scripted.content import Approach, DialogueContent, Technique
from hp_agent.agents.scripted.talk import Info, Talk

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple": 2, "a few": 3,
}  # fmt: skip
_HOURS = re.compile(r"\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|a couple|a few)\b")
_SPLIT = re.compile(r"\s*(?:,|;|/|&|\+|\.|\n|\band\b|\bplus\b|\bthen\b)\s*", re.IGNORECASE)
_ITEM_FILLER = re.compile(
    r"^(?:(?:i|we)(?:'ve| have| need to| want to| must)?(?: got)?(?: to)?(?: do| revise| study| fit in)?|"
    r"my|the|some|a bit of|more|exams? (?:in|for|on)|revis(?:e|ing)|stud(?:y|ying)|also|um+|well|like|"
    r"maybe|probably|mostly|just|for)\b\s*",
    re.IGNORECASE,
)
_NOT_ITEM = re.compile(
    r"\b(?:first|next|week|weeks|days?|today|tomorrow|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|exam is|hours?|in \d+)\b|\d",
    re.IGNORECASE,
)
_SLOTS = ("morning", "afternoon", "evening")

# Which exercise fits a theme first; the approach decides which of them it offers.
PREFERRED = {
    "worry_panic": (
        "paced_breathing",
        "grounding",
        "tip_skill",
        "defusion",
        "feelings_checkin",
        "worry_time",
    ),
    "sleep": ("paced_breathing", "worry_time", "grounding", "feelings_checkin", "defusion"),
    "anger": ("stop_skill", "tip_skill", "paced_breathing", "expansion", "check_the_facts"),
    "low_mood": ("behavioural_activation", "opposite_action", "values_compass", "feelings_checkin"),
    "self_esteem": (
        "thought_record",
        "thinking_traps",
        "check_the_facts",
        "defusion",
        "reflective_listening",
    ),
    "exams_work": ("problem_solving", "worry_time", "thought_record", "check_the_facts", "values_compass"),
    "relationships": ("dear_man", "problem_solving", "check_the_facts", "reflective_listening", "expansion"),
    "loneliness": ("opposite_action", "behavioural_activation", "values_compass", "reflective_listening"),
    "grief": ("expansion", "reflective_listening", "feelings_checkin", "grounding"),
}
# Words that name an exercise in a request ("can we do the STOP skill").
NAMED = (
    (r"thought record", "thought_record"),
    (r"thinking traps?", "thinking_traps"),
    (r"behavioural activation|behavioral activation|activity plan", "behavioural_activation"),
    (r"problem[- ]solving", "problem_solving"),
    (r"breath|relax", "paced_breathing"),
    (r"grounding|5[- ]?4[- ]?3[- ]?2[- ]?1|mindful|present moment|senses", "grounding"),
    (r"worry time", "worry_time"),
    (r"\bstop\b", "stop_skill"),
    (r"\btip\b", "tip_skill"),
    (r"opposite action", "opposite_action"),
    (r"check the facts", "check_the_facts"),
    (r"dear ?man", "dear_man"),
    (r"leaves|defusion|stream", "defusion"),
    (r"values?", "values_compass"),
    (r"making room|make room", "expansion"),
    (r"check[- ]?in", "feelings_checkin"),
    (r"listening", "reflective_listening"),
)


_SLEEP = re.compile(r"\b(?:bed|bedtime|sleep\w*|night-?time|wind[- ]down)\b", re.IGNORECASE)


def about_sleep(text: str) -> bool:
    """A "routine" or "plan" for sleep is answered with what helps sleep, not a week plan."""
    return bool(_SLEEP.search(text)) and not re.search(r"revis|exam|study|timetable", text, re.IGNORECASE)


def plan_kind(text: str) -> str:
    return "revision" if re.search(r"revis|exam|study|timetable|subject", text, re.IGNORECASE) else "week"


def plan_stage(talk: Talk, last_reply: str | None) -> tuple[str, str] | None:
    """(plan kind, "subjects" or "hours") when the last reply asked a plan question."""
    if not last_reply:
        return None
    for kind, prompts in talk.plans.items():
        if prompts.ask_subjects[:50] in last_reply:
            return kind, "subjects"
        if prompts.ask_hours[:50] in last_reply:
            return kind, "hours"
    return None


# "maths on the 12th", "physics next tuesday", "english in two weeks": the subject, not the date.
_WHEN = re.compile(
    r"\s+(?:on|in|at|by|from|next|this|until|due|is|are|starts?|starting)\b.*$|\s*\(.*?\)", re.IGNORECASE
)


_TRAILING = re.compile(r"\s+(?:really|mostly|i think|i guess|probably|too|as well|etc)$", re.IGNORECASE)
_LEAD_LIST = re.compile(
    r"^(?:(?:my |the )?(?:exams?|subjects?|papers?|things?) (?:are|is|will be)|mainly|only)\b\s*", re.I
)


def _clean(raw: str) -> str:
    item = raw.strip(" -:!?'\"")
    for _ in range(4):
        item = _LEAD_LIST.sub("", _ITEM_FILLER.sub("", item)).strip()
    item = _TRAILING.sub("", _WHEN.sub("", item)).strip()
    for _ in range(2):
        item = _ITEM_FILLER.sub("", item).strip()
    return item


def items(text: str, limit: int = 5) -> list[str]:
    out: list[str] = []
    for raw in _SPLIT.split(re.sub(r"\(.*?\)", " ", text)):
        item = _clean(raw)
        if not item or _NOT_ITEM.search(item) or len(item.split()) > 5:
            continue
        item = re.sub(r"\bmy\b", "your", item, flags=re.IGNORECASE)  # the plan speaks to them
        label = item[:1].upper() + item[1:]
        if label.lower() not in (o.lower() for o in out):
            out.append(label)
    return out[:limit]


def hours(text: str, default: float) -> float:
    m = _HOURS.search(text.lower())
    if m is None:
        return default
    value = _NUMBER_WORDS.get(m.group(1))
    number = float(value) if value is not None else float(m.group(1))
    return min(max(number, 0.5), 10.0)


def free_day(text: str) -> str | None:
    m = _DAY.search(text)
    if m is None:
        return None
    return next(d for d in DAYS if d.lower().startswith(m.group(1).lower()))


def slot(text: str) -> str:
    lower = text.lower()
    return next((s for s in _SLOTS if s in lower), "evening")


def revision_plan(subjects: Sequence[str], per_day: float, free: str | None) -> list[str]:
    subjects = list(subjects) or ["Your first subject", "Your second subject"]
    blocks = max(1, min(8, int(per_day * 60 // 55)))
    rest = free or "Sunday"
    lines: list[str] = []
    k = 0
    for day in DAYS:
        if day == rest:
            lines.append(f"{day}: free" if free else f"{day}: one light review block, then rest")
            continue
        today = []
        for _ in range(blocks):
            today.append(subjects[k % len(subjects)])
            k += 1
        parts = [f"{s} (45 min)" for s in today]
        lines.append(f"{day}: " + ", ".join(parts) + (", then self-test 15 min" if blocks > 1 else ""))
    return lines


def week_plan(things: Sequence[str], when: str, per_day: float, free: str | None) -> list[str]:
    things = list(things) or ["Something you enjoy", "Something that needs doing"]
    rest = free or "Sunday"
    minutes = max(20, min(180, int(per_day * 60))) if per_day else 60
    lines: list[str] = []
    k = 0
    for day in DAYS:
        if day == rest:
            lines.append(f"{day}: free, nothing planned")
            continue
        thing = things[k % len(things)]
        k += 1
        lines.append(f"{day} {when}: {thing} ({minutes} min)")
    return lines


def answer_after(history: Sequence[tuple[str, str]], marker: str) -> str:
    """The person's message right after the engine's last reply containing ``marker``."""
    for i in range(len(history) - 1, -1, -1):
        role, text = history[i]
        if role == "agent" and marker in text:
            nxt = history[i + 1] if i + 1 < len(history) else None
            return nxt[1] if nxt and nxt[0] == "user" else ""
    return ""


def build_plan(talk: Talk, kind: str, history: Sequence[tuple[str, str]]) -> str:
    prompts = talk.plans[kind]
    what = answer_after(history, prompts.ask_subjects[:50])
    time_answer = history[-1][1]
    free = free_day(time_answer)
    if kind == "revision":
        lines = revision_plan(items(what), hours(time_answer, 3.0), free)
    else:
        lines = week_plan(items(what), slot(time_answer), hours(time_answer, 1.0), free)
    return "\n".join([prompts.intro, *lines, prompts.tips])


# The theme whose practical tips go with each explanation.
INFO_THEME = {
    "sleep": "sleep",
    "exam_stress": "exams_work",
    "panic": "worry_panic",
    "anxiety": "worry_panic",
    "low_mood": "low_mood",
    "grief": "grief",
}


def choose_info(talk: Talk, text: str, theme: str | None) -> Info | None:
    words = set(re.findall(r"[a-z]+", text.lower()))
    best = max(talk.info, key=lambda i: len(i.keywords & words))
    if best.keywords & words:
        return best
    by_theme = {
        "sleep": "sleep",
        "exams_work": "exam_stress",
        "worry_panic": "anxiety",
        "low_mood": "low_mood",
        "grief": "grief",
    }
    wanted = by_theme.get(theme or "")
    return next((i for i in talk.info if i.id == wanted), None)


def named_technique(content: DialogueContent, text: str) -> Technique | None:
    lower = text.lower()
    for pattern, tid in NAMED:
        if tid in content.techniques and re.search(pattern, lower):
            return content.techniques[tid]
    return None


_CALMING = re.compile(
    r"\b(?:calm|relax|settle|panic\w*|breath\w*|overwhelm\w*|fast|quick(?:ly)?|right now)\b", re.I
)
CALMING = ("tip_skill", "paced_breathing", "grounding", "stop_skill", "expansion", "feelings_checkin")


def fitting_technique(
    content: DialogueContent, approach: Approach, theme: str | None, done: set[str], text: str = ""
) -> Technique | None:
    own = [t for t in approach.techniques if t in content.techniques]
    # "Something to calm down fast" wants a body-first skill whatever the topic.
    preferred = CALMING if _CALMING.search(text) else PREFERRED.get(theme or "", ())
    for tid in preferred:
        if tid in own and tid not in done:
            return content.techniques[tid]
    fresh = [t for t in own if t not in done]
    pick = fresh[0] if fresh else (own[0] if own else None)
    return content.techniques[pick] if pick else None
