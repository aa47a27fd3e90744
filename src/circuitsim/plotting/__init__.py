"""Shared panels and the talk style for every experiment's figure."""

from __future__ import annotations

import os
from pathlib import Path


def save(fig, stem: Path, metadata: dict | None = None) -> list[Path]:
    """Write ``stem``.png and ``stem``.svg, each under a temporary name renamed into place (never a half-written
    figure), and close the figure; returns the paths. ``metadata``: passed to ``savefig`` (e.g. ``{"Date": None}``
    for an SVG without a time stamp)."""
    import matplotlib.pyplot as plt

    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
        fig.savefig(tmp, metadata=metadata)
        os.replace(tmp, path)
    plt.close(fig)
    return paths
