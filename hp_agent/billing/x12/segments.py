"""X12 segments: tokenising a document and writing one with its interchange envelope.

A document is a list of segments; a segment is its id followed by its elements (strings,
composites joined with the component separator). The separators of an inbound document are read
from its ISA segment (fixed width: element separator at 3, component separator at 104, segment
terminator at 105), so files from any clearing house tokenise the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

ELEMENT = "*"
COMPONENT = ":"
TERMINATOR = "~"
REPETITION = "^"  # ISA11 in 5010; 4010 puts the standards identifier "U" there
_ISA_LENGTH = 106
# Characters that would break the envelope if they appeared inside an element.
_FORBIDDEN = re.compile(r"[*:~^\r\n]")


class X12Error(ValueError):
    """A document that cannot be read or written; the message names the segment, never values."""


Segment = list[str]


def clean(value: str, max_len: int | None = None) -> str:
    """A free-text value made safe for an element: separators removed, upper case, trimmed."""
    out = _FORBIDDEN.sub(" ", value).strip().upper()
    out = re.sub(r"\s+", " ", out)
    return out[:max_len] if max_len else out


def money(value: object) -> str:
    """X12 decimal: no trailing zeros after the point, no point for whole amounts."""
    text = f"{value:.2f}" if not isinstance(value, str) else value
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Separators:
    element: str = ELEMENT
    component: str = COMPONENT
    terminator: str = TERMINATOR


def tokenize(text: str) -> tuple[list[Segment], Separators]:
    """Split a document into segments, using the separators its ISA declares."""
    body = text.lstrip("\ufeff \r\n\t")
    if not body.startswith("ISA") or len(body) < _ISA_LENGTH:
        raise X12Error("not an X12 interchange: it must start with a complete ISA segment")
    seps = Separators(element=body[3], component=body[104], terminator=body[105])
    if len({seps.element, seps.component, seps.terminator}) != 3:
        raise X12Error("ISA declares the same character for two separators")
    segments: list[Segment] = []
    for raw in body.split(seps.terminator):
        raw = raw.strip("\r\n ")
        if raw:
            segments.append(raw.split(seps.element))
    return segments, seps


def serialize(segments: list[Segment]) -> str:
    """One segment per line, each ending with the terminator (lines are for people reading it)."""
    return "".join(ELEMENT.join(seg).rstrip(ELEMENT) + TERMINATOR + "\n" for seg in segments)


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom: the ISA/GS identities and the version of the transaction set."""

    sender_id: str
    receiver_id: str
    control_number: int
    version: str  # GS08 implementation guide, e.g. 005010X222A1
    functional_code: str  # GS01: HC claim, HS eligibility inquiry, HB eligibility response, HP remit
    usage: str = "T"  # ISA15: T test, P production
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"


def wrap(envelope: Envelope, transaction: list[Segment], when: dt.datetime) -> list[Segment]:
    """ISA/GS/ST ... SE/GE/IEA around one transaction (whose first segment is ST)."""
    if not 0 < envelope.control_number < 10**9:
        raise X12Error("interchange control number must be 1..999999999")
    icn = f"{envelope.control_number:09d}"
    gcn = str(envelope.control_number)
    is_5010 = envelope.version.startswith("005010")
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender_qualifier,
        envelope.sender_id.ljust(15)[:15],
        envelope.receiver_qualifier,
        envelope.receiver_id.ljust(15)[:15],
        when.strftime("%y%m%d"),
        when.strftime("%H%M"),
        REPETITION if is_5010 else "U",
        "00501" if is_5010 else "00401",
        icn,
        "0",
        envelope.usage,
        COMPONENT,
    ]
    gs = [
        "GS",
        envelope.functional_code,
        envelope.sender_id,
        envelope.receiver_id,
        when.strftime("%Y%m%d"),
        when.strftime("%H%M"),
        gcn,
        "X",
        envelope.version,
    ]
    body = [seg for seg in transaction]
    st_control = body[0][2]
    body.append(["SE", str(len(body) + 1), st_control])
    return [isa, gs, *body, ["GE", "1", gcn], ["IEA", "1", icn]]


def transactions(segments: list[Segment]) -> list[list[Segment]]:
    """The ST..SE transaction sets of a tokenised interchange."""
    out: list[list[Segment]] = []
    current: list[Segment] | None = None
    for seg in segments:
        if seg[0] == "ST":
            current = [seg]
        elif current is not None:
            current.append(seg)
            if seg[0] == "SE":
                out.append(current)
                current = None
    if current is not None:
        raise X12Error("a transaction set has no SE trailer")
    return out


def element(seg: Segment, index: int, default: str = "") -> str:
    """Element ``index`` (1-based, as the guides number them) or ``default`` when absent."""
    return seg[index] if len(seg) > index else default


def d8(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise X12Error("a date is not in CCYYMMDD form") from None
