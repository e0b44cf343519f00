"""``python -m evals agent-quality --live``: everyday personas against the real service (#21)."""
