"""Validation of X12 documents against the implementation guides with ``pyx12``.

Used before a claim or an inquiry leaves (a document the payer would reject is never written to
the outbox) and by the tests on every generated and sample document. pyx12 4.0 ships maps for
837P 005010X222A1, 835 005010X221A1 and 270/271 004010X092A1 (it has no 005010X279A1 map, which
is why eligibility uses the 4010 guide here; docs/billing.md).
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document


def problems(document: str) -> list[str]:
    """Errors pyx12 finds (segment id, position and pyx12's code and text); [] when valid."""
    params = pyx12.params.params()
    out = io.StringIO()
    logger = logging.getLogger("pyx12")
    # pyx12 logs the offending values at ERROR; those can be PHI, so they are collected here
    # for the caller instead of reaching the service's logs.
    captured = _Capture()
    saved = (logger.handlers[:], logger.propagate)
    logger.handlers, logger.propagate = [captured], False
    try:
        ok = pyx12.x12n_document.x12n_document(params, io.StringIO(document), None, None, fd_json=out)
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as exc:
        return [f"pyx12: {type(exc).__name__}"]
    finally:
        logger.handlers, logger.propagate = saved
    found = _collect(out.getvalue()) + captured.messages
    if not ok and not found:
        found = ["pyx12 rejected the document"]
    return found


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:300])


def _collect(raw: str) -> list[str]:
    if not raw.strip():
        return []
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return [raw[:200]]
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            code, msg = node.get("code") or node.get("err_cde"), node.get("msg") or node.get("err_str")
            if code is not None and msg is not None:
                where = node.get("seg_id") or node.get("id") or ""
                found.append(f"{where} {code}: {msg}".strip())
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return found
