"""Shared fixtures: Brian2 in runtime mode with numpy code generation, and the config libraries."""

from __future__ import annotations

from pathlib import Path

import brian2 as b2
import pytest
from omegaconf import OmegaConf

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"


def load_yaml(relative: str) -> dict:
    """A config file of the repo as a plain dict (no interpolations resolved)."""
    return OmegaConf.to_container(OmegaConf.load(CONFIGS / relative), resolve=False)


@pytest.fixture
def brian_runtime():
    """Runtime device, numpy target, a fresh scope; restores the previous settings afterwards."""
    old_target = b2.prefs.codegen.target
    old_dt = b2.defaultclock.dt
    b2.set_device("runtime")
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    yield
    b2.prefs.codegen.target = old_target
    b2.defaultclock.dt = old_dt


def parsed(section: str, tree: dict) -> dict:
    """A config section with its units parsed as circuitsim.config.prepare parses them."""
    from circuitsim.config import UNITS
    from circuitsim.parts.units import parse_tree

    return parse_tree({section: tree}, UNITS)[section]


@pytest.fixture(scope="session")
def receptor_library() -> dict:
    return parsed("receptors", load_yaml("receptors/library.yaml"))


@pytest.fixture(scope="session")
def cell_library() -> dict:
    return parsed("cells", load_yaml("cells/library.yaml"))


SMALL_RUN = ["sim.scale=0.25", "sim.duration=1.5s", "sim.transient=0.5s"]


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600):
    """``python -m circuitsim ARGS`` in a subprocess; returns the CompletedProcess."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "circuitsim", *args], cwd=cwd or REPO, capture_output=True,
                          text=True, timeout=timeout)


def prepared(name: str, overrides: list[str] = ()) -> dict:
    """The checked config of experiment ``name`` with ``overrides``, as the command line prepares it."""
    from circuitsim.config import prepare_experiment

    return prepare_experiment(name, list(overrides))


def prediction_params(experiments, basis: str, small_network_misses: dict) -> list:
    """One pytest param (experiment, prediction spec) per declared prediction of ``basis``; a declared known miss,
    or one underpowered on the small network (``small_network_misses``: id -> reason), is ``xfail(strict=True)``."""
    import pytest as _pytest

    out = []
    for name in experiments:
        for spec in prepared(name)["experiment"]["predictions"]:
            if spec["basis"] != basis:
                continue
            reason = spec.get("known_miss") or small_network_misses.get(spec["id"])
            marks = [_pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(_pytest.param(name, spec, id=spec["id"], marks=marks))
    return out


def verdicts_of(cfg: dict, workdir: Path, seed: int, specs: list | None = None) -> dict:
    """Run a prepared experiment and evaluate its predictions (or ``specs``) with the command line's statistic:
    {prediction id: Outcome}."""
    from circuitsim import experiment
    from circuitsim.replicates import evaluate_all

    results = experiment.run(cfg, workdir, attrs={})
    specs = cfg["experiment"]["predictions"] if specs is None else specs
    return {o.id: o for o in evaluate_all(specs, results, seed, cfg["stats"]["n_boot"])}


def verdict_cache(tmp_path_factory, overrides: list[str] = ()):
    """``get(name, seed)``: the verdicts of experiment ``name`` with ``overrides`` and that seed, each table computed
    once (for a module-scoped fixture)."""
    cache = {}

    def get(name: str, seed: int) -> dict:
        if (name, seed) not in cache:
            cfg = prepared(name, [*overrides, f"seed={seed}"])
            cache[(name, seed)] = verdicts_of(cfg, tmp_path_factory.mktemp(f"{name}-{seed}"), seed)
        return cache[(name, seed)]

    return get
