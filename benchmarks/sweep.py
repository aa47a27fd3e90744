"""Cost of a sweep: the wall time of a multirun on a warm build, each point's cost against its simulation loop,
and whether any point recompiled.

    python benchmarks/sweep.py [--experiment grik4_rescue] [--sweep circuit.grik4_gain=1.2,1.5,2.0,2.5 seed=0,1,2]

First one run of the experiment warms the build cache (untimed), then the sweep runs as a user types it
(``python -m circuitsim -m experiment=<name> <sweep>``). Per point: its wall time inside the job (``COMPLETE``),
and its simulation loops (Brian2's own measurement, summed over its runs) divided by its worker processes, i.e. the
wall time the loops alone would take; their ratio is the point's cost over its loop. A point recompiled if the
cache gained a build or its build step took more than 10 s. Writes benchmarks/results/sweep.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr

HERE = Path(__file__).resolve().parent


def builds(cache: Path) -> set[str]:
    return {p.name for p in cache.iterdir() if p.is_dir()} if cache.exists() else set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="grik4_rescue")
    parser.add_argument("--sweep", nargs="+", default=["circuit.grik4_gain=1.2,1.5,2.0,2.5", "seed=0,1,2"])
    parser.add_argument("--extra", nargs="*", default=[], help="overrides for every point (e.g. hydra/launcher=joblib)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    cache = Path(os.path.expanduser(os.environ.get("CIRCUITSIM_CACHE", "~/.cache/circuitsim")))
    py = [sys.executable, "-m", "circuitsim"]
    subprocess.run([*py, f"experiment={args.experiment}", "figure=false", *args.extra,
                    f"hydra.run.dir={tempfile.mkdtemp(prefix='warm-')}"], check=True, capture_output=True)
    before = builds(cache)
    root = Path(tempfile.mkdtemp(prefix="sweep-")) / "sweep"
    started = time.perf_counter()
    proc = subprocess.run([*py, "-m", f"experiment={args.experiment}", *args.sweep, *args.extra,
                           f"hydra.sweep.dir={root}"], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    new_builds = sorted(builds(cache) - before)
    points = []
    for folder in sorted((p for p in root.iterdir() if (p / "COMPLETE").exists()), key=lambda p: int(p.name)):
        with xr.open_dataset(folder / "results.nc", engine="h5netcdf") as ds:
            t = json.loads(ds.attrs["timing"])
        elapsed = float((folder / "COMPLETE").read_text().split()[0])
        loop_wall = t["loop_total"] / min(t["n_jobs"], t["n_runs"])
        points.append({"point": int(folder.name), "elapsed": elapsed, "loop_wall": loop_wall,
                       "cost_over_loop": elapsed / loop_wall, "build": t["build"], "runs": t["n_runs"],
                       "simulate_wall": t["simulate_wall"]})
    ratios = [p["cost_over_loop"] for p in points]
    summary = {
        "experiment": args.experiment, "sweep": args.sweep, "extra": args.extra, "points": len(points),
        "wall_s": wall, "sum_point_elapsed_s": sum(p["elapsed"] for p in points),
        "median_point_s": statistics.median(p["elapsed"] for p in points),
        "median_cost_over_loop": statistics.median(ratios), "max_cost_over_loop": max(ratios),
        "median_build_s": statistics.median(p["build"] for p in points), "max_build_s": max(p["build"] for p in points),
        "new_builds": new_builds, "recompiled": bool(new_builds) or max(p["build"] for p in points) > 10,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "load": os.getloadavg()},
        "per_point": points,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sweep.json").write_text(json.dumps(summary, indent=2) + "\n")
    md = (f"| experiment | points | sweep wall | median point | point cost / its loop (median, max) | build per point "
          f"(median, max) | new builds |\n|---|---|---|---|---|---|---|\n"
          f"| `{args.experiment}` {' '.join(args.sweep)} {' '.join(args.extra)} | {len(points)} | {wall:.1f} s | "
          f"{summary['median_point_s']:.1f} s | {summary['median_cost_over_loop']:.2f}× / {max(ratios):.2f}× | "
          f"{summary['median_build_s']:.1f} s / {summary['max_build_s']:.1f} s | {len(new_builds)} |\n")
    (args.out / "sweep.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
