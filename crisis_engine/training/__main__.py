"""``python -m crisis_engine.training {train|finetune|calibrate|heldout} [ARGS...]``."""

from __future__ import annotations

import sys

COMMANDS = {
    "train": "crisis_engine.training.train",  # head on the shipped encoder's embeddings
    "finetune": "crisis_engine.training.finetune",  # fine-tune the encoder, then refit everything
    "calibrate": "crisis_engine.training.calibrate",  # calibration and example memory only
    "heldout": "crisis_engine.training.heldout",  # the whole engine on the validation split
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(COMMANDS[argv[0]])
    code: int = module.main(argv[1:])
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
