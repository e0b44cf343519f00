"""The clearing house: where claims and inquiries go and remittances and answers come from.

``Clearinghouse`` is the interface; ``FileDrop`` is the implementation most clearing houses offer
(an SFTP-synchronised folder pair): we write 837 and 270 files to ``outbox/`` and read 271 and 835
files from ``inbox/``. A processed file moves to ``done/``; a file that could not be posted moves
to ``quarantine/`` next to a ``.error.txt`` that says why (no values from the file in it). A real
API-based clearing house implements the same four methods.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class InboundFile:
    name: str
    path: Path

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8", errors="strict")


class Clearinghouse(Protocol):
    def send(self, kind: str, reference: str, document: str) -> str:
        """Hand over an outbound document (``kind`` 837 or 270); returns its file/reference name."""
        ...

    def inbound(self) -> list[InboundFile]:
        """Documents waiting to be read, oldest first."""
        ...

    def done(self, item: InboundFile) -> None: ...

    def quarantine(self, item: InboundFile, error: str) -> None: ...


class FileDrop:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.outbox, self.inbox = root / "outbox", root / "inbox"
        self.done_dir, self.quarantine_dir = root / "done", root / "quarantine"
        for d in (self.outbox, self.inbox, self.done_dir, self.quarantine_dir):
            d.mkdir(parents=True, exist_ok=True)

    def send(self, kind: str, reference: str, document: str) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        base = _SAFE.sub("_", f"{kind}_{reference}_{stamp}")
        # Written and synced under a hidden name, then linked in: the clearing house's sync never
        # picks up a half-written file, and a link never replaces a document already waiting
        # there (a claim corrected and resent within the same second keeps both interchanges).
        tmp = self.outbox / f".{base}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(document)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            for n in itertools.count():
                name = f"{base}.x12" if n == 0 else f"{base}_{n}.x12"
                try:
                    os.link(tmp, self.outbox / name)
                    break
                except FileExistsError:
                    continue
        finally:
            tmp.unlink()
        directory = os.open(self.outbox, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return name

    def inbound(self) -> list[InboundFile]:
        files = [p for p in self.inbox.iterdir() if p.is_file() and not p.name.startswith(".")]
        files.sort(key=lambda p: (p.stat().st_mtime, p.name))
        return [InboundFile(p.name, p) for p in files]

    def _move(self, item: InboundFile, folder: Path) -> Path:
        target = folder / item.name
        if target.exists():  # a later file of the same name never overwrites an earlier one
            target = folder / f"{target.stem}.{uuid.uuid4().hex[:8]}{target.suffix}"
        os.replace(item.path, target)
        return target

    def done(self, item: InboundFile) -> None:
        self._move(item, self.done_dir)

    def quarantine(self, item: InboundFile, error: str) -> None:
        target = self._move(item, self.quarantine_dir)
        target.with_name(target.name + ".error.txt").write_text(error + "\n", encoding="utf-8")
