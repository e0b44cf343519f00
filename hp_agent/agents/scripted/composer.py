"""Composing one reply: reflect, validate, remember, name a thinking trap, offer a technique, ask.

A reply is a list of parts, each with a kind. Optional parts are dropped when the reply would be
too long, and only the last question survives, so each reply asks one thing at a time.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from hp_agent.agents.scripted import records
from hp_agent.agents.scripted import requests as rq
from hp_agent.agents.scripted.analysis import Analysis, analyse
from hp_agent.agents.scripted.content import Approach, DialogueContent, Technique
from hp_agent.agents.scripted.memory import ContextView, Memory, build_memory
from hp_agent.agents.scripted.phrasing import (
    Picker,
    Reply,
    cap,
    keep_last_questions,
    stable_seed,
    stem,
    truncate_sentences,
)
from hp_agent.agents.scripted.talk import Talk, default_talk, feeling_name

# Checked in this order; the first that matches replaces the whole reply.
_REDIRECT_INTENTS = (
    "risk",
    "asks_means",
    "asks_medication",
    "asks_diagnosis",
    "asks_secrecy",
    "asks_human",
    "misunderstood",
)
_POSITIVE = frozenset({"hopeful"})
# Parts dropped first when a reply is too long.
_DROP_ORDER = ("validation", "callback", "context", "technique", "trap")
_MIN_FIT = 2
_THOUGHT = re.compile(
    r"\b(?:i think|i thought|i believe|i keep thinking|my mind|the thought)\b", re.IGNORECASE
)


class Composer:
    def __init__(
        self,
        content: DialogueContent,
        approach: Approach,
        *,
        agent_name: str,
        max_chars: int,
        questions_per_turn: int = 1,
    ) -> None:
        self.content = content
        self.approach = approach
        self.agent_name = agent_name
        self.max_chars = max_chars
        self.questions_per_turn = max(1, questions_per_turn)
        self.talk: Talk = default_talk()
        self.history: list[tuple[str, str]] = []

    # -- entry point ---------------------------------------------------------------------------

    def compose(
        self, history: Sequence[tuple[str, str]], context: ContextView, seed: int, embedding: object = None
    ) -> str:
        """The reply to the last (user) turn of ``history``; deterministic given history, seed and
        the embedding of the last message (the crisis engine's, when the service has it)."""
        memory = build_memory(self.content, list(history[:-1]))
        current = analyse(self.content, history[-1][1], embedding)
        self.history = list(history)
        reply = ""
        previous = _opening(memory.last_reply or "")
        for attempt in range(8):
            rng = random.Random(stable_seed(seed, memory.turn, current.text, attempt))
            reply = self._render(self._plan(current, memory, context, Picker(rng, memory)))
            # Never the same reply twice, and never two replies in a row that open the same way.
            if reply not in memory.agent_replies and (attempt >= 6 or _opening(reply) != previous):
                return reply
        # Every phrasing has been used with these exact words: say so plainly rather than repeat.
        return (
            f"{reply} (I realise I've said something like this before, so tell me if I'm missing something.)"
        )

    # -- planning ------------------------------------------------------------------------------

    def _plan(self, a: Analysis, memory: Memory, ctx: ContextView, pick: Picker) -> Reply:
        reply = Reply()
        approach = self.approach
        # A question about their own record is answered from it (or "I don't have that").
        if reply_from_record := records.answer(a, ctx.record):
            reply.add("info", reply_from_record)
            return reply
        for intent in _REDIRECT_INTENTS:
            if a.has(intent):
                reply.add("redirect", pick.pick(self.content.redirects.get(intent, ()), name=self.agent_name))
                if intent in ("asks_human", "asks_secrecy"):
                    reply.add("question", pick.pick(approach.lines("questions")))
                return reply
        if self._requests(a, memory, pick, reply):
            return reply
        if a.has("greeting") and a.word_count <= 4:
            name_part = f", {ctx.display_name}" if ctx.display_name else ""
            reply.add("greeting", pick.pick(approach.lines("greeting_reply"), name_part=name_part))
            return reply
        if a.has("thanks_goodbye") and a.word_count <= 16 and not memory.active_technique:
            reply.add(
                "closing", pick.pick(self.talk.closing, self.content.redirects.get("thanks_goodbye", ()))
            )
            return reply
        if self._continue_technique(a, memory, pick, reply):
            return reply
        if a.has("unsure") and a.word_count <= 6:
            reply.add("question", pick.pick(approach.lines("unsure"), approach.lines("questions")))
            return reply

        distressed = self._distressed(a)
        negative = [e for e in a.emotions if e not in _POSITIVE]
        emotion = negative[0] if negative else (a.emotions[0] if a.emotions else "")

        if distressed:
            reply.add("reflection", self._reflection(a, emotion, pick, memory))
            reply.add("validation", pick.pick(approach.lines("high_distress")))
            technique = self._choose_technique(a, memory, distressed=True, asked=True)
            if technique is not None:
                reply.add("technique", pick.pick(technique.offer))
            else:
                reply.add("question", pick.pick(approach.lines("questions")))
            return reply

        if a.emotions and not negative and not a.traps:
            reply.add("question", pick.pick(approach.lines("positive")))
            return reply

        summary = self._summary(a, memory, pick)

        reflection = self._reflection(a, emotion, pick, memory)
        if reflection is None and a.word_count < 4:
            if memory.turn > 0 and a.word_count > 0:
                # A short answer to the last question: keep the thread rather than start over.
                reply.add("question", pick.pick(approach.lines("acknowledge"), approach.lines("questions")))
                return reply
            reply.add("context", self._context_remark(a, memory, ctx, pick))
            reply.add("question", pick.pick(approach.lines("fallbacks"), approach.lines("questions")))
            return reply
        reply.add("summary", summary)
        if summary is None:
            reply.add("reflection", reflection)
        if negative and (memory.turn == 0 or pick.rng.random() < 0.5):
            reply.add("validation", pick.pick(approach.lines("validations")))
        trap = next((t for t in a.traps if t.distortion.id not in memory.traps_named), None)
        reply.add("context", self._context_remark(a, memory, ctx, pick))
        # One thing at a time: a callback would crowd out a thinking trap being named.
        if "context" not in reply.kinds() and trap is None:
            reply.add("callback", self._callback(a, memory, pick))
        if trap is not None and a.self_critical and approach.distortion_style == "reflect":
            trap = None  # the self-critical reflection already says it, without a label
        if trap is not None:
            reply.add(
                "trap",
                pick.pick(
                    approach.lines("distortion_naming"),
                    quote=trap.quote,
                    trap=trap.distortion.name,
                    explain=trap.distortion.explain,
                ),
            )

        asked = a.has("asks_advice")
        technique = (
            None
            if memory.listening_only and not asked
            else self._choose_technique(a, memory, distressed=False, asked=asked)
        )
        # Naming a trap is enough for one turn unless the person asked for help.
        if technique is not None and (trap is None or asked):
            if approach.offer_techniques == "when_asked":
                reply.add("preface", pick.pick(approach.lines("advice_preface")))
            reply.add("technique", pick.pick(technique.offer))
            return reply
        if trap is not None and approach.distortion_style == "name" and trap.distortion.questions:
            reply.add("question", pick.pick(trap.distortion.questions))
        elif (a.traps or _THOUGHT.search(a.text)) and approach.lines("thought_questions"):
            reply.add("question", pick.pick(approach.lines("thought_questions")))
        else:
            reply.add("question", pick.pick(approach.lines("questions")))
        return reply

    def _distressed(self, a: Analysis) -> bool:
        if a.rating is not None and a.rating >= self.approach.high_distress_threshold:
            return True
        return bool(
            re.search(
                r"\b(?:panic attack|can't breathe|cant breathe|freaking out|losing it)\b", a.text.lower()
            )
        )

    def _reflection(
        self, a: Analysis, emotion: str, pick: Picker, memory: Memory | None = None
    ) -> str | None:
        """A paraphrase that names the feeling, in the engine's words: never the person's own
        sentence turned around (that reads as parroting)."""
        approach = self.approach
        if a.clause and a.self_critical and approach.lines("reflections.self_critical"):
            return pick.pick(approach.lines("reflections.self_critical"))
        theme = a.theme or "none"
        if theme == "none" and memory is not None and (a.painful or emotion or a.word_count >= 6):
            # "we argued about it on sunday": still about what they were telling me before.
            theme = _recent_theme(memory) or "none"
        if not emotion and theme == "none" and not a.painful:
            return None  # nothing felt or heavy to name: a question serves better than a guess
        if "torn" in a.emotions:
            emotion, theme = "torn", "torn"
        feeling = (
            feeling_name(self.talk, emotion) if emotion else self.talk.theme_feeling.get(theme, "unsettled")
        )
        gist = pick.pick(self.talk.gist.get(theme) or self.talk.gist["none"]) or ""
        return pick.pick(self.talk.reflect, gist=gist, feeling=feeling)

    def _summary(self, a: Analysis, memory: Memory, pick: Picker) -> str | None:
        """Every fourth turn, what has been said so far, tied together."""
        if memory.turn < 3 or memory.turn % 4 != 3:
            return None
        turns = [*memory.user_turns, a]
        themes = list(dict.fromkeys(t.theme for t in turns if t.theme and t.theme in self.talk.summary_theme))
        feelings = list(
            dict.fromkeys(feeling_name(self.talk, e) for t in turns for e in t.emotions if e not in _POSITIVE)
        )
        if not feelings:
            feelings = [self.talk.theme_feeling[t] for t in themes[:2]]
        if not themes or not feelings:
            return None
        return pick.pick(
            self.talk.summary,
            themes=_join([self.talk.summary_theme[t] for t in themes[:3]]),
            feelings=_join(feelings[:3]),
        )

    def _start_technique(self, technique: Technique, pick: Picker, reply: Reply) -> None:
        reply.add("ack", pick.pick(self.talk.exercise["start"], technique=technique.name))
        reply.add("step", technique.steps[0] if technique.steps else None)

    def _requests(self, a: Analysis, memory: Memory, pick: Picker, reply: Reply) -> bool:
        """Plans, exercises, information, listening, questions about the agent: answered, not
        reflected. Mid-exercise only requests named in so many words interrupt it."""
        talk = self.talk
        stage = rq.plan_stage(talk, memory.last_reply)
        if stage is not None and (a.has("thanks_goodbye") or a.has("declines")) and a.word_count <= 12:
            # Thanks or "no" instead of an answer: the plan waits, the person is not pressed.
            reply.add("closing", pick.pick(talk.plan_later))
            return True
        if stage is not None:
            kind, step = stage
            if step == "subjects":
                reply.add("plan", talk.plans[kind].ask_hours)
            else:
                reply.add("plan", rq.build_plan(talk, kind, self.history))
            return True
        active = memory.active_technique is not None
        says = a.patterned if active else a.intents
        if active and a.has("pause"):
            technique = self.content.techniques[memory.active_technique or ""]
            reply.add(
                "ack",
                pick.pick(
                    talk.exercise["paused"],
                    technique=technique.name,
                    step=str(memory.active_step + 1),
                    steps=str(len(technique.steps)),
                ),
            )
            return True
        if a.has("resume") and (memory.paused is not None or re.search(r"resume|exercise", a.text, re.I)):
            if memory.paused is None:
                reply.add("ack", pick.pick(talk.exercise["nothing_paused"]))
                return True
            technique = self.content.techniques[memory.paused[0]]
            reply.add("ack", pick.pick(talk.exercise["resumed"], technique=technique.name))
            reply.add("step", technique.steps[max(0, min(memory.paused[1], len(technique.steps) - 1))])
            return True
        sleep_routine = "asks_plan" in says and _asked(a, "asks_plan") and rq.about_sleep(a.text)
        if sleep_routine:
            says = (*says, "asks_info")
        elif "asks_plan" in says and _asked(a, "asks_plan"):
            reply.add("plan", talk.plans[rq.plan_kind(a.text)].ask_subjects)
            return True
        if "asks_exercise" in says:
            wanted = rq.named_technique(self.content, a.text) or rq.fitting_technique(
                self.content, self.approach, a.theme or _recent_theme(memory), set(memory.completed), a.text
            )
            if wanted is not None:
                self._start_technique(wanted, pick, reply)
                return True
        if active:
            return False
        if "asks_info" in says and (sleep_routine or _asked(a, "asks_info")):
            theme = a.theme or _recent_theme(memory)
            info = rq.choose_info(talk, a.text, theme)
            if info is not None and not memory.said(info.text[:60]):
                reply.add("info", info.text)
                reply.add("question", pick.pick(talk.info_offer))
                return True
            # Asked again after the explanation: the practical side of the same subject.
            tips = talk.tips.get(rq.INFO_THEME.get(info.id, "") if info else (theme or ""))
            if tips and not memory.said(tips[:60]):
                reply.add("info", tips)
                reply.add("question", pick.pick(talk.tips_question))
                return True
        if "asks_listen" in says:
            reply.add("listen", pick.pick(talk.listen))
            return True
        if "asks_advice" in says and not a.has("asks_plan"):
            tips = talk.tips.get(a.theme or _recent_theme(memory) or "")
            if tips and not memory.said(tips[:60]):
                reply.add("info", tips)
                reply.add("question", pick.pick(talk.tips_question))
                return True
        if a.has("own_idea") and not a.has("declines"):
            familiar = re.search(r"\b(?:used to|back home|again|enjoy\w*|love[ds]?)\b", a.text, re.IGNORECASE)
            reply.add("idea", pick.pick(talk.own_idea_familiar if familiar else talk.own_idea))
            return True
        if "asks_about_agent" in says:
            reply.add("about", pick.pick(talk.about_agent, name=self.agent_name))
            return True
        # Yes to an offered technique is handled by _continue_technique; yes to an information
        # answer starts the exercise that fits.
        last = memory.last_reply or ""
        if a.has("agrees") and a.word_count <= 10 and any(o[:40] in last for o in talk.info_offer):
            fitting = rq.fitting_technique(
                self.content, self.approach, _recent_theme(memory), set(memory.completed)
            )
            if fitting is not None:
                self._start_technique(fitting, pick, reply)
                return True
        return False

    def _continue_technique(self, a: Analysis, memory: Memory, pick: Picker, reply: Reply) -> bool:
        approach = self.approach
        if memory.last_offer and a.has("agrees") and a.word_count <= 10:
            technique = self.content.techniques[memory.last_offer]
            reply.add("ack", pick.pick(approach.lines("accepted")))
            reply.add("step", technique.steps[0] if technique.steps else None)
            return True
        if (memory.last_offer or memory.active_technique) and a.has("declines") and a.word_count <= 10:
            reply.add("ack", pick.pick(approach.lines("declined")))
            return True
        if memory.active_technique and memory.active_step >= 0 and not a.has("declines"):
            technique = self.content.techniques[memory.active_technique]
            nxt = memory.active_step + 1
            if nxt < len(technique.steps):
                reply.add("ack", pick.pick(self.talk.exercise["step_ack"]))
                reply.add("step", technique.steps[nxt])
                return True
            reply.add("done", pick.pick(self.talk.exercise["done"], technique=technique.name))
            return True
        return False

    def _choose_technique(
        self, a: Analysis, memory: Memory, *, distressed: bool, asked: bool
    ) -> Technique | None:
        approach = self.approach
        if approach.offer_techniques == "when_asked" and not asked and not distressed:
            return None
        if not asked and not distressed and memory.turn < approach.offer_after_turns:
            return None
        if not asked and not distressed and memory.last_offer is not None:
            return None  # one offer at a time: let the person answer the last one first
        traps = {t.distortion.id for t in a.traps}
        best: tuple[int, int, Technique] | None = None
        for order, tid in enumerate(approach.techniques):
            if tid in memory.techniques_offered:
                continue
            technique = self.content.techniques[tid]
            score = 3 * len(traps & technique.distortions)
            score += 2 * len(set(a.emotions) & technique.emotions)
            score += len(set(a.topics) & technique.topics)
            if distressed and technique.high_distress:
                score += 5
            if distressed and not technique.high_distress:
                continue
            # A topic alone is a weak fit: a feeling, a thinking trap or distress must match too.
            if score >= _MIN_FIT and (best is None or score > best[0]):
                best = (score, -order, technique)
        if best is not None:
            return best[2]
        if asked:
            return next(
                (
                    self.content.techniques[t]
                    for t in approach.techniques
                    if t not in memory.techniques_offered
                ),
                None,
            )
        return None

    def _context_in_last_reply(self, memory: Memory) -> bool:
        if not memory.agent_replies:
            return False
        last = memory.agent_replies[-1].lower()
        stems = (
            stem(t).lower()
            for key, lines in self.approach.templates.items()
            if key.startswith("context.")
            for t in lines
        )
        return any(len(s) >= 12 and s in last for s in stems)

    def _context_remark(self, a: Analysis, memory: Memory, ctx: ContextView, pick: Picker) -> str | None:
        approach = self.approach
        lower = a.text.lower()
        goals = [g for g in ctx.goals if not memory.said(g)]
        themes = [t for t in ctx.themes if not memory.said(t)]
        # What the message itself touches on comes first: a goal or journal theme it mentions.
        for goal in goals:
            if _content_words(goal) & _content_words(lower):
                return pick.pick(approach.lines("context.goal"), goal=goal)
        for theme in themes:
            if theme.lower() in lower or any(theme.lower() == t.replace("_", " ") for t in a.topics):
                return pick.pick(approach.lines("context.journal"), theme=theme, theme_cap=cap(theme))
        if len(ctx.moods) >= 2 and not memory.said("mood check-ins"):
            newest, oldest = ctx.moods[0], ctx.moods[-1]
            average = round(sum(ctx.moods) / len(ctx.moods))
            days = str(len(ctx.moods))
            if average <= 4:
                return pick.pick(approach.lines("context.mood_low"), mood=str(average), days=days)
            if newest - oldest <= -2:
                return pick.pick(
                    approach.lines("context.mood_down"), mood=str(newest), from_mood=str(oldest), days=days
                )
            if newest - oldest >= 2:
                return pick.pick(approach.lines("context.mood_up"), mood=str(newest), days=days)
        # Unprompted, the person's data comes up at the start and then at most every third turn.
        if memory.turn == 0 or (memory.turn % 3 == 2 and not self._context_in_last_reply(memory)):
            if goals:
                return pick.pick(approach.lines("context.goal"), goal=goals[0])
            if themes:
                return pick.pick(approach.lines("context.journal"), theme=themes[0], theme_cap=cap(themes[0]))
        return None

    def _callback(self, a: Analysis, memory: Memory, pick: Picker) -> str | None:
        approach = self.approach
        if memory.turn == 0:
            return None
        # A technique offered a while ago (not just now) and not followed up yet.
        for tid in memory.techniques_offered:
            if tid in memory.techniques_practised:
                continue  # walked through together already; no need to ask whether they tried it
            name = self.content.techniques[tid].name
            if (
                memory.last_offer != tid
                and memory.turn >= 3
                and not memory.said(f"suggested {name}")
                and not memory.said(f"about {name} before")
            ):
                return pick.pick(approach.lines("callbacks.technique"), technique=name)
        vague = bool(re.search(r"\b(?:it|this|that|again|still|they|them|he|she)\b", a.text.lower()))
        for entity, first_turn in memory.entities.items():
            # Mentioned in the turn just before is not "earlier"; it is still the topic.
            if entity in a.entities or first_turn >= memory.turn - 1:
                continue
            if any(
                memory.said(f"{lead} {entity}") for lead in ("mentioned", "up", "brought up")
            ) or memory.said(f"{entity} before"):
                continue
            topic_link = bool(set(a.topics) & set(memory.user_turns[first_turn].topics))
            if vague or topic_link or not a.entities:
                return pick.pick(approach.lines("callbacks.entity"), entity=entity)
        for topic in a.topics:
            if memory.topic_counts.get(topic, 0) >= 2 and not memory.said(
                f"{topic.replace('_', ' ')}, which you"
            ):
                return pick.pick(approach.lines("callbacks.topic"), topic=topic.replace("_", " "))
        return None

    # -- rendering -----------------------------------------------------------------------------

    def _render(self, reply: Reply) -> str:
        parts = list(reply.parts)
        if reply.kinds() & {"plan", "info"}:
            # A plan or an explanation is the answer itself: shown whole, lines kept.
            return "\n".join(t for _, t in parts)
        for kind in _DROP_ORDER:
            if len(" ".join(t for _, t in parts)) <= self.max_chars:
                break
            # Never drop the only thing that answers: keep at least two parts.
            if len(parts) > 2:
                parts = [(k, t) for k, t in parts if k != kind]
        text = keep_last_questions(parts, self.questions_per_turn)
        if len(text) > self.max_chars:
            text = truncate_sentences(text, self.max_chars)
        return text


def _mentions_emotion(content: DialogueContent, clause: str, emotion: str) -> bool:
    return any(p.search(clause) for p in content.lexicon.emotions.get(emotion, ()))


# Words too common to link a message to a goal ("this week" is not about "walk three times a week").
_COMMON = frozenset(
    re.findall(
        r"\S+",
        "with more less that this have been about some every each week weeks time times today daily "
        "month year days from into just like really much very want would could should than then them "
        "there their what when where which while your yours",
    )
)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z']+", text.lower()) if len(w) > 3 and w not in _COMMON}


# Parts written as a whole (a technique offer or step, a boundary redirect) keep all their sentences.


def _opening(text: str) -> str:
    return " ".join(re.findall(r"[a-z']+", text.lower())[:2])


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _recent_theme(memory: Memory) -> str | None:
    return next((t.theme for t in reversed(memory.user_turns) if t.theme), None)


_ASKING = re.compile(
    r"^\W*(?:can|could|would|will|what|why|how|is|are|do|does|explain|tell|help|make|i need|i want)\b", re.I
)


def _asked(a: Analysis, intent: str) -> bool:
    """A plan or an explanation is only started for a request: named by the patterns, or read by
    the head from a message that asks (a statement about procrastinating is not a plan request)."""
    return intent in a.patterned or a.asks_question or bool(_ASKING.match(a.text))
