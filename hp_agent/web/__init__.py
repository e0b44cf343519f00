"""The reference web client: static files served by the service itself at ``/``.

Only ``/`` and ``/static/...`` are claimed, never a catch-all, so unknown paths (``/v1/...`` or
anything else) still reach the API's JSON 404 and ``/docs`` keeps its own, looser headers.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
# A Host header that is not a plain host[:port] is not echoed into the policy.
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def content_security_policy(host: str | None) -> str:
    """Scripts and styles from this origin only; sockets to this host only; nothing inline."""
    connect = "'self'"
    if host and _HOST.match(host):
        # Older engines do not let 'self' cover ws: and wss:, so the socket origins are named.
        connect += f" ws://{host} wss://{host}"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def _harden(response: Response, host: str | None) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(host)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    # Small files that change with every deploy: revalidate instead of serving stale code.
    response.headers["Cache-Control"] = "no-cache"
    return response


class _Static(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1") or None
        return _harden(response, host)


def install(app: FastAPI) -> None:
    """Serve ``index.html`` at ``/`` and the assets under ``/static``."""

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        return _harden(FileResponse(STATIC_DIR / "index.html"), request.headers.get("host"))

    app.mount("/static", _Static(directory=STATIC_DIR), name="web-static")
