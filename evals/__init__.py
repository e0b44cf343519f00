"""Evaluation suite for the crisis engine and for agent safety.

Run ``python -m evals crisis --help``; the data formats and metrics are described in
``evals/README.md``.
"""
