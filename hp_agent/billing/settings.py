"""Insurance billing settings (``HP_BILLING_*``): who the clinic is on claims, the clearing house
identities, the file-drop folders and the fee schedule. Development defaults are fictional."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BillingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HP_BILLING_", env_file=".env", extra="ignore")

    # The billing provider (the clinic) as on its NPPES record.
    provider_name: str = "Happy Path Clinic"
    provider_npi: str = "1234567893"
    provider_tax_id: str = "123456789"  # EIN, nine digits
    provider_taxonomy: str | None = "101YP2500X"  # professional counselor
    provider_address_line1: str = "100 Main Street"
    provider_city: str = "Springfield"
    provider_state: str = "IL"
    provider_postal_code: str = "627010000"  # ZIP+4, as 837P 5010 requires for 2010AA
    contact_name: str = "Billing Office"
    contact_phone: str = "2175550100"
    # ISA06/GS02 and ISA08/GS03: the ids the clearing house assigned.
    submitter_id: str = "HAPPYPATH"
    receiver_id: str = "CLEARHOUSE"
    receiver_name: str = "Clearing House"
    # ISA15: "T" until the clearing house has certified the feed, then "P".
    usage: str = Field(default="T", pattern="^[TP]$")
    # File-drop clearing house: one root with outbox/, inbox/, done/ and quarantine/ inside.
    # Unset: <HP_DATA_DIR>/clearinghouse.
    clearinghouse_dir: Path | None = None
    # Seconds between the worker's looks at the inbox.
    inbox_poll_seconds: float = Field(default=60.0, gt=0)
    # Charge per CPT code (the clinic's fee schedule, USD).
    fee_schedule: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "90791": Decimal("200.00"),
            "90832": Decimal("100.00"),
            "90834": Decimal("150.00"),
            "90837": Decimal("200.00"),
            "90846": Decimal("160.00"),
            "90847": Decimal("170.00"),
            "90853": Decimal("60.00"),
        }
    )
    # Days a patient has to pay their share after the statement is issued.
    statement_due_days: int = Field(default=30, ge=0)

    def root(self, data_dir: Path) -> Path:
        return self.clearinghouse_dir or data_dir / "clearinghouse"


@lru_cache
def get_billing_settings() -> BillingSettings:
    return BillingSettings()
