"""One reminder pass in its own process (``python -m tests.medication.reminder_pass URL NOW``):
the test starts two at once to show separate worker processes deliver a reminder once."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.medication import tasks


async def main(url: str, now: str) -> None:
    db = Database(url, pool_size=2, max_overflow=0)
    try:
        sent = await tasks.run_due(db, Settings(environment="test"), now=dt.datetime.fromisoformat(now))
    finally:
        await db.dispose()
    print(sent)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
