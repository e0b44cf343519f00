"""``python -m evals`` entry point."""

from evals.cli import main

raise SystemExit(main())
