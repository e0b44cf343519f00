"""``/v1/ws/therapist``: live escalation frames for a signed-in clinician.

Protocol (JSON text frames, ``docs/escalation.md``):
- authenticate with the first frame ``{"type": "auth", "token": "<access token>"}`` or the
  subprotocols ``["bearer", "<access token>"]`` (tokens in query strings end up in logs, so
  those are not accepted);
- the server answers ``{"type": "ready", "queue": [...]}`` with the clinician's open escalations
  (the backfill: anything that happened while they were away), then pushes
  ``{"type": "escalation", ...}`` frames (ids and levels, never content);
- the client may send ``{"type": "ack", "escalation_id": "..."}`` (one unit of work per frame,
  answered with ``{"type": "acked", ...}``), ``{"type": "ping"}``, and ``{"type": "auth", "token"}``
  with a fresh token before the current one expires (the socket closes 1008 a minute after
  expiry; an auth frame for another account closes it too).

Authentication, the sign-in re-check, the receive loop and close codes are every socket's
(``hp_agent/api/socket_base.py``); this module keeps the console's wire dialect: closes carry no
error frame (the console reconnects on 1008) except a sign-out, which says why; bad frames get
``bad_frame``; a refused fresh token leaves the socket open; no server pings. After a logout the
socket gets ``auth_failed`` and close 1008 within the re-check period, no ack is taken on the old
token (every ack re-reads the sign-in first), and the presence key that tells the notifier "this
clinician is looking" is no longer refreshed, so the backup email goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket
from redis.exceptions import RedisError

from hp_agent.api.socket_base import AuthenticatedSocket, SignedOut
from hp_agent.api.textcheck import BadText, loads_checked
from hp_agent.app_state import state_of
from hp_agent.chat import protocol as p
from hp_agent.crisis import escalations, repository
from hp_agent.crisis.escalations import ACTIVE
from hp_agent.crisis.schemas import EscalationOut
from hp_agent.db.session import Principal
from hp_agent.errors import HPError
from hp_agent.events import streams

log = logging.getLogger("hp_agent.therapist.socket")
router = APIRouter()

PRESENCE_TTL = 30
BAD_FRAME = "bad_frame"


@dataclass(frozen=True, slots=True)
class AckFrame:
    escalation_id: Any  # checked after the sign-in re-check, as the answer's order is documented


def parse_frame(raw: str | bytes) -> p.PingFrame | p.AuthFrame | AckFrame:
    """One console frame; :class:`~hp_agent.chat.protocol.ProtocolError` in the console's codes."""
    try:
        data = loads_checked(raw)
    except BadText as bad:
        if bad.reason == "depth":
            raise p.ProtocolError(p.Code.INVALID_JSON, "bad data", close=p.Close.BAD_DATA) from None
        raise p.ProtocolError(BAD_FRAME, "The frame holds characters that are not allowed.") from None
    except (ValueError, UnicodeDecodeError):
        raise p.ProtocolError(BAD_FRAME, "Frames are JSON text.") from None
    if not isinstance(data, dict):
        raise p.ProtocolError(BAD_FRAME, "Frames are JSON objects.")
    kind = data.get("type")
    if kind == "ping":
        return p.PingFrame(type="ping")
    if kind == "auth":
        token = data.get("token")
        if not isinstance(token, str) or not token or len(token) > p.MAX_TOKEN_CHARS:
            raise p.ProtocolError(p.Code.AUTH_FAILED, "The token is not valid.")
        return p.AuthFrame(type="auth", token=token)
    if kind == "ack":
        return AckFrame(data.get("escalation_id"))
    raise p.ProtocolError(p.Code.UNKNOWN_TYPE, "Unknown frame type.")


@router.websocket("/v1/ws/therapist")
async def therapist_socket(ws: WebSocket) -> None:
    await TherapistConnection(ws).run()


