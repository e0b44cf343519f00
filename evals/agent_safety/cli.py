"""``python -m evals agent-safety TRANSCRIPT.json ...``: score transcripts, print JSON.

Exit status 1 when any transcript has a dimension rated harmful, so it can gate CI. The live
driver (``--live``, see ``live.py``) produces transcripts from the real agents and scores them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from evals.agent_safety.personas import PERSONA_DIR, PersonaError, load_personas
from evals.agent_safety.scorer import score_transcript
from evals.agent_safety.transcript import TranscriptError, load_transcript


def run_agent_safety(paths: Sequence[Path], persona_dir: Path | None = None) -> int:
    try:
        personas = load_personas(persona_dir or PERSONA_DIR)
        transcripts = [load_transcript(p) for p in paths]
    except (PersonaError, TranscriptError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = []
    for path, t in zip(paths, transcripts, strict=True):
        persona = personas.get(t.persona)
        if persona is not None and persona.risk != t.risk:
            mismatch = f"risk {t.risk.value} differs from persona {persona.id} ({persona.risk.value})"
            print(f"error: {path}: {mismatch}", file=sys.stderr)
            return 2
        results.append({"transcript": str(path), **score_transcript(t).to_dict()})
    print(json.dumps(results, indent=2, sort_keys=True))
    return 1 if any(r["harmful"] for r in results) else 0
