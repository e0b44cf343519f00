"""A seeded history (the generator script's code path, smaller) inside the test's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hp_agent.analytics.history import Plan, generate

END = dt.date(2026, 11, 20)


@pytest.fixture
async def history(db_connection: AsyncConnection, seeded: None) -> Plan:
    """60 people over 20 days, loaded with COPY as the owner; rolled back after the test."""
    plan = Plan(people=60, days=20, end=END, seed=11)
    await db_connection.execute(text("SELECT 1"))  # the driver's transaction begins lazily
    raw = await db_connection.get_raw_connection()
    await generate(raw.driver_connection, plan)
    return plan
