"""The spine's protocol machinery on a toy circuit (tests/spine/toy): one compiled build, several runs, each run
seeing its own time course, stage values and second-clock trace (standalone, and runtime for comparison)."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from circuitsim import experiment
from circuitsim.config import prepare

from conftest import CONFIGS, REPO

TOY = REPO / "tests" / "spine" / "toy" / "circuit.yaml"
DAY = 3.0  # snapshot day of the stage


def toy_config(device: str, cache, **changes) -> dict:
    raw = {
        "cells": OmegaConf.load(CONFIGS / "cells" / "library.yaml"),
        "receptors": OmegaConf.load(CONFIGS / "receptors" / "library.yaml"),
        "circuit": OmegaConf.load(TOY),
        "sim": {"device": device, "dt": "0.1 ms", "duration": "0.6 s", "transient": "0.1 s", "scale": 1.0,
                "n_jobs": 2, "build_cache": str(cache), "max_rate": "300 Hz", "rate_bin": "10 ms"},
        "seed": 0, "n_mice": 2, "mice": {"jitter_sd": 0.0, "noise": "fresh"}, "stats": {"n_boot": 200},
        "figure": False, "replicates": 1, "robustness": {"world": None, "jitter": 0.2},
        "experiment": {
            "name": "toy", "circuit": "toy.circuit", "design": "within",
            "epochs": {"before": ["0.1 s", "0.3 s"], "during": ["0.3 s", "0.6 s"]},
            "stage": {"drive": 1.0, "day": DAY},
            "conditions": {
                "off": {},
                "pulsed": {"manipulations": ["pulsed"]},
                "steady_dim": {"manipulations": ["steady"], "stage": {"drive": 0.5}},
                "steady": {"manipulations": ["steady"]},
                "steady_day1": {"manipulations": ["steady"], "stage": {"day": 1.0}},
            },
        },
    }
    raw = OmegaConf.create(raw)
    for key, value in changes.items():
        OmegaConf.update(raw, key, value, merge=False)
    return prepare(raw)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    results = experiment.run(toy_config("cpp_standalone", cache), tmp_path_factory.mktemp("run"), attrs={})
    return results, cache


def test_one_build_serves_every_run(standalone):
    _, cache = standalone
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1


def test_stage_sets_the_snapshot(standalone):
    results, _ = standalone
    for condition, drive in (("steady", 1.0), ("steady_dim", 0.5)):
        level = results.values(condition, "toy_level")
        np.testing.assert_allclose(level, drive * (1 - np.exp(-DAY / 2.0)), rtol=1e-6)
    np.testing.assert_allclose(results.values("steady_day1", "toy_level"), 1 - np.exp(-1.0 / 2.0), rtol=1e-6)
    days = results.dataset["day"].values
    assert days[0] == 0 and days[-1] == pytest.approx(DAY)
    trajectory = results.dataset["ts_stage_level"].sel(condition="steady").values[0]
    assert np.all(np.diff(trajectory) > 0), "the level rises toward the drive over the days"
    early = results.dataset["ts_stage_level"].sel(condition="steady_day1").values[0]
    np.testing.assert_allclose(early[days <= 1.0], trajectory[days <= 1.0], rtol=1e-9)
    assert np.all(np.isnan(early[days > 1.0])), "an earlier snapshot's trajectory ends at its day"


def test_a_readout_keeps_its_time_course(standalone):
    """The BOLD readout's time course is stored per run (ts_bold over time_bold, from the start of the run), and its
    measures are that course's mean and peak over the analysed window (0.1-0.6 s)."""
    results, _ = standalone
    assert "bold" in results.series
    times = results.dataset["time_bold"].values
    inside = (times >= 0.1) & (times < 0.6)
    for condition in ("off", "steady"):
        course = results.dataset["ts_bold"].sel(condition=condition).values  # (mice, times)
        assert np.all(np.isfinite(course))
        np.testing.assert_allclose(results.values(condition, "bold"), course[:, inside].mean(axis=1), rtol=1e-9)
        np.testing.assert_allclose(results.values(condition, "bold_peak"), course[:, inside].max(axis=1), rtol=1e-9)


def test_each_run_sees_its_own_time_course(standalone):
    results, _ = standalone
    for condition in results.conditions:  # nothing before the protocol's window
        np.testing.assert_array_equal(results.values(condition, "rate_cells@before"), 0.0)
    np.testing.assert_array_equal(results.values("off", "rate_cells@during"), 0.0)
    pulsed = results.values("pulsed", "rate_cells@during")
    steady = results.values("steady", "rate_cells@during")
    dim = results.values("steady_dim", "rate_cells@during")
    assert np.all(pulsed > 0) and np.all(steady > pulsed) and np.all(steady > dim)
    rate = results.dataset["ts_rate_cells"].sel(condition="pulsed").values.mean(axis=0)
    t = results.dataset["time"].values
    during = (t > 0.3) & (t < 0.6)
    on = np.mod(t[during] - 0.3, 0.05) < 0.01  # bins that start inside a pulse
    assert rate[during][on].mean() > 3 * rate[during][~on].mean(), "firing follows the 20-Hz pulses"


