"""Outbound frames built from stored messages: the same frame live and on replay.

Every persisted message maps to exactly one server frame carrying its ``seq``: a user message to
``ack``, an agent message to ``agent_message``, a crisis-flow message to ``safety``, a system
message to ``system``. A resumed client therefore sees exactly the frames it would have seen live.
"""

from __future__ import annotations

import json
from typing import Any

from hp_agent.chat.models import ChatMessage, MessageRole


def _base(msg: ChatMessage, kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "seq": msg.seq,
        "session_id": str(msg.session_id),
        "message_id": str(msg.id),
        "created_at": msg.created_at.isoformat() if msg.created_at else None,
    }


def message_frame(msg: ChatMessage, *, replay: bool = False, duplicate: bool = False) -> dict[str, Any]:
    if msg.role == MessageRole.USER:
        frame = _base(msg, "ack")
        frame["client_message_id"] = msg.client_message_id
        if duplicate:
            frame["duplicate"] = True
        if replay:
            # A fresh device rebuilding the conversation needs the text; live, the sender has it.
            frame["text"] = msg.content
    elif msg.role == MessageRole.AGENT:
        frame = _base(msg, "agent_message")
        body = _decode(msg.content)
        frame["text"] = body.get("text", "")
        for key in ("agent", "replaced", "fallback", "reply_to"):
            if key in body:
                frame[key] = body[key]
    elif msg.role == MessageRole.SAFETY:
        frame = _base(msg, "safety")
        frame.update({k: v for k, v in _decode(msg.content).items() if k not in frame})
    else:
        body = _decode(msg.content)
        # System events ("session_ended") are frames of their own type.
        frame = _base(msg, str(body.pop("event", "system")))
        frame.update({k: v for k, v in body.items() if k not in frame})
    if replay:
        frame["replayed"] = True
    return frame


def _decode(content: str) -> dict[str, Any]:
    """Agent, safety and system messages store a small JSON body (text plus frame fields)."""
    try:
        body = json.loads(content)
    except ValueError:
        return {"text": content}
    return body if isinstance(body, dict) else {"text": content}


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def display_text(msg: ChatMessage) -> str:
    """The text a person saw, for history views and the agent's memory."""
    if msg.role == MessageRole.USER:
        return msg.content
    return str(_decode(msg.content).get("text", ""))
