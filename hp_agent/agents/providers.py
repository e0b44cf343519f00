"""Chat models per provider. Every provider is a LangChain ``BaseChatModel``.

- ``scripted``: the project's dialogue engine (:mod:`hp_agent.agents.scripted`), offline.
- ``openai_compatible``: any server speaking ``/v1/chat/completions`` (HP_OPENAI_*).
- ``ollama``: an Ollama server (HP_OLLAMA_BASE_URL).
- ``transformers``: a local model directory (``model_params.path``), run on CPU in-process.

Provider libraries are imported lazily so the scripted default never loads torch or an HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel

from hp_agent.agents.scripted import ScriptedChatModel
from hp_agent.agents.scripted.content import default_content

if TYPE_CHECKING:
    from hp_agent.agents.spec import AgentSpec
    from hp_agent.config import Settings


class ProviderError(ValueError):
    """The agent's provider configuration cannot produce a model (message safe to show an admin)."""


# Options an agent's model_params may pass through to a generative model; anything else is ignored
# so a configuration cannot smuggle arbitrary constructor arguments (base URLs, keys) in.
_SAMPLING_KEYS = ("temperature", "top_p", "max_tokens", "seed", "presence_penalty", "frequency_penalty")


def _sampling(params: dict[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in _SAMPLING_KEYS if params.get(k) is not None}


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def build_chat_model(spec: AgentSpec, settings: Settings) -> BaseChatModel:
    builder = _BUILDERS.get(spec.model_provider)
    if builder is None:
        raise ProviderError(f"unknown model provider {spec.model_provider!r}")
    try:
        return builder(spec, settings)
    except ProviderError:
        raise
    except (ValueError, TypeError, ImportError) as exc:
        # Bad model_params types (pydantic validation in the client), a missing optional package.
        raise ProviderError(f"{spec.model_provider} agent {spec.slug}: {type(exc).__name__}") from exc


def _scripted(spec: AgentSpec, settings: Settings) -> BaseChatModel:
    params = spec.model_params
    try:
        default_content()  # broken dialogue content fails here, not in the middle of a reply
        return ScriptedChatModel(
            dialogue=str(params.get("dialogue") or spec.approach),
            seed=int(params.get("seed", 0)),
            max_reply_chars=int(params.get("max_reply_chars", 700)),
            questions_per_turn=int(params.get("questions_per_turn", 1)),
            stream_delay_seconds=int(params.get("stream_delay_ms", 0)) / 1000,
            # The shipped YAML's names for the approach settings it may override.
            offer_after_turns=_optional_int(
                params.get("offer_exercise_after_turns", params.get("offer_after_turns"))
            ),
            high_distress_threshold=_optional_int(params.get("high_distress_threshold")),
            advice_only_when_asked=params.get("advice_only_when_asked"),
            agent_name=spec.name.split("—")[0].split(" - ")[0].strip(),
        )
    except (ValueError, TypeError) as exc:
        raise ProviderError(f"scripted agent {spec.slug}: {exc}") from exc


def _openai(spec: AgentSpec, settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    if not settings.openai_base_url:
        raise ProviderError("HP_OPENAI_BASE_URL is not set")
    model = spec.model_name or settings.openai_model
    if not model:
        raise ProviderError("no model: set the agent's model_name or HP_OPENAI_MODEL")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    sampling = _sampling(spec.model_params)
    max_tokens = sampling.pop("max_tokens", None)
    return ChatOpenAI(
        model=model,
        base_url=settings.openai_base_url,
        api_key=key,
        timeout=settings.agent_request_timeout_seconds,
        max_retries=1,
        streaming=True,
        max_completion_tokens=max_tokens,
        **sampling,
    )


def _ollama(spec: AgentSpec, settings: Settings) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    if not spec.model_name:
        raise ProviderError("an ollama agent needs model_name")
    sampling = _sampling(spec.model_params)
    options: dict[str, Any] = {}
    if "max_tokens" in sampling:
        options["num_predict"] = sampling.pop("max_tokens")
    for key in ("presence_penalty", "frequency_penalty"):
        sampling.pop(key, None)
    return ChatOllama(
        model=spec.model_name,
        base_url=settings.ollama_base_url,
        client_kwargs={"timeout": settings.agent_request_timeout_seconds},
        **sampling,
        **options,
    )


# Used when a local tokenizer ships without a chat template (small or base models).
_FALLBACK_CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)


def _transformers(spec: AgentSpec, settings: Settings) -> BaseChatModel:
    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGenerationChunk
    from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
    from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

    class LocalChatHuggingFace(ChatHuggingFace):
        # ChatHuggingFace's async stream only speaks to inference endpoints; for a local pipeline
        # run the synchronous token stream in a worker thread (LangChain's default behaviour).
        async def _astream(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: AsyncCallbackManagerForLLMRun | None = None,
            **kwargs: Any,
        ) -> AsyncIterator[ChatGenerationChunk]:
            async for chunk in BaseChatModel._astream(self, messages, stop, run_manager, **kwargs):
                yield chunk

    params = spec.model_params
    raw_path = params.get("path")
    if not raw_path:
        raise ProviderError("a transformers agent needs model_params.path (a local model directory)")
    path = Path(str(raw_path)).expanduser()
    if not path.is_dir():
        raise ProviderError("model_params.path is not a directory")
    try:
        # local_files_only: never reach the network for a model the operator installed.
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ProviderError(f"could not load the local model ({type(exc).__name__})") from exc
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = _FALLBACK_CHAT_TEMPLATE
    # HuggingFacePipeline ignores its own pipeline_kwargs when called, so generation options go
    # on the model's generation config, which every generate() call reads.
    gen = model.generation_config
    gen.max_new_tokens = int(params.get("max_new_tokens", params.get("max_tokens", 128)))
    temperature = float(params.get("temperature") or 0)
    gen.do_sample = temperature > 0
    if temperature > 0:
        gen.temperature = temperature
    if gen.pad_token_id is None:
        gen.pad_token_id = (
            tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        )
    pipe = pipeline("text-generation", model=model, tokenizer=tokenizer, device="cpu")
    llm = HuggingFacePipeline(pipeline=pipe, model_id=str(path))
    # streaming=True: the non-streaming path would return the prompt along with the reply.
    return LocalChatHuggingFace(llm=llm, tokenizer=tokenizer, model_id=str(path), streaming=True)


_BUILDERS = {
    "scripted": _scripted,
    "openai_compatible": _openai,
    "ollama": _ollama,
    "transformers": _transformers,
}
