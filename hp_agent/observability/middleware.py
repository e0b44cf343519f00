"""ASGI middleware: request and connection ids, the access log line, HTTP and socket metrics.

Outermost in the stack, so its timing covers everything the app does for a request. It reads the
route template FastAPI's router leaves in the scope (``/v1/chat/sessions/{session_id}``), never
the raw path, for both the metrics' labels and the log line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hp_agent.observability import logging as hplog
from hp_agent.observability import metrics

log = logging.getLogger("hp_agent.access")

REQUEST_ID_HEADER = b"x-request-id"
# An id a proxy assigned is kept only if it looks like one (it is echoed and logged).
_INBOUND_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")
# Probes and scrapes are answered every few seconds: their access lines are debug-level.
_QUIET = {"/healthz", "/livez", "/readyz", "/metrics"}


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


def _inbound_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER and _INBOUND_ID.match(value):
            return bytes(value).decode("ascii")
    return None


class Observability:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = _inbound_id(scope) or uuid.uuid4().hex
        token = hplog.request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers") or [])
                headers.append((REQUEST_ID_HEADER, rid.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route, method = _route(scope), str(scope.get("method", "GET"))
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, route).observe(elapsed)
            log.log(
                logging.DEBUG if route in _QUIET and status < 500 else logging.INFO,
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            hplog.request_id.reset(token)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        cid = uuid.uuid4().hex[:16]
        token = hplog.connection_id.set(cid)
        kind = metrics.socket_kind(str(scope.get("path", "")))
        state: dict[str, Any] = {"accepted": False, "code": None}
        started = time.perf_counter()

        async def tracking_send(message: Message) -> None:
            if message["type"] == "websocket.accept" and not state["accepted"]:
                state["accepted"] = True
                metrics.OPEN_SOCKETS.labels(kind).inc()
                log.info("socket opened", extra={"kind": kind})
            elif message["type"] == "websocket.close" and state["code"] is None:
                state["code"] = int(message.get("code", 1000))
            await send(message)

        async def tracking_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.disconnect" and state["code"] is None:
                state["code"] = int(message.get("code", 1005))
            return message

        try:
            await self.app(scope, tracking_receive, tracking_send)
        finally:
            if state["accepted"]:
                metrics.OPEN_SOCKETS.labels(kind).dec()
                code = str(state["code"] or 1006)
                metrics.SOCKETS_CLOSED.labels(kind, code).inc()
                log.info(
                    "socket closed",
                    extra={
                        "kind": kind,
                        "code": int(code),
                        "duration_s": round(time.perf_counter() - started, 1),
                    },
                )
            hplog.connection_id.reset(token)
