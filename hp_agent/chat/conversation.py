"""A socket's memory of its conversation, so a message needs no read before the engine runs.

Every user message needs the recent turns (the crisis engine's context, the agent's memory).
Reading and decrypting them was a transaction of its own per message. The socket that wrote the
last turns already has them: it keeps them here, with the seq they are complete up to.

Correctness never rests on this memory. The message's write transaction locks the session row
and compares its counter with ``upto`` (``service.accept``): if anything was written meanwhile
(another device, a reminder) the write is abandoned before storing anything, the turns are read
afresh and the message is assessed again. A duplicate client id is still caught under that lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from hp_agent.chat.models import ChatMessage, MessageRole
from hp_agent.chat.service import HISTORY_MESSAGES, Accepted, Prepared

_TURNS = (MessageRole.USER, MessageRole.AGENT)


@dataclass(slots=True)
class Conversation:
    session_id: uuid.UUID
    upto: int  # every message with a seq up to this one is reflected in ``turns``
    turns: list[ChatMessage] = field(default_factory=list)  # user and agent turns, oldest first

    def prepared(self) -> Prepared:
        return Prepared(list(self.turns), upto=self.upto, cached=True)

    @classmethod
    def after_accept(
        cls, session_id: uuid.UUID, prepared: Prepared, accepted: Accepted
    ) -> Conversation | None:
        """The view after this socket's message committed, or None if it cannot be known."""
        if prepared.upto is None or accepted.base_seq != prepared.upto:
            return None  # something was written between the read and the lock
        stored = [accepted.message, *accepted.scripted]
        convo = cls(session_id, prepared.upto, list(prepared.recent))
        return convo if convo.add(stored) else None

    def add(self, stored: list[ChatMessage]) -> bool:
        """Fold in messages this socket committed; False if they leave a gap (memory unusable)."""
        for m in sorted(stored, key=lambda m: m.seq):
            if m.seq != self.upto + 1:
                return False
            self.upto = m.seq
            if m.role in _TURNS:
                self.turns.append(m)
        del self.turns[:-HISTORY_MESSAGES]
        return True
