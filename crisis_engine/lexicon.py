"""The crisis lexicon: versioned keyword entries with categories and severity weights.

A lexicon file (JSON or YAML) looks like::

    version: "2026.11.1"
    name: happy-path-core
    entries:
      - {term: "want to {die|be dead}", category: suicidal_ideation, weight: 0.85}
      - {pattern: "\\btook (?:all|\\d+) (?:of )?(?:my|the) pills\\b", category: imminent, weight: 0.95}

Entry fields: exactly one of ``term`` (a phrase; ``{a|b|}`` expands to alternatives, the empty
alternative making a word optional; ``*`` matches any one word) or ``pattern`` (a Python regex over
normalised text); ``category``; ``weight`` in (0, 1]; optional flags ``requires_first_person``
(dropped when the subject is someone else), ``requires_context`` (only counts when another risk
statement is in the same message: means and timing words such as "pills" or "tonight"), ``fuzzy``
(the phrase's words may be matched with spelling errors; single high-weight words are fuzzy by
default), ``enabled`` (false removes an entry of the same term and category when merging), ``id``
and ``note``. Database rows of the ``crisis_keywords`` table use the same keys
(``Lexicon.from_records``).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from crisis_engine.normalize import normalize
from crisis_engine.types import Category

__all__ = ["DEFAULT_LEXICON", "Lexicon", "LexiconEntry", "LexiconError"]

DEFAULT_LEXICON = "core.yaml"
_KNOWN_KEYS = {
    "term", "pattern", "category", "weight", "requires_first_person", "requires_context",
    "fuzzy", "enabled", "active", "id", "note", "triggers", "phrase", "regex", "lang",
}  # fmt: skip
_ALT = re.compile(r"\{([^{}]*)\}")


class LexiconError(ValueError):
    """A lexicon file or record set is malformed; the message names the source and the entry."""


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    category: Category
    weight: float
    term: str | None = None
    pattern: str | None = None
    requires_first_person: bool = False
    requires_context: bool = False
    fuzzy: bool = False
    enabled: bool = True
    id: str | None = None
    note: str = ""
    triggers: tuple[str, ...] = ()  # regex entries run only when one of these words is present
    source: str = ""
    # Language of the term (ISO 639-1). Only English words are targets of the fuzzy spelling
    # repair: the repair runs on tokens that are not English words, which would otherwise pull
    # ordinary words of other languages onto risk words of those languages.
    lang: str = "en"

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity used for merging: later lexicons override earlier ones with the same key."""
        if self.term is not None:
            return ("term", " ".join(self.term.lower().split()), self.category.value)
        return ("pattern", self.pattern or "", self.category.value)

    @property
    def label(self) -> str:
        """Short name of the entry for matches and explanations."""
        return self.term if self.term is not None else (self.id or "pattern")

    def phrases(self) -> list[tuple[str, ...]]:
        """All token sequences this term stands for, normalised like the text is."""
        if self.term is None:
            return []
        out: dict[tuple[str, ...], None] = {}
        for variant in _expand(self.term):
            tokens = tuple(variant.split())
            if tokens and tokens[0] not in ("*", "#"):
                out[tokens] = None
        return list(out)


def _norm_piece(piece: str) -> str:
    return normalize(piece).text if piece.strip() else ""


def _expand(term: str) -> list[str]:
    """Expand ``{a|b|}`` groups; each piece is normalised on its own (far fewer calls than
    normalising every expansion)."""
    pieces = _ALT.split(term)
    # split() with one group alternates literal text and group contents.
    choices = [
        [_norm_piece(p)] if i % 2 == 0 else [_norm_piece(a) for a in p.split("|")]
        for i, p in enumerate(pieces)
    ]
    return [" ".join(" ".join(combo).split()) for combo in itertools.product(*choices)]


