"""Gather a sweep: one tidy table of every point's overrides, its status, each prediction's verdict, effect and CI,
and the experiment's key readouts; a plot of each prediction's effect against the swept values.

    python -m circuitsim.sweep multirun/<experiment>/<time>     # sweep.csv, sweep_points.csv, sweep.nc, sweep.png

Works on any multirun folder, also one still running or partly failed: a point is ``complete`` when its completion
marker (``COMPLETE``, written last by a run) is there, ``failed`` when its log ends in an error (the reason is kept),
``running`` otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hydra.experimental.callback import Callback

FIELDS = ("held", "effect", "ci_low", "ci_high", "n")


def points(root: Path) -> pd.DataFrame:
    """One row per point of the sweep (a numbered folder with ``.hydra/overrides.yaml``): its overrides (the
    experiment's own excluded), status, failure reason and, for a complete point, the pooled means per condition of
    the measures its figure shows."""
    rows = []
    for folder in sorted((p for p in Path(root).iterdir() if (p / ".hydra" / "overrides.yaml").exists()),
                         key=lambda p: (len(p.name), p.name)):
        row = {"point": folder.name, **overrides(folder)}
        row["status"], row["reason"] = status(folder)
        if row["status"] == "complete":
            row.update(readouts(folder))
        rows.append(row)
    return pd.DataFrame(rows)


def overrides(folder: Path, keep_experiment: bool = False) -> dict:
    """The point's command-line overrides as {key: value} (``experiment=...`` left out unless asked: it names the
    sweep)."""
    out = {}
    for item in yaml.safe_load((folder / ".hydra" / "overrides.yaml").read_text()) or []:
        key, _, value = str(item).partition("=")
        if keep_experiment or key.lstrip("+~") != "experiment":
            out[key.lstrip("+~")] = _number(value)
    return out


def status(folder: Path) -> tuple[str, str]:
    """("complete" | "failed" | "running", why it failed: its ``FAILED`` marker or the last error in its log)."""
    if (folder / "COMPLETE").exists() and (folder / "predictions.json").exists():
        return "complete", ""
    if (folder / "FAILED").exists():
        return "failed", (folder / "FAILED").read_text().strip()[:500]
    log = folder / "__main__.log"
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()] if log.exists() else []
    errors = [ln for ln in lines if "error" in ln.lower() or "Traceback" in ln]
    return ("failed", errors[-1].strip()[:300]) if errors else ("running", "")


def readouts(folder: Path) -> dict:
    """Mean of each figure measure per condition, pooled over the point's mice: ``<measure>[<condition>]``."""
    import xarray as xr

    path = folder / "results.nc"
    if not path.exists():
        return {}
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        config = yaml.safe_load(ds.attrs.get("config", "{}")) or {}
        wanted = ((config.get("experiment") or {}).get("figure") or {}).get("measures") or []
        out = {}
        for measure in wanted:
            if measure not in ds:
                continue
            held = ds["animal"].values >= 0
            values = np.where(held, ds[measure].values, np.nan)
            for k, cond in enumerate(ds["condition"].values):
                out[f"{measure}[{cond}]"] = float(np.nanmean(values[k])) if np.isfinite(values[k]).any() else np.nan
        return out


def predictions(root: Path, table: pd.DataFrame) -> pd.DataFrame:
    """One row per (point, prediction): the point's overrides and status, the verdict, effect and 95% CI."""
    swept = swept_keys(table)
    rows = []
    for _, point in table.iterrows():
        base = {"point": point["point"], **{k: point[k] for k in swept}, "status": point["status"]}
        path = Path(root) / str(point["point"]) / "predictions.json"
        if point["status"] != "complete" or not path.exists():
            rows.append({**base, "prediction": None})
            continue
        for o in json.loads(path.read_text()):
            rows.append({**base, "prediction": o["id"], "basis": o.get("basis"), "known_miss": bool(o.get("known_miss")),
                         "derived_from": o.get("derived_from"), **{f: o.get(f) for f in FIELDS}})
    return pd.DataFrame(rows)


def swept_keys(table: pd.DataFrame) -> list[str]:
    """Override keys whose value differs between points."""
    fixed = {"point", "status", "reason"}
    keys = [c for c in table.columns if c not in fixed and "[" not in c]
    return [k for k in keys if table[k].astype(str).nunique() > 1]


