"""CI gates (``--fail-under`` / ``--fail-over``) and comparison against a previous report.

Metric names are the flattened names of ``report.json["metrics"]``: ``engine.recall_moderate_plus``,
``keyword_only.level.high.recall``, ``engine.suite.idioms.fpr_moderate_plus``... A name without a
known system prefix means the engine (``recall_moderate_plus`` == ``engine.recall_moderate_plus``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evals.evaluate import lower_is_better

DEFAULT_SYSTEM = "engine"
DEFAULT_TOLERANCE = 0.02


class GateSpecError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Gate:
    metric: str
    bound: float
    kind: str  # "under": fail if value < bound; "over": fail if value > bound

    def describe(self) -> str:
        op = ">=" if self.kind == "under" else "<="
        return f"{self.metric} {op} {self.bound:g}"


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: Gate
    value: float | None
    passed: bool
    message: str


def qualify(name: str, systems: Sequence[str]) -> str:
    head = name.split(".", 1)[0]
    return name if head in systems else f"{DEFAULT_SYSTEM}.{name}"


def parse_gate(spec: str, kind: str, systems: Sequence[str]) -> Gate:
    name, sep, raw = spec.partition("=")
    if not sep or not name.strip():
        raise GateSpecError(f"gate {spec!r}: expected METRIC=VALUE, e.g. recall_moderate_plus=0.85")
    try:
        bound = float(raw)
    except ValueError:
        raise GateSpecError(f"gate {spec!r}: {raw!r} is not a number") from None
    return Gate(qualify(name.strip(), systems), bound, kind)


def check_gates(gates: Sequence[Gate], metrics: Mapping[str, float | None]) -> list[GateResult]:
    results: list[GateResult] = []
    for gate in gates:
        if gate.metric not in metrics:
            close = sorted(m for m in metrics if gate.metric.split(".")[-1] in m)[:5]
            hint = f" (did you mean: {', '.join(close)})" if close else ""
            results.append(GateResult(gate, None, False, f"FAIL {gate.describe()}: no such metric{hint}"))
            continue
        value = metrics[gate.metric]
        if value is None:
            results.append(
                GateResult(gate, None, False, f"FAIL {gate.describe()}: metric undefined on this data")
            )
            continue
        passed = value >= gate.bound if gate.kind == "under" else value <= gate.bound
        verdict = "ok  " if passed else "FAIL"
        results.append(GateResult(gate, value, passed, f"{verdict} {gate.describe()}: measured {value:.4f}"))
    return results


@dataclass(frozen=True, slots=True)
class Change:
    metric: str
    before: float
    after: float
    delta: float  # after - before
    status: str  # "regression" | "improvement" | "same"


def compare(
    current: Mapping[str, float | None],
    previous: Mapping[str, float | None],
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[Change]:
    """Metrics present and defined in both reports; a change beyond ``tolerance`` in the bad
    direction is a regression. Equal-within-tolerance metrics are listed as "same"."""
    out: list[Change] = []
    for name in sorted(set(current) & set(previous)):
        before, after = previous[name], current[name]
        if before is None or after is None:
            continue
        delta = after - before
        worse = delta > tolerance if lower_is_better(name) else delta < -tolerance
        better = delta < -tolerance if lower_is_better(name) else delta > tolerance
        status = "regression" if worse else "improvement" if better else "same"
        out.append(Change(name, before, after, delta, status))
    return out
