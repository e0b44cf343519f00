"""A small websocket client for the chat tests (the ``websockets`` library, a real socket)."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from tests.api.auth_helpers import PASSWORD, new_email

PROTOCOL = "hp.chat.v1"
_ids = itertools.count(1)


async def new_user(http_url: str, *, country: str = "US", locale: str = "en-US") -> dict[str, Any]:
    """Register and sign in a fresh patient through the live server; returns the token body + email."""
    email = new_email("chat")
    async with httpx.AsyncClient(base_url=http_url, timeout=30) as http:
        body = {
            "email": email,
            "password": PASSWORD,
            "consents": ["terms", "privacy"],
            "country_code": country,
            "locale": locale,
        }
        r = await http.post("/v1/auth/register", json=body)
        assert r.status_code == 201, r.text
        r = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        tokens: dict[str, Any] = r.json()
    tokens["email"] = email
    return tokens


class Chat:
    """One socket; ``frames`` keeps everything received, in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, ws_url: str, token: str | None = None, *, via: str = "subprotocol") -> Chat:
        protocols = [Subprotocol(PROTOCOL)]
        if token and via == "subprotocol":
            protocols.append(Subprotocol(f"bearer.{token}"))
        ws = await websockets.connect(f"{ws_url}/v1/ws/chat", subprotocols=protocols, open_timeout=30)
        chat = cls(ws)
        if token and via == "frame":
            await chat.send({"type": "auth", "token": token})
        if token:
            await chat.expect("ready")
        return chat

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def recv(self, wait: float = 30) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), wait)
        frame: dict[str, Any] = json.loads(raw)
        self.frames.append(frame)
        return frame

    async def expect(self, frame_type: str, /, wait: float = 30, **match: Any) -> dict[str, Any]:
        """Frames until one of ``frame_type`` (matching ``match``); pings are answered on the way."""
        while True:
            frame = await self.recv(wait)
            if frame["type"] == "ping":
                await self.send({"type": "pong", "ts": frame.get("ts")})
                continue
            if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
                return frame
            if frame["type"] == "error" and frame_type != "error":
                raise AssertionError(f"error frame while waiting for {frame_type}: {frame}")

    async def start(self, agent: str) -> tuple[str, dict[str, Any]]:
        await self.send({"type": "start", "agent": agent})
        started = await self.expect("session_started")
        greeting = await self.expect("agent_message")
        return started["session_id"], greeting

    async def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        """Send a message and return its ack."""
        cid = client_id or f"m{next(_ids)}-{uuid.uuid4().hex[:8]}"
        for _ in range(20):
            await self.send({"type": "user_message", "client_message_id": cid, "text": text})
            while True:
                frame = await self.recv()
                if frame["type"] == "ping":
                    await self.send({"type": "pong", "ts": frame.get("ts")})
                elif frame["type"] == "ack" and frame.get("client_message_id") == cid:
                    return frame
                elif frame["type"] == "error":
                    # As the protocol asks of clients: a rate-limited message is resent after
                    # retry_after_ms (it was not stored); anything else is a test failure.
                    if frame["code"] != "rate_limited" or frame.get("client_message_id") != cid:
                        raise AssertionError(f"error frame while waiting for ack: {frame}")
                    await asyncio.sleep(frame["retry_after_ms"] / 1000)
                    break
        raise AssertionError("still rate limited after 20 attempts")

    async def turn(self, text: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        """Send a message; returns (ack, agent_token frames, final agent_message)."""
        ack = await self.say(text)
        start = len(self.frames)
        final = await self.expect("agent_message")
        tokens = [f for f in self.frames[start:] if f["type"] == "agent_token"]
        return ack, tokens, final

    async def close(self) -> None:
        await self.ws.close()
