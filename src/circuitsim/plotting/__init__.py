"""Shared panels and the talk style for every experiment's figure."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def mean_ci(values, axis: int = -1):
    """Mean over ``axis`` and the half-width of its 95% CI (normal approximation: 1.96 SEM; 0 for one value)."""
    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=axis)
    n = values.shape[axis]
    half = 1.96 * values.std(axis=axis, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(mean)
    return mean, half


def save(fig, stem: Path, metadata: dict | None = None) -> list[Path]:
    """Write ``stem``.png and ``stem``.svg, each under a temporary name renamed into place (never a half-written
    figure), and close the figure; returns the paths. ``metadata``: passed to ``savefig``; by default an SVG gets
    no date (with the talk style's fixed ``svg.hashsalt`` the same figure gives the same bytes)."""
    import matplotlib.pyplot as plt

    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
        meta = metadata if metadata is not None else ({"Date": None} if path.suffix == ".svg" else None)
        fig.savefig(tmp, metadata=meta)  # an SVG without a date: the same figure gives the same file
        os.replace(tmp, path)
    plt.close(fig)
    return paths
