"""Read the C-SSRS Reddit users (Gaur et al., WWW 2019) from ../shared/datasets, never copied here.

Pitfalls handled (see the dataset README): one label per *user*, not per post; ``Post`` is a
Python-literal list of posts, and about 28 rows fail to parse (then the whole string is one
document); medical concept words ("Tired", "Pain", ...) were injected in place of original
words, so their capitalised forms are lower-cased by normalisation like any other word and get
no special treatment.

Label mapping onto our five levels follows the scale's order: Supportive -> NONE (writes to help
others), Indicator -> LOW, Ideation -> MODERATE, Behavior -> HIGH, Attempt -> IMMINENT. The last
is a stretch (a past attempt is history, not an act in progress) and is reported as such.
"""

from __future__ import annotations

import ast
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from crisis_engine.types import RiskLevel

DEFAULT_PATH = (
    Path(__file__).resolve().parents[2].parent
    / "shared/datasets/cssrs-reddit/anonymized_dataset/500_Reddit_users_posts_labels.csv"
)
LABEL_TO_LEVEL = {
    "Supportive": RiskLevel.NONE,
    "Indicator": RiskLevel.LOW,
    "Ideation": RiskLevel.MODERATE,
    "Behavior": RiskLevel.HIGH,
    "Attempt": RiskLevel.IMMINENT,
}


@dataclass(frozen=True, slots=True)
class User:
    user: str
    posts: tuple[str, ...]
    label: str

    @property
    def level(self) -> RiskLevel:
        return LABEL_TO_LEVEL[self.label]


def load_users(path: Path = DEFAULT_PATH) -> list[User]:
    csv.field_size_limit(sys.maxsize)
    users: list[User] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            raw = row["Post"]
            try:
                parsed = ast.literal_eval(raw)
                posts = [str(p) for p in parsed] if isinstance(parsed, list) else [raw]
            except (ValueError, SyntaxError):
                posts = [raw]
            posts = [p for p in posts if p.strip()]
            users.append(User(row["User"], tuple(posts), row["Label"].strip()))
    return users
