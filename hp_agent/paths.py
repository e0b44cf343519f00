"""Where the repository's non-Python files (migrations, prompts) are found at run time.

An editable install or a checkout finds them beside the package; an image installs the package
into site-packages and copies them into its working directory, so that is the fallback.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


@functools.lru_cache(maxsize=1)
def project_root() -> Path:
    env = os.environ.get("HP_PROJECT_ROOT")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[1], Path.cwd()]
    for root in candidates:
        if (root / "alembic.ini").is_file() and (root / "migrations").is_dir():
            return root
    raise RuntimeError("cannot find alembic.ini and migrations/: set HP_PROJECT_ROOT")


def prompts_dir() -> Path:
    return project_root() / "prompts"
