"""Structured logs: one JSON object per line, with the request or connection id, never content.

``request_id`` / ``connection_id`` live in context variables set by the ASGI middleware
(``middleware.py``); tasks a request or socket starts inherit them, so every line written while
serving it carries its id. The access line names the route template and status, never the raw
path or the query string (a token or an email can travel there).

Exceptions are logged by type and stack frames only: an exception's message can carry user
values (a database error quotes the parameters it failed on), so it is left out.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import traceback
from typing import Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("hp_request_id", default=None)
connection_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("hp_connection_id", default=None)

# Attributes every LogRecord has; anything else passed with ``extra=`` is emitted as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class IdFilter(logging.Filter):
    """Copies the current request/connection ids onto each record (for any formatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.connection_id = connection_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        cid = getattr(record, "connection_id", None) or connection_id.get()
        if rid:
            out["request_id"] = rid
        if cid:
            out["connection_id"] = cid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in out and key not in ("request_id", "connection_id"):
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            out["exc_type"] = exc_type.__name__
            out["stack"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
        return json.dumps(out, default=str, ensure_ascii=False)


def quiet_outbound_clients() -> None:
    """httpx logs every outbound URL at INFO (webhooks, model endpoints): keys can ride in a
    query string, so only its warnings are kept. Stripe's client logs each request's parameters
    and the processor's error messages at INFO, and those echo what a person typed (a coupon code,
    a payment-method id)."""
    for name in ("httpx", "httpcore", "stripe"):
        logging.getLogger(name).setLevel(logging.WARNING)


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """Replace the root handlers with one stderr handler in the chosen format.

    uvicorn is started with ``log_config=None`` and ``access_log=False`` (cli.py), so its own
    lines propagate here and the access line comes from our middleware instead.
    """
    handler = logging.StreamHandler()
    handler.addFilter(IdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    quiet_outbound_clients()
    # uvicorn's access line carries the raw path with its query string: never written.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
