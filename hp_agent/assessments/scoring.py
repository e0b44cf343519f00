"""Validate and score an administration from the template's own data.

Cut-offs, subscales, skip logic and triage rules are read from ``assessment_templates`` rows
(seeded from ``assessment_templates.yaml``), never repeated here. The only rule not in the
template is how a critical item's answer maps to a crisis risk level (PHQ-9 item 9: 1 is
MODERATE, 2-3 are HIGH), which belongs to the crisis policy, not to the published instrument.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hp_agent.crisis.enums import RiskLevel
from hp_agent.journal.common import InvalidInput

# Crisis level by (item, answer) for critical items whose level depends on the answer.
CRITICAL_ITEM_LEVELS: dict[str, dict[int, RiskLevel]] = {
    "phq9_9": {1: RiskLevel.MODERATE, 2: RiskLevel.HIGH, 3: RiskLevel.HIGH},
}
# Any other critical item at or above its min_value (sum-scored instruments).
DEFAULT_CRITICAL_LEVEL = RiskLevel.MODERATE
_ITEM_ID = re.compile(r"[A-Za-z0-9_]{1,40}")


class InvalidAnswers(InvalidInput):
    code = "invalid_answers"


@dataclass(frozen=True, slots=True)
class Result:
    total: int
    severity: str
    label: str | None
    interpretation: str
    clinical_action: str | None
    subscales: dict[str, Any] = field(default_factory=dict)
    critical_item_ids: tuple[str, ...] = ()
    crisis_level: RiskLevel = RiskLevel.NONE
    further_evaluation: bool = False

    @property
    def critical(self) -> bool:
        return bool(self.critical_item_ids) or self.crisis_level >= RiskLevel.MODERATE


def _items(template_items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in template_items}


def _skipped(items: list[dict[str, Any]], answers: Mapping[str, int]) -> set[str]:
    """Items the instrument's own skip rules say are not asked, given these answers."""
    order = [i["id"] for i in sorted(items, key=lambda i: i["index"])]
    skipped: set[str] = set()
    for item in items:
        skip = item.get("skip")
        if skip and answers.get(item["id"]) == skip["if_value"]:
            start, stop = order.index(item["id"]) + 1, order.index(skip["go_to"])
            skipped.update(order[start:stop])
        ask_if = item.get("ask_if")
        if ask_if and answers.get(ask_if["item"]) != ask_if["value"]:
            skipped.add(item["id"])
    return skipped


def _shown(key: str) -> str:
    # Keys are the client's; only ones shaped like item ids are echoed back.
    return key if _ITEM_ID.fullmatch(key) else "(unrecognised key)"


def validate(
    items: list[dict[str, Any]], scoring: dict[str, Any], answers: Mapping[str, Any]
) -> dict[str, int]:
    """Answers as {item_id: value}; 422 naming every missing, unknown or out-of-range item.

    Required: every scored item, and unscored follow-ups whose ``ask_if`` holds. Items the skip
    logic leaves out may be absent; if they are answered anyway the answers count, since a "yes"
    to suicidal intent must never be ignored because of an earlier "no".
    """
    by_id = _items(items)
    unknown = sorted(_shown(k) for k in answers if k not in by_id)
    invalid = []
    clean: dict[str, int] = {}
    for item_id, value in answers.items():
        if item_id not in by_id:
            continue
        allowed = {o["value"] for o in by_id[item_id]["options"]}
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            invalid.append(item_id)
        else:
            clean[item_id] = value
    skipped = _skipped(items, clean)
    required = [i for i in scoring["item_ids"] if i not in skipped]
    required += [
        i["id"] for i in items if i.get("ask_if") and i["id"] not in skipped and i["id"] not in required
    ]
    missing = [i for i in required if i not in answers]
    if unknown or invalid or missing:
        parts = []
        if missing:
            parts.append("missing answers for " + ", ".join(missing))
        if unknown:
            parts.append("unknown items " + ", ".join(unknown))
        if invalid:
            parts.append("values not among the options for " + ", ".join(sorted(invalid)))
        raise InvalidAnswers(
            "The answers are not valid: " + "; ".join(parts) + ".",
            details={"missing": missing, "unknown": unknown, "invalid_values": sorted(invalid)},
        )
    return clean


