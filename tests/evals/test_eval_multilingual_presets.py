"""The multilingual chat suite (issue #18 item 4), the --preset and --dataset feedback options."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from evals import cli
from evals.datasets import MULTILINGUAL_DIR, MULTILINGUAL_NAME, load_many, resolve_dataset

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = {"es", "fr", "de", "pt", "it", "nl", "pl"}


def test_multilingual_chat_suite_has_risk_and_ordinary_chat_in_every_language() -> None:
    kind, files = resolve_dataset(MULTILINGUAL_NAME, REPO)
    assert kind == "jsonl"
    assert isinstance(files, list)
    assert {f.stem for f in files} == LANGUAGES | {"mixed"}
    items = load_many(files)
    positives: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    for item in items:
        lang = item.tags[0]
        assert item.suite == f"lang_{lang}", item.id
        assert item.id.startswith(f"mlchat-{lang}-")
        if item.is_alert_positive:
            positives[lang] += 1
        if item.is_alert_negative:
            negatives[lang] += 1
        assert not (item.hard_negative and item.is_alert_positive), item.id
    for lang in LANGUAGES:
        assert positives[lang] >= 4, lang
        assert negatives[lang] >= 3, lang
    # The five languages of most crisis lines carry enough items for a per-language figure.
    assert all(positives[lang] >= 10 and negatives[lang] >= 8 for lang in ("es", "fr", "de", "pt", "it"))
    # Kept apart from "curated", whose aggregate figures and gates stay as they were.
    assert MULTILINGUAL_DIR.parent.name == "datasets"
    assert not list(MULTILINGUAL_DIR.parent.glob("lang_*.jsonl"))


def test_unknown_preset_is_bad_input(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = cli.main(
        ["crisis", "--dataset", "multilingual-chat", "--preset", "paranoid", "--out", str(tmp_path)]
    )
    assert code == 2
    assert "unknown preset 'paranoid'" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_feedback_dataset_without_a_reachable_database_is_bad_input(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = "postgresql://nobody:nothing@127.0.0.1:1/none"
    code = cli.main(["crisis", "--dataset", "feedback", "--database-url", url, "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the database" in err
    assert "nothing" not in err
