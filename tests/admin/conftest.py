from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.api.auth_helpers import use_fast_hasher

    use_fast_hasher(monkeypatch)
