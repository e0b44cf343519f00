"""Text the service refuses everywhere: NUL characters, lone UTF-16 surrogates, absurd nesting.

PostgreSQL text cannot hold NUL, and a lone surrogate (``"\\ud800"`` in JSON) cannot be encoded
as UTF-8: either used to surface as a database or encoder exception deep in a request (a 500,
or an ``internal_error`` frame a client retries forever). Checking once at the edge turns them
into a plain "bad input" answer before anything is stored. Deep nesting is refused for the same
reason: the parsers recurse and would raise ``RecursionError``.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 32  # no request or frame of this API nests anywhere near this deep

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


class BadText(ValueError):
    """The input holds a NUL, a lone surrogate or nests too deeply (never carries the input)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "nul" | "surrogate" | "depth" | "json"


def check_str(value: str) -> None:
    found = _BAD_CHARS.search(value)
    if found is not None:
        raise BadText("nul" if found.group() == "\x00" else "surrogate")


def check_value(value: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Walk a decoded JSON value iteratively (no recursion) checking every key and string."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_str(item)
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise BadText("depth")
            if isinstance(item, dict):
                for key, sub in item.items():
                    check_str(str(key))
                    stack.append((sub, depth + 1))
            else:
                stack.extend((sub, depth + 1) for sub in item)


def loads_checked(raw: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses deep nesting, NUL and lone surrogates with :class:`BadText`.

    Malformed JSON raises ``ValueError`` as ``json.loads`` does.
    """
    try:
        data = json.loads(raw)
    except RecursionError:  # the C decoder counts its recursion and gives up cleanly
        raise BadText("depth") from None
    check_value(data, max_depth)
    return data
