"""The experiment figure: one panel per measure, every virtual mouse shown, mean +/- 95% CI per condition.

When every condition holds the same virtual mice (a paired design), each mouse's dots are joined by a grey
line.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

def condition_figure(results, measures: list[str], title: str, stem: Path, seed: int = 0,
                     labels: dict | None = None) -> list[Path]:
    """Draw and save ``stem``.png and ``stem``.svg; returns the paths. ``labels``: panel title per measure
    (from the readouts' catalogue, :func:`circuitsim.readouts.catalogue`)."""
    labels = labels or {}
    plt.style.use("circuitsim.styles.talk")
    conditions = results.conditions
    cols = min(5, max(1, -(-len(measures) // 2)))
    rows = int(np.ceil(len(measures) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows + 0.4), squeeze=False)
    rng = np.random.default_rng(seed)  # horizontal jitter of the dots only
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    paired = all(results.same_animals(conditions[0], c) for c in conditions[1:])
    for ax, measure in zip(axes.flat, measures):
        points = []
        for k, cond in enumerate(conditions):
            y = results.values(cond, measure)
            if not len(y):
                continue
            x = k + rng.uniform(-0.18, 0.18, len(y))
            points.append((x, y))
            ax.scatter(x, y, s=10, color=colours[k % len(colours)], alpha=0.7, linewidths=0, zorder=2)
            mean = np.mean(y)
            half = 1.96 * np.std(y, ddof=1) / np.sqrt(len(y)) if len(y) > 1 else 0.0
            ax.errorbar(k + 0.32, mean, yerr=half, fmt="o", color="k", ms=3, capsize=2, lw=1, zorder=3)
        if paired and len(points) > 1:  # the same virtual mouse in every condition: join its dots
            xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
            ax.plot(xs, ys, color="0.8", lw=0.5, zorder=1)
        ax.set_xticks(range(len(conditions)), conditions, rotation=60, ha="right", fontsize=8)
        ax.set_title(labels.get(measure, measure))
    for ax in list(axes.flat)[len(measures):]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:  # a temporary name renamed into place: never a half-written figure
        tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
        fig.savefig(tmp)
        os.replace(tmp, path)
    plt.close(fig)
    return paths
