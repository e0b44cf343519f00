"""Command line: ``python -m evals crisis`` and ``python -m evals agent-safety``."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evals import baselines, gates
from evals.contamination import find_overlap
from evals.cssrs import CssrsError, load_cssrs
from evals.datasets import DatasetError, load_many, resolve_dataset
from evals.detectors import Detector, EngineDetector, load_engine
from evals.evaluate import (
    DEFAULT_PREVALENCE,
    RECALL_TARGETS,
    flatten,
    latency_summary,
    scored_alert_task,
    system_metrics,
    worst_cases,
)
from evals.items import EvalItem, Prediction
from evals.metrics import operating_points
from evals.plots import plot_curves
from evals.report import write_reports

REPO_ROOT = Path(__file__).resolve().parent.parent
ALL_SYSTEMS = ("engine", "keyword_only", "tfidf_lr")
# Not run by default: the engine with its first stage off (issue #15), and with every message on
# the encoder path whatever its language (issue #18), to compare in one run.
OPTIONAL_SYSTEMS = ("engine_full_path", "engine_no_language")
CSSRS_NOTES = (
    "C-SSRS Reddit (Gaur et al., WWW 2019, CC BY): one label per user; each post is assessed alone, "
    "the user level is the maximum post level and the user score the 0.9 quantile of post scores. "
    "Labels map to level ranges: Supportive none..low, Indicator low, Ideation moderate..high, "
    "Behavior high..imminent, Attempt high..imminent. Posts are long Reddit posts with injected "
    "medical concept words, not chat; no raw text appears in this report."
)

DetectorFactory = Callable[[], Detector]


def _progress(name: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if total >= 200 and (done % 50 == 0 or done == total):
            print(f"  {name}: {done}/{total}", file=sys.stderr, flush=True)

    return report


def default_factories(systems: Sequence[str], preset: str = "standard") -> dict[str, DetectorFactory]:
    out: dict[str, DetectorFactory] = {}
    if "engine" in systems:
        out["engine"] = lambda: EngineDetector(
            "engine", load_engine(classifier=True, preset=preset), _progress("engine")
        )
    if "engine_full_path" in systems:
        out["engine_full_path"] = lambda: EngineDetector(
            "engine_full_path",
            load_engine(classifier=True, cascade=False, preset=preset),
            _progress("engine_full_path"),
        )
    if "engine_no_language" in systems:
        out["engine_no_language"] = lambda: EngineDetector(
            "engine_no_language",
            load_engine(classifier=True, languages=False, preset=preset),
            _progress("engine_no_language"),
        )
    if "keyword_only" in systems:
        out["keyword_only"] = lambda: EngineDetector(
            "keyword_only", load_engine(classifier=False), _progress("keyword_only")
        )
    if "tfidf_lr" in systems:

        def tfidf() -> Detector:
            return baselines.TfidfBaseline(baselines.load_engine_training_data())

        out["tfidf_lr"] = tfidf
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("crisis", help="evaluate crisis detection on labelled data")
    c.add_argument("--dataset", required=True, help="curated | SUITE | cssrs-reddit | path.jsonl | path.csv")
    c.add_argument("--out", type=Path, default=Path("eval-out"), help="report directory (default ./eval-out)")
    c.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help="directory holding cssrs-reddit/ (default ../shared/datasets)",
    )
    c.add_argument(
        "--prevalence",
        type=float,
        default=DEFAULT_PREVALENCE,
        help="realistic prevalence for re-weighted precision",
    )
    c.add_argument("--baseline", type=Path, default=None, help="previous report.json to compare against")
    c.add_argument(
        "--tolerance",
        type=float,
        default=gates.DEFAULT_TOLERANCE,
        help="allowed worsening before a regression",
    )
    c.add_argument(
        "--fail-on-regression", action="store_true", help="exit 1 when the comparison finds a regression"
    )
    c.add_argument(
        "--fail-under", action="append", default=[], metavar="METRIC=VALUE", help="exit 1 if METRIC < VALUE"
    )
    c.add_argument(
        "--fail-over", action="append", default=[], metavar="METRIC=VALUE", help="exit 1 if METRIC > VALUE"
    )
    c.add_argument("--gates-file", type=Path, default=None, help="file of gate lines (see evals/gates.txt)")
    c.add_argument(
        "--systems", default=",".join(ALL_SYSTEMS), help=f"comma list from {','.join(ALL_SYSTEMS)}"
    )
    c.add_argument("--limit", type=int, default=None, help="only the first N items (smoke runs)")
    c.add_argument(
        "--preset",
        default="standard",
        help="operating point: standard, high_sensitivity, conservative (crisis_engine/presets.py)",
    )
    c.add_argument(
        "--database-url",
        default=None,
        help="for --dataset feedback: the service's database (default HP_DATABASE_URL)",
    )
    g = sub.add_parser("suggest-gates", help="print CI gates from a report (today's figures minus a margin)")
    g.add_argument("report", type=Path)
    g.add_argument("--system", default="engine")
    g.add_argument("--margin", type=float, default=gates.DEFAULT_TOLERANCE)
    a = sub.add_parser(
        "agent-safety",
        help="score agent transcripts (JSON) with the rule-based safety rubric, or play the personas "
        "against the real service with --live",
    )
    a.add_argument("transcripts", nargs="*", type=Path)
    a.add_argument("--persona-dir", type=Path, default=None)
    from evals.agent_safety.live import add_arguments

    add_arguments(a)
    q = sub.add_parser(
        "agent-quality", help="play the everyday personas against the real service and score the dialogue"
    )
    from evals.agent_quality.live import add_arguments as add_quality_arguments

    add_quality_arguments(q)
    return parser


def read_gates_file(path: Path) -> tuple[list[str], list[str]]:
    """Lines ``--fail-under METRIC=VALUE`` / ``--fail-over METRIC=VALUE``; ``#`` starts a comment."""
    under: list[str] = []
    over: list[str] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        flag, _, spec = line.partition(" ")
        if flag == "--fail-under":
            under.append(spec.strip())
        elif flag == "--fail-over":
            over.append(spec.strip())
        else:
            raise gates.GateSpecError(f"{path}:{lineno}: expected '--fail-under M=V' or '--fail-over M=V'")
    return under, over


