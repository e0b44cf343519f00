"""A small client for ``/v1/ws/guided`` (the ``websockets`` library, a real socket to the live server)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

PROTOCOL = "hp.guided.v1"


class GuidedSocket:
    """One socket; ``frames`` keeps everything received, in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, ws_url: str, token: str | None = None) -> GuidedSocket:
        protocols = [Subprotocol(PROTOCOL)]
        if token:
            protocols.append(Subprotocol(f"bearer.{token}"))
        ws = await websockets.connect(f"{ws_url}/v1/ws/guided", subprotocols=protocols, open_timeout=30)
        sock = cls(ws)
        if token:
            await sock.expect("ready")
        return sock

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, wait: float = 30) -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), wait))
            self.frames.append(frame)
            if frame["type"] != "ping":
                return frame
            await self.send({"type": "pong", "ts": frame.get("ts")})

    async def expect(self, frame_type: str, /, wait: float = 30) -> dict[str, Any]:
        """The next frame, which must be of ``frame_type`` (the protocol's order is part of the test)."""
        frame = await self.recv(wait)
        assert frame["type"] == frame_type, f"expected {frame_type}, got {frame}"
        return frame

    async def start(self, flow: str) -> dict[str, Any]:
        await self.send({"type": "guided_start", "flow": flow})
        return await self.expect("guided_step")

    async def answer(
        self, session_id: str, step: str, value: dict[str, Any], client_id: str | None = None
    ) -> dict[str, Any]:
        """Send an answer and return its ``guided_saved`` frame."""
        cid = client_id or f"a-{uuid.uuid4().hex[:12]}"
        await self.send(
            {
                "type": "guided_answer",
                "session_id": session_id,
                "step": step,
                "value": value,
                "client_id": cid,
            }
        )
        saved = await self.expect("guided_saved")
        assert saved["client_id"] == cid
        return saved

    async def close(self) -> None:
        await self.ws.close()
