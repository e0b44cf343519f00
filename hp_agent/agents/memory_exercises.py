"""Saving an exercise finished in chat to the person's journal.

The exercise is read back from the stored conversation, as the engine reads its own replies: a
reply that shows a technique's step is answered by the person's next message, and the technique's
"done" line closes it. The entry is written through the journal service (``create_entry``), so it
is encrypted and screened by the crisis layer like any journal text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.memory import session_turns
from hp_agent.agents.scripted.content import DialogueContent, default_content
from hp_agent.agents.scripted.talk import default_talk
from hp_agent.chat import repository as chat_repo
from hp_agent.db.session import Principal
from hp_agent.errors import HPError
from hp_agent.journal import service as journal
from hp_agent.journal.schemas import JournalEntryIn, JournalEntryResult

TAG = "chat-exercise"


@dataclass(slots=True)
class Exercise:
    technique: str
    name: str
    answers: list[tuple[str, str]] = field(default_factory=list)  # (step shown, the person's answer)


def completed_exercises(
    turns: list[tuple[str, str]], content: DialogueContent | None = None
) -> list[Exercise]:
    """The exercises walked through to the end in ``turns`` (role, text), in order."""
    content = content or default_content()
    done_openers = [d.split("{technique}")[0].lower() for d in default_talk().exercise["done"]]
    out: list[Exercise] = []
    current: Exercise | None = None
    pending_step: str | None = None
    for role, text in turns:
        if role == "user":
            if current is not None and pending_step is not None:
                current.answers.append((pending_step, text))
            pending_step = None
            continue
        lower = text.lower()
        if current is not None and any(o + current.name.lower() in lower for o in done_openers):
            out.append(current)
            current = None
        for technique in content.techniques.values():
            step = next((s for s in technique.steps if s[:50].lower() in lower), None)
            if step is not None:
                if current is None or current.technique != technique.id:
                    current = Exercise(technique.id, technique.name)
                pending_step = step
                break
    return out


def entry_for(exercise: Exercise) -> JournalEntryIn:
    lines = [f"{step}\n{answer}" for step, answer in exercise.answers]
    body = "\n\n".join(lines) or "Worked through in chat."
    title = exercise.name[:1].upper() + exercise.name[1:]
    return JournalEntryIn(title=title[:200], content=body, tags=[TAG, exercise.technique[:40]])


async def save_exercise(
    session: AsyncSession, principal: Principal, chat_id: uuid.UUID, number: int
) -> JournalEntryResult:
    """Save the ``number``-th (1-based) exercise finished in the caller's chat session."""
    user_id = principal.user_id
    chat = await chat_repo.get_session(session, chat_id, user_id) if user_id else None
    if chat is None:
        raise HPError("No such chat session.", 404, code="session_not_found")
    exercises = completed_exercises(await session_turns(session, chat.id))
    if not 1 <= number <= len(exercises):
        raise HPError(
            "No finished exercise with that number in this session.", 404, code="exercise_not_found"
        )
    return await journal.create_entry(session, principal, entry_for(exercises[number - 1]))
