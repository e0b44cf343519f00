"""Names and small helpers for the Redis side of event delivery.

Every key starts with ``settings.redis_prefix``: tests and deployments that share one Redis never
read each other's streams. The user channel is the exception: it is the contract with the chat
socket (``hp:user:{user_id}``) and user ids are unique anyway.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from hp_agent.config import Settings

ESCALATION_STREAM = "escalations"
NOTIFIER_GROUP = "escalation-notifier"


def stream_name(settings: Settings, name: str = ESCALATION_STREAM) -> str:
    return f"{settings.redis_prefix}:stream:{name}"


def user_channel(user_id: uuid.UUID | str) -> str:
    return f"hp:user:{user_id}"


def presence_key(settings: Settings, therapist_id: uuid.UUID | str) -> str:
    return f"{settings.redis_prefix}:presence:therapist:{therapist_id}"


def client(url: str) -> aioredis.Redis:
    # Short timeouts: a dead or black-holed Redis must surface as an error the loops retry, never
    # a hang (the relay holds row locks while it XADDs). Consumers block for at most a second.
    return aioredis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5, health_check_interval=15
    )


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One outbox row as carried by the stream; ``event_id`` is the idempotency key."""

    entry_id: str
    event_id: uuid.UUID
    event_type: str
    seq: int
    payload: dict[str, Any]

    @classmethod
    def from_entry(cls, entry_id: str, fields: dict[str, str]) -> StreamEvent:
        return cls(
            entry_id=entry_id,
            event_id=uuid.UUID(fields["event_id"]),
            event_type=fields["event_type"],
            seq=int(fields.get("seq", "0")),
            payload=json.loads(fields.get("payload", "{}")),
        )


def entry_fields(event_id: uuid.UUID, event_type: str, seq: int, payload: dict[str, Any]) -> dict[str, str]:
    return {
        "event_id": str(event_id),
        "event_type": event_type,
        "seq": str(seq),
        "payload": json.dumps(payload, separators=(",", ":")),
    }


async def ensure_group(redis: aioredis.Redis, stream: str, group: str, start: str = "0") -> None:
    """Create the consumer group (and the stream) unless it exists."""
    try:
        await redis.xgroup_create(stream, group, id=start, mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
