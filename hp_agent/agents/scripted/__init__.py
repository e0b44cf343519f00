"""The scripted dialogue engine: content in ``prompts/dialogue/``, served as a LangChain chat model."""

from hp_agent.agents.scripted.model import CONTEXT_KEY, EMBEDDING_KEY, ScriptedChatModel

__all__ = ["CONTEXT_KEY", "EMBEDDING_KEY", "ScriptedChatModel"]
