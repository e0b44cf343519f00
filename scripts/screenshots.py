"""Regenerate the web client's screenshots in docs/screenshots/.

Runs the browser test that walks every screen (tests/web/test_web_screens.py) with
HP_SCREENSHOTS_DIR set, so the pictures come from the same harness the tests use: a real server on
a fresh database (embedded PostgreSQL and Redis unless HP_TEST_DATABASE_URL / HP_TEST_REDIS_URL
are set) and Debian's headless Chromium (/usr/bin/chromium, or HP_CHROMIUM).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HP_SCREENSHOTS_DIR": str(out), "HF_HUB_OFFLINE": "1"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/web/test_web_screens.py",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode == 0:
        for png in sorted(out.glob("*.png")):
            print(png.relative_to(ROOT) if png.is_relative_to(ROOT) else png)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
