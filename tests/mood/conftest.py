from __future__ import annotations

import pytest

from hp_agent.config import Settings
from hp_agent.seed.loader import seed_all


@pytest.fixture(scope="session")
async def seeded(settings: Settings) -> None:
    """Reference data (prompts, templates, crisis lines); committed once, idempotent."""
    await seed_all(settings)


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.api.auth_helpers import use_fast_hasher

    use_fast_hasher(monkeypatch)
