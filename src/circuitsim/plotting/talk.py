"""Regenerate the curated talk figures in ``figures/`` from their stored source tables.

    python -m circuitsim.plotting.talk                      # redraw every figures/<experiment>.png/.svg from its .csv
    python -m circuitsim.plotting.talk outputs/.../results.nc  # store a run's table as figures/<experiment>.csv, redraw

A table ``<name>.csv`` is drawn as the experiment ``<name>`` defines its figure (title, measures; labels from its
circuit's readouts). Each figure has a caption in figures/README.md and the table it was drawn from (one row per
condition x mouse). The time series an experiment's figure shows (``figure.series``) are stored beside it as
``<name>.series.csv`` (series, time dimension, condition, time, mean and SD over mice; at most ``SERIES_POINTS``
samples per series); an experiment with a chain figure (``figure.chain``) also stores every mouse's time courses as
``<name>.chain.csv``, and its chain and interaction figures are redrawn with it. An experiment with a summary block
(``figure.summary``) also gets its summary slide, ``<name>_summary`` (:mod:`circuitsim.plotting.summary`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..results import Results
from .chain import chain_traces, figures
from .conditions import condition_figure, series_summary
from .summary import summary_figure
from .timeline import experiment_timeline


SERIES_POINTS = 300
STAGE_POINTS = 75  # samples per stage trajectory in <name>.stage.csv (a 70-day schedule: one a day)
TABLE_SUFFIXES = (".series.csv", ".chain.csv", ".stage.csv")  # companions of an experiment's table
CHAIN_POINTS = 150  # samples per series and mouse in <name>.chain.csv (an 18-s session: every 0.12 s)


def store(results_path: Path, folder: Path) -> Path:
    """Write a run's measures as a tidy CSV (condition, mouse, measures...) named after its experiment, and the
    series its figure shows as ``<name>.series.csv``."""
    results = Results.load(results_path)
    name = _experiment_name(results)
    table = results.dataset[["animal", "seed", *results.measures]].to_dataframe().reset_index()
    table = table[table["animal"] >= 0]
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False, float_format="%.6g")
    wanted = (_prepared(name)["experiment"].get("figure") or {}).get("series") or []  # as the figure is drawn now
    frames = []
    for series in wanted:
        summary = series_summary(results, series, SERIES_POINTS)
        for cond in results.conditions:
            mean, sd = summary[cond]
            frames.append(pd.DataFrame({"series": series, "dim": summary["dim"], "condition": cond,
                                        "time": summary["t"], "mean": mean, "sd": sd}))
    if frames:
        pd.concat(frames).to_csv(folder / f"{name}.series.csv", index=False, float_format="%.5g")
    stage = [s for s in results.series if results.dataset[f"ts_{s}"].dims[-1] == "day"]
    if stage:  # the slow stage's trajectories over days, for the timeline figure (every k-th day of the common grid)
        days = results.dataset["day"].values
        step = -(-len(days) // STAGE_POINTS)
        frame = results.dataset[[f"ts_{s}" for s in stage]].isel(day=slice(0, None, step)).to_dataframe().reset_index()
        frame = frame.melt(id_vars=["condition", "mouse", "day"], value_vars=[f"ts_{s}" for s in stage],
                           var_name="series", value_name="value").dropna(subset=["value"])
        frame["series"] = frame["series"].str[3:]
        frame[["series", "condition", "mouse", "day", "value"]].to_csv(folder / f"{name}.stage.csv", index=False,
                                                                      float_format="%.5g")
    chain_spec = (_prepared(name)["experiment"].get("figure") or {}).get("chain")
    if chain_spec:  # every mouse's time courses, for the chain figure
        rows = [pd.DataFrame({"series": series, "condition": cond, "time": t,
                              **{f"mouse_{k}": mouse for k, mouse in enumerate(mice)}})
                for series, (t, per) in chain_traces(results, list(chain_spec["series"]), CHAIN_POINTS).items()
                for cond, mice in per.items()]
        pd.concat(rows).to_csv(folder / f"{name}.chain.csv", index=False, float_format="%.4g")
    return path


def redraw(folder: Path) -> list[Path]:
    """Draw the figures of every experiment whose table is in ``folder``."""
    drawn = []
    for table_path in sorted(p for p in folder.glob("*.csv") if not p.name.endswith(TABLE_SUFFIXES)):
        drawn += draw(table_path)
    return drawn


def draw(table_path: Path) -> list[Path]:
    """Every figure of one experiment from its stored table ``<folder>/<experiment>.csv``: the condition figure,
    its chain / interaction figures, its timeline and its summary slide where it has them."""
    folder = table_path.parent
    c = _prepared(table_path.stem)
    exp = c["experiment"]
    results = from_table(table_path)
    measures = exp.get("figure", {}).get("measures") or results.measures
    series_path = table_path.with_name(f"{table_path.stem}.series.csv")
    summaries = _summaries(series_path) if series_path.exists() else {}
    drawn = condition_figure(results, measures, exp.get("title", exp["name"]), folder / table_path.stem,
                             labels={name: m.title for name, m in c["measures"].items()},
                             series=list(summaries), windows=c["windows"], summaries=summaries)
    chain_path = table_path.with_name(f"{table_path.stem}.chain.csv")
    traces = _traces(chain_path) if chain_path.exists() else None
    if traces is not None or (exp.get("figure") or {}).get("interaction"):
        drawn += list(figures(c, results, folder, traces).values())
    if (exp.get("figure") or {}).get("timeline"):
        drawn += experiment_timeline(c, results, folder / f"{table_path.stem}_timeline")
    if (exp.get("figure") or {}).get("summary"):  # the study's summary slide
        drawn += summary_figure(c, pd.read_csv(table_path), folder / f"{table_path.stem}_summary")
    return drawn


def _traces(path: Path) -> dict:
    """The stored chain traces, as :func:`~circuitsim.plotting.chain.chain_traces` gives them."""
    out = {}
    for series, frame in pd.read_csv(path).groupby("series", sort=False):
        per = {}
        for cond, f in frame.groupby("condition", sort=False):
            mice = [c for c in f.columns if c.startswith("mouse_") and f[c].notna().any()]
            per[cond] = f[mice].to_numpy().T
            t = f["time"].to_numpy()
        out[series] = (t, per)
    return out


def _prepared(name: str) -> dict:
    """The experiment's checked config as it is now (figure title, measures, series, labels, windows)."""
    from ..config import prepare_experiment

    return prepare_experiment(name)


