"""Live fan-out of stored frames to every socket attached to a conversation in this process.

PostgreSQL is the source of truth: a socket that misses a frame (another instance wrote it, or
it was not connected) backfills from the database by seq, so the hub only has to be fast, not
reliable. A socket that resumes subscribes *before* it replays, and drops anything at or below
the last seq it has sent, so each frame reaches it exactly once and in order.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any, Protocol


class Subscriber(Protocol):
    def notify(self, frames: list[dict[str, Any]]) -> None: ...


class SessionHub:
    def __init__(self) -> None:
        self._subs: dict[uuid.UUID, set[Subscriber]] = defaultdict(set)

    def subscribe(self, session_id: uuid.UUID, sub: Subscriber) -> None:
        self._subs[session_id].add(sub)

    def unsubscribe(self, session_id: uuid.UUID, sub: Subscriber) -> None:
        subs = self._subs.get(session_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[session_id]

    def publish(self, session_id: uuid.UUID, frames: list[dict[str, Any]], origin: Subscriber | None) -> None:
        for sub in list(self._subs.get(session_id, ())):
            if sub is not origin:
                sub.notify(frames)

    def subscribers(self, session_id: uuid.UUID) -> int:
        return len(self._subs.get(session_id, ()))


def hub_of(state: Any) -> SessionHub:
    """The app's hub, created on first use (``app.state`` is per application instance)."""
    hub = getattr(state, "chat_hub", None)
    if hub is None:
        hub = SessionHub()
        state.chat_hub = hub
    return hub
