"""Play a scripted persona against one agent through the real service: REST and ``/v1/ws/chat``.

One run registers a fresh patient through ``POST /v1/auth/register`` (country and locale from
the persona, so the crisis lines are the ones that person would see), signs in, opens the chat
socket with the ``hp.chat.v1`` subprotocol and plays the persona's turns (see ``personas.py``),
answering the crisis flow's screener questions when the persona has scripted answers.

When is a turn over? The protocol stores the crisis flow's frames in the same transaction as the
user message, before the ``ack``; the agent's reply is stored later and names the message it
answers (``reply_to``). After each ``ack`` the driver sends ``resume`` with the ack's seq: the
server replays, from PostgreSQL, every stored frame after it, then ``replay_complete``. Frames
on one socket are handled in order, so the replay comes after the turn's own frames; frames are
de-duplicated by seq (live and replayed copies are the same stored message). If the replay holds
neither a crisis-flow frame nor the agent's reply, the driver keeps waiting for the reply, so
the result does not depend on that ordering.

Message text is never logged; errors name frame types and codes only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from evals.agent_safety.personas import Persona

PROTOCOL = "hp.chat.v1"
DEFAULT_TURN_TIMEOUT = 120.0  # the first message of a run may wait for the classifier to load
MAX_RATE_LIMIT_RETRIES = 20


# Safety frames after which the agent still replies to the same message (docs/protocol.md).
_HANDOVER = frozenset({"reminder", "check_cleared", "screener_exit"})


class DriverError(RuntimeError):
    """The conversation could not be played (service error, timeout, closed socket)."""


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    access_token: str


def _country(locale: str) -> str | None:
    parts = locale.replace("_", "-").split("-")
    return parts[-1].upper() if len(parts) >= 2 and len(parts[-1]) == 2 else None


async def register(http_url: str, locale: str = "en-US", prefix: str = "agent-safety") -> Account:
    """A fresh patient through the public API (a random password: the account is throw-away)."""
    email = f"{prefix}.{uuid.uuid4().hex[:12]}@example.org"
    password = secrets.token_urlsafe(18) + "-Aa1"
    body: dict[str, Any] = {"email": email, "password": password, "consents": ["terms", "privacy"]}
    body["locale"] = locale
    country = _country(locale)
    if country:
        body["country_code"] = country
    async with httpx.AsyncClient(base_url=http_url, timeout=60) as http:
        r = await http.post("/v1/auth/register", json=body)
        if r.status_code != 201:
            raise DriverError(f"register failed: HTTP {r.status_code}")
        r = await http.post("/v1/auth/login", json={"email": email, "password": password})
        if r.status_code != 200:
            raise DriverError(f"login failed: HTTP {r.status_code}")
        return Account(email, str(r.json()["access_token"]))


async def setup_record(http_url: str, account: Account, record: Mapping[str, Any]) -> None:
    """Give the new account the record a persona asks about, through the public API: mood
    check-ins for the last days (``moods``, newest first) and medicines (``medicines``: name, dose,
    times in UTC, and ``taken`` for today's doses logged as taken)."""
    auth = {"Authorization": f"Bearer {account.access_token}"}
    today = dt.datetime.now(dt.UTC).date()
    async with httpx.AsyncClient(base_url=http_url, timeout=60, headers=auth) as http:
        for days_ago, mood in enumerate(record.get("moods") or ()):
            day = (today - dt.timedelta(days=days_ago)).isoformat()
            r = await http.post("/v1/mood/entries", json={"mood": mood, "entry_date": day})
            if r.status_code != 201:
                raise DriverError(f"mood check-in failed: HTTP {r.status_code}")
        for med in record.get("medicines") or ():
            body = {"name": med["name"], "dose_amount": med.get("dose", 1)}
            body["schedule"] = {"times": list(med["times"]), "timezone": "UTC"}
            r = await http.post("/v1/medications", json=body)
            if r.status_code != 201:
                raise DriverError(f"adding a medicine failed: HTTP {r.status_code}")
            med_id = r.json()["medication"]["id"]
            for time in med.get("taken") or ():
                due = dt.datetime.combine(today, dt.time.fromisoformat(time), tzinfo=dt.UTC)
                r = await http.post(
                    "/v1/medications/intakes",
                    json={"user_medication_id": med_id, "status": "taken", "scheduled_for": due.isoformat()},
                )
                if r.status_code != 201:
                    raise DriverError(f"logging a dose failed: HTTP {r.status_code}")


async def list_agents(http_url: str, token: str) -> list[dict[str, Any]]:
    """The agents a person can talk to, as the app lists them (``GET /v1/agents``)."""
    async with httpx.AsyncClient(base_url=http_url, timeout=60) as http:
        r = await http.get("/v1/agents", headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            raise DriverError(f"listing agents failed: HTTP {r.status_code}")
        agents: list[dict[str, Any]] = r.json()
    return agents


@dataclass(slots=True)
class Conversation:
    """One chat socket attached to one session; ``stored`` holds every stored frame by seq."""

    ws: ClientConnection
    timeout: float
    session_id: str = ""
    stored: dict[int, dict[str, Any]] = field(default_factory=dict)
    _ids: int = 0

    @classmethod
    async def open(cls, ws_url: str, token: str, turn_timeout: float) -> Conversation:
        ws = await websockets.connect(
            f"{ws_url}/v1/ws/chat",
            subprotocols=[Subprotocol(PROTOCOL), Subprotocol(f"bearer.{token}")],
            open_timeout=turn_timeout,
            max_size=2**20,
        )
        conv = cls(ws, turn_timeout)
        await conv._until(lambda f: f["type"] == "ready")
        return conv

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def _recv(self) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
        except TimeoutError:
            raise DriverError(f"no frame from the service within {self.timeout:.0f} s") from None
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else "no close frame"
            raise DriverError(f"the socket closed ({code})") from None
        frame: dict[str, Any] = json.loads(raw)
        if frame.get("type") == "ping":
            await self._send({"type": "pong", "ts": frame.get("ts")})
        if "seq" in frame and frame.get("session_id") == self.session_id:
            # Live and replayed copies of a stored frame are the same message: keep the first.
            self.stored.setdefault(int(frame["seq"]), frame)
        return frame

    async def _until(self, done: Any) -> dict[str, Any]:
        while True:
            frame = await self._recv()
            if done(frame):
                return frame
            if frame.get("type") == "error":
                raise DriverError(f"error frame {frame.get('code')!r} from the service")

    async def start(self, agent: str) -> dict[str, Any]:
        """New session with ``agent``; returns the greeting (the stored frame with seq 1)."""
        await self._send({"type": "start", "agent": agent})
        started = await self._until(lambda f: f["type"] == "session_started")
        self.session_id = str(started["session_id"])
        await self._until(lambda f: f["type"] == "agent_message" and f.get("seq") == 1)
        return self.stored[1]

    async def turn(self, text: str) -> list[dict[str, Any]]:
        """Send one user message; return the stored frames that answer it, in seq order."""
        self._ids += 1
        cid = f"t{self._ids}-{uuid.uuid4().hex[:8]}"
        ack = await self._say(cid, text)
        after = int(ack["seq"])
        await self._send({"type": "resume", "session_id": self.session_id, "last_seq": after})
        await self._until(lambda f: f["type"] == "replay_complete")
        while not self._answered(cid, after):
            await self._until(lambda f: f["type"] == "agent_message" and f.get("reply_to") == cid)
        return [self.stored[s] for s in sorted(self.stored) if s > after]

    def _answered(self, cid: str, after: int) -> bool:
        frames = [f for s, f in self.stored.items() if s > after]
        # A reminder from the escalation service can arrive at any time; it answers nothing. A
        # cleared check or a way out of the screener hands over to the agent, whose reply follows.
        return any(f["type"] == "safety" and f.get("kind") not in _HANDOVER for f in frames) or any(
            f["type"] == "agent_message" and f.get("reply_to") == cid for f in frames
        )

    async def _say(self, cid: str, text: str) -> dict[str, Any]:
        for _ in range(MAX_RATE_LIMIT_RETRIES):
            await self._send({"type": "user_message", "client_message_id": cid, "text": text})
            while True:
                frame = await self._recv()
                if frame["type"] == "ack" and frame.get("client_message_id") == cid:
                    return frame
                if frame["type"] != "error":
                    continue
                # As the protocol asks of clients: a rate-limited or busy message was not stored;
                # resend it after the pause the server names.
                if frame.get("code") in ("rate_limited", "busy") and frame.get("client_message_id") == cid:
                    await asyncio.sleep(float(frame.get("retry_after_ms") or 500) / 1000)
                    break
                raise DriverError(f"error frame {frame.get('code')!r} while waiting for the ack")
        raise DriverError("still rate limited after repeated resends")

    async def close(self) -> None:
        if self.session_id:
            try:
                await self._send({"type": "end"})
                await self._until(lambda f: f["type"] == "session_ended")
            except DriverError:
                pass  # the transcript is complete; a failed goodbye does not change it
        await self.ws.close()


# -- frames -> transcript ---------------------------------------------------------------------------


def _line(line: dict[str, Any]) -> str:
    name, contact = str(line.get("name") or ""), str(line.get("contact") or "")
    return f"{name}: {contact}" if contact and contact not in name else name or contact


def transcript_frame(frame: dict[str, Any]) -> dict[str, Any]:
    """A stored server frame as a transcript frame (``transcript.py``), keeping its seq and kind."""
    if frame["type"] == "agent_message":
        out: dict[str, Any] = {"role": "agent", "text": frame.get("text", ""), "seq": frame["seq"]}
        for key in ("replaced", "fallback"):
            if frame.get(key):
                out[key] = True
        return out
    if frame["type"] != "safety":
        return {"role": "safety", "kind": frame["type"], "text": "", "seq": frame.get("seq")}
    kind = str(frame.get("kind", ""))
    out = {"role": "safety", "kind": kind, "seq": frame["seq"]}
    payload = frame.get("payload") or {}
    if kind == "question":
        # The item text goes in `screener` (one entry per question asked); `text` is the intro.
        question = frame.get("question") or {}
        out["text"] = frame.get("intro") or ""
        out["screener"] = [str(frame.get("text", ""))]
        out["item_id"] = question.get("item_id")
    else:
        out["text"] = frame.get("text", "")
    if payload.get("crisis_lines"):
        out["crisis_lines"] = [_line(x) for x in payload["crisis_lines"]]
    if payload.get("level"):
        out["level"] = payload["level"]
    if kind == "resources":
        out["safety_plan"] = bool(payload.get("safety_plan"))
        out["urgent"] = bool(payload.get("urgent"))
    if kind == "screener_result":
        result = frame.get("result") or {}
        out["level"] = result.get("risk_level")
        out["severity"] = result.get("severity")
    return out


def _pending_question(frames: list[dict[str, Any]]) -> str | None:
    """The screener item the service is waiting on, if its last frame of the turn asks one
    ("check" for the graded response's one direct question; personas answer it under that key)."""
    if frames and frames[-1]["type"] == "safety" and frames[-1].get("kind") == "check":
        return "check"
    if frames and frames[-1]["type"] == "safety" and frames[-1].get("kind") == "question":
        item = (frames[-1].get("question") or {}).get("item_id")
        return str(item) if item else None
    return None


async def play(
    http_url: str,
    ws_url: str,
    persona: Persona,
    agent: str,
    *,
    turn_timeout: float = DEFAULT_TURN_TIMEOUT,
) -> dict[str, Any]:
    """Play ``persona`` against ``agent``; returns the transcript as a JSON-ready dict."""
    account = await register(http_url, persona.locale)
    if persona.record:
        await setup_record(http_url, account, persona.record)
    conv = await Conversation.open(ws_url, account.access_token, turn_timeout)
    frames: list[dict[str, Any]] = []
    try:
        greeting = await conv.start(agent)
        frames.append(transcript_frame(greeting))
        answered: set[str] = set()
        for n, turn in enumerate(persona.turns):
            user: dict[str, Any] = {"role": "user", "text": turn.text, "expected_level": turn.level.value}
            user["turn"] = n
            if turn.expect:
                user["expect"] = list(turn.expect)
            frames.append(user)
            replies = await conv.turn(turn.text)
            frames += [transcript_frame(f) for f in replies]
            # Answer the screener as the persona would, one question at a time, each at most
            # once (a repeated question means the answer was unclear: the script moves on).
            while (item := _pending_question(replies)) and item not in answered:
                answer = persona.screener_answers.get(item)
                if answer is None:
                    break
                answered.add(item)
                level = max(answer.level or turn.level, turn.level)
                frames.append(
                    {
                        "role": "user",
                        "text": answer.text,
                        "expected_level": level.value,
                        "screener_answer": item,
                    }
                )
                replies = await conv.turn(answer.text)
                frames += [transcript_frame(f) for f in replies]
    finally:
        await conv.close()
    return {
        "persona": persona.id,
        "risk": persona.risk.value,
        "agent": agent,
        "locale": persona.locale,
        "frames": frames,
    }
