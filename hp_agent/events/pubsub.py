"""Reading a Redis pub/sub connection: the loop the chat hub and the user relay share.

Pub/sub carries live fan-out only (what it drops, a socket backfills from PostgreSQL), so a
broken connection is logged by type and retried after a second rather than raised, and a message
that is not a JSON object is skipped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

log = logging.getLogger("hp_agent.events.pubsub")


async def json_messages(
    pubsub: Any, active: Callable[[], bool], label: str
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """``(channel, decoded object)`` for each published message, while ``active()`` holds."""
    while active():
        try:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
        except Exception as exc:
            log.warning("%s: %s", label, type(exc).__name__)
            await asyncio.sleep(1.0)
            continue
        if not message or message.get("type") != "message":
            continue
        try:
            data = json.loads(message["data"])
        except (TypeError, ValueError):
            continue
        if isinstance(data, dict):
            yield str(message["channel"]), data
