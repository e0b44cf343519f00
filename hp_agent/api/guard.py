"""The edge of the API: bad characters, tokens in socket URLs, caching, and uncaught errors.

One ASGI middleware, inside the body-size limit:

- **Input.** A NUL, a lone surrogate or invalid UTF-8 in the path or the query string, and a NUL,
  lone surrogate or deep nesting anywhere in a JSON body (keys included), get a 422
  ``invalid_characters`` / ``invalid_json`` before any endpoint runs (``textcheck.py``).
- **Socket URLs.** A websocket handshake whose query string carries anything token-like is refused
  (close 1008 before accept, i.e. HTTP 403), and the query string is dropped from the scope first,
  so it appears in no access-log line. Sockets authenticate with a frame or a subprotocol.
- **Caching.** Every ``/v1/`` response says ``Cache-Control: no-store``: they hold private data
  (or tokens) and must not be kept by browsers or shared caches.
- **Uncaught errors** become the usual 500 JSON and one log line with the exception's type and
  the route's path (no query, no message: a database error's message quotes the SQL parameters,
  which are what the person typed). Nothing is re-raised, so no traceback reaches the log.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hp_agent.api.errors import error_body
from hp_agent.api.limits import BodyTooLarge
from hp_agent.api.textcheck import BadText, check_str, loads_checked
from hp_agent.chat.protocol import Close

log = logging.getLogger("hp_agent.errors")

_NO_STORE = (b"cache-control", b"no-store")
_TOKENISH_NAME = re.compile(r"token|auth|jwt|bearer|session|key", re.IGNORECASE)
_JWT_VALUE = re.compile(r"^eyJ[\w-]*\.[\w-]+\.[\w-]*$")
_JSON_TYPES = (b"application/json", b"+json")


def _decoded(raw: bytes) -> str:
    """Percent-decoded UTF-8; BadText for NUL, lone surrogates or bytes that are not UTF-8."""
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadText("encoding") from None
    check_str(text)
    return text


def _tokenish_query(query: bytes) -> bool:
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    except ValueError:
        return True  # not even a query string: refuse rather than guess
    return any(_TOKENISH_NAME.search(k) or _JWT_VALUE.match(v) for k, v in pairs)


class EdgeGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string") or b""
        if query:
            # Dropped before anything can log it (uvicorn logs the handshake from this scope).
            scope["query_string"] = b""
            if _tokenish_query(query):
                await send(
                    {"type": "websocket.close", "code": Close.POLICY, "reason": "no credentials in URLs"}
                )
                return
        await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        private = str(scope.get("path", "")).startswith("/v1/")
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if private:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                    message = {**message, "headers": [*headers, _NO_STORE]}
            await send(message)

        try:
            _decoded(scope.get("raw_path") or str(scope.get("path", "")).encode())
            _decoded(scope.get("query_string") or b"")
        except BadText:
            await _reply(
                guarded_send, 422, "invalid_characters", "The URL contains characters that are not allowed."
            )
            return
        if _is_json(scope):
            body, receive = await _buffer(receive)
            if body:
                try:
                    loads_checked(body)
                except BadText as bad:
                    code, message = (
                        ("invalid_json", "The JSON body nests too deeply.")
                        if bad.reason == "depth"
                        else ("invalid_characters", "The request contains characters that are not allowed.")
                    )
                    await _reply(guarded_send, 422, code, message)
                    return
                except ValueError:
                    pass  # malformed JSON: the endpoint's validation answers it with field details
        try:
            await self.app(scope, receive, guarded_send)
        except BodyTooLarge:
            raise  # answered 413 by the size limit outside
        except Exception as exc:
            log.error("unhandled error on %s %s: %s", scope.get("method"), _route(scope), type(exc).__name__)
            if not started:
                await _reply(guarded_send, 500, "internal_error", "Something went wrong on our side.")


def _route(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    # The template (``/v1/agents/{slug}``), not the path: a path segment can be user input.
    return str(template) if template else "(no route)"


def _is_json(scope: Scope) -> bool:
    if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return False
    raw: bytes = dict(scope.get("headers") or []).get(b"content-type", b"")
    return raw.split(b";")[0].strip().lower().endswith(_JSON_TYPES)


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body (the size limit outside bounds it) and a receive that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            pending: Message | None = message
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            pending = None
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            if pending is not None:
                return pending
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _reply(
    send: Send, status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> None:
    body = json.dumps(error_body(code, message, details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
