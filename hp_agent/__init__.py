"""Happy Path service: HTTP API, websockets, agents, persistence and escalation workflow."""

__version__ = "0.1.0"
