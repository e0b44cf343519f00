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

The sign-in behind the token is re-read every ``REVALIDATE_SECONDS`` (the chat socket's period)
and before every action: after a logout the socket gets ``auth_failed`` and close 1008 within
that window, no ack is taken on the old token (nor audited as its clinician), and the presence
key that tells the notifier "this clinician is looking" is no longer refreshed, so the backup
email goes out. Frames that are not JSON objects, hold a NUL or a lone surrogate, or nest too
deeply are bad data (an error frame; deep nesting closes 1003), never an internal error.

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

from hp_agent.api.textcheck import BadText, loads_checked
from hp_agent.app_state import state_of
from hp_agent.auth.security import InvalidToken, decode_access_token
from hp_agent.chat import socket_auth
from hp_agent.chat.protocol import Close
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
    """Who is on the socket, with which token, valid until when (refreshed by ``auth`` frames)."""

    def __init__(self, principal: Principal, token: str, expires_at: dt.datetime) -> None:
        self.principal = principal
        self.token = token
        self.expires_at = expires_at
        self.signed_out = False

    def expired(self) -> bool:
        return dt.datetime.now(dt.UTC) >= self.expires_at


class _SignedOut(Exception):
    """The token's sign-in session is gone (logout, revoked, account disabled)."""


async def _verify(db: Database, settings: Settings, token: str) -> tuple[Principal, dt.datetime]:
    principal = await socket_auth.signed_in(db, settings, token)
    return principal, decode_access_token(settings, token).expires_at


async def _still_signed_in(db: Database, settings: Settings, state: _Session) -> None:
    """Raise _SignedOut unless the socket's token still has a live sign-in (read now)."""
    if state.signed_out:
        raise _SignedOut
    try:
        principal = await socket_auth.signed_in(db, settings, state.token)
    except (HPError, InvalidToken):
        state.signed_out = True
        raise _SignedOut from None
    if principal != state.principal:  # role changed: the console is for the role it opened with
        state.signed_out = True
        raise _SignedOut


def _parse(raw: str) -> Any:
    """One frame as JSON: BadText for NUL, lone surrogates or deep nesting, ValueError if not JSON."""
    return loads_checked(raw)


async def _authenticate(ws: WebSocket, db: Database, settings: Settings) -> _Session | None:
    token = _subprotocol_token(ws)
    await ws.accept(subprotocol="bearer" if token else None)
    if token is None:
        try:
            first = _parse(await asyncio.wait_for(ws.receive_text(), timeout=AUTH_TIMEOUT))
        except BadText as bad:
            await ws.close(Close.BAD_DATA if bad.reason == "depth" else Close.POLICY, "bad data")
            return None
        except (TimeoutError, ValueError, KeyError):
            await ws.close(Close.POLICY, "authentication required")
            return None
        token = first.get("token") if isinstance(first, dict) and first.get("type") == "auth" else None
        if not isinstance(token, str):
            await ws.close(Close.POLICY, "authentication required")
            return None
    try:
        principal, expires_at = await _verify(db, settings, token)
    except (HPError, InvalidToken):
        await ws.close(Close.POLICY, "invalid token")
        return None
    if principal.role != "therapist" or principal.user_id is None:
        await ws.close(Close.POLICY, "clinicians only")
        return None
    return _Session(principal, token, expires_at)


async def _queue(db: Database, principal: Principal) -> list[dict[str, Any]]:
    assert principal.user_id is not None
    async with db.unit_of_work(principal) as session:
        rows = await repository.list_escalations(session, principal.user_id, statuses=ACTIVE, limit=200)
    return [EscalationOut.model_validate(r).model_dump(mode="json") for r in rows]


async def _presence(ws: WebSocket, settings: Settings, therapist_id: uuid.UUID, state: _Session) -> None:
    """Tell the notifier worker this clinician is looking (so it does not also email them);
    never for a socket whose sign-in is gone or whose token has expired."""
    redis = state_of(ws.app).redis
    if redis is None:
        return
    key = streams.presence_key(settings, therapist_id)
    while not state.signed_out:
        if not state.expired():
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
        state.token, state.expires_at = token, expires_at
        return {"type": "authenticated", "expires_at": expires_at.isoformat()}
    if state.expired():
        return {"type": "error", "code": "token_expired", "message": "Send a fresh token in an auth frame."}
    principal = state.principal
    if kind == "ack":
        # Every action re-reads the sign-in: a signed-out console acts for nobody.
        await _still_signed_in(db, settings, state)
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


async def _watch(ws: WebSocket, sink: SocketSink, db: Database, settings: Settings, state: _Session) -> None:
    """Close the socket once its token has long expired or its sign-in is gone (logout)."""
    while True:
        left = (state.expires_at - dt.datetime.now(dt.UTC)).total_seconds() + EXPIRED_GRACE_SECONDS
        if left <= 0:
            with contextlib.suppress(Exception):
                await ws.close(Close.POLICY, "token expired")
            return
        period = socket_auth.REVALIDATE_SECONDS
        await asyncio.sleep(min(left, period))
        if state.expired():
            continue  # the expiry grace decides; a fresh auth frame may still come
        try:
            await _still_signed_in(db, settings, state)
        except _SignedOut:
            await _close_signed_out(ws, sink)
            return
        except Exception:
            continue  # the database did not answer: not a sign-out; try again next period


async def _close_signed_out(ws: WebSocket, sink: SocketSink) -> None:
    with contextlib.suppress(Exception):
        await sink.send_json(
            {"type": "error", "code": "auth_failed", "message": "The session has been signed out."}
        )
    with contextlib.suppress(Exception):
        await ws.close(Close.POLICY, "signed out")


@router.websocket("/v1/ws/therapist")
async def therapist_socket(ws: WebSocket) -> None:
    db: Database = ws.app.state.db
    settings: Settings = ws.app.state.settings
    hub: TherapistHub | None = state_of(ws.app).therapist_hub
    state = await _authenticate(ws, db, settings)
    if state is None:
        return
    principal = state.principal
    assert principal.user_id is not None
    sink = SocketSink(ws)
    # Register before the backfill, so nothing falls between the two (duplicates are harmless).
    if hub is not None:
        hub.add(principal.user_id, sink)
    presence = asyncio.create_task(_presence(ws, settings, principal.user_id, state))
    watch = asyncio.create_task(_watch(ws, sink, db, settings, state))
    try:
        await sink.send_json(
            {"type": "ready", "therapist_id": str(principal.user_id), "queue": await _queue(db, principal)}
        )
        while True:
            try:
                frame = _parse(await ws.receive_text())
            except BadText as bad:
                if bad.reason == "depth":
                    with contextlib.suppress(Exception):
                        await ws.close(Close.BAD_DATA, "bad data")
                    return
                await sink.send_json(
                    {
                        "type": "error",
                        "code": "bad_frame",
                        "message": "The frame holds characters that are not allowed.",
                    }
                )
                continue
            except (ValueError, KeyError):
                await sink.send_json(
                    {"type": "error", "code": "bad_frame", "message": "Frames are JSON text."}
                )
                continue
            await sink.send_json(await _handle_frame(db, settings, state, frame))
    except WebSocketDisconnect:
        pass
    except _SignedOut:
        await _close_signed_out(ws, sink)
    except _SwitchedUser:
        with contextlib.suppress(Exception):
            await ws.close(Close.POLICY, "switched user")
    except Exception as exc:
        log.error("therapist socket failed: %s", type(exc).__name__)
        with contextlib.suppress(Exception):
            await ws.close(Close.INTERNAL)
    finally:
        if hub is not None:
            hub.remove(principal.user_id, sink)
        presence.cancel()
        watch.cancel()
        # Wait for the presence writer to stop, so its last SET cannot land after the DELETE.
        await asyncio.gather(presence, return_exceptions=True)
        redis = state_of(ws.app).redis
        if redis is not None and (hub is None or not hub.connected(principal.user_id)):
            with contextlib.suppress(RedisError, OSError):
                await redis.delete(streams.presence_key(settings, principal.user_id))
