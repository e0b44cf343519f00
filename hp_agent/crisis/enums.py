"""Crisis column types shared with other domains (chat, mood, journal) without importing models.

The risk levels and categories are the engine's own enums, so a value the engine returns is
always storable. PostgreSQL orders enum values by declaration, which follows clinical severity
(none < low < moderate < high < imminent), so ``risk_level >= 'moderate'`` works in SQL too.
"""

from __future__ import annotations

import enum

from crisis_engine.types import Category, RiskLevel
from hp_agent.db.base import pg_enum

__all__ = [
    "CRISIS_CATEGORY",
    "DETECTION_SOURCE",
    "ELEVATED_RISK_SQL",
    "RISK_LEVEL",
    "Category",
    "DetectionSource",
    "RiskLevel",
]


class DetectionSource(str, enum.Enum):
    """What kind of row the assessed text came from (``source_id`` points at it)."""

    CHAT_MESSAGE = "chat_message"
    JOURNAL_ENTRY = "journal_entry"
    THOUGHT_RECORD = "thought_record"
    MOOD_NOTE = "mood_note"
    GRATITUDE = "gratitude"
    ASSESSMENT = "assessment"
    OTHER = "other"
    HOMEWORK = "homework"  # a patient's answer to therapy homework (added in migration 0007)
    MEDICATION = "medication"  # an intake note or side-effect report (added in migration 0009)


RISK_LEVEL = pg_enum(RiskLevel, "crisis_risk_level")
CRISIS_CATEGORY = pg_enum(Category, "crisis_category")
DETECTION_SOURCE = pg_enum(DetectionSource, "crisis_detection_source")

# Predicate for partial indexes over "needs attention" rows (moderate and above). Spelled as an
# IN list rather than ``>=`` so the index predicate does not depend on enum sort order.
ELEVATED_RISK_SQL = "risk_level IN ('moderate', 'high', 'imminent')"
