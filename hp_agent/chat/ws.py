"""The chat websocket, ``/v1/ws/chat`` (protocol ``hp.chat.v1``, see ``docs/protocol.md``).

One :class:`ChatConnection` per socket. No database session lives as long as the socket: each
inbound frame that touches data runs in its own unit of work, re-checks the access token (a
signed-out session or an expired token stops working mid-socket) and commits before anything
about it is acknowledged. Frames are handled one at a time per socket by a worker task, while
the reader keeps answering pings; an agent reply keeps going (and is stored) if the socket drops
mid-reply, so a client that resumes finds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.api.socket_base import HEARTBEAT_SECONDS, AuthenticatedSocket
from hp_agent.app_state import state_of
from hp_agent.chat import protocol as p
from hp_agent.chat import replies, service
from hp_agent.chat.agent_bridge import AgentBridge
from hp_agent.chat.conversation import Conversation
from hp_agent.chat.frames import message_frame
from hp_agent.chat.hub import SessionHub
from hp_agent.chat.models import ChatMessage
from hp_agent.chat.ratelimit import TokenBucket
from hp_agent.chat.relay import reminder_id
from hp_agent.compliance import audit
from hp_agent.crisis import gateway as crisis
from hp_agent.observability import metrics

log = logging.getLogger("hp_agent.chat.ws")
router = APIRouter()

JOB_QUEUE = 16
REPLAY_PAGE = 200
DRAIN_SECONDS = 60.0  # how long an in-flight frame may finish after the client left
STORE_REPLY_ATTEMPTS = 3


@router.websocket("/v1/ws/chat")
async def chat_socket(websocket: WebSocket) -> None:
    await ChatConnection(websocket).run()


class ChatConnection(AuthenticatedSocket):
    PROTOCOL = p.PROTOCOL

    def __init__(self, ws: WebSocket) -> None:
        super().__init__(ws, p.parse_frame)
        self.hub: SessionHub = state_of(ws.app).chat_hub
        self.chat_id: uuid.UUID | None = None
        self.agent = AgentBridge(self.settings)
        self._convo: Conversation | None = None  # recent turns this socket knows (conversation.py)
        self.sent_upto = 0
        self._deliver_lock = asyncio.Lock()
        self._jobs: asyncio.Queue[p.InboundFrame | None] = asyncio.Queue(JOB_QUEUE)
        self._inbox: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
        self._messages = TokenBucket(p.RATE_PER_SECOND, p.RATE_BURST)

    # -- delivery of stored frames (exactly once, in seq order) -------------------------------

    def notify(self, frames: list[dict[str, Any]]) -> None:
        self._inbox.put_nowait(frames)

    async def deliver(self, frames: list[dict[str, Any]]) -> None:
        async with self._deliver_lock:
            for frame in sorted(frames, key=lambda f: int(f.get("seq") or 0)):
                if self.chat_id is None or frame.get("session_id") != str(self.chat_id):
                    continue
                if "seq" not in frame:  # live only (typing): not stored, never replayed
                    await self.send(frame)
                    continue
                seq = int(frame["seq"])
                if seq > self.sent_upto + 1:
                    # Written elsewhere (another device or instance) and not seen live yet.
                    await self._backfill(upto=seq - 1)
                if seq <= self.sent_upto:
                    continue
                await self.send(frame)
                self.sent_upto = seq

    async def _backfill(self, upto: int | None = None) -> None:
        """Send stored frames after ``sent_upto`` (up to ``upto``); caller holds the deliver lock."""
        chat_id = self.chat_id
        assert chat_id is not None
        while True:
            async with self.unit_of_work() as (session, principal):
                rows = await service.replay(session, principal, chat_id, self.sent_upto, REPLAY_PAGE)
            for row in rows:
                if upto is not None and row.seq > upto:
                    return
                await self.send(message_frame(row, replay=True))
                self.sent_upto = row.seq
            if len(rows) < REPLAY_PAGE:
                return

    async def publish(self, messages: list[ChatMessage]) -> None:
        frames = [message_frame(m) for m in messages]
        await self.deliver(frames)
        if self.chat_id is not None:
            self.hub.publish(self.chat_id, frames, origin=self)

    async def attach(self, chat_id: uuid.UUID, sent_upto: int) -> None:
        await self.detach()
        self._convo = None
        self.chat_id = chat_id
        self.sent_upto = sent_upto
        await self.hub.join(chat_id, self)

    async def detach(self) -> None:
        if self.chat_id is not None:
            await self.hub.leave(self.chat_id, self)
        self.chat_id = None
        self.sent_upto = 0

    # -- the socket's life ----------------------------------------------------------------------

    async def serve(self) -> None:
        assert self.principal is not None
        await self.send(
            {
                "type": "ready",
                "protocol": p.PROTOCOL,
                "user_id": str(self.principal.user_id),
                "limits": p.limits(),
                "heartbeat_seconds": HEARTBEAT_SECONDS,
            }
        )
        relay = state_of(self.ws.app).chat_relay
        if relay is not None and self.principal.user_id is not None:
            try:
                await relay.add(self.principal.user_id, self)
            except Exception as exc:
                log.warning("user relay unavailable: %s", type(exc).__name__)
                relay = None
        worker = asyncio.create_task(self._work(), name="chat-worker")
        hub = asyncio.create_task(self._forward_hub(), name="chat-hub")
        try:
            await self._read()
        finally:
            self.closed = True
            # Frames not started are dropped (they were never acknowledged, so clients resend);
            # the one in progress finishes so its reply is stored for a resuming client.
            while not self._jobs.empty():
                self._jobs.get_nowait()
            await self._jobs.put(None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(worker), DRAIN_SECONDS)
            for task in (hub, worker):
                task.cancel()
            await asyncio.gather(hub, worker, return_exceptions=True)
            if relay is not None and self.principal.user_id is not None:
                await relay.remove(self.principal.user_id, self)
            await self.detach()

    async def _read(self) -> None:
        async for frame in self.frames():
            if isinstance(frame, p.TypingFrame):
                self._typing(frame.state)
                continue
            if isinstance(frame, p.UserMessageFrame) and not self._messages.take():
                await self.send(
                    p.error_frame(
                        p.Code.RATE_LIMITED,
                        "Too many messages; resend this one shortly.",
                        client_message_id=frame.client_message_id,
                        retry_after_ms=self._messages.retry_after_ms(),
                    )
                )
                continue
            try:
                self._jobs.put_nowait(frame)
            except asyncio.QueueFull:
                await self.send(p.error_frame(p.Code.BUSY, "Too many frames waiting; slow down."))

    async def _work(self) -> None:
        while True:
            frame = await self._jobs.get()
            if frame is None:
                return
            try:
                await self._handle(frame)
            except p.ProtocolError as err:
                await self.refuse(err)
            except PoolTimeout:
                # Overloaded: no database connection within the pool timeout. Nothing was stored;
                # say so plainly so the client resends later instead of reporting a fault.
                extra = (
                    {"client_message_id": frame.client_message_id}
                    if isinstance(frame, p.UserMessageFrame)
                    else {}
                )
                await self.send(
                    p.error_frame(p.Code.BUSY, "The service is busy; please resend shortly.", **extra)
                )
            except Exception as exc:
                log.error(
                    "chat frame %s failed: %s",
                    frame.type,
                    type(exc).__name__,
                    exc_info=log.isEnabledFor(logging.DEBUG),
                )
                await self.send(
                    p.error_frame(p.Code.INTERNAL, "Something went wrong on our side; please retry.")
                )

    def _typing(self, state: str) -> None:
        """The person is typing: tell their other devices on this conversation (nothing stored)."""
        if self.chat_id is not None and not self.token_expired():
            frame = {"type": "typing", "session_id": str(self.chat_id), "state": state, "by": "user"}
            self.hub.publish(self.chat_id, [frame], origin=self)

    async def _forward_hub(self) -> None:
        while True:
            frames = await self._inbox.get()
            await self.deliver(frames)

    # -- frames that touch data -----------------------------------------------------------------

    async def _handle(self, frame: p.InboundFrame) -> None:
        if self.token_expired():
            raise p.ProtocolError(
                p.Code.TOKEN_EXPIRED, "The access token expired; send an 'auth' frame with a fresh one."
            )
        if isinstance(frame, p.StartFrame):
            await self._start(frame)
        elif isinstance(frame, p.ResumeFrame):
            await self._resume(frame)
        elif isinstance(frame, p.UserMessageFrame):
            await self._user_message(frame)
        elif isinstance(frame, p.EndFrame):
            await self._end()

    async def _start(self, frame: p.StartFrame) -> None:
        async with self.unit_of_work() as (session, principal):
            chat, agent, greeting = await service.start(session, principal, frame.agent)
        await self.attach(chat.id, 0)
        self._convo = Conversation(chat.id, 0)
        if not self._convo.add([greeting]):
            self._convo = None
        self.agent.use(agent)
        await self.send(
            {"type": "session_started", "session_id": str(chat.id), "agent": _agent(agent), "last_seq": 0}
        )
        await self.publish([greeting])

    async def _resume(self, frame: p.ResumeFrame) -> None:
        session_id = frame.session_uuid()
        async with self.unit_of_work() as (session, principal):
            chat, agent = await service.attach(session, principal, session_id)
        # Subscribe before replaying: a frame stored meanwhile arrives live or in the replay,
        # and the seq check in deliver() keeps it from arriving twice.
        await self.attach(chat.id, min(frame.last_seq, chat.last_seq))
        self.agent.use(agent)
        await self.send(
            {
                "type": "session_resumed",
                "session_id": str(chat.id),
                "status": chat.status.value,
                "agent": _agent(agent),
                "last_seq": chat.last_seq,
                "replay_from": self.sent_upto + 1,
            }
        )
        async with self._deliver_lock:
            await self._backfill()
            await self.send(
                {"type": "replay_complete", "session_id": str(chat.id), "last_seq": self.sent_upto}
            )

    def _require_session(self) -> uuid.UUID:
        if self.chat_id is None:
            raise p.ProtocolError(p.Code.SESSION_REQUIRED, "Send 'start' or 'resume' first.")
        return self.chat_id

    async def _prepare(self, chat_id: uuid.UUID, client_message_id: str) -> service.Prepared:
        convo = self._convo
        if convo is not None and convo.session_id == chat_id:
            return convo.prepared()  # checked against the session's counter under the lock
        async with self.unit_of_work() as (session, principal):
            return await service.prepare(session, principal, chat_id, client_message_id)

    async def _user_message(self, frame: p.UserMessageFrame) -> None:
        chat_id = self._require_session()
        received = time.perf_counter()
        prepared = await self._prepare(chat_id, frame.client_message_id)
        while True:
            if prepared.duplicate is not None:
                # The original ack again (the client missed it); no second reply.
                await self.send(message_frame(prepared.duplicate, duplicate=True))
                return
            assessment = await service.assess_message(frame.text, prepared)
            try:
                async with self.unit_of_work() as (session, principal):
                    accepted = await service.accept(
                        session,
                        principal,
                        chat_id,
                        frame.client_message_id,
                        frame.text,
                        assessment=assessment,
                        prepared=prepared,
                        load_context=self.agent.load_context,
                        tools_allowed=self.agent.tools_allowed,
                    )
                break
            except service.StaleContext:
                # Another device wrote since this socket's last turn: read, assess again.
                self._convo = None
                prepared = await self._prepare(chat_id, frame.client_message_id)
        # Committed: only now is the message acknowledged.
        if accepted.duplicate:
            # The original ack again (the client missed it); no second reply.
            await self.send(message_frame(accepted.message, duplicate=True))
            return
        self._convo = Conversation.after_accept(chat_id, prepared, accepted)
        metrics.CHAT_MESSAGES.labels("user").inc()
        if accepted.scripted:
            metrics.CHAT_MESSAGES.labels("scripted").inc(len(accepted.scripted))
        await self.publish([accepted.message, *accepted.scripted])
        if accepted.agent_turn is not None:
            await self._agent_reply(chat_id, frame.client_message_id, accepted.agent_turn, received)
        elif accepted.limited is not None:  # stored and assessed; the plan has no reply left today
            limited = accepted.limited
            await self.send(p.error_frame(limited.code, limited.message, **limited.details))

    async def _agent_reply(
        self, chat_id: uuid.UUID, reply_to: str, turn: service.AgentTurn, received: float
    ) -> None:
        await self.send({"type": "typing", "session_id": str(chat_id), "state": "start", "by": "agent"})
        index = 0

        async def emit(piece: str) -> None:
            nonlocal index
            await self.send(
                {
                    "type": "agent_token",
                    "session_id": str(chat_id),
                    "reply_to": reply_to,
                    "index": index,
                    "text": piece,
                }
            )
            index += 1

        result = await replies.guarded(
            self.agent.stream(turn, self.db, self.principal), emit, generated=self.agent.generates_text
        )
        latency_ms = int((time.perf_counter() - received) * 1000)
        # The person's message is already stored and acknowledged: under overload, try a little
        # harder to store its reply than to give up (a resend would only get the duplicate ack).
        for attempt in range(STORE_REPLY_ATTEMPTS):
            try:
                async with self.unit_of_work() as (session, principal):
                    stored = await service.store_reply(
                        session,
                        principal,
                        chat_id,
                        text=result.text,
                        agent_slug=self.agent.slug,
                        reply_to=reply_to,
                        latency_ms=latency_ms,
                        model_name=self.agent.model_name
                        if not (result.replaced or result.failed)
                        else "safe_fallback",
                        replaced=result.replaced,
                        fallback=result.failed,
                    )
                    if result.replaced or result.failed:
                        await audit.record(
                            session,
                            "chat.reply.replaced" if result.replaced else "chat.reply.failed",
                            actor=principal,
                            subject_type="chat_session",
                            subject_id=chat_id,
                            details={
                                "agent": self.agent.slug,
                                "violations": result.violations,
                                "message_id": stored.id,
                            },
                        )
                break
            except PoolTimeout:
                if attempt == STORE_REPLY_ATTEMPTS - 1:
                    raise
        metrics.CHAT_MESSAGES.labels("agent").inc()
        await self.send({"type": "typing", "session_id": str(chat_id), "state": "stop", "by": "agent"})
        if self._convo is not None and not self._convo.add([stored]):
            self._convo = None
        await self.publish([stored])

    async def relay_safety(self, data: dict[str, Any]) -> None:
        """A reminder from the escalation service (see ``relay.py``)."""
        chat_id = self.chat_id
        if chat_id is None:
            await self.send({"type": "safety", **crisis.reminder_body(data)})
            return
        try:
            async with self.unit_of_work() as (session, principal):
                stored = await service.store_reminder(session, principal, chat_id, data, reminder_id(data))
        except Exception as exc:
            log.warning("relayed reminder not stored: %s", type(exc).__name__)
            return
        if stored is not None:
            await self.publish([stored])

    async def _end(self) -> None:
        chat_id = self._require_session()
        async with self.unit_of_work() as (session, principal):
            msg = await service.end(session, principal, chat_id)
        if msg is None:
            raise p.ProtocolError(p.Code.SESSION_ENDED, "This chat session has already ended.")
        await self.publish([msg])


def _agent(agent: AIAgentConfiguration | None) -> dict[str, Any] | None:
    return {"slug": agent.slug, "name": agent.name} if agent else None
