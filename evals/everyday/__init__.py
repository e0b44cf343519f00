"""The everyday false-alarm suite: ordinary chat written for this project, by category.

``lines.py`` and ``conversations.py`` hold the hand-written text; ``build.py`` expands it into
``evals/datasets/everyday_chat/*.jsonl`` (deterministic; ``python -m evals.everyday.build``).
Nothing here is training data: the engine's own everyday pool is worded separately
(``crisis_engine/training/data/everyday_pool.jsonl``) and ``tests/crisis_engine/
test_clf_eval_overlap.py`` fails if a training row repeats or nearly repeats a suite message.
"""
