"""Shared panels and the talk style for every experiment's figure."""

from __future__ import annotations

import os
from pathlib import Path


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
