"""Signing clinicians and admins in the way the product makes them: password, then the second factor.

Clinicians and admins must use two-step sign-in (``HP_MFA_REQUIRED_ROLES``). The first time one
of them signs in here, :func:`finish_login` enrols an authenticator through the API (the secret is
kept in :data:`SECRETS` and codes are computed with ``pyotp``, as an authenticator app would);
later sign-ins answer the challenge with the next unused code. Codes are accepted once per 30-second
step within one step of the clock, so a fourth sign-in of one account inside a step waits briefly.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pyotp

SECRETS: dict[str, str] = {}  # address -> TOTP secret, for accounts enrolled through these helpers
_LAST_STEP: dict[str, int] = {}
STEP = 30


async def next_code(email: str) -> str:
    """The next code the server will accept for ``email`` (never one it accepted before)."""
    secret = SECRETS[email]
    current = int(time.time()) // STEP
    # The current step, not the previous one: under load the previous step's code can fall out of
    # the server's window (one step either side) before it arrives.
    step = max(current, _LAST_STEP.get(email, current - 1) + 1)
    while step > int(time.time()) // STEP + 1:  # noqa: ASYNC110 (waiting for the clock)
        await asyncio.sleep(0.5)
    _LAST_STEP[email] = step
    return pyotp.TOTP(secret, interval=STEP).generate_otp(step)


def enrolled(email: str, secret: str) -> None:
    """Remember a secret enrolled some other way (the browser tests read it off the screen)."""
    SECRETS[email] = secret
    _LAST_STEP.pop(email, None)


async def enrol(client: httpx.AsyncClient, email: str, access_token: str) -> list[str]:
    """Enrol an authenticator for the signed-in account; returns its recovery codes."""
    headers = {"Authorization": f"Bearer {access_token}"}
    r = await client.post("/v1/auth/mfa/totp", headers=headers)
    assert r.status_code == 201, r.text
    enrolled(email, r.json()["secret"])
    r = await client.post("/v1/auth/mfa/totp/confirm", json={"code": await next_code(email)}, headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["recovery_codes"])


async def finish_login(client: httpx.AsyncClient, email: str, response: httpx.Response) -> httpx.Response:
    """The response a password sign-in ends with once its second step (if any) is done."""
    if response.status_code != 200:
        return response
    body: dict[str, Any] = response.json()
    if body.get("mfa_required"):
        if email not in SECRETS:
            raise AssertionError(f"{email} has a second factor these helpers did not enrol")
        return await client.post(
            "/v1/auth/login/mfa", json={"mfa_token": body["mfa_token"], "code": await next_code(email)}
        )
    if body.get("mfa_enrollment_required"):
        await enrol(client, email, body["access_token"])
    return response


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    r = await client.post("/v1/auth/login", json={"email": email, "password": password})
    return await finish_login(client, email, r)