def gather(root: Path) -> dict[str, Path]:
    """Write the sweep's tables (CSV, NetCDF) and plot at its root; returns the paths."""
    root = Path(root)
    table = points(root)
    if table.empty:
        raise ValueError(f"{root}: no sweep points (numbered folders with .hydra/overrides.yaml)")
    verdicts = predictions(root, table)
    out = {"points": root / "sweep_points.csv", "table": root / "sweep.csv", "netcdf": root / "sweep.nc"}
    table.to_csv(out["points"], index=False, float_format="%.6g")
    verdicts.to_csv(out["table"], index=False, float_format="%.6g")
    _netcdf(verdicts, swept_keys(table), out["netcdf"])
    swept = swept_keys(table)
    if WORLD in swept:  # a robustness map: the share of worlds in which each prediction holds
        from . import robustness

        others = [k for k in swept if k != WORLD]
        shares = robustness.summary(verdicts, others)
        out["robustness"] = root / "robustness.csv"
        shares.to_csv(out["robustness"], index=False, float_format="%.6g")
        if not shares.empty and not others:
            out["robustness_figure"] = robustness.figure(
                shares, f"{_experiment(root)}: {int(shares['worlds'].max())} worlds, every circuit parameter "
                f"x U(1 ± {_jitter(root):g})", root / "robustness")
        swept = others
    figure = plot(verdicts, swept, root / "sweep")
    if figure:
        out["figure"] = figure
    return out


WORLD = "robustness.world"


def _experiment(root: Path) -> str:
    for folder in sorted(Path(root).iterdir()):
        if (folder / ".hydra" / "overrides.yaml").exists():
            return str(overrides(folder, keep_experiment=True).get("experiment", Path(root).name))
    return Path(root).name


def _jitter(root: Path) -> float:
    for world in sorted(Path(root).glob("*/world.json")):
        return float(json.loads(world.read_text())["jitter"])
    return float("nan")


def _netcdf(verdicts: pd.DataFrame, swept: list[str], path: Path) -> None:
    """The verdict table as a Dataset over (point, prediction), the swept values as coordinates of ``point``."""
    import xarray as xr

    done = verdicts.dropna(subset=["prediction"])
    pts = list(dict.fromkeys(verdicts["point"].astype(str)))
    preds = list(dict.fromkeys(done["prediction"]))
    data = {f: np.full((len(pts), len(preds)), np.nan) for f in FIELDS}
    for _, r in done.iterrows():
        i, j = pts.index(str(r["point"])), preds.index(r["prediction"])
        for f in FIELDS:
            data[f][i, j] = float(r[f]) if r[f] is not None else np.nan
    first = verdicts.drop_duplicates("point").set_index(verdicts.drop_duplicates("point")["point"].astype(str))
    coords = {"point": pts, "prediction": preds,
              **{k: ("point", [str(first.loc[p, k]) for p in pts]) for k in swept},
              "status": ("point", [str(first.loc[p, "status"]) for p in pts])}
    ds = xr.Dataset({f: (("point", "prediction"), v) for f, v in data.items()}, coords=coords)
    tmp = path.with_name(f".{path.name}.tmp")
    ds.to_netcdf(tmp, engine="h5netcdf")
    tmp.replace(path)


def plot(verdicts: pd.DataFrame, swept: list[str], stem: Path) -> Path | None:
    """One panel per prediction: effect and 95% CI against one swept value (filled dot: held), or the verdicts of two
    swept values as a grid (green held, grey not, white missing). Nothing for other sweeps."""
    done = verdicts.dropna(subset=["prediction"])
    if done.empty or len(swept) not in (1, 2):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import save

    plt.style.use("circuitsim.styles.talk")
    preds = list(dict.fromkeys(done["prediction"]))
    cols = min(4, len(preds))
    rows = -(-len(preds) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.8 * cols, 2.3 * rows + 0.5), squeeze=False)
    for ax, pid in zip(axes.flat, preds):
        d = done[done["prediction"] == pid]
        if len(swept) == 1:
            x = _axis(d[swept[0]])
            order = np.argsort(x)
            ax.fill_between(x[order], d["ci_low"].to_numpy(float)[order], d["ci_high"].to_numpy(float)[order],
                            color="C1", alpha=0.25, lw=0)
            ax.plot(x[order], d["effect"].to_numpy(float)[order], color="C1", lw=1.2)
            held = d["held"].to_numpy(bool)
            ax.scatter(x[held], d["effect"].to_numpy(float)[held], color="C1", s=14, zorder=3)
            ax.scatter(x[~held], d["effect"].to_numpy(float)[~held], facecolor="white", edgecolor="C1", s=14, zorder=3)
            ax.axhline(0, color="0.6", lw=0.6)
            ax.set_xlabel(swept[0], fontsize=7)
        else:
            xs, ys = sorted(set(d[swept[0]]), key=_key), sorted(set(d[swept[1]]), key=_key)
            grid = np.full((len(ys), len(xs)), np.nan)
            for _, r in d.iterrows():
                grid[ys.index(r[swept[1]]), xs.index(r[swept[0]])] = float(bool(r["held"]))
            ax.imshow(grid, cmap=matplotlib.colors.ListedColormap(["0.8", "#2ca02c"]), vmin=0, vmax=1,
                      origin="lower", aspect="auto")
            ax.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=6)
            ax.set_yticks(range(len(ys)), [str(v) for v in ys], fontsize=6)
            ax.set_xlabel(swept[0], fontsize=7)
            ax.set_ylabel(swept[1], fontsize=7)
        ax.set_title(pid, fontsize=7)
    for ax in list(axes.flat)[len(preds):]:
        ax.set_visible(False)
    fig.tight_layout()
    return save(fig, stem)[0]


