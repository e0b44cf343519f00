"""Typed service errors, rendered by one handler (see ``hp_agent.app``)."""

from __future__ import annotations

from typing import Any


class HPError(Exception):
    """An error whose message is safe to show the client (it never echoes user content)."""

    status_code: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
        self.details = details or {}


class NotFound(HPError):
    status_code = 404
    code = "not_found"


class Unauthorized(HPError):
    status_code = 401
    code = "unauthorized"


class Forbidden(HPError):
    status_code = 403
    code = "forbidden"


class Conflict(HPError):
    status_code = 409
    code = "conflict"


class TooManyRequests(HPError):
    status_code = 429
    code = "too_many_requests"
