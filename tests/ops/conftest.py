"""Operations tests: metrics, logs, health, shutdown, embedded servers, the container."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hp_agent.observability.logging import IdFilter, JsonFormatter, quiet_outbound_clients
from tests.chat.conftest import keyword_engine

__all__ = ["keyword_engine"]  # the chat tests' fixture, reused


class JsonLines:
    """Everything the service logged while installed, formatted as ``hp-agent serve`` does."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    lines = JsonLines()
    handler = logging.StreamHandler(lines.stream)
    handler.addFilter(IdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet_outbound_clients()  # as configure() does in the service (this test's client is httpx too)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Parse a scrape into {(sample name, labels): value}."""
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(scrape: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)