def _number(value: str):
    try:
        return float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        return value


def _key(value):
    return (0, float(value), "") if isinstance(value, (int, float)) else (1, 0.0, str(value))


def _axis(values: pd.Series) -> np.ndarray:
    """Swept values as numbers (their rank when they are not numbers)."""
    try:
        return values.astype(float).to_numpy()
    except (TypeError, ValueError):
        order = sorted(set(values), key=_key)
        return np.array([order.index(v) for v in values], dtype=float)


class Gather(Callback):
    """Hydra callback (``hydra.callbacks.gather`` in configs/config.yaml): a multirun records its size when it
    starts, prints a progress line after every point and is gathered when it ends."""

    def on_multirun_start(self, config, **kwargs) -> None:
        root = Path(str(config.hydra.sweep.dir))
        root.mkdir(parents=True, exist_ok=True)
        total = planned(list(config.hydra.overrides.task))
        done = sum(status(f)[0] == "complete" for f in root.iterdir() if (f / ".hydra" / "overrides.yaml").exists())
        (root / "sweep.json").write_text(json.dumps({"points": total, "started": time.time(), "done_before": done})
                                         + "\n")  # done_before: complete points of a resumed sweep (skipped)
        print(f"sweep of {total} points into {root}")

    def on_job_end(self, config, job_return, **kwargs) -> None:
        try:
            print(progress(Path(str(config.hydra.sweep.dir))), flush=True)
        except (OSError, ValueError):  # progress is a courtesy: never let it fail a point
            pass

    def on_multirun_end(self, config, **kwargs) -> None:
        root = Path(str(config.hydra.sweep.dir))
        try:
            paths = gather(root)
        except (ValueError, OSError) as exc:  # a sweep's results stay where they are; the table can be made later
            print(f"circuitsim: could not gather {root}: {exc}", file=sys.stderr)
            return
        print(progress(root))
        print(f"sweep table: {paths['table']}")
        failed = pd.read_csv(paths["points"]).query("status == 'failed'")
        if len(failed):  # the others ran and are gathered; the sweep as a whole did not succeed
            print(f"circuitsim: error: {len(failed)} point(s) failed (reasons in {paths['points']})", file=sys.stderr)
            sys.exit(1)


def planned(task_overrides: list[str]) -> int:
    """How many points a multirun's overrides make (the product of the sizes of its sweeps)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    total = 1
    for o in OverridesParser.create().parse_overrides(task_overrides):
        if o.is_sweep_override():
            total *= len(list(o.sweep_string_iterator()))
    return total


def progress(root: Path) -> str:
    """One line: points complete, failed, running and left of the sweep at ``root``, and an estimate of the time
    left (the sweep's throughput so far: elapsed time per point it finished, points skipped on resume left out)."""
    root = Path(root)
    counts = {"complete": 0, "failed": 0, "running": 0}
    for folder in root.iterdir():
        if (folder / ".hydra" / "overrides.yaml").exists():
            counts[status(folder)[0]] += 1
    meta = json.loads((root / "sweep.json").read_text()) if (root / "sweep.json").exists() else {}
    total = int(meta.get("points", sum(counts.values())))
    finished = counts["complete"] + counts["failed"]
    left = max(total - finished, 0)
    eta = ""
    fresh = finished - int(meta.get("done_before", 0))  # points finished by this sweep (a resumed one skips some)
    if "started" in meta and fresh > 0 and left:
        eta = f", about {_duration((time.time() - meta['started']) / fresh * left)} left"
    return (f"sweep {root.name}: {finished}/{total} done ({counts['complete']} complete, {counts['failed']} failed), "
            f"{counts['running']} running, {left} left{eta}")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else (f"{seconds / 60:.0f} min" if seconds < 7200
                                                    else f"{seconds / 3600:.1f} h")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m circuitsim.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a multirun folder (multirun/<experiment>/<time>)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"circuitsim: error: {args.root} is not a folder", file=sys.stderr)
        return 2
    try:
        paths = gather(args.root)
    except ValueError as exc:
        print(f"circuitsim: error: {exc}", file=sys.stderr)
        return 2
    print(progress(args.root))
    if "robustness" in paths and pd.read_csv(paths["robustness"]).shape[0]:
        from . import robustness

        print(robustness.markdown(pd.read_csv(paths["robustness"])))
    for path in paths.values():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
