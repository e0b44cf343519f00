"""Findings 3, 5 and 6 of issue #14 on the person-facing sockets (chat and guided), through a real
socket: deep JSON (even before auth) closes 1003 with an error frame, never a traceback; a lone
surrogate in chat text is the client's bad data (not ``internal_error``); a token in the URL's
query string is refused at the handshake and never logged; a logout closes an idle chat socket.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from hp_agent.api import socket_base
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer
from tests.security.conftest import ServerLog

DEEP = "[" * 50_00 + "]" * 50_00  # 10 KB: under the 16 KB frame limit, far over any sane depth


async def _until_closed(ws: websockets.ClientConnection, within: float = 5) -> tuple[int | None, list[dict]]:
    frames: list[dict] = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), within)))
    except ConnectionClosed:
        return ws.close_code, frames
    except TimeoutError:
        return None, frames


@pytest.mark.parametrize(
    ("path", "protocol"), [("/v1/ws/chat", "hp.chat.v1"), ("/v1/ws/guided", "hp.guided.v1")]
)
async def test_deep_json_before_auth_closes_1003(
    live_server: LiveServer, server_log: ServerLog, path: str, protocol: str
) -> None:
    sockets = [
        await websockets.connect(live_server.ws_url + path, subprotocols=[Subprotocol(protocol)])
        for _ in range(5)
    ]
    for ws in sockets:
        await ws.send(DEEP)
    for ws in sockets:
        code, frames = await _until_closed(ws)
        assert code == 1003
        assert frames[-1]["code"] == "invalid_json"
    text = server_log.text()
    assert "RecursionError" not in text
    assert "Traceback" not in text


async def test_deep_json_after_auth_and_a_lone_surrogate_in_chat_text(
    live_server: LiveServer, seeded: None, server_log: ServerLog
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    try:
        await chat.start("cbt-coach")
        # json.dumps keeps the lone surrogate as the escape "\ud800", as a buggy client sends it.
        await chat.send({"type": "user_message", "client_message_id": "m-1", "text": "hello \ud800 there"})
        err = await chat.expect("error")
        assert err["code"] == "invalid_frame"  # bad data: do not retry as is
        assert err["client_message_id"] == "m-1"
        assert "ud800" not in json.dumps(err)
        # The socket carries on, and a clean message is stored and acknowledged.
        ack = await chat.say("hello there")
        assert ack["type"] == "ack"
        await chat.send_raw(DEEP)
        code, _ = await _until_closed(chat.ws)
        assert code == 1003
    finally:
        await chat.close()
    assert "Traceback" not in server_log.text()
    assert "internal_error" not in server_log.text()


@pytest.mark.parametrize("query", ["token={t}", "access_token={t}", "x={t}", "auth=abc"])
async def test_token_in_query_string_is_refused_and_not_logged(
    live_server: LiveServer, server_log: ServerLog, query: str
) -> None:
    user = await new_user(live_server.http_url)
    token = user["access_token"]
    for path, protocol in (
        ("/v1/ws/chat", "hp.chat.v1"),
        ("/v1/ws/guided", "hp.guided.v1"),
        ("/v1/ws/therapist", None),
    ):
        protocols = [Subprotocol(protocol)] if protocol else None
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(
                f"{live_server.ws_url}{path}?{query.format(t=token)}", subprotocols=protocols, open_timeout=10
            )
        assert refused.value.response.status_code == 403
    text = server_log.text()
    assert token not in text
    assert token.split(".")[2] not in text  # not even the signature part
    assert "/v1/ws/chat" in text  # the handshake was logged, without its query


async def test_logout_closes_an_idle_chat_socket(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    monkeypatch.setattr(socket_base, "REVALIDATE_SECONDS", 0.5)
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    try:
        async with httpx.AsyncClient(base_url=live_server.http_url) as http:
            r = await http.post(
                "/v1/auth/logout", headers={"Authorization": f"Bearer {user['access_token']}"}
            )
            assert r.status_code == 204
        code, frames = await _until_closed(chat.ws)
        assert code == 1008
        assert frames[-1]["code"] == "auth_failed"
    finally:
        await chat.close()
