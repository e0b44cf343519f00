"""What a running app holds beside its routes, built once in the lifespan (``app.py``).

One typed object instead of attributes added to ``app.state`` on first use: the database, the
settings, the Redis client (None without a broker), the hubs that deliver live frames to this
process's sockets (therapists' escalation frames, chat conversations), the per-user relay of
safety reminders and notifications, and the events machinery (fan-out consumer, in-process
worker). Sockets and endpoints read it with :func:`state_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hp_agent.chat.hub import RemoteFanout, SessionHub
from hp_agent.chat.relay import UserRelay
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.fanout import TherapistHub
from hp_agent.events.worker import Events


@dataclass(slots=True)
class AppState:
    settings: Settings
    db: Database
    events: Events
    therapist_hub: TherapistHub
    chat_hub: SessionHub
    chat_relay: UserRelay | None  # None without Redis: reminders then arrive with the next read

    @property
    def redis(self) -> Any:
        return self.events.redis

    @classmethod
    def build(cls, settings: Settings, db: Database, events: Events) -> AppState:
        redis = events.redis
        remote = RemoteFanout(redis, settings.redis_prefix) if redis is not None else None
        return cls(
            settings=settings,
            db=db,
            events=events,
            therapist_hub=events.therapist_hub,
            chat_hub=SessionHub(remote),
            chat_relay=UserRelay(redis) if redis is not None else None,
        )

    async def close(self) -> None:
        """Stop the events machinery and the chat's pub/sub connections (the database is the
        lifespan's: a test may have lent it)."""
        await self.events.close(self.chat_hub.remote)


def state_of(app: Any) -> AppState:
    """The running app's state (``app`` or ``app.state``, as a request or socket has them)."""
    holder = getattr(app, "state", app)
    state: AppState = holder.hp
    return state
