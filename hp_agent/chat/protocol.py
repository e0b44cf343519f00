"""The chat websocket protocol (``hp.chat.v1``): inbound frame validation and error codes.

Every frame is a JSON object with a ``type``. Inbound frames are validated strictly (no type
coercion: ``"last_seq": "5"`` is refused) so a buggy client learns at once what it got wrong.
Nothing here ever echoes the content of a frame back in an error: it may be someone's distress.
See ``docs/protocol.md`` for the full description of every frame.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError

from hp_agent.api.textcheck import BadText, check_value

PROTOCOL = "hp.chat.v1"
BEARER_PREFIX = "bearer."

# Limits (also announced in the ``ready`` frame so clients can enforce them before sending).
MAX_FRAME_BYTES = 16 * 1024
MAX_TEXT_CHARS = 4000
MAX_TOKEN_CHARS = 4096
AUTH_DEADLINE_SECONDS = 10.0


class Code:
    """Error codes carried by ``{"type": "error", "code": ...}`` frames."""

    INVALID_JSON = "invalid_json"
    INVALID_FRAME = "invalid_frame"
    UNKNOWN_TYPE = "unknown_type"
    FRAME_TOO_LARGE = "frame_too_large"
    TEXT_TOO_LONG = "text_too_long"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTH_FAILED = "auth_failed"
    TOKEN_EXPIRED = "token_expired"
    ALREADY_AUTHENTICATED = "already_authenticated"
    SESSION_REQUIRED = "session_required"
    SESSION_NOT_FOUND = "session_not_found"
    SESSION_ENDED = "session_ended"
    AGENT_NOT_FOUND = "agent_not_found"
    RATE_LIMITED = "rate_limited"
    BUSY = "busy"
    AGENT_UNAVAILABLE = "agent_unavailable"
    INTERNAL = "internal_error"


class Close(IntEnum):
    """Close codes (RFC 6455) every server socket uses: chat, guided and therapist."""

    NORMAL = 1000
    GOING_AWAY = 1001
    BAD_DATA = 1003  # a frame nested too deeply (or, on the therapist socket, unreadable)
    POLICY = 1008  # authentication missing, failed, expired, signed out or switched user; flood
    TOO_BIG = 1009
    INTERNAL = 1011


class ProtocolError(Exception):
    """A frame the server refuses; becomes an error frame (and a close if ``close`` is set)."""

    def __init__(self, code: str, message: str, *, close: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close = close
        self.extra = extra

    def frame(self) -> dict[str, Any]:
        return error_frame(self.code, self.message, **self.extra)


def error_frame(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, **extra}


class _Frame(BaseModel):
    # Unknown keys are ignored (forward compatibility); known keys are strictly typed.
    model_config = ConfigDict(extra="ignore", frozen=True)


class AuthFrame(_Frame):
    type: Literal["auth"]
    token: StrictStr = Field(min_length=1, max_length=MAX_TOKEN_CHARS)


class StartFrame(_Frame):
    type: Literal["start"]
    agent: StrictStr = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")


class ResumeFrame(_Frame):
    type: Literal["resume"]
    session_id: StrictStr = Field(max_length=64)
    last_seq: StrictInt = Field(ge=0)

    def session_uuid(self) -> uuid.UUID:
        try:
            return uuid.UUID(self.session_id)
        except ValueError:
            raise ProtocolError(Code.SESSION_NOT_FOUND, "No such chat session.") from None


class UserMessageFrame(_Frame):
    type: Literal["user_message"]
    client_message_id: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    # Length is checked separately so the client gets the specific ``text_too_long`` code.
    text: StrictStr


class TypingFrame(_Frame):
    type: Literal["typing"]
    state: Literal["start", "stop"]


class PingFrame(_Frame):
    type: Literal["ping"]
    ts: StrictInt | float | None = None


class PongFrame(_Frame):
    type: Literal["pong"]
    ts: StrictInt | float | None = None


class EndFrame(_Frame):
    type: Literal["end"]


InboundFrame = Annotated[
    AuthFrame | StartFrame | ResumeFrame | UserMessageFrame | TypingFrame | PingFrame | PongFrame | EndFrame,
    Field(discriminator="type"),
]
_adapter: TypeAdapter[InboundFrame] = TypeAdapter(InboundFrame)
INBOUND_TYPES = frozenset({"auth", "start", "resume", "user_message", "typing", "ping", "pong", "end"})


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str


def _problems(exc: ValidationError, known: frozenset[str]) -> list[dict[str, str]]:
    # Field paths and pydantic's generic messages only; never the offending input.
    out = []
    for err in exc.errors(include_input=False, include_url=False, include_context=False):
        loc = [str(p) for p in err.get("loc", ()) if str(p) not in known]
        out.append({"field": ".".join(loc), "message": str(err.get("msg", "invalid"))})
    return out


def decode_frame(raw: str | bytes, adapter: TypeAdapter[Any], known: frozenset[str]) -> Any:
    """Size, JSON, ``type`` and field checks shared by every socket protocol (``known`` frame
    types, validated by ``adapter``); raises :class:`ProtocolError` (codes in :class:`Code`)."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8"))
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(
            Code.FRAME_TOO_LARGE, f"Frames are limited to {MAX_FRAME_BYTES} bytes.", close=Close.TOO_BIG
        )
    try:
        data = json.loads(raw)
    except RecursionError:
        # ``[[[[…`` (even before auth): bad data, not a crash of the socket.
        raise ProtocolError(
            Code.INVALID_JSON, "Frames must not nest this deeply.", close=Close.BAD_DATA
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(Code.INVALID_JSON, "Frames must be JSON objects.") from None
    if not isinstance(data, dict):
        raise ProtocolError(Code.INVALID_JSON, "Frames must be JSON objects.")
    _check_text(data)
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(Code.INVALID_FRAME, "Every frame needs a string 'type'.")
    if kind not in known:
        raise ProtocolError(Code.UNKNOWN_TYPE, "Unknown frame type.", known=sorted(known))
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise ProtocolError(
            Code.INVALID_FRAME, f"Invalid '{kind}' frame.", fields=_problems(exc, known)
        ) from None


def _check_text(data: dict[str, Any]) -> None:
    """NUL, lone surrogates (``"\\ud800"`` cannot be stored or encoded) and deep nesting are the
    client's bad data: an error frame it must not retry as is, never ``internal_error``."""
    try:
        check_value(data)
    except BadText as bad:
        if bad.reason == "depth":
            raise ProtocolError(
                Code.INVALID_JSON, "Frames must not nest this deeply.", close=Close.BAD_DATA
            ) from None
        extra: dict[str, Any] = {}
        cmid = data.get("client_message_id")
        if isinstance(cmid, str) and _SAFE_ID.match(cmid):
            extra["client_message_id"] = cmid  # so the client can mark that message as failed
        raise ProtocolError(
            Code.INVALID_FRAME, "The frame contains characters that are not allowed.", **extra
        ) from None


_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def parse_frame(raw: str | bytes) -> InboundFrame:
    """Validate one inbound chat websocket message; raises :class:`ProtocolError`."""
    frame: InboundFrame = decode_frame(raw, _adapter, INBOUND_TYPES)
    if isinstance(frame, UserMessageFrame):
        text = frame.text.strip()
        if not text:
            raise ProtocolError(
                Code.INVALID_FRAME,
                "Invalid 'user_message' frame.",
                fields=[{"field": "text", "message": "empty"}],
            )
        if len(frame.text) > MAX_TEXT_CHARS:
            raise ProtocolError(
                Code.TEXT_TOO_LONG,
                f"Messages are limited to {MAX_TEXT_CHARS} characters.",
                client_message_id=frame.client_message_id,
            )
    return frame


def token_from_subprotocols(subprotocols: list[str]) -> str | None:
    """The token offered as ``bearer.<token>`` next to ``hp.chat.v1`` (browsers cannot set headers)."""
    for proto in subprotocols:
        if proto.startswith(BEARER_PREFIX) and len(proto) > len(BEARER_PREFIX):
            return proto[len(BEARER_PREFIX) :]
    return None


def limits() -> dict[str, Any]:
    return {
        "max_frame_bytes": MAX_FRAME_BYTES,
        "max_text_chars": MAX_TEXT_CHARS,
        "messages_per_second": RATE_PER_SECOND,
        "burst": RATE_BURST,
    }


# Per-socket token bucket for user messages.
RATE_PER_SECOND = 5.0
RATE_BURST = 5
