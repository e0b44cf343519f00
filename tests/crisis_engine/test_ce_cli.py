"""The crisis-engine command line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crisis_engine import cli


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_assess_text_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(["assess", "--keywords-only", "i want to kill myself tonight"], capsys)
    assert rc == 0
    data = json.loads(out)
    assert data["level"] == "imminent"
    assert "suicidal_ideation" in data["categories"]
    assert data["matches"][0]["span"]


def test_assess_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("i feel so hopeless"))
    rc, out, _ = run(["assess", "--keywords-only", "--compact", "-"], capsys)
    assert rc == 0
    assert json.loads(out)["level"] == "low"


def test_jsonl_one_line_per_input_and_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "zebra-secret-words"
    lines = [
        json.dumps({"id": "a", "text": "i want to die"}),
        f"{secret} not json",
        "",
        json.dumps({"id": "c", "body": secret}),
        json.dumps({"id": 4, "text": "nice weather"}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rc, out, err = run(["assess", "--keywords-only", "--jsonl", str(path)], capsys)
    assert rc == 1
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, None, 4]
    assert rows[0]["level"] == "moderate"
    assert rows[1] == {"id": None, "line": 2, "error": "line 2: not valid JSON (column 1)"}
    assert rows[2]["line"] == 4
    assert "'text'" in rows[2]["error"]
    assert rows[3]["level"] == "none"
    assert "line 2" in err
    assert "line 4" in err
    assert secret not in err
    assert secret not in out


def test_jsonl_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": 1, "text": "kms"}\n'))
    rc, out, _ = run(["assess", "--keywords-only", "--jsonl", "-"], capsys)
    assert rc == 0
    assert json.loads(out)["level"] == "moderate"


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(["assess", "--keywords-only", "--jsonl", "/nonexistent.jsonl"], capsys)
    assert rc == 2
    assert "cannot read" in err


def test_bench_dispatches(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(argv)
        return 0

    fake = types.ModuleType("crisis_engine.bench")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "crisis_engine.bench", fake)
    assert cli.main(["bench", "--quick"]) == 0
    assert seen == [["--quick"]]


def test_console_script() -> None:
    exe = Path(sys.executable).with_name("crisis-engine")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "crisis_engine.cli"]
    proc = subprocess.run(
        [*cmd, "assess", "--keywords-only", "--compact", "i'm not suicidal"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["level"] == "none"
