"""The configured payment processor (the provider modules stay unloaded until one is configured)."""

from __future__ import annotations

from typing import Any

from hp_agent.subscriptions.provider import PaymentProvider


def provider_for(settings: Any) -> PaymentProvider | None:
    """The configured processor: Stripe with ``HP_STRIPE_API_KEY`` (through localstripe when
    ``HP_STRIPE_API_BASE`` points at one); None when payments are not configured."""
    if settings.stripe_api_key is None:
        return None
    from hp_agent.subscriptions.stripe_provider import StripeProvider

    return StripeProvider(
        settings.stripe_api_key.get_secret_value(),
        api_base=settings.stripe_api_base,
        legacy=settings.stripe_api_base is not None,
    )
