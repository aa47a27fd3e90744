"""Regenerate the curated talk figures in ``figures/`` from their stored source tables.

    python -m circuitsim.plotting.talk                      # redraw every figures/<experiment>.png/.svg from its .csv
    python -m circuitsim.plotting.talk outputs/.../results.nc  # store a run's table as figures/<experiment>.csv, redraw

A table ``<name>.csv`` is drawn as the experiment ``<name>`` defines its figure (title, measures; labels from its
circuit's readouts). Each figure has a caption in figures/README.md and the table it was drawn from (one row per
condition x mouse). The time series an experiment's figure shows (``figure.series``) are stored beside it as
``<name>.series.csv`` (condition, mouse, series, time, value; at most ``SERIES_POINTS`` samples per series).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from ..results import Results
from .conditions import condition_figure


SERIES_POINTS = 300


def store(results_path: Path, folder: Path) -> Path:
    """Write a run's measures as a tidy CSV (condition, mouse, measures...) named after its experiment, and the
    series its figure shows as ``<name>.series.csv``."""
    results = Results.load(results_path)
    name = _experiment_name(results)
    table = results.dataset[["animal", "seed", *results.measures]].to_dataframe().reset_index()
    table = table[table["animal"] >= 0]
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False, float_format="%.6g")
    wanted = (yaml.safe_load(results.dataset.attrs["config"])["experiment"].get("figure") or {}).get("series") or []
    frames = []
    for series in wanted:
        data = results.dataset[f"ts_{series}"]
        dim = data.dims[2]
        step = max(1, -(-data.sizes[dim] // SERIES_POINTS))
        frame = data.isel({dim: slice(0, None, step)}).rename({dim: "time"}).to_dataframe(name="value").reset_index()
        frame = frame[frame["mouse"].isin(table["mouse"])]
        frames.append(frame.assign(series=series, dim=dim)[["condition", "mouse", "series", "dim", "time", "value"]])
    if frames:
        pd.concat(frames).dropna().to_csv(folder / f"{name}.series.csv", index=False, float_format="%.6g")
    return path


def redraw(folder: Path) -> list[Path]:
    """Draw the figure of every experiment whose table is in ``folder``."""
    from hydra import compose, initialize_config_module

    from ..config import prepare

    drawn = []
    for table_path in sorted(p for p in folder.glob("*.csv") if not p.name.endswith(".series.csv")):
        with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
            c = prepare(compose("config", overrides=[f"experiment={table_path.stem}"]))
        exp = c["experiment"]
        results = _from_table(table_path)
        measures = exp.get("figure", {}).get("measures") or results.measures
        drawn += condition_figure(results, measures, exp.get("title", exp["name"]), folder / table_path.stem,
                                  labels={name: m.title for name, m in c["measures"].items()},
                                  series=(exp.get("figure") or {}).get("series"), windows=c["windows"])
    return drawn


def _from_table(path: Path) -> Results:
    table = pd.read_csv(path)
    conditions = list(dict.fromkeys(table["condition"]))
    cohorts = list(dict.fromkeys(table["cohort"])) if "cohort" in table else ["all"]
    rows = table.drop(columns=["cohort"], errors="ignore").to_dict("records")
    series_path = path.with_name(f"{path.stem}.series.csv")
    if series_path.exists():  # the stored series, back onto their (condition, mouse) rows
        series = pd.read_csv(series_path)
        by_row = {(r["condition"], r["mouse"]): r for r in rows}
        for (cond, mouse, name, dim), frame in series.groupby(["condition", "mouse", "series", "dim"], sort=False):
            row = by_row.get((cond, mouse))
            if row is not None:
                row.setdefault("_series", {})[name] = (dim, frame["time"].to_numpy(), frame["value"].to_numpy())
    n_mice = (int(table["mouse"].max()) + 1) // len(cohorts)
    return Results.from_rows(rows, conditions, cohorts, n_mice, attrs={})


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