class TherapistConnection(AuthenticatedSocket):
    PING = False
    AUTH_FIRST = True
    REAUTH_FAILURE_CLOSES = False
    SEND_TIMEOUT = 5.0

    def __init__(self, ws: WebSocket) -> None:
        super().__init__(ws, parse_frame)

    def admits(self, principal: Principal) -> bool:
        return principal.role == "therapist" and principal.user_id is not None

    def offered_token(self, offered: list[str]) -> tuple[str | None, str | None]:
        if len(offered) >= 2 and offered[0].lower() == "bearer":
            return offered[1], "bearer"
        return None, None

    def pong(self, frame: p.PingFrame) -> dict[str, Any]:
        return {"type": "pong"}

    def error(self, err: p.ProtocolError) -> dict[str, Any] | None:
        if err.close is not None and not isinstance(err, SignedOut):
            return None
        return p.error_frame(err.code, err.message)

    async def send_json(self, data: Any) -> None:
        """The fan-out's sink (``TherapistHub``): raises once the socket is gone, so it is dropped."""
        if not await self.send(data):
            raise ConnectionError("therapist socket closed")

    async def serve(self) -> None:
        principal = self.principal
        assert principal is not None
        assert principal.user_id is not None
        therapist_id = principal.user_id
        app = state_of(self.ws.app)
        hub = app.therapist_hub
        # Register before the backfill, so nothing falls between the two (duplicates are harmless).
        if hub is not None:
            hub.add(therapist_id, self)
        presence = asyncio.create_task(self._presence(therapist_id), name="therapist-presence")
        try:
            await self.send(
                {"type": "ready", "therapist_id": str(therapist_id), "queue": await self._queue()}
            )
            async for frame in self.frames():
                try:
                    await self.send(await self._handle(frame))
                except p.ProtocolError as err:
                    await self.refuse(err)
        except Exception as exc:
            log.error("therapist socket failed: %s", type(exc).__name__)
            await self.close(p.Close.INTERNAL)
        finally:
            self.closed = True
            if hub is not None:
                hub.remove(therapist_id, self)
            presence.cancel()
            # Wait for the presence writer to stop, so its last SET cannot land after the DELETE.
            await asyncio.gather(presence, return_exceptions=True)
            if app.redis is not None and (hub is None or not hub.connected(therapist_id)):
                with contextlib.suppress(RedisError, OSError):
                    await app.redis.delete(streams.presence_key(self.settings, therapist_id))

    async def _queue(self) -> list[dict[str, Any]]:
        principal = self.principal
        assert principal is not None
        assert principal.user_id is not None
        async with self.db.unit_of_work(principal) as session:
            rows = await repository.list_escalations(session, principal.user_id, statuses=ACTIVE, limit=200)
        return [EscalationOut.model_validate(r).model_dump(mode="json") for r in rows]

    async def _presence(self, therapist_id: uuid.UUID) -> None:
        """Tell the notifier worker this clinician is looking (so it does not also email them);
        never for a socket whose sign-in is gone or whose token has expired."""
        redis = state_of(self.ws.app).redis
        if redis is None:
            return
        key = streams.presence_key(self.settings, therapist_id)
        while not self.closed:
            if not self.token_expired():
                with contextlib.suppress(RedisError, OSError):
                    await redis.set(key, "1", ex=PRESENCE_TTL)
            await asyncio.sleep(PRESENCE_TTL / 3)

    async def _handle(self, frame: AckFrame) -> dict[str, Any]:
        if self.token_expired():
            raise p.ProtocolError(p.Code.TOKEN_EXPIRED, "Send a fresh token in an auth frame.")
        # Every action re-reads the sign-in: a signed-out console acts for nobody.
        await self.recheck()
        principal = self.principal
        assert principal is not None
        try:
            escalation_id = uuid.UUID(str(frame.escalation_id))
        except ValueError:
            raise p.ProtocolError(BAD_FRAME, "escalation_id is not a UUID.") from None
        try:
            async with self.db.unit_of_work(principal) as session:
                e = await escalations.acknowledge(session, principal, escalation_id)
                status, acked_at = e.status.value, e.acknowledged_at
        except HPError as exc:
            return {
                "type": "error",
                "code": exc.code,
                "message": exc.message,
                "escalation_id": str(escalation_id),
            }
        # Sent after the commit: "acked" means it is durable.
        return {
            "type": "acked",
            "escalation_id": str(escalation_id),
            "status": status,
            "acknowledged_at": acked_at.isoformat() if acked_at else None,
        }
