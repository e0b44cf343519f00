"""``/v1/ws/therapist``: live escalation frames for a signed-in clinician.

Protocol (JSON text frames):
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

No database session is held for the socket's life: each step opens its own unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from redis.exceptions import RedisError

from hp_agent.auth.dependencies import authenticate_token
from hp_agent.auth.security import InvalidToken, decode_access_token
from hp_agent.config import Settings
from hp_agent.crisis import escalations, repository
from hp_agent.crisis.escalations import ACTIVE
from hp_agent.crisis.schemas import EscalationOut
from hp_agent.db.session import Database, Principal
from hp_agent.errors import HPError
from hp_agent.events import streams
from hp_agent.events.fanout import TherapistHub

log = logging.getLogger("hp_agent.therapist.socket")
router = APIRouter()

AUTH_TIMEOUT = 10.0
SEND_TIMEOUT = 5.0
PRESENCE_TTL = 30
EXPIRED_GRACE_SECONDS = 60.0  # time to send a fresh token after expiry before the socket closes
POLICY_VIOLATION = 1008
UNSUPPORTED_DATA = 1003


class SocketSink:
    """Serialises sends: the fan-out task and the frame handler may write at the same time."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.lock = asyncio.Lock()

    async def send_json(self, data: Any) -> None:
        async with self.lock:
            await asyncio.wait_for(self.ws.send_json(data), timeout=SEND_TIMEOUT)


def _subprotocol_token(ws: WebSocket) -> str | None:
    protocols = [p.strip() for p in ws.headers.get("sec-websocket-protocol", "").split(",") if p.strip()]
    if len(protocols) >= 2 and protocols[0].lower() == "bearer":
        return protocols[1]
    return None


class _Session:
    """Who is on the socket and until when their token is valid (refreshed by ``auth`` frames)."""

    def __init__(self, principal: Principal, expires_at: dt.datetime) -> None:
        self.principal = principal
        self.expires_at = expires_at

    def expired(self) -> bool:
        return dt.datetime.now(dt.UTC) >= self.expires_at


async def _verify(db: Database, settings: Settings, token: str) -> tuple[Principal, dt.datetime]:
    async with db.unit_of_work() as session:
        principal = await authenticate_token(session, token, settings)
    return principal, decode_access_token(settings, token).expires_at


async def _authenticate(ws: WebSocket, db: Database, settings: Settings) -> _Session | None:
    token = _subprotocol_token(ws)
    await ws.accept(subprotocol="bearer" if token else None)
    if token is None:
        try:
            first = await asyncio.wait_for(ws.receive_json(), timeout=AUTH_TIMEOUT)
        except (TimeoutError, ValueError, KeyError):
            await ws.close(POLICY_VIOLATION, "authentication required")
            return None
        token = first.get("token") if isinstance(first, dict) and first.get("type") == "auth" else None
        if not isinstance(token, str):
            await ws.close(POLICY_VIOLATION, "authentication required")
            return None
    try:
        principal, expires_at = await _verify(db, settings, token)
    except (HPError, InvalidToken):
        await ws.close(POLICY_VIOLATION, "invalid token")
        return None
    if principal.role != "therapist" or principal.user_id is None:
        await ws.close(POLICY_VIOLATION, "clinicians only")
        return None
    return _Session(principal, expires_at)


async def _queue(db: Database, principal: Principal) -> list[dict[str, Any]]:
    assert principal.user_id is not None
    async with db.unit_of_work(principal) as session:
        rows = await repository.list_escalations(session, principal.user_id, statuses=ACTIVE, limit=200)
    return [EscalationOut.model_validate(r).model_dump(mode="json") for r in rows]


async def _presence(ws: WebSocket, settings: Settings, therapist_id: uuid.UUID) -> None:
    """Tell the notifier worker this clinician is looking (so it does not also email them)."""
    redis = getattr(ws.app.state, "redis", None)
    if redis is None:
        return
    key = streams.presence_key(settings, therapist_id)
    while True:
        with contextlib.suppress(RedisError, OSError):
            await redis.set(key, "1", ex=PRESENCE_TTL)
        await asyncio.sleep(PRESENCE_TTL / 3)


