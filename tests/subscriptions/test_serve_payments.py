"""``hp-agent serve`` without HP_STRIPE_API_KEY: a localstripe on loopback, its webhooks pointed at
the app, and the settings handed to --workers children; with a key, nothing is started."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from hp_agent import cli
from hp_agent.config import Settings
from hp_agent.subscriptions.localstripe import API_KEY


def test_serve_starts_localstripe_only_without_a_key() -> None:
    configured = Settings(stripe_api_key=SecretStr("sk_live_example"))
    assert cli.resolve_payments(configured) is configured

    settings = cli.resolve_payments(Settings(host="0.0.0.0", port=8765))
    peer = cli._local_stripe
    try:
        assert settings.stripe_api_base is not None
        assert settings.stripe_api_base.startswith("http://127.0.0.1:")
        assert settings.stripe_api_key is not None
        assert settings.stripe_api_key.get_secret_value() == API_KEY
        assert settings.stripe_webhook_secret is not None
        r = httpx.get(f"{settings.stripe_api_base}/v1/plans", headers={"Authorization": f"Bearer {API_KEY}"})
        assert r.status_code == 200
        env = cli._serve_environment(settings)
        assert env["HP_STRIPE_API_BASE"] == settings.stripe_api_base
        assert env["HP_STRIPE_WEBHOOK_SECRET"] == settings.stripe_webhook_secret.get_secret_value()
    finally:
        assert peer is not None
        peer.stop()  # type: ignore[attr-defined]
        cli._local_stripe = None
    try:
        httpx.get(f"{settings.stripe_api_base}/v1/plans", timeout=2)
        raise AssertionError("localstripe still answers after stop")
    except httpx.TransportError:
        pass
