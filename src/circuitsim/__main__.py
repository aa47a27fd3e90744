"""Command line: ``python -m circuitsim experiment=<name> [key=value ...]`` (Hydra).

compose -> check (circuitsim.config) -> simulate every condition x virtual mouse -> readouts ->
predictions -> results (NetCDF), predictions.json, figure -> printed table. ``--help`` lists the config
groups and experiments; ``-m`` runs a sweep.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from .config import ConfigError, prepare

log = logging.getLogger("circuitsim")


@hydra.main(version_base="1.3", config_path="pkg://circuitsim.configs", config_name="config")
def _app(cfg: DictConfig) -> None:
    try:
        run_experiment(cfg, Path(HydraConfig.get().runtime.output_dir))
    except ConfigError as exc:
        print(f"circuitsim: error: {exc}", file=sys.stderr)
        sys.exit(2)


def run_experiment(cfg: DictConfig, outdir: Path) -> dict:
    """Run one composed config into ``outdir``; returns the paths written."""
    from . import experiment, predictions, report
    from .plotting.conditions import condition_figure
    from .results import provenance

    c = prepare(cfg)
    outdir.mkdir(parents=True, exist_ok=True)
    if not os.access(outdir, os.W_OK):
        raise ConfigError(f"output folder {outdir} is not writable")
    started = time.perf_counter()
    exp = c["experiment"]
    attrs = provenance(OmegaConf.to_yaml(cfg, resolve=True), c["seed"])
    results = experiment.run(c, outdir, attrs)
    outcomes = [predictions.evaluate(p, results, c["seed"] + k, c["stats"]["n_boot"])
                for k, p in enumerate(exp.get("predictions", []))]
    paths = {"results": outdir / "results.nc", "predictions": outdir / "predictions.json"}
    results.save(paths["results"])
    report.write_json(outcomes, paths["predictions"])
    if c["figure"]:
        measures = exp.get("figure", {}).get("measures") or results.measures
        figs = condition_figure(results, measures, exp.get("title", exp["name"]), outdir / exp["name"], c["seed"])
        paths["figure"] = figs[0]
    (outdir / "COMPLETE").write_text(f"{time.perf_counter() - started:.2f} s\n")
    print(f"\n{exp['name']}: {c['n_mice']} virtual mice per condition, seed {c['seed']}, "
          f"{time.perf_counter() - started:.1f} s")
    print(report.table(outcomes))
    print(f"results in {outdir}")
    return paths


def main() -> None:
    """Console entry point (``circuitsim`` and ``python -m circuitsim``)."""
    logging.getLogger("brian2").setLevel(logging.ERROR)
    _app()


if __name__ == "__main__":
    main()