def test_second_clock_trace_follows_the_stage_value(standalone):
    results, _ = standalone
    t = results.dataset["time_slow"].values
    assert np.median(np.diff(t)) == pytest.approx(1e-3), "the slow group runs on its own 1-ms clock"
    for condition in ("steady", "steady_dim"):
        y = results.dataset["ts_slow_y"].sel(condition=condition).values[0]
        level = results.values(condition, "toy_level")[0]
        assert np.all(y[t < 0.3] == 0)
        assert y[-1] == pytest.approx(level, rel=1e-3), "k was set by the stage, stim by the run's protocol"
    y_off = results.dataset["ts_slow_y"].sel(condition="off").values
    np.testing.assert_array_equal(y_off, 0.0)


def test_runtime_device_gives_the_same_deterministic_parts(standalone, tmp_path):
    expected, _ = standalone
    results = experiment.run(toy_config("runtime", tmp_path), tmp_path, attrs={})
    np.testing.assert_allclose(results.dataset["ts_slow_y"].values, expected.dataset["ts_slow_y"].values,
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(results.values("steady", "toy_level"), expected.values("steady", "toy_level"))


@pytest.mark.parametrize("key, value, message", [
    ("circuit.populations.cells.inputs", {"stim": {}}, "I_<name>"),
    ("circuit.populations.cells.inputs", {"I_x": {"signal": "nope"}}, "nope"),
    ("circuit.signals.stim.dt", "0.01 ms", "signals.stim.dt"),
    ("circuit.signals.stim.dt", "1 mV", "signals.stim.dt"),
    ("circuit.slow.tau", "20 mV", "slow.tau"),
    ("circuit.manipulations.pulsed", [{"type": "pulses", "signal": "stim", "frequency": 20, "width": "5 ms"}],
     "frequency"),
    ("circuit.manipulations.pulsed", [{"type": "flash", "signal": "stim"}], "step type"),
    ("experiment.circuit", "bla_cel", "runs on circuit"),
    ("experiment.circuit", None, "experiment.circuit"),
    ("circuit.manipulations.pulsed", [{"type": "pulses", "signal": "stim", "epoch": "nope", "frequency": "20 Hz",
                                       "width": "5 ms"}], "epoch"),
    ("circuit.manipulations.pulsed", [{"type": "pulses", "signal": "nope", "frequency": "20 Hz", "width": "5 ms"}],
     "signal"),
    ("circuit.manipulations.pulsed", [{"type": "pulses", "signal": "stim", "frequency": "20 Hz"}], "width"),
    ("circuit.manipulations.pulsed", [{"type": "level", "signal": "stim", "value": "2 mV"}], "plain number"),
    ("circuit.manipulations.pulsed", [{"type": "scale", "target": "cells.g", "factor": 2, "colour": 1}], "colour"),
    ("experiment.epochs.during", ["0.3 s", "0.9 s"], "experiment.epochs.during"),
    ("sim.rate_bin", "7 ms", "rate_bin"),
    ("circuit.signals.stim.dt", "0.15 ms", "multiple of sim.dt"),
    ("experiment.conditions.off", {"select": {"from": "nope"}}, "select"),
])
def test_bad_protocol_config_is_one_line(tmp_path, key, value, message):
    """Every one of these is refused by prepare(), before anything is built."""
    from circuitsim.config import ConfigError

    with pytest.raises(ConfigError, match=message.replace("<", ".").replace(">", ".")) as info:
        toy_config("runtime", tmp_path, **{key: value})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("step, message", [
    ({"type": "transduce", "population": "cells", "fraction": 0.5, "set": {"I_stim_amp": 20}}, "units of"),
    ({"type": "transduce", "population": "cells", "fraction": 0.5, "set": {"I_stim_amp": "20 mV"}}, "units of"),
    ({"type": "scale", "target": "cells.nope", "factor": 2}, "not a run parameter"),
])
def test_step_that_does_not_fit_the_built_circuit_is_one_line(tmp_path, step, message):
    """Checked against the circuit's run parameters when the runs are planned (one line, no traceback)."""
    from circuitsim.config import ConfigError

    cfg = toy_config("runtime", tmp_path, **{"circuit.manipulations.pulsed": [step]})
    with pytest.raises(ConfigError, match=message) as info:
        experiment.run(cfg, tmp_path, attrs={})
    assert "\n" not in str(info.value)


def test_fresh_noise_is_a_retest_of_the_same_animal_frozen_noise_a_replay(tmp_path):
    """Two conditions without manipulations: with frozen noise they are the same run (simulated once); with fresh
    noise the same animals (the same animal seeds: connectivity and initial state are drawn before the noise
    reseed, see simulate) meet different input, and a rerun of the same config reproduces it exactly."""
    conditions = {"first": {}, "second": {}}
    runs = {}
    for noise in ("frozen", "fresh", "fresh_again"):
        cfg = toy_config("cpp_standalone", tmp_path / "cache", **{"experiment.conditions": conditions,
                                                                   "mice.noise": noise.split("_")[0]})
        runs[noise] = experiment.run(cfg, tmp_path / noise, attrs={})
    frozen, fresh, again = runs["frozen"], runs["fresh"], runs["fresh_again"]
    np.testing.assert_array_equal(frozen.values("first", "rate_noisy"), frozen.values("second", "rate_noisy"))
    assert not np.array_equal(fresh.values("first", "rate_noisy"), fresh.values("second", "rate_noisy"))
    np.testing.assert_array_equal(fresh.dataset["seed"].values, frozen.dataset["seed"].values), "same animals"
    np.testing.assert_array_equal(fresh.values("first", "rate_noisy"), again.values("first", "rate_noisy"))
    np.testing.assert_array_equal(fresh.values("second", "rate_noisy"), again.values("second", "rate_noisy"))
