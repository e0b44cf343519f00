"""Happy Path crisis engine: scores suicide and self-harm risk in chat messages and journals."""

from crisis_engine.detector import CrisisDetector
from crisis_engine.types import (
    Assessment,
    Category,
    Context,
    ContextMessage,
    Match,
    Modifier,
    RiskLevel,
)

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "Category",
    "Context",
    "ContextMessage",
    "CrisisDetector",
    "Match",
    "Modifier",
    "RiskLevel",
    "__version__",
]
