"""The guided-session websocket, ``/v1/ws/guided`` (protocol ``hp.guided.v1``, see ``docs/protocol.md``).

Authentication, re-validation of the sign-in, heartbeats, the receive loop and close codes are
every socket's (``hp_agent/api/socket_base.py``). Every data frame is one unit of work over the
same service as the REST endpoints (``guided_sessions``), committed before the answer is
acknowledged; nothing about a session lives in this process, so a session continues on any
instance, after a restart, or over REST. Frames on one socket are handled one at a time, in
order: the work per frame is one short transaction (no model generation), so a separate worker
as in the chat is not needed.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hp_agent.api.socket_base import HEARTBEAT_SECONDS, AuthenticatedSocket
from hp_agent.chat import protocol as p
from hp_agent.errors import HPError
from hp_agent.journal import guided_frames as gf
from hp_agent.journal import guided_sessions as service
from hp_agent.journal.models import GuidedSessionStatus
from hp_agent.journal.schemas import GuidedSessionState

log = logging.getLogger("hp_agent.journal.guided_ws")
router = APIRouter()

# Service errors whose code the client can act on, passed through as the frame's code.
_PASS_THROUGH = frozenset(
    {
        p.Code.SESSION_NOT_FOUND,
        p.Code.SESSION_ENDED,
        gf.Code.SESSION_PAUSED,
        gf.Code.SESSION_EXPIRED,
        gf.Code.UNKNOWN_STEP,
        gf.Code.STEP_OUT_OF_ORDER,
    }
)


@router.websocket("/v1/ws/guided")
async def guided_socket(websocket: WebSocket) -> None:
    await GuidedConnection(websocket).run()


class GuidedConnection(AuthenticatedSocket):
    PROTOCOL = gf.PROTOCOL

    def __init__(self, ws: WebSocket) -> None:
        super().__init__(ws, gf.parse_frame)
        # The session last started or resumed here: the default for answer/pause/abandon.
        self.current: uuid.UUID | None = None

    async def serve(self) -> None:
        assert self.principal is not None
        await self.send(
            {
                "type": "ready",
                "protocol": gf.PROTOCOL,
                "user_id": str(self.principal.user_id),
                "limits": {"max_frame_bytes": p.MAX_FRAME_BYTES},
                "heartbeat_seconds": HEARTBEAT_SECONDS,
            }
        )
        async for frame in self.frames():
            await self._handle_safely(frame)

    async def _handle_safely(self, frame: Any) -> None:
        extra = {"client_id": frame.client_id} if isinstance(frame, gf.GuidedAnswer) else {}
        try:
            await self._handle(frame)
        except p.ProtocolError as err:
            await self.refuse(err)
        except HPError as err:
            await self.send(_error_frame(err, frame, extra))
        except PoolTimeout:
            # Nothing was stored: the client resends later (the answer is idempotent).
            await self.send(
                p.error_frame(p.Code.BUSY, "The service is busy; please resend shortly.", **extra)
            )
        except Exception as exc:
            # The type only: an exception's text could quote what the person wrote.
            log.error("guided frame %s failed: %s", frame.type, type(exc).__name__)
            await self.send(
                p.error_frame(p.Code.INTERNAL, "Something went wrong on our side; please retry.", **extra)
            )

    async def _handle(self, frame: Any) -> None:
        if self.token_expired():
            raise p.ProtocolError(
                p.Code.TOKEN_EXPIRED, "The access token expired; send an 'auth' frame with a fresh one."
            )
        if isinstance(frame, gf.GuidedStart):
            async with self.unit_of_work() as (session, principal):
                st = await service.start(session, principal, frame.flow)
            self.current = st.id
            await self.send(gf.step_frame(st, started=True))
        elif isinstance(frame, gf.GuidedResume):
            session_id = self._session(frame)
            async with self.unit_of_work() as (session, principal):
                st = await service.resume(session, principal, session_id)
            self.current = st.id
            await self.send(gf.step_frame(st))
        elif isinstance(frame, gf.GuidedAnswer):
            await self._answer(frame)
        elif isinstance(frame, gf.GuidedPause | gf.GuidedAbandon):
            session_id = self._session(frame)
            action = service.pause if isinstance(frame, gf.GuidedPause) else service.abandon
            async with self.unit_of_work() as (session, principal):
                st = await action(session, principal, session_id)
            if st.status == GuidedSessionStatus.ABANDONED and self.current == st.id:
                self.current = None
            await self.send(gf.status_frame(st))

    def _session(
        self, frame: gf.GuidedResume | gf.GuidedAnswer | gf.GuidedPause | gf.GuidedAbandon
    ) -> uuid.UUID:
        session_id = frame.session_uuid() or self.current
        if session_id is None:
            raise p.ProtocolError(p.Code.SESSION_REQUIRED, "Send 'guided_start' or 'guided_resume' first.")
        return session_id

    async def _answer(self, frame: gf.GuidedAnswer) -> None:
        session_id = self._session(frame)
        async with self.unit_of_work() as (session, principal):
            st = await service.answer(
                session, principal, session_id, frame.step, frame.value, frame.client_id
            )
        # Committed: only now is the answer acknowledged.
        self.current = st.id
        await self.send(gf.saved_frame(st, frame.client_id))
        await self._after_answer(st)

    async def _after_answer(self, st: GuidedSessionState) -> None:
        safety = gf.safety_frame(st)
        if safety is not None:
            await self.send(safety)
        if st.status == GuidedSessionStatus.COMPLETED:
            await self.send(gf.complete_frame(st))
        elif st.current_step is not None:
            await self.send(gf.step_frame(st))


def _error_frame(err: HPError, frame: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """A service error as an error frame: codes the client can act on, never the person's words."""
    details = {
        k: v for k, v in err.details.items() if k in ("step", "fields", "current_step", "requested_step")
    }
    if err.code in _PASS_THROUGH:
        code = err.code
    elif err.status_code == 404:
        code = gf.Code.FLOW_NOT_FOUND if isinstance(frame, gf.GuidedStart) else p.Code.SESSION_NOT_FOUND
    elif err.status_code == 422:
        code = gf.Code.INVALID_ANSWER
    else:
        code = p.Code.INVALID_FRAME
    return p.error_frame(code, err.message, **details, **extra)
