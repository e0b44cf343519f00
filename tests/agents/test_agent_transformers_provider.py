"""The transformers provider really generates, through LangChain, with a tiny local model.

The model (one GPT-2 layer, random weights) and its tokenizer are built in the test and saved
to a temporary directory: no download, no network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hp_agent.agents.runtime import AgentRuntime, AgentUnavailable, ChatTurn, UserContext, clear_model_cache
from hp_agent.config import Settings
from tests.agents.agent_fixtures import config

WORDS = "hello how are you today i feel tired and a bit low thanks for asking user assistant system".split()  # noqa: SIM905


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("tiny-gpt2")
    vocab = {"[UNK]": 0, "[EOS]": 1, "[PAD]": 2}
    for word in [*WORDS, ":", ".", ",", "?", "!"]:
        vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace()])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", eos_token="[EOS]", pad_token="[PAD]"
    )
    tokenizer.save_pretrained(path)

    torch.manual_seed(0)
    cfg = GPT2Config(
        vocab_size=len(vocab),
        n_positions=2048,
        n_embd=32,
        n_layer=1,
        n_head=2,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=2,
    )
    model = GPT2LMHeadModel(cfg)
    with torch.no_grad():
        # Never end early and never emit unknown tokens, so every run generates real words.
        model.lm_head.weight[0].fill_(0)
        model.lm_head.weight[1].fill_(0)
    model.save_pretrained(path)
    return path


def _runtime(path: Path, **params: object) -> AgentRuntime:
    clear_model_cache()
    cfg = config(
        slug="tiny-local",
        model_provider="transformers",
        model_name="tiny-gpt2",
        model_params={"path": str(path), "max_new_tokens": 12, **params},
    )
    return AgentRuntime.from_config(cfg, Settings(environment="test"))


async def test_local_model_streams_generated_tokens(tiny_model_dir: Path) -> None:
    runtime = _runtime(tiny_model_dir)
    history = [ChatTurn("user", "hello how are you today")]
    chunks = [c async for c in runtime.stream_reply(history, UserContext(display_name="Robin"))]
    text = "".join(chunks)
    assert len(chunks) >= 2
    words = text.split()
    assert words, "the model produced no text"
    # Every generated word comes from the tiny vocabulary: it was generated, not echoed or canned.
    assert set(words) <= set(WORDS) | {":", ".", ",", "?", "!"}
    # Greedy decoding is deterministic.
    again = "".join([c async for c in runtime.stream_reply(history, UserContext(display_name="Robin"))])
    assert again == text


async def test_missing_model_directory_is_agent_unavailable(tmp_path: Path) -> None:
    clear_model_cache()
    cfg = config(
        slug="tiny-missing", model_provider="transformers", model_params={"path": str(tmp_path / "nope")}
    )
    with pytest.raises(AgentUnavailable):
        AgentRuntime.from_config(cfg, Settings(environment="test"))
