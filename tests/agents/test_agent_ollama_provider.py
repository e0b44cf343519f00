"""The Ollama provider streams from a local fake Ollama server started by the test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hp_agent.agents.runtime import AgentRuntime, AgentUnavailable, ChatTurn, UserContext, clear_model_cache
from hp_agent.config import Settings
from tests.agents.agent_fixtures import config

PIECES = ["That ", "sounds ", "tiring. ", "What ", "helps ", "you ", "rest?"]


@pytest.fixture
def fake_ollama() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    requests: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            requests.append({"path": self.path, **body})
            self.send_response(200)
            self.send_header("content-type", "application/x-ndjson")
            self.end_headers()
            for piece in PIECES:
                line = {
                    "model": body["model"],
                    "created_at": "2026-01-01T00:00:00Z",
                    "message": {"role": "assistant", "content": piece},
                    "done": False,
                }
                self.wfile.write((json.dumps(line) + "\n").encode())
                self.wfile.flush()
            final = {
                "model": body["model"],
                "created_at": "2026-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
            }
            self.wfile.write((json.dumps(final) + "\n").encode())

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_streams_from_ollama(fake_ollama: tuple[str, list[dict[str, Any]]]) -> None:
    url, requests = fake_ollama
    clear_model_cache()
    cfg = config(
        slug="local-llama",
        model_provider="ollama",
        model_name="llama3.2:1b",
        model_params={"temperature": 0.2, "max_tokens": 120},
    )
    runtime = AgentRuntime.from_config(cfg, Settings(environment="test", ollama_base_url=url))
    chunks = [c async for c in runtime.stream_reply([ChatTurn("user", "I'm so tired")], UserContext())]
    assert chunks == PIECES
    (request,) = requests
    assert request["path"] == "/api/chat"
    assert request["model"] == "llama3.2:1b"
    assert request["options"]["temperature"] == 0.2
    assert request["options"]["num_predict"] == 120
    assert [m["role"] for m in request["messages"]] == ["system", "user"]


def test_ollama_needs_a_model_name() -> None:
    clear_model_cache()
    cfg = config(slug="local-unnamed", model_provider="ollama", model_name=None, model_params={})
    with pytest.raises(AgentUnavailable):
        AgentRuntime.from_config(cfg, Settings(environment="test"))
