"""The one socket base: the chat, guided and therapist websockets authenticate, re-check the
sign-in, read frames and close through this class (``docs/protocol.md``, ``docs/escalation.md``).

A socket subclasses :class:`AuthenticatedSocket`, gives its frame parser and implements
``serve()`` (send its ``ready`` frame, then take frames from ``frames()``). What every socket does
the same way lives here, once:

- the handshake: accept (never echoing a bearer subprotocol), take the token from the
  subprotocols or a first ``auth`` frame within ``AUTH_DEADLINE_SECONDS``;
- the sign-in check: the token's expiry on every frame, its sign-in session re-read at least
  every ``REVALIDATE_SECONDS`` (on a timer too, so an idle socket is closed after a logout), a
  long-expired token closed after ``EXPIRED_GRACE_SECONDS``, no switching to another user;
- the receive loop: flood limit, parse errors answered (deep nesting closes 1003, oversize 1009),
  ``ping``/``auth`` handled, a vanished transport treated as a disconnect;
- close codes from :class:`hp_agent.chat.protocol.Close`.

The therapist console is an older wire dialect (its client predates the chat protocol); the few
class attributes below keep that dialect as it is documented, not a second implementation.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from fastapi import WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.dependencies import authenticate_token
from hp_agent.auth.security import InvalidToken, decode_access_token
from hp_agent.chat import protocol as p
from hp_agent.chat.ratelimit import TokenBucket
from hp_agent.config import Settings
from hp_agent.db.session import ANONYMOUS, Database, Principal
from hp_agent.errors import HPError

HEARTBEAT_SECONDS = 25.0
EXPIRED_GRACE_SECONDS = 60.0  # time to send a fresh token after expiry before the socket closes
REVALIDATE_SECONDS = 15.0  # how stale the "is this sign-in still valid" answer may be
FRAMES_PER_SECOND = 30.0  # every frame type together; a flood closes the socket (1008)
FRAME_BURST = 60


class SignedOut(p.ProtocolError):
    """The sign-in behind the token is gone (logout, sign out everywhere, account disabled)."""

    def __init__(self) -> None:
        super().__init__(p.Code.AUTH_FAILED, "The session has been signed out.", close=p.Close.POLICY)


class AuthenticatedSocket:
    # -- the socket's dialect (class attributes a subclass may set) -----------------------------
    PROTOCOL: ClassVar[str | None] = None  # the subprotocol accepted, when offered
    PING: ClassVar[bool] = True  # send a ``ping`` frame every HEARTBEAT_SECONDS
    # Before authenticating, frames other than ``auth``/``ping`` get ``not_authenticated`` and the
    # socket waits for the deadline; a socket with AUTH_FIRST takes only an ``auth`` frame first.
    AUTH_FIRST: ClassVar[bool] = False
    REAUTH_FAILURE_CLOSES: ClassVar[bool] = True  # a refused fresh token closes (1008)
    SEND_TIMEOUT: ClassVar[float | None] = None  # a send slower than this counts as a dead socket

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

    # -- hooks ----------------------------------------------------------------------------------

    async def serve(self) -> None:
        """The socket's life after authenticating (``ready``, then ``frames()``)."""
        raise NotImplementedError

    def admits(self, principal: Principal) -> bool:
        """Whether this account may use the socket (checked at every sign-in check)."""
        return True

    def offered_token(self, offered: list[str]) -> tuple[str | None, str | None]:
        """The token in the offered subprotocols, and the subprotocol to accept."""
        accept = self.PROTOCOL if self.PROTOCOL in offered else None
        return p.token_from_subprotocols(offered), accept

    def pong(self, frame: p.PingFrame) -> dict[str, Any]:
        return {"type": "pong", "ts": frame.ts}

    def error(self, err: p.ProtocolError) -> dict[str, Any] | None:
        """The error frame sent before acting on ``err`` (None: close without one)."""
        return err.frame()

    # -- the socket's life ----------------------------------------------------------------------

    async def run(self) -> None:
        if not await self.handshake():
            return
        beat = asyncio.create_task(self.heartbeat(), name=f"{type(self).__name__}-heartbeat")
        try:
            await self.serve()
        finally:
            self.closed = True
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)

    # -- sending --------------------------------------------------------------------------------

    async def send(self, frame: dict[str, Any]) -> bool:
        """Send one frame; False (and nothing raised) once the socket is gone."""
        if self.closed:
            return False
        async with self._send_lock:
            try:
                text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
                if self.SEND_TIMEOUT is None:
                    await self.ws.send_text(text)
                else:
                    await asyncio.wait_for(self.ws.send_text(text), self.SEND_TIMEOUT)
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
        frame = self.error(err)
        if frame is not None:
            await self.send(frame)
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
                    principal = await authenticate_token(session, self.token, self.settings)
                except HPError:
                    raise SignedOut from None
                self._still_the_same(principal)
                self.principal = principal
                self._validated_at = time.monotonic()
            yield session, self.principal

    async def recheck(self) -> None:
        """Re-read the sign-in now (before an action that must not outlive it); SignedOut if gone."""
        if self.token is None:
            raise SignedOut
        try:
            principal = await _signed_in(self.db, self.settings, self.token)
        except (HPError, InvalidToken):
            raise SignedOut from None
        self._still_the_same(principal)
        self.principal = principal
        self._validated_at = time.monotonic()

    def _still_the_same(self, principal: Principal) -> None:
        if self.principal is not None and principal.user_id != self.principal.user_id:
            raise SignedOut
        if not self.admits(principal):  # e.g. the role changed since the socket opened
            raise SignedOut

    async def authenticate(self, token: str) -> bool:
        first = self.principal is None
        refused = p.Close.POLICY if first or self.REAUTH_FAILURE_CLOSES else None
        try:
            claims = decode_access_token(self.settings, token)
        except InvalidToken:
            await self.refuse(
                p.ProtocolError(
                    p.Code.AUTH_FAILED, "The access token is invalid or has expired.", close=refused
                )
            )
            return False
        try:
            principal = await _signed_in(self.db, self.settings, token)
        except HPError:
            await self.refuse(
                p.ProtocolError(p.Code.AUTH_FAILED, "The access token is not valid.", close=refused)
            )
            return False
        if not first and self.principal is not None and principal.user_id != self.principal.user_id:
            await self.refuse(
                p.ProtocolError(p.Code.AUTH_FAILED, "A socket cannot change user.", close=p.Close.POLICY)
            )
            return False
        if not self.admits(principal):
            await self.refuse(
                p.ProtocolError(
                    p.Code.AUTH_FAILED, "This socket is not for this account.", close=p.Close.POLICY
                )
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
            await self.recheck()
        except SignedOut as gone:
            await self.refuse(gone)
            return False
        except Exception:
            return True
        return True

    def token_expired(self) -> bool:
        return self.expires_at is not None and dt.datetime.now(dt.UTC) >= self.expires_at

    async def handshake(self) -> bool:
        """Accept the socket and authenticate (bearer subprotocol, or an ``auth`` first frame)."""
        token, accept = self.offered_token(list(self.ws.scope.get("subprotocols") or []))
        # Never echo the bearer token back: it would appear in response headers.
        await self.ws.accept(subprotocol=accept)
        deadline = time.monotonic() + p.AUTH_DEADLINE_SECONDS
        return await self.authenticate(token) if token else await self._wait_for_auth(deadline)

    async def _wait_for_auth(self, deadline: float) -> bool:
        first_only = p.ProtocolError(p.Code.NOT_AUTHENTICATED, "Authenticate first.", close=p.Close.POLICY)
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
                await self.refuse(first_only if self.AUTH_FIRST and err.close is None else err)
                if err.close is not None or self.AUTH_FIRST:
                    return False
                continue
            if isinstance(frame, p.AuthFrame):
                return await self.authenticate(frame.token)
            if self.AUTH_FIRST:
                await self.refuse(first_only)
                return False
            if isinstance(frame, p.PingFrame):
                await self.send(self.pong(frame))
                continue
            await self.send(p.error_frame(p.Code.NOT_AUTHENTICATED, "Send an 'auth' frame first."))
        await self.refuse(
            p.ProtocolError(p.Code.NOT_AUTHENTICATED, "Authentication timed out.", close=p.Close.POLICY)
        )
        return False

    # -- the receive loop -----------------------------------------------------------------------

    async def frames(self) -> AsyncIterator[Any]:
        """The frames for the socket's own handler, until the socket is done."""
        while (frame := await self.next_frame()) is not None:
            yield frame

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
                await self.send(self.pong(frame))
            elif isinstance(frame, p.AuthFrame):
                if await self.authenticate(frame.token):
                    await self.send({"type": "authenticated", "expires_at": iso(self.expires_at)})
            elif not isinstance(frame, p.PongFrame):
                return frame
        return None

    async def heartbeat(self) -> None:
        """Ping every ``HEARTBEAT_SECONDS`` (when the dialect pings); re-check the sign-in every
        ``REVALIDATE_SECONDS`` (closing 1008 once it is signed out); close (1008) once the token
        has been expired for ``EXPIRED_GRACE_SECONDS``."""
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
            if self.PING and time.monotonic() - last_ping + tick > HEARTBEAT_SECONDS:
                last_ping = time.monotonic()
                await self.send({"type": "ping", "ts": int(time.time() * 1000)})


async def _signed_in(db: Database, settings: Settings, token: str) -> Principal:
    """The principal of ``token`` if its sign-in session is still live (one short transaction);
    raises ``Unauthorized`` otherwise."""
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