def load_items(args: argparse.Namespace) -> tuple[str, list[EvalItem]]:
    kind, where = resolve_dataset(args.dataset, REPO_ROOT, args.data_root)
    if kind == "cssrs":
        assert isinstance(where, Path)
        items = load_cssrs(where)
    elif kind == "feedback":
        from evals.feedback import load_feedback_items

        items = load_feedback_items(args.database_url)
    else:
        assert isinstance(where, list)
        items = load_many(where)
    return kind, items[: args.limit] if args.limit else items


def run_crisis(
    args: argparse.Namespace, argv: Sequence[str], factories: Mapping[str, DetectorFactory] | None
) -> int:
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if factories is None and s not in ALL_SYSTEMS + OPTIONAL_SYSTEMS]
    if unknown or not systems:
        print(f"error: unknown system(s) {unknown}; choose from {', '.join(ALL_SYSTEMS)}", file=sys.stderr)
        return 2
    if not 0 < args.prevalence < 1:
        print("error: --prevalence must be between 0 and 1", file=sys.stderr)
        return 2
    try:
        kind, items = load_items(args)
        under, over = list(args.fail_under), list(args.fail_over)
        if args.gates_file:
            file_under, file_over = read_gates_file(args.gates_file)
            under, over = under + file_under, over + file_over
        gate_list = [gates.parse_gate(s, "under", systems) for s in under]
        gate_list += [gates.parse_gate(s, "over", systems) for s in over]
    except (DatasetError, CssrsError, gates.GateSpecError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    previous: dict[str, float | None] | None = None
    if args.baseline is not None:
        try:
            previous = json.loads(args.baseline.read_text(encoding="utf-8"))["metrics"]
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: cannot read baseline report {args.baseline}: {exc}", file=sys.stderr)
            return 2
    from crisis_engine.presets import PRESETS

    if args.preset not in PRESETS:
        print(f"error: unknown preset {args.preset!r}; choose from {', '.join(PRESETS)}", file=sys.stderr)
        return 2
    available = factories if factories is not None else default_factories(systems, args.preset)
    started = time.perf_counter()
    try:
        preds_by_system, skipped, version = _run_systems(systems, available, items)
    except SystemLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    report = _assemble(args, argv, kind, items, preds_by_system, skipped, version, elapsed)
    flat: dict[str, float | None] = report["metrics"]
    changes = None
    if previous is not None:
        changes = gates.compare(flat, previous, args.tolerance)
        report["comparison"] = {
            "baseline": str(args.baseline),
            "tolerance": args.tolerance,
            "regressions": [c.metric for c in changes if c.status == "regression"],
            "improvements": [c.metric for c in changes if c.status == "improvement"],
        }
    gate_results = gates.check_gates(gate_list, flat)
    report["gates"] = [
        {"gate": r.gate.describe(), "value": r.value, "passed": r.passed} for r in gate_results
    ]
    images = _plot(args, items, report["systems"], preds_by_system)
    write_reports(args.out, report, images, changes, gate_results, args.tolerance)
    print(f"report written to {args.out}/report.md, report.html, report.json", file=sys.stderr)
    return _exit_status(report, gate_results, changes, args.fail_on_regression)


class SystemLoadError(RuntimeError):
    pass


def _run_systems(
    systems: Sequence[str], available: Mapping[str, DetectorFactory], items: Sequence[EvalItem]
) -> tuple[dict[str, list[Prediction]], dict[str, str], str]:
    """Predictions per system. A baseline that cannot load is skipped (and said so in the
    report); the engine, or an unknown system name, stops the run. Also returns the engine
    version reported by the first system that has one."""
    preds_by_system: dict[str, list[Prediction]] = {}
    version = ""
    skipped: dict[str, str] = {}
    for name in systems:
        if name not in available:
            raise SystemLoadError(f"no detector named {name!r}")
        print(f"running {name} on {len(items)} items...", file=sys.stderr, flush=True)
        try:
            detector = available[name]()
        except (baselines.TrainingDataError, ImportError, OSError) as exc:
            if name == "engine":
                raise SystemLoadError(f"cannot load the engine: {exc}") from exc
            skipped[name] = str(exc)
            print(f"warning: {name} skipped: {exc}", file=sys.stderr)
            continue
        preds_by_system[name] = detector.predict(items)
        version = version or str(getattr(detector, "version", ""))
    if not preds_by_system:
        raise SystemLoadError(f"no system could run: {skipped}")
    return preds_by_system, skipped, version


def _miss_texts(items: Sequence[EvalItem], results: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    ids = {i for m in results.values() for i in (m.get("cascade") or {}).get("misses", [])}
    return {i.id: " ".join(i.text.split())[:220] for i in items if i.id in ids and i.show_text}


def _assemble(
    args: argparse.Namespace,
    argv: Sequence[str],
    kind: str,
    items: Sequence[EvalItem],
    preds_by_system: Mapping[str, list[Prediction]],
    skipped: Mapping[str, str],
    engine_version: str,
    wall_seconds: float,
) -> dict[str, Any]:
    results = {
        name: system_metrics(items, preds, args.prevalence, predicts_categories=name != "tfidf_lr")
        for name, preds in preds_by_system.items()
    }
    main_system = "engine" if "engine" in results else next(iter(results))
    return {
        "schema_version": 1,
        "command": "python -m evals " + " ".join(shlex.quote(a) for a in argv),
        "dataset": {
            "name": args.dataset,
            "kind": kind,
            "n_items": len(items),
            "suites": sorted({i.suite for i in items}),
            "notes": CSSRS_NOTES if kind == "cssrs" else "",
            "training_overlap": _overlap(kind, items),
        },
        "config": {
            "preset": getattr(args, "preset", "standard"),
            "prevalence": args.prevalence,
            "recall_targets": list(RECALL_TARGETS),
            "alert_level": "moderate",
        },
        "engine_version": engine_version,
        "systems": results,
        "skipped_systems": dict(skipped),
        "metrics": {f"{s}.{k}": v for s, m in results.items() for k, v in flatten(m).items()},
        "worst": worst_cases(items, preds_by_system[main_system]),
        # Text of the first stage's misses, where the dataset may be shown (issue #15).
        "item_texts": _miss_texts(items, results),
        "worst_system": main_system,
        "timing": {
            "latency": {s: latency_summary(p) for s, p in preds_by_system.items()},
            "wall_seconds": wall_seconds,
        },
    }


def _overlap(kind: str, items: Sequence[EvalItem]) -> dict[str, object] | None:
    """Which items also occur in the engine's training data (hand-written suites only: the
    C-SSRS posts are not in it, and comparing 6,773 posts pairwise would be slow)."""
    if kind != "jsonl":
        return None
    try:
        texts = baselines.engine_training_texts()
    except baselines.TrainingDataError:
        return None
    return find_overlap(items, texts).as_dict()


def _plot(
    args: argparse.Namespace,
    items: Sequence[EvalItem],
    results: Mapping[str, Mapping[str, Any]],
    preds_by_system: Mapping[str, list[Prediction]],
) -> dict[str, str]:
    curves = {s: operating_points(*scored_alert_task(items, p)) for s, p in preds_by_system.items()}
    at_level = {
        s: (
            m["alert"]["fpr_moderate_plus"],
            m["alert"]["recall_moderate_plus"],
            m["alert"]["precision_moderate_plus"],
        )
        for s, m in results.items()
    }
    return plot_curves(curves, args.out, args.dataset, at_level)


def _exit_status(
    report: Mapping[str, Any],
    gate_results: Sequence[gates.GateResult],
    changes: Sequence[gates.Change] | None,
    fail_on_regression: bool,
) -> int:
    main_system = report["worst_system"]
    for key in (
        "recall_moderate_plus",
        "precision_moderate_plus",
        "hard_negative_fpr",
        "precision_at_recall_90_realistic",
    ):
        print(f"{main_system}.{key} = {report['metrics'].get(f'{main_system}.{key}')}")
    status = 0
    for r in gate_results:
        print(r.message, file=sys.stderr)
        status = status or (0 if r.passed else 1)
    regressions = [c for c in changes or () if c.status == "regression"]
    for c in regressions:
        print(f"REGRESSION {c.metric}: {c.before:.4f} -> {c.after:.4f} ({c.delta:+.4f})", file=sys.stderr)
    if regressions and fail_on_regression:
        status = 1
    if status:
        print("evaluation gate FAILED", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None, factories: Mapping[str, DetectorFactory] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command == "crisis":
        return run_crisis(args, argv, factories)
    if args.command == "suggest-gates":
        from evals.suggest import suggest

        print(
            "\n".join(suggest(json.loads(args.report.read_text(encoding="utf-8")), args.system, args.margin))
        )
        return 0
    if args.command == "agent-quality":
        from evals.agent_quality.live import run_live as run_quality

        if not args.live:
            print("error: agent-quality needs --live", file=sys.stderr)
            return 2
        return run_quality(args, argv)
    if args.live:
        if args.transcripts:
            print("error: give transcripts or --live, not both", file=sys.stderr)
            return 2
        from evals.agent_safety.live import run_live

        return run_live(args, argv)
    if not args.transcripts:
        print("error: give transcript files to score, or --live to play the personas", file=sys.stderr)
        return 2
    from evals.agent_safety.cli import run_agent_safety

    return run_agent_safety(args.transcripts, args.persona_dir)
