"""Reading the clearing house's inbox: each 271 or 835 file posted in its own transaction.

A file that posts is committed, then moved to ``done/``; a file that cannot be posted (unreadable,
an unknown claim, a duplicate, amounts that do not add up) is rolled back whole and moved to
``quarantine/`` with a ``.error.txt`` naming the reason. If the move after a commit fails, the
next round reads the file again and the duplicate check (the document's sha256 for an 835, the
answered inquiry for a 271) quarantines it without posting twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import DataError, IntegrityError

from hp_agent.billing import posting
from hp_agent.billing.clearinghouse import Clearinghouse, InboundFile
from hp_agent.billing.settings import BillingSettings
from hp_agent.db.session import Database, Principal
from hp_agent.errors import HPError
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.billing.inbound")
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class InboxReport:
    processed: int = 0
    quarantined: int = 0
    files: list[dict[str, str]] = field(default_factory=list)


async def post_document(
    db: Database, actor: Principal, document: str, *, source: str, file_name: str | None, cfg: BillingSettings
) -> str:
    """Post one document in one transaction; returns its kind ('271' or '835')."""
    kind = posting.kind_of(document)
    async with db.unit_of_work(actor) as session:
        if kind == "271":
            await posting.apply_271(session, document)
        elif kind == "835":
            await posting.post_835(session, actor, document, source=source, file_name=file_name, cfg=cfg)
        else:
            raise posting.PostingError(
                "Only 271 and 835 files are read from the inbox.", code="unexpected_kind"
            )
    return kind


def _read(item: InboundFile) -> str:
    if item.path.stat().st_size > MAX_BYTES:
        raise posting.PostingError("The file is larger than 5 MB.", code="too_large")
    try:
        return item.read()
    except UnicodeDecodeError:
        raise posting.PostingError("The file is not text.", code="not_text") from None


async def process_inbox(
    db: Database, clearinghouse: Clearinghouse, cfg: BillingSettings, actor: Principal = SYSTEM
) -> InboxReport:
    report = InboxReport()
    for item in clearinghouse.inbound():
        try:
            document = _read(item)
            kind = await post_document(db, actor, document, source="inbox", file_name=item.name, cfg=cfg)
        except HPError as exc:
            clearinghouse.quarantine(item, f"{exc.code}: {exc.message}")
            report.quarantined += 1
            report.files.append({"name": item.name, "result": "quarantined", "error": exc.code})
            log.warning("clearing-house file quarantined: %s", exc.code)
            continue
        except (IntegrityError, DataError) as exc:
            # The database refused what the file says (a constraint): retrying cannot help.
            clearinghouse.quarantine(item, f"database_refused: {type(exc).__name__}")
            report.quarantined += 1
            report.files.append({"name": item.name, "result": "quarantined", "error": "database_refused"})
            log.warning("clearing-house file quarantined: database_refused")
            continue
        except Exception as exc:  # the database unreachable, a bug: keep the file for the next round
            log.error("clearing-house file not processed: %s", type(exc).__name__)
            report.files.append({"name": item.name, "result": "retry", "error": type(exc).__name__})
            continue
        clearinghouse.done(item)
        report.processed += 1
        report.files.append({"name": item.name, "result": "posted", "kind": kind})
    return report
