"""Benchmark helpers: generated messages and the shared benchmarks file section."""

from __future__ import annotations

from pathlib import Path

from crisis_engine.bench import SECTION, messages, write_section


def test_clf_bench_messages_are_a_reproducible_chat_mix() -> None:
    a = messages(500, seed=3)
    assert a == messages(500, seed=3)
    assert len(a) == 500
    assert sum(len(m) for m in a) / len(a) < 120  # short chat messages
    assert len(set(a)) > 200


def test_clf_bench_writes_only_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Service (hp-agent bench)\n\nkeep me\n", encoding="utf-8")
    write_section(doc, "first run")
    write_section(doc, "second run")
    text = doc.read_text("utf-8")
    assert "keep me" in text
    assert "second run" in text
    assert "first run" not in text
    assert text.count(SECTION) == 1
    doc.write_text(text + "\n## Later section\n\nalso keep\n", encoding="utf-8")
    write_section(doc, "third run")
    text = doc.read_text("utf-8")
    assert "also keep" in text
    assert "keep me" in text
    assert "third run" in text
    assert "second run" not in text
