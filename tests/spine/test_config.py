"""Hydra composition and the checks of circuitsim.config.prepare; the command line's --help."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hydra import compose, initialize_config_module

from circuitsim.config import ConfigError, experiment_names, prepare

from conftest import CONFIGS


def composed(*overrides: str):
    with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
        return compose("config", overrides=list(overrides))


def prepared(*overrides: str) -> dict:
    return prepare(composed(*overrides))


def test_experiments_are_discovered():
    names = experiment_names()
    assert {"grik4_rescue", "grik4_high_anxiety"} <= set(names)
    # the package resource folder is the repo's configs/experiment
    assert names == sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("name", experiment_names())
def test_every_experiment_prepares(name):
    c = prepared(f"experiment={name}")
    assert c["experiment"]["name"] == name
    assert isinstance(c["sim"]["dt"], float)
    assert c["sim"]["dt"] == pytest.approx(1e-4, rel=1e-12)
    for key in ("duration", "transient"):
        assert isinstance(c["sim"][key], float)
    assert 0 <= c["sim"]["transient"] < c["sim"]["duration"]
    assert c["experiment"]["conditions"], "an experiment needs conditions"
    # manipulation factors are resolved numbers, not interpolation strings
    for steps in (c["circuit"].get("manipulations") or {}).values():  # a circuit may have none
        for step in steps:
            for key in ("factor", "fraction"):
                if key in step:
                    assert isinstance(step[key], (int, float)), step


def test_command_line_overrides_reach_prepared_dict():
    c = prepared("experiment=grik4_rescue", "seed=3", "n_mice=4", "sim.duration=5s", "circuit.grik4_gain=2.0",
                 "sim=runtime")
    assert c["seed"] == 3
    assert c["n_mice"] == 4
    assert c["sim"]["duration"] == pytest.approx(5.0)
    assert c["sim"]["device"] == "runtime"
    assert c["circuit"]["grik4_gain"] == pytest.approx(2.0)
    # the gain reaches the manipulation that uses it through ${circuit.grik4_gain}
    oe = c["circuit"]["manipulations"]["grik4_oe"]
    kar_steps = [s for s in oe if s["target"].endswith(".gain_kar")]
    assert kar_steps and all(s["factor"] == pytest.approx(2.0) for s in kar_steps)


def test_defaults_when_not_overridden():
    c = prepared("experiment=grik4_rescue")
    assert c["sim"]["device"] == "cpp_standalone"
    assert c["n_mice"] == 10
    assert c["circuit"]["hypothesis"] == "H1"


def test_experiment_value_wins_over_default_and_command_line_wins_over_experiment():
    assert prepared("experiment=grik4_high_anxiety")["n_mice"] == 24
    assert prepared("experiment=grik4_high_anxiety", "n_mice=4")["n_mice"] == 4


@pytest.mark.parametrize(
    "overrides, message",
    [
        ((), "experiment"),
        (("experiment=grik4_rescue", "n_mice=0"), "n_mice"),
        (("experiment=grik4_rescue", "n_mice=1"), "n_mice"),
        (("experiment=grik4_rescue", "seed=-1"), "seed"),
        (("experiment=grik4_rescue", "sim.dt=5ms"), "sim.dt"),
        (("experiment=grik4_rescue", "sim.dt=0.1mV"), "sim.dt"),
        (("experiment=grik4_rescue", "sim.dt=0.1"), "sim.dt"),
        (("experiment=grik4_rescue", "sim.transient=4s", "sim.duration=3s"), "sim.transient"),
        (("experiment=grik4_rescue", "sim.device=gpu"), "sim.device"),
        (("experiment=grik4_rescue", "sim.scale=0"), "sim.scale"),
        (("experiment=grik4_rescue", 'circuit.connections.bla_rf.weights.ampa="-1 nS"'), "bla_rf"),
        (("experiment=grik4_rescue", 'circuit.populations.bla_pn.background.weights.kar="-0.1 nS"'), "kar"),
        (("experiment=grik4_rescue", "circuit.connections.bla_rf.p=1.5"), "bla_rf.p"),
        (("experiment=grik4_rescue", "+foo=1"), "foo"),
        (("experiment=grik4_rescue", "circuit.record_conductances=[nope]"), "record_conductances"),
        (("experiment=grik4_rescue", "experiment.epochs={late: [2 s, 9 s]}"), "experiment.epochs.late"),
        (("experiment=grik4_rescue", "experiment.epochs={late: [2 s, 1 s]}"), "experiment.epochs.late"),
        (("experiment=grik4_rescue", "experiment.epochs={late: [2 mV, 3 s]}"), "experiment.epochs.late"),
        (("experiment=grik4_rescue", "experiment.cohorts={male: [nope]}"), "nope"),
        (("experiment=grik4_rescue", "experiment.protocol=[nope]"), "nope"),
        (("experiment=grik4_rescue", "circuit.readouts.anxiety.drive=rate_nope"), "drive"),
        (("experiment=grik4_rescue", "circuit.readouts.anxiety.drive=ei_bla_pn"), "per-epoch"),
        (("experiment=grik4_rescue", "experiment.epochs={object_a: [1 s, 2 s]}"), "circuit's own windows"),
        (("experiment=grik4_rescue", "experiment.circuit=null"), "experiment.circuit"),
        (("experiment=grik4_rescue", "experiment.figure.measures=[rate_nope]"), "figure.measures"),
        (("experiment=grik4_rescue", "circuit.readouts.anxiety.type=nope"), "readout type"),
        (("experiment=grik4_rescue", "circuit.readouts.anxiety.D50=9 mV"), "D50"),
        (("experiment=grik4_rescue", "sim.rate_bin=0.01ms"), "rate_bin"),
        (("experiment=grik4_rescue", "experiment.stage={day: 3}"), "stage"),
        (("experiment=grik4_rescue", "circuit.name=nope"), "nope"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_prepare_rejects(overrides, message):
    cfg = composed(*overrides)
    with pytest.raises(ConfigError) as info:
        prepare(cfg)
    text = str(info.value)
    assert "\n" not in text, "ConfigError messages are one line"
    if message:
        assert message in text


def test_help_lists_experiments_and_groups(tmp_path):
    out = subprocess.run([sys.executable, "-m", "circuitsim", "--help"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    groups = {k.strip(): [v.strip() for v in val.split(",")] for k, val in lines.items()}
    assert set(groups["experiment"]) == set(experiment_names())
    assert {"grik4_rescue", "grik4_high_anxiety"} <= set(groups["experiment"])
    assert "bla_cel" in groups["circuit"]
    assert {"runtime", "standalone"} <= set(groups["sim"])
    assert not any(tmp_path.iterdir()), "--help writes nothing"
