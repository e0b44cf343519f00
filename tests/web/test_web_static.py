"""The web client is served at ``/`` with a strict policy, without taking over the API's paths."""

from __future__ import annotations

import httpx

from hp_agent.web import content_security_policy


async def test_index_is_served_with_a_strict_policy(client: httpx.AsyncClient) -> None:
    r = await client.get("/", headers={"host": "app.example.org:8443"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/app.js">' in r.text
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'self' ws://app.example.org:8443 wss://app.example.org:8443"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_a_forged_host_header_is_not_echoed_into_the_policy() -> None:
    csp = content_security_policy("evil.example; script-src *")
    assert "evil" not in csp
    assert "connect-src 'self';" in csp


async def test_assets_are_served_with_script_mime_type(client: httpx.AsyncClient) -> None:
    r = await client.get("/static/js/app.js")
    assert r.status_code == 200
    assert "javascript" in r.headers["content-type"]
    assert "content-security-policy" in r.headers
    css = await client.get("/static/style.css")
    assert css.headers["content-type"].startswith("text/css")


async def test_api_paths_keep_json_errors_and_docs(client: httpx.AsyncClient) -> None:
    for path in (
        "/v1/no-such-thing",
        "/no-such-page",
        "/static/no-such-file.js",
        "/static/../pyproject.toml",
    ):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found", path
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers  # Swagger UI needs its CDN scripts
    schema = (await client.get("/openapi.json")).json()
    assert "/" not in schema["paths"]


def test_client_code_never_logs_or_puts_tokens_in_urls() -> None:
    from hp_agent.web import STATIC_DIR

    sources = {p.name: p.read_text(encoding="utf-8") for p in (STATIC_DIR / "js").glob("*.js")}
    assert {"api.js", "app.js", "chat.js", "therapist.js"} <= set(sources)
    for name, source in sources.items():
        assert "console." not in source, name
        assert "localStorage" not in source, name  # the refresh token may outlive the tab there
        assert "innerHTML" not in source, name  # text only, so nothing written becomes markup
        assert "?token=" not in source, name
        assert "access_token=" not in source, name