def from_table(path: Path) -> Results:
    """The Results stored as ``path`` (an experiment's ``<name>.csv``), as its figures are redrawn from it."""
    table = pd.read_csv(path)
    conditions = list(dict.fromkeys(table["condition"]))
    cohorts = list(dict.fromkeys(table["cohort"])) if "cohort" in table else ["all"]
    rows = table.drop(columns=["cohort"], errors="ignore").to_dict("records")
    stage_path = path.with_name(f"{path.stem}.stage.csv")
    if stage_path.exists():  # stage trajectories: each row's series over days
        by_run = {key: f for key, f in pd.read_csv(stage_path).groupby(["condition", "mouse"], sort=False)}
        for row in rows:
            frame = by_run.get((row["condition"], row["mouse"]))
            if frame is not None:
                row["_series"] = {s: ("day", f["day"].to_numpy(), f["value"].to_numpy())
                                  for s, f in frame.groupby("series", sort=False)}
    n_mice = (int(table["mouse"].max()) + 1) // len(cohorts)
    return Results.from_rows(rows, conditions, cohorts, n_mice, attrs={})


def _summaries(path: Path) -> dict:
    """The stored series summaries, as :func:`~circuitsim.plotting.conditions.series_summary` gives them."""
    out = {}
    for (series, dim), frame in pd.read_csv(path).groupby(["series", "dim"], sort=False):
        by_condition = {c: f for c, f in frame.groupby("condition", sort=False)}
        first = next(iter(by_condition.values()))
        out[series] = {"dim": dim, "t": first["time"].to_numpy(),
                       **{c: (f["mean"].to_numpy(), f["sd"].to_numpy()) for c, f in by_condition.items()}}
    return out


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