def _range(scoring: dict[str, Any], total: int) -> dict[str, Any]:
    for r in scoring["ranges"]:
        if r["min"] <= total <= r["max"]:
            return dict(r)
    raise ValueError(f"total {total} outside every scoring range")  # a template error, not user input


def _critical_items(
    items: list[dict[str, Any]], scoring: dict[str, Any], answers: Mapping[str, int]
) -> list[str]:
    by_id = _items(items)
    out = []
    for item_id in scoring.get("critical_item_ids", []):
        rule = by_id[item_id].get("critical") or {"min_value": 1}
        if answers.get(item_id, 0) >= rule["min_value"]:
            out.append(item_id)
    return out


def _sum(items: list[dict[str, Any]], scoring: dict[str, Any], answers: Mapping[str, int]) -> Result:
    total = sum(answers[i] for i in scoring["item_ids"])
    band = _range(scoring, total)
    subscales: dict[str, Any] = {
        name: sum(answers[i] for i in ids) for name, ids in (scoring.get("subscales") or {}).items()
    }
    rule = scoring.get("dsm5_cluster_rule")
    if rule:
        # PCL-5's alternative provisional diagnosis: enough items per cluster at "Moderately" or above.
        clusters: dict[str, str] = {item["id"]: str(item.get("cluster")) for item in items}
        endorsed: dict[str, int] = {}
        for item_id in scoring["item_ids"]:
            if answers[item_id] >= rule["endorsed_at"]:
                c = clusters[item_id]
                endorsed[c] = endorsed.get(c, 0) + 1
        subscales["dsm5_cluster_rule_met"] = all(endorsed.get(c, 0) >= n for c, n in rule["required"].items())
    critical = _critical_items(items, scoring, answers)
    level = RiskLevel.NONE
    for item_id in critical:
        item_level = CRITICAL_ITEM_LEVELS.get(item_id, {}).get(answers[item_id], DEFAULT_CRITICAL_LEVEL)
        level = max(level, item_level)
    threshold = scoring.get("further_evaluation_at", scoring.get("cut_point"))
    return Result(
        total=total,
        severity=band["severity"],
        label=band.get("label"),
        interpretation=band["interpretation"],
        clinical_action=band.get("clinical_action"),
        subscales=subscales,
        critical_item_ids=tuple(critical),
        crisis_level=level,
        further_evaluation=threshold is not None and total >= threshold,
    )


def _triage(items: list[dict[str, Any]], scoring: dict[str, Any], answers: Mapping[str, int]) -> Result:
    total = sum(1 for i in scoring["item_ids"] if answers.get(i) == 1)
    # Rules are ordered most to least severe; the first that holds decides.
    rule = next(
        r for r in scoring["triage"] if not r["any_yes"] or any(answers.get(i) == 1 for i in r["any_yes"])
    )
    critical_severity = rule["severity"] in scoring.get("critical_severities", [])
    return Result(
        total=total,
        severity=rule["severity"],
        label=None,
        interpretation=rule["interpretation"],
        clinical_action=rule.get("clinical_action"),
        critical_item_ids=tuple(_critical_items(items, scoring, answers)) if critical_severity else (),
        crisis_level=RiskLevel(rule.get("crisis_risk_level", "none")),
        further_evaluation=critical_severity,
    )


def score(items: list[dict[str, Any]], scoring: dict[str, Any], answers: Mapping[str, Any]) -> Result:
    clean = validate(items, scoring, answers)
    method = scoring["method"]
    if method == "sum":
        return _sum(items, scoring, clean)
    if method == "triage":
        return _triage(items, scoring, clean)
    raise ValueError(f"unknown scoring method {method!r}")
