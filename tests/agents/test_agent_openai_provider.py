"""The OpenAI-compatible provider streams from a local fake server started by the test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from hp_agent.agents.runtime import AgentRuntime, AgentUnavailable, ChatTurn, clear_model_cache
from hp_agent.config import Settings
from tests.agents.agent_fixtures import config, low_mood_context

PIECES = ["It sounds ", "like work ", "has been ", "heavy. ", "What feels ", "hardest?"]


@dataclass
class FakeServer:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


@pytest.fixture
def fake_openai() -> Iterator[FakeServer]:
    server_state = FakeServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length))
            server_state.requests.append(body)
            server_state.headers.append({k.lower(): v for k, v in self.headers.items()})
            if self.path != "/v1/chat/completions":
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            base = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
            }
            first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
            self.wfile.write(_sse(first))
            for piece in PIECES:
                chunk = {
                    **base,
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                self.wfile.write(_sse(chunk))
                self.wfile.flush()
            done = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(_sse(done))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _settings(url: str | None) -> Settings:
    return Settings(
        environment="test",
        openai_base_url=url,
        openai_api_key=SecretStr("sk-test-key"),
        openai_model="default-model",
    )


async def test_streams_chunks_in_order_from_the_server(fake_openai: FakeServer) -> None:
    clear_model_cache()
    cfg = config(
        slug="remote-coach",
        model_provider="openai_compatible",
        model_name="coach-7b",
        model_params={"temperature": 0.3, "max_tokens": 200, "base_url": "http://evil.example"},
    )
    runtime = AgentRuntime.from_config(cfg, _settings(fake_openai.url))
    history = [
        ChatTurn("user", "Work has been a lot lately."),
        ChatTurn("agent", "That sounds like a lot. What's been happening?"),
        ChatTurn("user", "My manager keeps adding deadlines."),
    ]
    chunks = [c async for c in runtime.stream_reply(history, low_mood_context())]

    assert chunks == PIECES  # several chunks, in order
    assert "".join(chunks) == "".join(PIECES)

    (request,) = fake_openai.requests
    assert request["model"] == "coach-7b"  # the agent's model_name overrides HP_OPENAI_MODEL
    assert request["stream"] is True
    assert request["temperature"] == 0.3
    assert fake_openai.headers[0]["authorization"] == "Bearer sk-test-key"
    roles = [m["role"] for m in request["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert set(request["messages"][0]) == {"role", "content"}  # the scripted engine's data stays local
    system = request["messages"][0]["content"]
    assert "You are Sam" in system  # the configured system prompt
    assert "Never diagnose" in system  # boundaries
    assert "Robin" in system
    assert "2/10" in system
    assert request["messages"][-1]["content"] == "My manager keeps adding deadlines."


async def test_settings_model_is_the_default(fake_openai: FakeServer) -> None:
    clear_model_cache()
    cfg = config(slug="remote-default", model_provider="openai_compatible", model_name=None, model_params={})
    runtime = AgentRuntime.from_config(cfg, _settings(fake_openai.url))
    reply = await runtime.reply([ChatTurn("user", "hi")], low_mood_context())
    assert reply == "".join(PIECES)
    assert fake_openai.requests[0]["model"] == "default-model"


async def test_unreachable_server_is_agent_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    clear_model_cache()
    cfg = config(slug="remote-down", model_provider="openai_compatible", model_name="m", model_params={})
    # A port nothing listens on (the fake server's port after shutdown would race; port 9 is discard).
    runtime = AgentRuntime.from_config(
        cfg, _settings("http://127.0.0.1:9/v1").model_copy(update={"agent_request_timeout_seconds": 2.0})
    )
    with pytest.raises(AgentUnavailable):
        await runtime.reply([ChatTurn("user", "my secret worry about Jamie")], low_mood_context())
    # The failure is logged, without the conversation or the person's context.
    assert "remote-down" in caplog.text
    assert "Jamie" not in caplog.text
    assert "Robin" not in caplog.text


def test_missing_base_url_is_agent_unavailable() -> None:
    clear_model_cache()
    cfg = config(slug="remote-unset", model_provider="openai_compatible", model_name="m", model_params={})
    with pytest.raises(AgentUnavailable):
        AgentRuntime.from_config(cfg, _settings(None))


def test_bad_sampling_options_are_agent_unavailable() -> None:
    clear_model_cache()
    cfg = config(
        slug="remote-bad",
        model_provider="openai_compatible",
        model_name="m",
        model_params={"temperature": "hot"},
    )
    with pytest.raises(AgentUnavailable):
        AgentRuntime.from_config(cfg, _settings("http://127.0.0.1:9/v1"))
