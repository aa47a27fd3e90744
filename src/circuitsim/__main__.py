"""Command line: ``python -m circuitsim experiment=<name> [key=value ...]`` (Hydra).

compose -> check (circuitsim.config) -> simulate every condition x virtual mouse -> readouts ->
predictions -> results (NetCDF), predictions.json, figure -> printed table. ``--help`` lists the config
groups and experiments; ``-m`` runs a sweep.

Bad input is caught before Hydra starts a job (so no output folder is made): the overrides are composed
and checked first, and any problem is one line on stderr with exit status 2. Set HYDRA_FULL_ERROR=1 for
the traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from .config import ConfigError, check_overrides, prepare


@hydra.main(version_base="1.3", config_path="pkg://circuitsim.configs", config_name="config")
def _app(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    outdir = Path(hydra_cfg.runtime.output_dir)
    if _already_done(outdir, list(hydra_cfg.overrides.task)):  # a resumed sweep: this point is complete
        print(f"{outdir}: complete with the same overrides, skipped")
        return
    (outdir / "FAILED").unlink(missing_ok=True)
    try:
        run_experiment(cfg, outdir)
    except (ConfigError, SimulationError) as exc:
        if hydra_cfg.mode != RunMode.MULTIRUN:
            _fail(exc)
        _point_failed(outdir, str(exc))
    except Exception as exc:  # noqa: BLE001 - in a sweep, one broken point must not stop the others
        if hydra_cfg.mode != RunMode.MULTIRUN:
            raise
        _point_failed(outdir, f"{type(exc).__name__}: {exc}")


def _point_failed(outdir: Path, reason: str) -> None:
    """A sweep point that failed: its reason in ``FAILED`` (read by circuitsim.sweep) and the log; the sweep goes on
    and exits non-zero at its end."""
    reason = " ".join(reason.split())[:500]
    (outdir / "FAILED").write_text(reason + "\n")
    logging.getLogger(__name__).error("circuitsim: error: %s", reason)
    print(f"circuitsim: error: {outdir}: {reason}", file=sys.stderr)


def _already_done(outdir: Path, overrides: list[str]) -> bool:
    """A finished run (its ``COMPLETE`` marker) made with exactly these overrides: re-running a sweep into the same
    folder (``hydra.sweep.dir=...``) recomputes only the points that are missing or broken."""
    marker = outdir / "COMPLETE"
    if not marker.exists():
        return False
    lines = marker.read_text().splitlines()
    return len(lines) > 1 and lines[1] == json.dumps(sorted(overrides))


class SimulationError(RuntimeError):
    """A run that produced no usable result (numerical blow-up, runaway activity)."""


def run_experiment(cfg: DictConfig, outdir: Path) -> dict:
    """Run one composed config into ``outdir``; returns the paths written."""
    from . import experiment, replicates, report
    from .plotting.conditions import condition_figure
    from .results import provenance

    c = prepare(cfg)
    outdir.mkdir(parents=True, exist_ok=True)
    if not os.access(outdir, os.W_OK):
        raise ConfigError(f"output folder {outdir} is not writable")
    started = time.perf_counter()
    exp = c["experiment"]
    attrs = provenance(OmegaConf.to_yaml(cfg, resolve=True), c["seed"])
    paths = {"results": outdir / "results.nc", "predictions": outdir / "predictions.json"}
    try:
        if c["replicates"] > 1:
            results, outcomes, rows = replicates.run(c, outdir, attrs, experiment.run)
            paths["replicates"] = outdir / "replicates.json"
            report.write_records(rows, paths["replicates"])
        else:
            results = experiment.run(c, outdir, attrs)
            outcomes = replicates.evaluate_all(exp.get("predictions", []), results, c["seed"], c["stats"]["n_boot"])
    except experiment.BlowUp as exc:
        raise SimulationError(str(exc)) from None
    results.save(paths["results"])
    report.write_json(outcomes, paths["predictions"])
    if c["robustness"]["factors"]:  # a robustness world: the factor of every jittered parameter
        paths["world"] = outdir / "world.json"
        report.write_records({"world": c["robustness"]["world"], "jitter": c["robustness"]["jitter"],
                           "factors": c["robustness"]["factors"]}, paths["world"])
    if c["figure"]:
        measures = exp.get("figure", {}).get("measures") or results.measures
        try:  # the results are saved already
            figs = condition_figure(results, measures, exp.get("title", exp["name"]), outdir / exp["name"], c["seed"],
                                    labels={name: m.title for name, m in c["measures"].items()},
                                    series=exp.get("figure", {}).get("series"), windows=c["windows"])
        except ValueError as exc:
            raise ConfigError(f"{exc} (results are in {outdir})") from None
        paths["figure"] = figs[0]
        figure = exp.get("figure", {})
        if figure.get("chain") or figure.get("interaction"):  # time courses per condition; a two-factor plot
            from .plotting import chain

            try:
                paths.update(chain.figures(c, results, outdir))
            except ValueError as exc:
                raise ConfigError(f"{exc} (results are in {outdir})") from None
        if exp.get("figure", {}).get("timeline"):  # arms over days (experiments with a slow stage)
            from .plotting.timeline import experiment_timeline

            try:
                paths["timeline"] = experiment_timeline(c, results, outdir / f"{exp['name']}_timeline")[0]
            except ValueError as exc:
                raise ConfigError(f"{exc} (results are in {outdir})") from None
    elapsed = time.perf_counter() - started
    overrides = sorted(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []
    (outdir / "COMPLETE").write_text(f"{elapsed:.2f} s\n{json.dumps(overrides)}\n")  # written last: a finished run
    cohorts = f"{c['replicates']} replicate cohorts (seeds {c['seed']}-{c['seed'] + c['replicates'] - 1}) of " \
        if c["replicates"] > 1 else ""
    print(f"\n{exp['name']}: {cohorts}{c['n_mice']} virtual mice per condition, seed {c['seed']}, "
          f"noise {c['mice']['noise']}, {elapsed:.1f} s")
    t = json.loads(results.dataset.attrs.get("timing", "{}"))
    if t.get("run_median"):
        build = f"build {t['build']:.1f} s, " if t.get("build") is not None else ""
        print(f"{t['n_runs']} distinct runs on {t['n_jobs']} processes in {t['simulate_wall']:.1f} s: {build}"
              f"median run {t['run_median']:.2f} s of which simulation loop {t['loop_median']:.2f} s")
    if "replicates" in paths:
        print("Across replicate cohorts (pooled effect over every cohort's mice; fragile: held in < 80%):")
        print(report.replicate_table(rows))
        print("\nPooled:")
    print(report.table(outcomes))
    print(f"results in {outdir}")
    return paths


def _fail(exc: Exception) -> None:
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        raise exc
    print(f"circuitsim: error: {exc}", file=sys.stderr)
    sys.exit(2)


def main() -> None:
    """Console entry point (``circuitsim`` and ``python -m circuitsim``)."""
    logging.getLogger("brian2").setLevel(logging.ERROR)
    if not OmegaConf.has_resolver("pid"):  # output folders: timestamp + process id, never shared
        OmegaConf.register_new_resolver("pid", os.getpid)
    try:
        check_overrides(sys.argv[1:])
    except ConfigError as exc:
        _fail(exc)
    _app()


if __name__ == "__main__":
    main()
