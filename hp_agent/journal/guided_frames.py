"""The guided-session socket protocol (``hp.guided.v1``): inbound frames and the frames sent back.

Shares the chat protocol's envelope, limits, error codes and ``auth``/``ping`` frames
(``hp_agent/chat/protocol.py``); only the guided frames are new. See ``docs/protocol.md``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, TypeAdapter

from hp_agent.chat import protocol as p
from hp_agent.crisis import gateway as crisis
from hp_agent.journal.guided_service import flow_named
from hp_agent.journal.models import GuidedSessionStatus
from hp_agent.journal.schemas import GuidedSessionState

PROTOCOL = "hp.guided.v1"
SessionId = Annotated[StrictStr, Field(max_length=64)]


class Code:
    """Error codes of this socket beyond the chat's (``p.Code``)."""

    FLOW_NOT_FOUND = "flow_not_found"
    SESSION_PAUSED = "session_paused"
    SESSION_EXPIRED = "session_expired"
    UNKNOWN_STEP = "unknown_step"
    STEP_OUT_OF_ORDER = "step_out_of_order"
    INVALID_ANSWER = "invalid_answer"


class _Frame(BaseModel):
    # As in the chat protocol: unknown keys ignored (forward compatibility), known keys strict.
    model_config = ConfigDict(extra="ignore", frozen=True)


class GuidedStart(_Frame):
    type: Literal["guided_start"]
    flow: StrictStr = Field(pattern=r"^[a-z][a-z_]{1,39}$")


class _SessionFrame(_Frame):
    # Optional on pause/abandon/answer: the session last started or resumed on this socket.
    session_id: SessionId | None = None

    def session_uuid(self) -> uuid.UUID | None:
        if self.session_id is None:
            return None
        try:
            return uuid.UUID(self.session_id)
        except ValueError:
            raise p.ProtocolError(p.Code.SESSION_NOT_FOUND, "No such guided session.") from None


class GuidedResume(_SessionFrame):
    type: Literal["guided_resume"]
    session_id: SessionId


class GuidedAnswer(_SessionFrame):
    type: Literal["guided_answer"]
    step: StrictStr = Field(min_length=1, max_length=40)
    value: dict[str, Any]
    client_id: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")


class GuidedPause(_SessionFrame):
    type: Literal["guided_pause"]


class GuidedAbandon(_SessionFrame):
    type: Literal["guided_abandon"]


InboundFrame = Annotated[
    p.AuthFrame
    | p.PingFrame
    | p.PongFrame
    | GuidedStart
    | GuidedResume
    | GuidedAnswer
    | GuidedPause
    | GuidedAbandon,
    Field(discriminator="type"),
]
_adapter: TypeAdapter[InboundFrame] = TypeAdapter(InboundFrame)
INBOUND_TYPES = frozenset(
    {
        "auth",
        "ping",
        "pong",
        "guided_start",
        "guided_resume",
        "guided_answer",
        "guided_pause",
        "guided_abandon",
    }
)


def parse_frame(raw: str | bytes) -> InboundFrame:
    frame: InboundFrame = p.decode_frame(raw, _adapter, INBOUND_TYPES)
    return frame


# ----------------------------------------------------------------------------- server frames


def step_frame(st: GuidedSessionState, *, started: bool = False) -> dict[str, Any]:
    """The step to answer now, with the answers so far (a resuming device shows them)."""
    frame: dict[str, Any] = {
        "type": "guided_step",
        "session_id": str(st.id),
        "flow": st.flow,
        "title": st.title,
        "status": st.status.value,
        "step_number": st.step,
        "steps_total": st.steps_total,
        "step": st.current_step,
        "suggestions": st.suggestions,
        "answers": st.answers,
        "expires_at": st.expires_at.isoformat(),
    }
    if started:
        frame["intro"] = flow_named(st.flow).intro
    return frame


def saved_frame(st: GuidedSessionState, client_id: str) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "guided_saved",
        "session_id": str(st.id),
        "step": st.saved_step,
        "client_id": client_id,
    }
    if st.duplicate:
        frame["duplicate"] = True
    return frame


def complete_frame(st: GuidedSessionState) -> dict[str, Any]:
    return {
        "type": "guided_complete",
        "session_id": str(st.id),
        "flow": st.flow,
        "thought_record_id": _str(st.thought_record_id),
        "journal_entry_id": _str(st.journal_entry_id),
        "gratitude_entry_id": _str(st.gratitude_entry_id),
        "message": st.completion_message,
    }


def status_frame(st: GuidedSessionState) -> dict[str, Any]:
    """``guided_paused`` / ``guided_abandoned``: the session's new state, nothing written echoed."""
    kind = "guided_paused" if st.status == GuidedSessionStatus.PAUSED else "guided_abandoned"
    return {
        "type": kind,
        "session_id": str(st.id),
        "step_number": st.step,
        "expires_at": st.expires_at.isoformat(),
    }


def safety_frame(st: GuidedSessionState) -> dict[str, Any] | None:
    """The chat's ``resources`` safety frame, for an answer assessed at moderate or above."""
    if st.safety is None:
        return None
    body = crisis.safety_body(st.safety)
    return {
        "type": "safety",
        "kind": body["kind"],
        "session_id": str(st.id),
        "step": st.saved_step,
        "text": body["text"],
        "payload": body["payload"],
    }


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None
