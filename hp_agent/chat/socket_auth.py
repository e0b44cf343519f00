"""What every person-facing websocket shares: sending, the auth handshake, per-frame units of work.

Used by the chat socket (``ws.py``) and the guided-session socket
(``hp_agent/journal/guided_ws.py``), so both authenticate, re-check the sign-in and close for the
same reasons with the same codes (``docs/protocol.md``). Each socket brings its own frame parser;
``auth`` and ``ping`` frames are understood by both.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.dependencies import authenticate_token
from hp_agent.auth.security import InvalidToken, decode_access_token
from hp_agent.chat import protocol as p
from hp_agent.chat.ratelimit import TokenBucket
from hp_agent.config import Settings
from hp_agent.db.session import ANONYMOUS, Database, Principal
from hp_agent.errors import HPError, Unauthorized

HEARTBEAT_SECONDS = 25.0
EXPIRED_GRACE_SECONDS = 60.0  # time to send a fresh token after expiry before the socket closes
REVALIDATE_SECONDS = 15.0  # how stale the "is this sign-in still valid" answer may be
FRAMES_PER_SECOND = 30.0  # every frame type together; a flood closes the socket (1008)
FRAME_BURST = 60


class AuthenticatedSocket:
    def __init__(self, ws: WebSocket, parse: Callable[[str | bytes], Any]) -> None:
        self.ws = ws
        self.parse = parse
        self.db: Database = ws.app.state.db
        self.settings: Settings = ws.app.state.settings
        self.principal: Principal | None = None
        self.token: str | None = None
        self.expires_at: dt.datetime | None = None
        self.closed = False
        self._send_lock = asyncio.Lock()
        self._validated_at = float("-inf")
        self._frames = TokenBucket(FRAMES_PER_SECOND, FRAME_BURST)

    # -- sending --------------------------------------------------------------------------------

    async def send(self, frame: dict[str, Any]) -> bool:
        """Send one frame; False (and nothing raised) once the socket is gone."""
        if self.closed:
            return False
        async with self._send_lock:
            try:
                await self.ws.send_text(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))
                return True
            except Exception:
                self.closed = True
                return False

    async def close(self, code: int, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason[:120])

    async def refuse(self, err: p.ProtocolError) -> None:
        await self.send(err.frame())
        if err.close is not None:
            await self.close(err.close, err.message)

    # -- authentication -------------------------------------------------------------------------

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[tuple[AsyncSession, Principal]]:
        """One transaction acting as the socket's user.

        The token's expiry is checked locally on every frame (``token_expired``); its sign-in
        session is re-read from the database at most every ``REVALIDATE_SECONDS``, so "sign out
        everywhere" reaches an open socket within that window without a query on every frame.
        """
        if self.token is None or self.principal is None:
            raise p.ProtocolError(p.Code.NOT_AUTHENTICATED, "Authenticate first.", close=p.Close.POLICY)
        fresh = time.monotonic() - self._validated_at < REVALIDATE_SECONDS
        async with self.db.unit_of_work(self.principal if fresh else ANONYMOUS) as session:
            if not fresh:
                try:
                    self.principal = await authenticate_token(session, self.token, self.settings)
                except Unauthorized:
                    raise p.ProtocolError(
                        p.Code.AUTH_FAILED, "The session has been signed out.", close=p.Close.POLICY
                    ) from None
                self._validated_at = time.monotonic()
            yield session, self.principal

    async def authenticate(self, token: str) -> bool:
        try:
            claims = decode_access_token(self.settings, token)
        except InvalidToken:
            await self.refuse(
                p.ProtocolError(
                    p.Code.AUTH_FAILED, "The access token is invalid or has expired.", close=p.Close.POLICY
                )
            )
            return False
        try:
            async with self.db.unit_of_work() as session:
                principal = await authenticate_token(session, token, self.settings)
        except HPError:
            await self.refuse(
                p.ProtocolError(p.Code.AUTH_FAILED, "The access token is not valid.", close=p.Close.POLICY)
            )
            return False
        if self.principal is not None and principal.user_id != self.principal.user_id:
            await self.refuse(
                p.ProtocolError(p.Code.AUTH_FAILED, "A socket cannot change user.", close=p.Close.POLICY)
            )
            return False
        self.principal, self.token, self.expires_at = principal, token, claims.expires_at
        self._validated_at = time.monotonic()
        return True

    async def revalidate(self) -> bool:
        """Re-read the sign-in behind the token now; False (socket refused, 1008) once it is gone.

        Run by the heartbeat whenever the last check is ``REVALIDATE_SECONDS`` old, so a logout
        closes an idle socket too, not only one that sends a frame. An expired token is left to
        the expiry grace (a fresh ``auth`` frame may still come); a database that does not answer
        is not a sign-out, and the next tick tries again.
        """
        if self.token is None or self.token_expired():
            return True
        try:
            principal = await signed_in(self.db, self.settings, self.token)
        except (HPError, InvalidToken):
            await self.refuse(
                p.ProtocolError(p.Code.AUTH_FAILED, "The session has been signed out.", close=p.Close.POLICY)
            )
            return False
        except Exception:
            return True
        self.principal = principal
        self._validated_at = time.monotonic()
        return True

    def token_expired(self) -> bool:
        return self.expires_at is not None and dt.datetime.now(dt.UTC) >= self.expires_at

    async def wait_for_auth(self, deadline: float) -> bool:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                message = await asyncio.wait_for(self.ws.receive(), remaining)
            except TimeoutError:
                break
            if message["type"] == "websocket.disconnect":
                self.closed = True
                return False
            try:
                frame = self.parse(payload(message))
            except p.ProtocolError as err:
                await self.refuse(err)
                if err.close is not None:
                    return False
                continue
            if isinstance(frame, p.AuthFrame):
                return await self.authenticate(frame.token)
            if isinstance(frame, p.PingFrame):
                await self.send({"type": "pong", "ts": frame.ts})
                continue
            await self.send(p.error_frame(p.Code.NOT_AUTHENTICATED, "Send an 'auth' frame first."))
        await self.refuse(
            p.ProtocolError(p.Code.NOT_AUTHENTICATED, "Authentication timed out.", close=p.Close.POLICY)
        )
        return False

    async def next_frame(self) -> Any | None:
        """The next frame for the socket's own handler, or None once the socket is done.

        What every socket answers the same way is answered here: a flood of frames closes the
        socket, a malformed frame gets its error frame, ``ping``/``pong`` and a fresh ``auth``
        are handled, and a transport that is gone counts as a disconnect.
        """
        while not self.closed:
            try:
                message = await self.ws.receive()
            except (RuntimeError, WebSocketDisconnect):
                return None  # the transport is gone (or we closed it): same as a disconnect
            if message["type"] == "websocket.disconnect":
                return None
            if not self._frames.take():
                await self.refuse(
                    p.ProtocolError(p.Code.RATE_LIMITED, "Too many frames.", close=p.Close.POLICY)
                )
                return None
            try:
                frame = self.parse(payload(message))
            except p.ProtocolError as err:
                await self.refuse(err)
                continue
            if isinstance(frame, p.PingFrame):
                await self.send({"type": "pong", "ts": frame.ts})
            elif isinstance(frame, p.AuthFrame):
                if await self.authenticate(frame.token):
                    await self.send({"type": "authenticated", "expires_at": iso(self.expires_at)})
            elif not isinstance(frame, p.PongFrame):
                return frame
        return None

    async def handshake(self, protocol: str) -> bool:
        """Accept the socket and authenticate (bearer subprotocol, or an ``auth`` first frame)."""
        offered = list(self.ws.scope.get("subprotocols") or [])
        # Never echo the bearer subprotocol back: the token would appear in response headers.
        await self.ws.accept(subprotocol=protocol if protocol in offered else None)
        token = p.token_from_subprotocols(offered)
        deadline = time.monotonic() + p.AUTH_DEADLINE_SECONDS
        return await self.authenticate(token) if token else await self.wait_for_auth(deadline)

    async def heartbeat(self) -> None:
        """Ping every ``HEARTBEAT_SECONDS``; re-check the sign-in every ``REVALIDATE_SECONDS``
        (closing 1008 once it is signed out); close (1008) once the token has long expired."""
        last_ping = time.monotonic()
        while not self.closed:
            # Ticks a fifth of the shorter period: a check due before the next tick runs now,
            # so a sign-out reaches the socket within REVALIDATE_SECONDS.
            tick = min(HEARTBEAT_SECONDS, REVALIDATE_SECONDS) / 5
            await asyncio.sleep(tick)
            if self.expires_at is not None and dt.datetime.now(dt.UTC) >= self.expires_at + dt.timedelta(
                seconds=EXPIRED_GRACE_SECONDS
            ):
                await self.refuse(
                    p.ProtocolError(p.Code.TOKEN_EXPIRED, "The access token expired.", close=p.Close.POLICY)
                )
                return
            stale = time.monotonic() - self._validated_at + tick >= REVALIDATE_SECONDS
            if stale and not await self.revalidate():
                return
            if time.monotonic() - last_ping + tick > HEARTBEAT_SECONDS:
                last_ping = time.monotonic()
                await self.send({"type": "ping", "ts": int(time.time() * 1000)})


async def signed_in(db: Database, settings: Settings, token: str) -> Principal:
    """The principal of ``token`` if its sign-in session is still live (one short transaction);
    raises ``Unauthorized`` otherwise. Every socket re-checks through this (therapist included)."""
    async with db.unit_of_work() as session:
        return await authenticate_token(session, token, settings)


def payload(message: Mapping[str, Any]) -> str | bytes:
    text = message.get("text")
    if text is not None:
        return str(text)
    data = message.get("bytes")
    return bytes(data) if data is not None else b""


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