def _parse_entry(raw: Mapping[str, Any], source: str, index: int) -> LexiconEntry:
    where = f"{source}: entry {index}"
    if not isinstance(raw, Mapping):
        raise LexiconError(f"{where}: expected a mapping, got {type(raw).__name__}")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown field(s) {sorted(unknown)}")
    term = raw.get("term", raw.get("phrase"))
    pattern = raw.get("pattern", raw.get("regex"))
    if (term is None) == (pattern is None):
        raise LexiconError(f"{where}: needs exactly one of 'term' or 'pattern'")
    if term is not None and (not isinstance(term, str) or not term.strip()):
        raise LexiconError(f"{where}: 'term' must be a non-empty string")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            raise LexiconError(f"{where}: 'pattern' must be a non-empty string")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise LexiconError(f"{where}: invalid regex ({exc})") from None
    try:
        category = Category(str(raw.get("category", "")).strip().lower())
    except ValueError:
        allowed = ", ".join(c.value for c in Category)
        raise LexiconError(f"{where}: unknown category (allowed: {allowed})") from None
    weight = raw.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
        raise LexiconError(f"{where}: 'weight' must be a number in (0, 1]")
    flags: dict[str, bool] = {}
    for name in ("requires_first_person", "requires_context", "fuzzy", "enabled", "active"):
        value = raw.get(name)
        if value is not None and not isinstance(value, bool):
            raise LexiconError(f"{where}: '{name}' must be true or false")
        flags[name] = bool(value) if value is not None else name in ("enabled", "active")
    triggers = raw.get("triggers") or ()
    if isinstance(triggers, str) or not all(isinstance(t, str) for t in triggers):
        raise LexiconError(f"{where}: 'triggers' must be a list of words")
    entry_id = raw.get("id")
    return LexiconEntry(
        category=category,
        weight=float(weight),
        term=term.strip() if isinstance(term, str) else None,
        pattern=pattern,
        requires_first_person=flags["requires_first_person"],
        requires_context=flags["requires_context"],
        fuzzy=flags["fuzzy"],
        enabled=flags["enabled"] and flags["active"],
        id=None if entry_id is None else str(entry_id),
        note=str(raw.get("note") or ""),
        triggers=tuple(t.lower() for t in triggers),
        source=source,
        lang=str(raw.get("lang") or "en").strip().lower(),
    )


@dataclass(frozen=True, slots=True)
class Lexicon:
    name: str
    version: str
    entries: tuple[LexiconEntry, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def default(cls) -> Lexicon:
        """The lexicon packaged with the engine."""
        text = resources.files("crisis_engine").joinpath("lexicons", DEFAULT_LEXICON).read_text("utf-8")
        return cls.from_text(text, source=f"crisis_engine/lexicons/{DEFAULT_LEXICON}", fmt="yaml")

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        """Read a lexicon file (``.json``, ``.yaml`` or ``.yml``)."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise LexiconError(f"{p}: cannot read lexicon ({exc.strerror})") from None
        fmt = "json" if p.suffix.lower() == ".json" else "yaml"
        return cls.from_text(text, source=str(p), fmt=fmt)

    @classmethod
    def from_text(cls, text: str, *, source: str, fmt: str = "yaml") -> Lexicon:
        try:
            if fmt == "json":
                data = json.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except Exception as exc:  # json/yaml raise many types; report the position only
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "lineno", None)
            raise LexiconError(f"{source}: not valid {fmt.upper()} (near {mark})") from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>") -> Lexicon:
        if not isinstance(data, Mapping):
            raise LexiconError(f"{source}: a lexicon must be a mapping with 'entries'")
        for key in ("version", "name"):
            if not isinstance(data.get(key), str | int | float) or isinstance(data.get(key), bool):
                raise LexiconError(f"{source}: missing '{key}'")
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, Sequence) or isinstance(raw_entries, str):
            raise LexiconError(f"{source}: 'entries' must be a list")
        entries = tuple(_parse_entry(r, source, i) for i, r in enumerate(raw_entries))
        return cls(name=str(data["name"]), version=str(data["version"]), entries=entries)

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, Any]],
        *,
        name: str | None = None,
        version: str | None = None,
    ) -> Lexicon:
        """Entries from rows, e.g. of the service's ``crisis_keywords`` table.

        Unknown columns (timestamps, ``is_regex``, ``created_by``) are ignored; enum values are
        unwrapped. Name and version default to the rows' ``lexicon_name``/``lexicon_version``
        when they all agree, else to "records"/"0".
        """
        raw = [dict(r) for r in records]
        names = {str(r["lexicon_name"]) for r in raw if r.get("lexicon_name") is not None}
        versions = {str(r["lexicon_version"]) for r in raw if r.get("lexicon_version") is not None}
        name = name or (names.pop() if len(names) == 1 else "records")
        version = version or (versions.pop() if len(versions) == 1 else "0")
        rows = [
            {k: getattr(v, "value", v) for k, v in r.items() if k in _KNOWN_KEYS and v is not None}
            for r in raw
        ]
        return cls.from_dict({"name": name, "version": version, "entries": rows}, source=name)

    def merge(self, *others: Lexicon) -> Lexicon:
        """This lexicon with ``others`` layered on top, in order.

        An entry with the same term (or pattern) and category replaces the earlier one; an entry
        with ``enabled: false`` removes it. The version records every layer.
        """
        merged: dict[tuple[str, str, str], LexiconEntry] = {e.key: e for e in self.entries}
        for other in others:
            for entry in other.entries:
                merged.pop(entry.key, None)
                merged[entry.key] = entry
        version = "+".join([f"{self.name}@{self.version}"] + [f"{o.name}@{o.version}" for o in others])
        kept = tuple(e for e in merged.values() if e.enabled)
        return replace(self, version=version if others else self.version, entries=kept)

    def active_entries(self) -> tuple[LexiconEntry, ...]:
        return tuple(e for e in self.entries if e.enabled)
