"""Finding 4 of issue #14: sign-in neither reveals which addresses have accounts nor lets anyone
lock a real account. Throttling is per address and IP, per IP, and per address from unknown IPs
(``hp_agent/auth/throttle.py``); every refusal looks the same, account or not."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from hp_agent.config import Settings
from hp_agent.db.session import Database
from tests.api.auth_helpers import PASSWORD, new_email, register

WRONG = "Wrong-Password-123"


@pytest.fixture
def from_ip(settings: Settings, app_db: Database) -> Callable[..., Any]:
    """``async with from_ip("203.0.113.7", **setting_overrides) as client``: the real app, seen
    from that client address."""

    @asynccontextmanager
    async def make(ip: str, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        from hp_agent.app import create_app

        app = create_app(settings.model_copy(update=overrides), database=app_db)
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c

    return make


async def _login(c: httpx.AsyncClient, email: str, password: str = WRONG) -> httpx.Response:
    return await c.post("/v1/auth/login", json={"email": email, "password": password})


def _shape(r: httpx.Response) -> tuple[int, Any, str | None]:
    return r.status_code, r.json(), r.headers.get("retry-after")


async def test_unknown_and_real_addresses_are_answered_alike(
    from_ip: Callable[..., Any], settings: Settings
) -> None:
    async with from_ip("198.51.100.10") as c:
        real = new_email("real")
        assert (await register(c, real)).status_code == 201
        ghost = new_email("ghost")
        real_answers = [_shape(await _login(c, real)) for _ in range(settings.login_max_failures + 1)]
        ghost_answers = [_shape(await _login(c, ghost)) for _ in range(settings.login_max_failures + 1)]
    assert real_answers == ghost_answers
    assert [a[0] for a in real_answers] == [401] * (settings.login_max_failures - 1) + [429, 429]
    assert real_answers[-1][1]["error"]["code"] == "too_many_attempts"


async def test_guessing_from_one_ip_does_not_lock_the_owner_out(
    from_ip: Callable[..., Any], settings: Settings
) -> None:
    async with from_ip("198.51.100.20") as attacker, from_ip("192.0.2.30") as owner:
        email = new_email("target")
        assert (await register(owner, email)).status_code == 201
        for _ in range(settings.login_max_failures * 3):
            await _login(attacker, email)
        assert (await _login(attacker, email, PASSWORD)).status_code == 429  # refused, not checked
        assert (await _login(owner, email, PASSWORD)).status_code == 200


async def test_one_ip_spraying_many_addresses_is_refused(from_ip: Callable[..., Any]) -> None:
    async with from_ip("198.51.100.40", login_ip_max_failures=4) as sprayer, from_ip("192.0.2.41") as other:
        victim = new_email("v")
        assert (await register(other, victim)).status_code == 201
        codes = [(await _login(sprayer, new_email("spray"))).status_code for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        assert (await _login(sprayer, victim, PASSWORD)).status_code == 429
        assert (await _login(other, victim, PASSWORD)).status_code == 200


async def test_distributed_guessing_spares_the_owners_known_devices(from_ip: Callable[..., Any]) -> None:
    limits = {"login_address_max_failures": 3, "login_max_failures": 100, "login_ip_max_failures": 100}
    email, ghost = new_email("busy"), new_email("nobody")
    async with from_ip("192.0.2.50", **limits) as home:
        assert (await register(home, email)).status_code == 201
        assert (await _login(home, email, PASSWORD)).status_code == 200  # a known device from now on
    for n in range(3):  # a botnet: every guess from another address
        async with from_ip(f"203.0.113.{n + 1}", **limits) as bot:
            assert (await _login(bot, email)).status_code == 401
            assert (await _login(bot, ghost)).status_code == 401
    async with from_ip("203.0.113.99", **limits) as new_place:
        taken = _shape(await _login(new_place, email, PASSWORD))
        unknown = _shape(await _login(new_place, ghost, PASSWORD))
        assert taken[0] == 429  # a new device waits out the attack, right password or not
        assert taken == unknown
    async with from_ip("testclient", **limits) as odd:  # a peer that is not an IP address
        assert (await _login(odd, email, PASSWORD)).status_code == 429
    async with from_ip("192.0.2.50", **limits) as home:
        assert (await _login(home, email, PASSWORD)).status_code == 200
        assert (await _login(home, email)).status_code == 401  # known device, wrong password: plain 401


async def test_signup_does_not_reveal_a_taken_address(from_ip: Callable[..., Any]) -> None:
    async with from_ip("198.51.100.60") as c:
        email = new_email("taken")
        fresh = await register(c, email)
        again = await register(c, email, password="Different-Strong-Pass-77")
        other = await register(c, new_email("fresh"))
    assert fresh.status_code == again.status_code == other.status_code == 201
    assert set(fresh.json()) == set(again.json()) == set(other.json())
    assert again.json()["email"] == email
