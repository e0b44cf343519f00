"""Assemble ``report.json``, ``report.md`` and ``report.html`` from computed metrics."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.gates import Change, GateResult
from evals.render import Block, Heading, Image, Para, Table, to_html, to_markdown

SYSTEM_NOTES = {
    "engine": "the crisis engine (keywords + classifier + fusion)",
    "keyword_only": "the engine with classifier=False",
    "engine_full_path": "the engine with its first stage off (DetectorConfig(cascade=False)): "
    "every message through the sentence encoder",
    "tfidf_lr": "TF-IDF word+char n-grams + logistic regression, trained on the engine's training data",
}
HEADLINE = (
    ("recall_moderate_plus", "recall, needs MODERATE+"),
    ("precision_moderate_plus", "precision, MODERATE+ (data prevalence)"),
    ("f1_moderate_plus", "F1, MODERATE+"),
    ("fpr_moderate_plus", "FPR, MODERATE+ on items that need < MODERATE"),
    ("hard_negative_fpr", "FPR on hard negatives (alerted MODERATE+)"),
    ("range_accuracy", "level inside gold range"),
    ("under_call_rate", "level below gold range"),
    ("over_call_rate", "level above gold range"),
    ("roc_auc", "ROC AUC (score)"),
    ("average_precision", "average precision (score)"),
)


def clean(value: Any) -> Any:
    """JSON-safe and stable: floats rounded to 6 places, non-finite floats to null."""
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    path.write_text(
        json.dumps(clean(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )


_CI_KEYS = {
    "recall_moderate_plus": "recall",
    "precision_moderate_plus": "precision",
    "fpr_moderate_plus": "fpr",
}


def _with_ci(system: Mapping[str, Any], key: str, value: float | None) -> str:
    ci = system["alert"].get("ci95", {}).get(_CI_KEYS.get(key, ""))
    return fmt(value) if ci is None else f"{fmt(value)} [{ci[0]:.2f}-{ci[1]:.2f}]"


def _summary(systems: Mapping[str, Mapping[str, Any]], flat: Mapping[str, float | None]) -> list[Block]:
    names = list(systems)
    rows = [
        [label, *[_with_ci(systems[s], key, flat.get(f"{s}.{key}")) for s in names]]
        for key, label in HEADLINE
    ]
    blocks: list[Block] = [
        Heading("Headline figures"),
        Para("Brackets: 95% bootstrap interval (1,000 resamples of the unambiguous items, fixed seed)."),
        Table(["metric", *names], rows),
    ]
    par_rows: list[list[str]] = []
    prevalence = next(iter(systems.values()))["prevalence_realistic"]
    for target in next(iter(systems.values()))["precision_at_recall"]:
        for s in names:
            op = systems[s]["precision_at_recall"][target]
            if op is None:
                par_rows.append([target, s, "n/a", "n/a", "n/a", "n/a", "n/a"])
                continue
            par_rows.append(
                [
                    target,
                    s,
                    fmt(op["threshold"]),
                    fmt(op["recall"]),
                    fmt(op["fpr"]),
                    fmt(op["precision"]),
                    fmt(op["precision_realistic"]),
                ]
            )
    blocks += [
        Heading("Precision at fixed recall"),
        Para(
            "Strictest score threshold reaching the target recall on the MODERATE+ task. Precision is "
            f"given at this data's prevalence and re-weighted to a realistic prevalence of {prevalence:.1%}: "
            "precision' = r*pi / (r*pi + fpr*(1-pi))."
        ),
        Table(
            [
                "target recall",
                "system",
                "threshold",
                "recall",
                "FPR",
                "precision (data)",
                f"precision @ {prevalence:.1%}",
            ],
            par_rows,
        ),
    ]
    return blocks


def _levels(systems: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    rows: list[list[str]] = []
    for s, m in systems.items():
        for level, prf in m["levels"].items():
            rows.append(
                [
                    s,
                    level,
                    str(prf["support"]),
                    str(prf["predicted"]),
                    fmt(prf["precision"]),
                    fmt(prf["recall"]),
                    fmt(prf["f1"]),
                ]
            )
    return [
        Heading("Per level"),
        Para(
            "Range labels are resolved to the acceptable level nearest the prediction (see evals/README.md)."
        ),
        Table(["system", "level", "gold", "predicted", "precision", "recall", "F1"], rows),
    ]


def _matrix(
    title: str, rows: Sequence[str], cols: Sequence[str], matrix: Sequence[Sequence[int]]
) -> list[Block]:
    return [
        Heading(title, 3),
        Table(
            ["gold \\ predicted", *cols],
            [[r, *[str(v) for v in row]] for r, row in zip(rows, matrix, strict=True)],
        ),
    ]


def _confusions(systems: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    blocks: list[Block] = [Heading("Confusion matrices")]
    for s, m in systems.items():
        cm = m["confusion_matrix"]
        blocks += _matrix(
            f"{s}: resolved gold level x predicted level", cm["labels"], cm["labels"], cm["matrix"]
        )
        if "cssrs_label_confusion" in m:
            lc = m["cssrs_label_confusion"]
            blocks += _matrix(f"{s}: C-SSRS label x predicted level", lc["rows"], lc["columns"], lc["matrix"])
    return blocks


def _categories(systems: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    rows: list[list[str]] = []
    for s, m in systems.items():
        if m["categories"] is None:
            rows.append([s, "(predicts no categories)", "", "", "", "", ""])
            continue
        for cat, prf in sorted(m["categories"].items()):
            rows.append(
                [
                    s,
                    cat,
                    str(prf["support"]),
                    str(prf["predicted"]),
                    fmt(prf["precision"]),
                    fmt(prf["recall"]),
                    fmt(prf["f1"]),
                ]
            )
    if not rows:
        return []
    return [
        Heading("Per category"),
        Table(["system", "category", "gold", "predicted", "precision", "recall", "F1"], rows),
    ]


def _groups(systems: Mapping[str, Mapping[str, Any]], kind: str, title: str) -> list[Block]:
    names = list(systems)
    groups = sorted(next(iter(systems.values())).get(kind, {}))
    if not groups:
        return []
    rows: list[list[str]] = []
    for group in groups:
        first = systems[names[0]][kind][group]
        row = [group, str(first["n"])]
        for s in names:
            gm = systems[s][kind][group]
            row.append(
                f"{fmt(gm['range_accuracy'], 2)} / {fmt(gm['recall_moderate_plus'], 2)}"
                f" / {fmt(gm['fpr_moderate_plus'], 2)}"
            )
        rows.append(row)
    return [
        Heading(title),
        Para(
            "Each cell: level-in-range accuracy / recall (needs MODERATE+) / "
            "FPR (MODERATE+ on items needing less)."
        ),
        Table([kind[:-1], "n", *names], rows),
    ]


def _false_alarm_rates(systems: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    """MODERATE+ and HIGH+ shares for suites whose items all need less than MODERATE (the
    everyday suite's categories): the false-alarm rates issue #23 gates."""
    names = list(systems)
    first = systems[names[0]].get("suites", {})
    groups = sorted(g for g, m in first.items() if m.get("n_positive") == 0 and "moderate_plus_rate" in m)
    if not groups:
        return []
    rows = []
    for group in groups:
        row = [group, str(first[group]["n"])]
        for s in names:
            gm = systems[s]["suites"][group]
            row.append(f"{fmt(gm['moderate_plus_rate'], 3)} / {fmt(gm['high_plus_rate'], 3)}")
        rows.append(row)
    if len(groups) == len(first):  # every item is a negative: the overall rates are false alarms too
        totals = ["all items", str(systems[names[0]]["n_items"])]
        totals += [
            f"{fmt(systems[s].get('moderate_plus_rate'), 3)} / {fmt(systems[s].get('high_plus_rate'), 3)}"
            for s in names
        ]
        rows.append(totals)
    return [
        Heading("False alarms per suite"),
        Para(
            "Suites whose items all need less than MODERATE. "
            "Each cell: share of items at MODERATE+ / at HIGH+."
        ),
        Table(["suite", "n", *names], rows),
    ]


def _cascade(systems: Mapping[str, Mapping[str, Any]], report: Mapping[str, Any]) -> list[Block]:
    """The engine's first stage: the share it settled and the items needing MODERATE+ it
    settled (its misses), with their text where the dataset may be shown."""
    rows = [
        [s, str(m["cascade"]["assessed"]), str(m["cascade"]["settled"]), fmt(m["cascade"]["share"], 3),
         str(len(m["cascade"]["misses"]))]
        for s, m in systems.items()
        if m.get("cascade")
    ]  # fmt: skip
    if not rows:
        return []
    blocks: list[Block] = [
        Heading("First stage (cascade)"),
        Para(
            "Assessments settled by the engine's first stage (no lexicon match, first-stage model "
            "below its cut-off, quiet conversation) without the sentence encoder, and items needing "
            "MODERATE+ it settled. C-SSRS users count post by post and are never listed as misses."
        ),
        Table(["system", "assessed", "settled", "share", "misses"], rows),
    ]
    texts = report.get("item_texts", {})
    for s, m in systems.items():
        for item_id in (m.get("cascade") or {}).get("misses", []):
            blocks.append(Para(f"{s} miss: {item_id} {texts.get(item_id, '')}".rstrip()))
    return blocks


def _reliability(systems: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    """Predicted probability against the observed share needing attention, per system."""
    blocks: list[Block] = []
    for system, metrics in systems.items():
        for name, table in (metrics.get("reliability") or {}).items():
            rows = [
                [f"{b['lo']:.1f}-{b['hi']:.1f}", str(b["n"]), fmt(b["mean_predicted"], 2),
                 fmt(b["observed"], 2)]
                for b in table["bins"]
            ]
            if not blocks:
                blocks += [
                    Heading("Reliability"),
                    Para(
                        "Items with a clear alert label, binned by predicted probability: does a "
                        "score of 0.8 mean 8 in 10 need attention? classifier_probability is the "
                        "engine's calibrated classifier score, classifier_raw the head before "
                        "calibration. ECE = expected calibration error."
                    ),
                ]
            blocks += [
                Para(
                    f"{system}, {name}: n={table['n']}, ECE {fmt(table['ece'], 3)}, "
                    f"Brier {fmt(table['brier'], 3)}"
                ),
                Table(["bin", "n", "mean predicted", "observed"], rows),
            ]
    return blocks


def _worst(worst: Mapping[str, Sequence[Mapping[str, Any]]], system: str) -> list[Block]:
    blocks: list[Block] = []
    for key, title in (
        ("misses", f"Worst misses of {system} (needed MODERATE+, got less)"),
        ("false_alarms", f"Worst false alarms of {system} (said MODERATE+, label rules it out)"),
    ):
        rows = worst[key]
        blocks.append(Heading(title))
        if not rows:
            blocks.append(Para("None."))
            continue
        shows_text = any(r["text"] is not None for r in rows)
        header = [
            "id",
            "suite",
            "gold",
            "predicted",
            "score",
            "text" if shows_text else "post index",
            "explanation",
        ]
        blocks.append(
            Table(
                header,
                [
                    [
                        r["id"],
                        r["suite"],
                        r["gold"],
                        r["predicted"],
                        fmt(r["score"]),
                        (r["text"] or "") if shows_text else fmt(r["post_index"]),
                        r["explanation"],
                    ]
                    for r in rows
                ],
            )
        )
    return blocks


def _comparison(changes: Sequence[Change] | None, baseline: str | None, tolerance: float) -> list[Block]:
    if changes is None:
        return []
    bad = [c for c in changes if c.status == "regression"]
    good = [c for c in changes if c.status == "improvement"]
    blocks: list[Block] = [
        Heading("Comparison with baseline report"),
        Para(
            f"Baseline: {baseline}. Tolerance {tolerance:g}. {len(bad)} regression(s), "
            f"{len(good)} improvement(s), "
            f"{len(changes) - len(bad) - len(good)} unchanged within tolerance."
        ),
    ]
    for title, subset in (("Regressions", bad), ("Improvements", good)):
        if subset:
            blocks += [
                Heading(title, 3),
                Table(
                    ["metric", "before", "after", "delta"],
                    [[c.metric, fmt(c.before), fmt(c.after), f"{c.delta:+.3f}"] for c in subset],
                ),
            ]
    return blocks


def _gates(results: Sequence[GateResult]) -> list[Block]:
    if not results:
        return []
    return [Heading("Gates"), Table(["result"], [[r.message] for r in results])]


def build_blocks(
    report: Mapping[str, Any],
    images: Mapping[str, str],
    changes: Sequence[Change] | None,
    gate_results: Sequence[GateResult],
    tolerance: float,
) -> list[Block]:
    ds = report["dataset"]
    systems: Mapping[str, Mapping[str, Any]] = report["systems"]
    blocks: list[Block] = [
        Heading(f"Crisis engine evaluation: {ds['name']}", 1),
        Para(report["command"], code=True),
        Para(
            f"{ds['n_items']} items ({ds['kind']}); engine {report['engine_version'] or 'unknown version'}; "
            "alert threshold = level MODERATE or above; "
            f"realistic prevalence {report['config']['prevalence']:.1%}."
        ),
        Table(["system", "what it is"], [[s, SYSTEM_NOTES.get(s, s)] for s in systems]),
    ]
    if ds.get("notes"):
        blocks.append(Para(ds["notes"]))
    overlap = ds.get("training_overlap")
    if overlap is not None:
        blocks.append(
            Para(
                f"Overlap with the engine's training data ({overlap['n_training_texts']} texts): "
                f"{len(overlap['exact'])} item(s) identical after normalisation "
                f"({', '.join(overlap['exact']) or '-'}), {len(overlap['near'])} near-duplicate(s) "
                f"(token Jaccard >= {overlap['near_jaccard']}: {', '.join(overlap['near']) or '-'}), "
                f"{len(overlap.get('paraphrase', []))} paraphrase(s) (content-word stems, Jaccard >= "
                f"{overlap.get('paraphrase_jaccard', '-')}: "
                f"{', '.join(overlap.get('paraphrase', [])) or '-'}). "
                "Hits on these may be memorised rather than generalised."
            )
        )
    blocks += _summary(systems, report["metrics"])
    blocks += [
        Heading("Curves"),
        Para("Score curves on the MODERATE+ task; the dot marks each system at its own level threshold."),
        *[Image(name, kind) for kind, name in images.items()],
    ]
    blocks += (
        _levels(systems)
        + _confusions(systems)
        + _categories(systems)
        + _groups(systems, "suites", "Per suite")
        + _false_alarm_rates(systems)
        + _reliability(systems)
        + _cascade(systems, report)
    )
    blocks += _groups(systems, "tags", "Per tag (subtype within suites)")
    blocks += _worst(report["worst"], report.get("worst_system", "engine"))
    blocks += _comparison(changes, report.get("comparison", {}).get("baseline"), tolerance)
    blocks += _gates(gate_results)
    timing = report["timing"]
    blocks += [
        Heading("Latency (not compared, not gated)"),
        Para(
            "Wall-clock milliseconds per message on this machine; "
            "batched items (C-SSRS posts) are amortised per post."
        ),
        Table(
            ["system", "p50", "p90", "p99", "mean"],
            [
                [s, fmt(t["p50_ms"], 2), fmt(t["p90_ms"], 2), fmt(t["p99_ms"], 2), fmt(t["mean_ms"], 2)]
                for s, t in timing["latency"].items()
            ],
        ),
    ]
    return blocks


def write_reports(
    out_dir: Path,
    report: Mapping[str, Any],
    images: Mapping[str, str],
    changes: Sequence[Change] | None,
    gate_results: Sequence[GateResult],
    tolerance: float,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "report.json", report)
    blocks = build_blocks(report, images, changes, gate_results, tolerance)
    (out_dir / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    title = f"Crisis engine evaluation: {report['dataset']['name']}"
    (out_dir / "report.html").write_text(to_html(blocks, title), encoding="utf-8")
