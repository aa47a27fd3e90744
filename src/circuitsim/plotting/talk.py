"""Regenerate the curated talk figures in ``figures/`` from their stored source tables.

    python -m circuitsim.plotting.talk                      # redraw every figures/<name>.png/.svg from <name>.csv
    python -m circuitsim.plotting.talk outputs/.../results.nc  # store a run's table as figures/<experiment>.csv, redraw

Each figure has a caption in figures/README.md and the table it was drawn from (one row per condition x mouse).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from ..results import Results
from .conditions import condition_figure

FIGURES = {  # name -> (title, measures)
    "grik4_rescue": ("Grik4 overexpression and its BLA-only normalisation",
                     ["rate_bla_pn", "rate_cel_rf", "rate_cel_lf", "rate_cem", "syn_bla_rf", "syn_bla_lf",
                      "open_arm_pct", "social_pref", "immobility_pct", "object_di"]),
    "grik4_high_anxiety": ("Grik4 reduction in high-anxiety wild-type mice",
                           ["rate_bla_pn", "rate_cel_rf", "rate_cem", "syn_bla_rf", "open_arm_pct", "social_pref"]),
}


def store(results_path: Path, folder: Path) -> Path:
    """Write a run's measures as a tidy CSV (condition, mouse, measures...) named after its experiment."""
    results = Results.load(results_path)
    name = _experiment_name(results)
    table = results.dataset.to_dataframe().reset_index()
    table = table[table["animal"] >= 0]
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False, float_format="%.6g")
    return path


def redraw(folder: Path) -> list[Path]:
    """Draw every known figure whose table is in ``folder``."""
    drawn = []
    for name, (title, measures) in FIGURES.items():
        table_path = folder / f"{name}.csv"
        if table_path.exists():
            drawn += condition_figure(_from_table(table_path), measures, title, folder / name)
    return drawn


def _from_table(path: Path) -> Results:
    table = pd.read_csv(path)
    conditions = list(dict.fromkeys(table["condition"]))
    rows = table.to_dict("records")
    return Results.from_rows(rows, conditions, int(table["mouse"].max()) + 1, attrs={})


def _experiment_name(results: Results) -> str:
    return yaml.safe_load(results.dataset.attrs["config"])["experiment"]["name"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m circuitsim.plotting.talk", description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="*", type=Path, help="results.nc files to store as source tables first")
    parser.add_argument("--folder", type=Path, default=Path("figures"), help="figures folder (default: figures)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"circuitsim: error: figures folder {args.folder} does not exist", file=sys.stderr)
        return 2
    for path in args.results:
        print(f"stored {store(path, args.folder)}")
    for path in redraw(args.folder):
        print(f"drew {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
