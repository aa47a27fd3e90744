"""Every talk figure in one command: redraw ``figures/`` from its stored tables, simulating only what is missing.

    python -m circuitsim.figures                 # redraw every figure; run the experiments whose table is missing
    python -m circuitsim.figures --force         # rerun every experiment first (default config, seed 0)
    python -m circuitsim.figures --only grik4_rescue nvc_disruption

An experiment's stored table is ``figures/<experiment>.csv`` (with ``.series.csv`` / ``.chain.csv`` where its figure
shows time courses; :mod:`circuitsim.plotting.talk`). A missing one is made by running the experiment as a user
would (``python -m circuitsim experiment=<name>``, default config) and storing its results. Then every figure of
the experiment is drawn: its condition figure, chain / interaction / timeline figures where it has them, and the
study's summary slide where the experiment defines one (``figure.summary``). The same tables give byte-identical
SVGs (fixed SVG ids, no dates).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .config import experiment_names
from .plotting import talk

def simulate(name: str, folder: Path) -> Path:
    """Run ``name`` with its default config (seed 0) in a scratch folder and store its table in ``folder``."""
    with tempfile.TemporaryDirectory(prefix=f"circuitsim-{name}-") as tmp:
        proc = subprocess.run([sys.executable, "-m", "circuitsim", f"experiment={name}", "figure=false",
                               f"hydra.run.dir={tmp}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"{name}: the run failed: {last}")
        return talk.store(Path(tmp) / "results.nc", folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m circuitsim.figures", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rerun every experiment before drawing")
    parser.add_argument("--only", nargs="+", metavar="EXPERIMENT", help="these experiments only")
    parser.add_argument("--folder", type=Path, default=Path("figures"), help="figures folder (default: figures)")
    args = parser.parse_args(argv)
    known = experiment_names()
    names = args.only or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        print(f"circuitsim: error: unknown experiment(s) {unknown}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    if not args.folder.is_dir():
        print(f"circuitsim: error: figures folder {args.folder} does not exist", file=sys.stderr)
        return 2
    started = time.perf_counter()
    simulated = []
    for k, name in enumerate(names, 1):  # one at a time: a run uses both cores itself
        if args.force or not (args.folder / f"{name}.csv").exists():
            print(f"[{k}/{len(names)}] {name}: simulating ({'--force' if args.force else 'no stored table'})", flush=True)
            try:
                simulate(name, args.folder)
            except RuntimeError as exc:
                print(f"circuitsim: error: {exc}", file=sys.stderr)
                return 1
            simulated.append(name)
    tables = [args.folder / f"{name}.csv" for name in names]
    with multiprocessing.get_context("fork").Pool(min(len(tables), os.cpu_count() or 1)) as pool:
        drawn = []
        for k, (name, paths) in enumerate(zip(names, pool.imap(talk.draw, tables)), 1):
            drawn += paths
            print(f"[{k}/{len(names)}] {name}: drew {', '.join(p.name for p in paths if p.suffix == '.png')}", flush=True)
    print(f"{len(drawn) // 2} figures of {len(names)} experiments in {time.perf_counter() - started:.1f} s "
          f"({len(simulated)} simulated{': ' + ', '.join(simulated) if simulated else ''}) in {args.folder}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