async def _handle_frame(db: Database, settings: Settings, state: _Session, frame: Any) -> dict[str, Any]:
    if not isinstance(frame, dict):
        return {"type": "error", "code": "bad_frame", "message": "Frames are JSON objects."}
    kind = frame.get("type")
    if kind == "ping":
        return {"type": "pong"}
    if kind == "auth":  # a fresh access token before the current one expires
        token = frame.get("token")
        try:
            if not isinstance(token, str):
                raise InvalidToken("missing")
            principal, expires_at = await _verify(db, settings, token)
        except (HPError, InvalidToken):
            return {"type": "error", "code": "auth_failed", "message": "The token is not valid."}
        if principal != state.principal:
            raise _SwitchedUser
        state.expires_at = expires_at
        return {"type": "authenticated", "expires_at": expires_at.isoformat()}
    if state.expired():
        return {"type": "error", "code": "token_expired", "message": "Send a fresh token in an auth frame."}
    principal = state.principal
    if kind == "ack":
        try:
            escalation_id = uuid.UUID(str(frame.get("escalation_id")))
        except ValueError:
            return {"type": "error", "code": "bad_frame", "message": "escalation_id is not a UUID."}
        try:
            async with db.unit_of_work(principal) as session:
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
    return {"type": "error", "code": "unknown_type", "message": "Unknown frame type."}


class _SwitchedUser(Exception):
    """An auth frame for another account: the socket is closed rather than re-bound."""


async def _expiry_watch(ws: WebSocket, state: _Session) -> None:
    # A socket outliving its token (or a signed-out session) stops receiving alerts.
    while True:
        left = (state.expires_at - dt.datetime.now(dt.UTC)).total_seconds() + EXPIRED_GRACE_SECONDS
        if left <= 0:
            with contextlib.suppress(Exception):
                await ws.close(POLICY_VIOLATION, "token expired")
            return
        await asyncio.sleep(min(left, 60.0))


@router.websocket("/v1/ws/therapist")
async def therapist_socket(ws: WebSocket) -> None:
    db: Database = ws.app.state.db
    settings: Settings = ws.app.state.settings
    hub: TherapistHub | None = getattr(ws.app.state, "hub", None)
    state = await _authenticate(ws, db, settings)
    if state is None:
        return
    principal = state.principal
    assert principal.user_id is not None
    sink = SocketSink(ws)
    # Register before the backfill, so nothing falls between the two (duplicates are harmless).
    if hub is not None:
        hub.add(principal.user_id, sink)
    presence = asyncio.create_task(_presence(ws, settings, principal.user_id))
    watch = asyncio.create_task(_expiry_watch(ws, state))
    try:
        await sink.send_json(
            {"type": "ready", "therapist_id": str(principal.user_id), "queue": await _queue(db, principal)}
        )
        while True:
            try:
                frame = await ws.receive_json()
            except (ValueError, KeyError):
                await sink.send_json(
                    {"type": "error", "code": "bad_frame", "message": "Frames are JSON text."}
                )
                continue
            await sink.send_json(await _handle_frame(db, settings, state, frame))
    except WebSocketDisconnect:
        pass
    except _SwitchedUser:
        with contextlib.suppress(Exception):
            await ws.close(POLICY_VIOLATION, "switched user")
    except Exception as exc:
        log.error("therapist socket failed: %s", type(exc).__name__)
        with contextlib.suppress(Exception):
            await ws.close(1011)
    finally:
        if hub is not None:
            hub.remove(principal.user_id, sink)
        presence.cancel()
        watch.cancel()
        redis = getattr(ws.app.state, "redis", None)
        if redis is not None and (hub is None or not hub.connected(principal.user_id)):
            with contextlib.suppress(RedisError, OSError):
                await redis.delete(streams.presence_key(settings, principal.user_id))
