"""End-to-end cost of every default experiment: wall time cold and warm, per-run cost vs the simulation loop,
peak memory of the whole process tree.

    python benchmarks/experiments.py [--repeats 3] [--cold-repeats 1] [--experiments grik4_rescue ...]

Cold = an empty build cache (CIRCUITSIM_CACHE points to a fresh folder), so the circuit is generated and
compiled; warm = the cache from the cold run. Each run is `python -m circuitsim experiment=<name>` with the
default config, exactly as a user types it. Writes benchmarks/results/experiments.{md,json}.
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
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_EXPERIMENTS = ["grik4_rescue", "grik4_high_anxiety", "mea_opto", "mea_mpoa_terminal", "mea_chemo",
                       "mea_chemo_time", "mea_light_dose", "isolation_iron", "iron_necessity", "nvc_disruption",
                       "nvc_rigidity", "nvc_graded", "blood_flow_causality"]


def tree_pss_kb(pid: int) -> int:
    """Proportional set size (kB) of a process and all its descendants: pages shared between forked workers
    are counted once in total (plain RSS would count them in every worker)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(ln.split()[1]) for ln in f if ln.startswith("Pss:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, StopIteration, ProcessLookupError, PermissionError):
            continue
    return total


def timed_run(experiment: str, cache: Path, outdir: Path, memory: bool = False) -> dict:
    """One command-line run. With ``memory`` the process tree's PSS is sampled every 0.2 s: reading
    smaps_rollup costs CPU on this 2-core machine (~10% slower runs), so timed runs do not sample."""
    env = {**os.environ, "CIRCUITSIM_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "circuitsim", f"experiment={experiment}", f"hydra.run.dir={outdir}"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_pss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    output = proc.communicate()[0]
    wall = time.perf_counter() - started
    if memory:
        sampler.join()
    if proc.returncode:
        raise SystemExit(f"{experiment} failed:\n{output[-3000:]}")
    import xarray as xr

    with xr.open_dataset(outdir / "results.nc", engine="h5netcdf") as ds:
        timing = json.loads(ds.attrs["timing"])
    return {"wall": wall, "peak_mb": peak[0] / 1024, **timing}


def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import brian2

    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, Brian2 {brian2.__version__}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="warm runs per experiment (median)")
    parser.add_argument("--cold-repeats", type=int, default=1, help="cold runs per experiment (median)")
    parser.add_argument("--experiments", nargs="+", default=DEFAULT_EXPERIMENTS)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="circuitsim-bench-") as tmp:
        tmp = Path(tmp)
        for name in args.experiments:
            cold, warm = [], []
            for k in range(args.cold_repeats):
                cache = tmp / f"cache-{name}-{k}"
                cold.append(timed_run(name, cache, tmp / f"{name}-cold-{k}"))
                print(f"{name} cold {k}: {cold[-1]['wall']:.1f} s", flush=True)
            for k in range(args.repeats):
                warm.append(timed_run(name, tmp / f"cache-{name}-0", tmp / f"{name}-warm-{k}"))
                print(f"{name} warm {k}: {warm[-1]['wall']:.1f} s", flush=True)
            cold_mem = timed_run(name, tmp / f"cache-{name}-memory", tmp / f"{name}-cold-memory", memory=True)
            warm_mem = timed_run(name, tmp / f"cache-{name}-memory", tmp / f"{name}-warm-memory", memory=True)
            print(f"{name} peak memory: cold {cold_mem['peak_mb']:.0f} MB, warm {warm_mem['peak_mb']:.0f} MB",
                  flush=True)
            med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
            rows[name] = {
                "cold_wall_s": med(cold, "wall"), "warm_wall_s": med(warm, "wall"),
                "warm_walls_s": [r["wall"] for r in warm], "cold_walls_s": [r["wall"] for r in cold],
                "cold_build_s": med(cold, "build"), "warm_build_s": med(warm, "build"),
                "runs": warm[0]["n_runs"], "run_median_s": med(warm, "run_median"),
                "loop_median_s": med(warm, "loop_median"), "run_over_loop": med(warm, "run_over_loop"),
                "peak_mb_cold": cold_mem["peak_mb"], "peak_mb_warm": warm_mem["peak_mb"],
            }
    info = machine()
    (args.out / "experiments.json").write_text(json.dumps({"machine": info, "experiments": rows}, indent=2))
    lines = [f"Machine: {info}", "",
             "| experiment | distinct runs | cold wall (s) | warm wall (s) | build cold / warm (s) | run / loop (median s) | run ÷ loop | peak memory cold / warm (MB) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| `{name}` | {r['runs']} | {r['cold_wall_s']:.1f} | {r['warm_wall_s']:.1f} | "
                     f"{r['cold_build_s']:.1f} / {r['warm_build_s']:.1f} | {r['run_median_s']:.2f} / "
                     f"{r['loop_median_s']:.2f} | {r['run_over_loop']:.2f} | {r['peak_mb_cold']:.0f} / {r['peak_mb_warm']:.0f} |")
    (args.out / "experiments.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
