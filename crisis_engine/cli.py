"""Command line: ``crisis-engine assess`` and ``crisis-engine bench``.

Message text never goes to stderr: errors name the input line, not its content.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any

__all__ = ["main"]

_BATCH = 64


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crisis-engine", description="Happy Path crisis engine")
    sub = parser.add_subparsers(dest="command", required=True)
    assess = sub.add_parser("assess", help="assess a text, or a JSONL file of {id, text} lines")
    src = assess.add_mutually_exclusive_group(required=True)
    src.add_argument("text", nargs="?", help="text to assess ('-' reads it from stdin)")
    src.add_argument("--jsonl", metavar="FILE", help="JSONL input with id and text ('-' for stdin)")
    assess.add_argument("--keywords-only", action="store_true", help="skip the classifier")
    assess.add_argument("--compact", action="store_true", help="single-line JSON for one text")
    bench = sub.add_parser("bench", help="run the benchmark (crisis_engine.bench)")
    bench.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the benchmark")
    return parser


def _parse_line(raw: str, lineno: int) -> tuple[Any, str] | str:
    """(id, text) or an error message that does not contain the line's content."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"line {lineno}: not valid JSON (column {exc.colno})"
    if not isinstance(obj, dict):
        return f"line {lineno}: expected a JSON object with 'id' and 'text'"
    text = obj.get("text")
    if not isinstance(text, str):
        return f"line {lineno}: 'text' is missing or not a string"
    return obj.get("id"), text


def _lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    for lineno, raw in enumerate(stream, start=1):
        if raw.strip():
            yield lineno, raw


def _run_jsonl(detector: Any, stream: IO[str], out: IO[str], err: IO[str]) -> int:
    status = 0
    pending: list[tuple[Any, str]] = []

    def flush() -> None:
        results = detector.assess_batch([t for _, t in pending])
        for (ident, _), a in zip(pending, results, strict=True):
            out.write(json.dumps({"id": ident, **a.to_dict()}, ensure_ascii=False) + "\n")
        pending.clear()

    for lineno, raw in _lines(stream):
        parsed = _parse_line(raw, lineno)
        if isinstance(parsed, str):
            flush()
            err.write(f"crisis-engine: {parsed}\n")
            out.write(json.dumps({"id": None, "line": lineno, "error": parsed}) + "\n")
            status = 1
            continue
        pending.append(parsed)
        if len(pending) >= _BATCH:
            flush()
    flush()
    return status


def _assess(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from crisis_engine.detector import CrisisDetector
    from crisis_engine.lexicon import LexiconError

    try:
        detector = CrisisDetector.load(classifier=False if args.keywords_only else None)
    except LexiconError as exc:
        err.write(f"crisis-engine: {exc}\n")
        return 2
    if args.jsonl is not None:
        if args.jsonl == "-":
            return _run_jsonl(detector, sys.stdin, out, err)
        try:
            with open(args.jsonl, encoding="utf-8") as fh:
                return _run_jsonl(detector, fh, out, err)
        except OSError as exc:
            err.write(f"crisis-engine: cannot read {args.jsonl}: {exc.strerror}\n")
            return 2
        except UnicodeDecodeError:
            err.write(f"crisis-engine: {args.jsonl} is not UTF-8 text\n")
            return 2
    text = sys.stdin.read() if args.text == "-" else args.text
    assessment = detector.assess(text)
    indent = None if args.compact else 2
    out.write(json.dumps(assessment.to_dict(), ensure_ascii=False, indent=indent) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(argv) if argv is not None else sys.argv[1:]
    if argv[:1] == ["bench"]:
        # Everything after "bench" belongs to the benchmark (a module of the classifier work).
        bench = importlib.import_module("crisis_engine.bench")
        rc: int = bench.main(argv[1:])
        return rc
    return _assess(_parser().parse_args(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
