"""Conversational agents: configurations (approach, persona, boundaries, model, system prompt)."""
