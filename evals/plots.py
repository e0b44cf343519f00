"""ROC and precision-recall curves as PNG files (matplotlib, headless Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on CI machines; must precede pyplot import
import matplotlib.pyplot as plt

from evals.metrics import OperatingPoint


def _xy(points: Sequence[OperatingPoint], x: str, y: str) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for p in points:
        xv, yv = getattr(p, x), getattr(p, y)
        if xv is not None and yv is not None:
            xs.append(float(xv))
            ys.append(float(yv))
    return xs, ys


def plot_curves(
    curves: Mapping[str, Sequence[OperatingPoint]],
    out_dir: Path,
    title: str,
    level_points: Mapping[str, tuple[float | None, float | None, float | None]] | None = None,
) -> dict[str, str]:
    """Write roc.png and pr.png; return their file names (relative to ``out_dir``).

    ``level_points`` maps a system to (fpr, recall, precision) at its own level threshold
    (alert = MODERATE+), drawn as a dot: where the deployed system sits on its score curve.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for kind, (x, y, xlabel, ylabel) in {
        "roc": ("fpr", "recall", "false-positive rate", "recall (needs MODERATE+)"),
        "pr": ("recall", "precision", "recall (needs MODERATE+)", "precision (at data prevalence)"),
    }.items():
        fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=100)
        for name, points in curves.items():
            xs, ys = _xy(points, x, y)
            line = ax.plot(xs, ys, drawstyle="steps-post" if kind == "pr" else "default", label=name)[0]
            fpr, recall, precision = (level_points or {}).get(name, (None, None, None))
            px, py = (fpr, recall) if kind == "roc" else (recall, precision)
            if px is not None and py is not None:
                ax.plot([px], [py], marker="o", color=line.get_color(), markersize=6)
        if kind == "roc":
            ax.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(f"{kind.upper()} - {title}")
        ax.legend(loc="lower right" if kind == "roc" else "lower left")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        name = f"{kind}.png"
        # Fixed metadata keeps the PNG bytes identical between runs with identical numbers.
        fig.savefig(out_dir / name, metadata={"Software": None})
        plt.close(fig)
        files[kind] = name
    return files
