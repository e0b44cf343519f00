"""Findings 2 and 10 of issue #14: NUL bytes, lone surrogates and deep JSON get a clean 422 with a
code (never a 500 with SQL parameters in the log), and every ``/v1/`` response says ``no-store``."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi import FastAPI

from hp_agent.config import Settings
from hp_agent.db.session import Database
from tests.api.auth_helpers import bearer, new_email, register, signed_in

MARK = "zq7secretvalue"  # what a person typed: must never reach a log line


def server_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # httpx logs the URLs the *test client* requests; everything else is the server's.
    return [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]


def _no_leak(caplog: pytest.LogCaptureFixture) -> None:
    records = server_records(caplog)
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in records)
    assert MARK not in text
    assert "Traceback" not in text
    assert not any(r.exc_info for r in records)


def _refused(r: httpx.Response, code: str = "invalid_characters") -> None:
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert MARK not in r.text
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("bad", ["\u0000", "\ud800"])
async def test_bad_characters_in_login_and_register_bodies(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, bad: str
) -> None:
    caplog.set_level(logging.DEBUG)
    # Serialised by hand: the JSON escapes are what an attacker sends (\u0000, a lone \ud800).
    body = json.dumps({"email": f"{MARK}{bad}@example.org", "password": f"{MARK}-Password-1"})
    r = await client.post("/v1/auth/login", content=body, headers={"content-type": "application/json"})
    _refused(r)
    body = json.dumps(
        {
            "email": new_email(),
            "password": "Quiet-Harbor-Lantern-72",
            "consents": ["terms", "privacy"],
            "display_name": f"{MARK}{bad}",
        }
    )
    r = await client.post("/v1/auth/register", content=body, headers={"content-type": "application/json"})
    _refused(r)
    # In a key, too.
    r = await client.post(
        "/v1/auth/login",
        content=json.dumps({f"e{bad}": MARK, "email": "a@example.org", "password": "x"}),
        headers={"content-type": "application/json"},
    )
    _refused(r)
    _no_leak(caplog)


async def test_nul_in_authenticated_bodies_and_query_values(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, tokens = await signed_in(client, "nul")
    auth = bearer(tokens)
    r = await client.post(
        "/v1/journal/entries",
        content=json.dumps({"content": "a fine day", "tags": [f"{MARK}\u0000"]}),
        headers={**auth, "content-type": "application/json"},
    )
    _refused(r)
    r = await client.post(
        "/v1/mood/entries",
        content=json.dumps({"mood_score": 5, "activities": [f"walk\u0000{MARK}"]}),
        headers={**auth, "content-type": "application/json"},
    )
    _refused(r)
    for url in (f"/v1/journal/entries?tag={MARK}%00", f"/v1/crisis-resources?country=%00{MARK}"):
        r = await client.get(url, headers=auth)
        _refused(r)
    # Bytes that are not UTF-8 at all (a lone surrogate's CESU-8 form) in a query value.
    r = await client.get(f"/v1/journal/entries?tag={MARK}%ED%A0%80", headers=auth)
    _refused(r)
    # The same requests without the bad character are served (the guard refuses only those).
    r = await client.get(f"/v1/journal/entries?tag={MARK}", headers=auth)
    assert r.status_code == 200, r.text
    _no_leak(caplog)


async def test_deep_json_is_422_not_a_recursion_error(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    deep = '{"email": ' + "[" * 5000 + "]" * 5000 + ', "password": "x"}'
    r = await client.post("/v1/auth/login", content=deep, headers={"content-type": "application/json"})
    _refused(r, "invalid_json")
    _no_leak(caplog)


async def test_malformed_json_still_gets_the_field_level_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/auth/login", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


async def test_uncaught_error_is_500_without_traceback_or_message(
    settings: Settings, app_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    from hp_agent.app import create_app

    app: FastAPI = create_app(settings, database=app_db)

    @app.get("/v1/test-boom/{item}")
    async def boom(item: str) -> None:
        raise RuntimeError(f"duplicate key value ({item})=({MARK})")  # as a driver error would

    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get(f"/v1/test-boom/{MARK}?q={MARK}")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert r.headers["cache-control"] == "no-store"
    _no_leak(caplog)
    assert any(
        "RuntimeError" in rec.getMessage() and "/v1/test-boom/{item}" in rec.getMessage()
        for rec in caplog.records
    )


async def test_every_v1_response_is_no_store(client: httpx.AsyncClient) -> None:
    email, tokens = await signed_in(client, "cache")
    for method, url, kwargs in [
        ("GET", "/v1/me", {"headers": bearer(tokens)}),
        ("GET", "/v1/auth/sessions", {"headers": bearer(tokens)}),
        ("GET", "/v1/agents", {"headers": bearer(tokens)}),
        ("GET", "/v1/journal/entries", {"headers": bearer(tokens)}),
        ("GET", "/v1/me", {}),  # 401
        ("GET", "/v1/no-such-thing", {}),  # 404
        ("POST", "/v1/auth/register", {"json": {"email": "nope"}}),  # 422
    ]:
        r = await client.request(method, url, **kwargs)
        assert r.headers.get("cache-control") == "no-store", (url, r.status_code)
    r = await register(client, email)  # any outcome: still private
    assert r.headers.get("cache-control") == "no-store"
