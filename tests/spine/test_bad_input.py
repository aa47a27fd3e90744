"""Bad input at the real command line: one clear line, a non-zero exit, no folder that looks complete."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import SMALL_RUN, run_cli

E = "experiment=grik4_rescue"
BAD = {
    "no_experiment": [],
    "unknown_experiment": ["experiment=grik4_rescu"],
    "unknown_circuit": [E, "circuit=nope"],
    "unknown_sim": [E, "sim=gpu"],
    "unknown_hypothesis": [E, "circuit.hypothesis=H3"],
    "added_top_key": [E, "+foo=1"],
    "added_nested_key": [E, "+sim.threads=4"],
    "force_added_key": [E, "++circuit.extra=1"],
    "misspelt_key": [E, "n_mouse=4"],
    "misspelt_nested_key": [E, "sim.durration=2s"],
    "seed_negative": [E, "seed=-1"],
    "seed_text": [E, "seed=abc"],
    "seed_float": [E, "seed=1.5"],
    "n_mice_zero": [E, "n_mice=0"],
    "n_mice_one": [E, "n_mice=1"],
    "jitter_negative": [E, "mice.jitter_sd=-0.1"],
    "n_boot_small": [E, "stats.n_boot=10"],
    "dt_too_large": [E, "sim.dt=1ms"],
    "dt_zero": [E, "sim.dt=0ms"],
    "dt_wrong_unit": [E, "sim.dt=0.1mV"],
    "dt_no_unit": [E, "sim.dt=0.0001"],
    "duration_unknown_unit": [E, "sim.duration=3 parsecs"],
    "transient_after_end": [E, "sim.transient=4s"],
    "window_too_short": [E, "sim.duration=0.6s"],
    "negative_transient": [E, "sim.transient=-1s"],
    "device_unknown": [E, "sim.device=gpu"],
    "scale_zero": [E, "sim.scale=0"],
    "scale_above_one": [E, "sim.scale=2"],
    "n_jobs_zero": [E, "sim.n_jobs=0"],
    "negative_weight": [E, "circuit.connections.bla_rf.weights.ampa=-1nS"],
    "weight_wrong_unit": [E, "circuit.connections.bla_rf.weights.ampa=1mV"],
    "negative_background": [E, "circuit.populations.cem.background.weights.ampa=-0.5nS"],
    "probability_above_one": [E, "circuit.connections.pn_pn.p=1.5"],
    "negative_population": [E, "circuit.populations.cem.n=-3"],
    "negative_gain": [E, "circuit.grik4_gain=-1"],
    "fraction_above_one": [E, "circuit.transduced_fraction=1.2"],
    "bad_design": [E, "experiment.design=crossover"],
    "bad_sweep_value": ["-m", E, "circuit.grik4_gain=1.5,-2"],
    "override_syntax": [E, "seed=[1,"],
    "output_under_a_file": [E, "hydra.run.dir=/etc/hostname/run"],
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")

    def one(item):
        name, args = item
        out = root / name
        extra = [] if any(a.startswith("hydra.run.dir") for a in args) else [f"hydra.run.dir={out}"]
        return name, out, run_cli(*args, *extra, timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {name: (out, proc) for name, out, proc in pool.map(one, BAD.items())}


def test_at_least_thirty_cases():
    assert len(BAD) >= 30


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_fails_cleanly(bad_runs, name):
    out, proc = bad_runs[name]
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("circuitsim: error: ")
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()  # caught before Hydra made an output folder


@pytest.mark.parametrize("override", [
    "circuit.populations.cem.background.weights.ampa=200nS",   # runaway activity
    "circuit.populations.cem.background.weights.ampa=1e12nS",  # non-finite membrane potential
])
def test_blow_up_stops_with_the_population_named(tmp_path, override):
    out = tmp_path / "run"
    proc = run_cli(E, *SMALL_RUN, "n_mice=2", override, f"hydra.run.dir={out}")
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "brian2" not in ln]
    assert lines and lines[-1].startswith("circuitsim: error: ") and "cem" in lines[-1], proc.stderr
    assert not (out / "COMPLETE").exists() and not (out / "results.nc").exists()
    assert not (out / "predictions.json").exists()
