"""Study 002's configs: both experiments prepare, the stage changes only what the card says, bad inputs stop early."""

from __future__ import annotations

import numpy as np
import pytest
from circuitsim.circuits import vhpc
from circuitsim.config import ConfigError
from circuitsim.interventions import Context
from circuitsim.parts.network import run_parameters

from conftest import prepared, run_cli

EXPERIMENTS = ("isolation_iron", "iron_necessity")


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_prepares(name):
    c = prepared(name)
    assert c["circuit"]["name"] == "vhpc" and c["experiment"]["design"] == "within"
    assert {p["basis"] for p in c["experiment"]["predictions"]} <= {"simulated", "construction"}
    similar = [p for p in c["experiment"]["predictions"] if p["kind"] == "similar"]
    assert similar and all(p["margin"] == pytest.approx(0.1) for p in similar)


def _stage(c: dict, condition: str, seed: int = 0):
    """One mouse's stage for a condition: the run parameters it changes and its measures."""
    exp = c["experiment"]
    spec = {**(exp.get("stage") or {}), **(exp["conditions"][condition].get("stage") or {})}
    params = run_parameters(c["circuit"], c["sim"], c["cells"])
    values = {k: p.fresh_default() for k, p in params.items()}
    before = {k: np.copy(v) for k, v in values.items()}
    out = vhpc.stage(c["circuit"], spec, values, Context(np.random.default_rng(seed), params))
    changed = {k for k in values if not np.array_equal(values[k], before[k])}
    return changed, values, out


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_the_stage_writes_only_pyramidal_synapses(name):
    """BRIEF §3 prediction 10 (construction): in every condition the stage changes only release and synapse number of
    the synapses onto pyramidal cells (CA3/EC and recurrent), nothing of the interneurons; isolation changes only the
    ventral ones (intranasal treatments reach the dorsal layer too)."""
    c = prepared(name)
    pyramidal = {f"{con}.{v}" for con in ("aff_vca1", "pn_pn_v", "aff_dca1", "pn_pn_d") for v in ("U", "density")}
    for condition in c["experiment"]["conditions"]:
        changed, _, _ = _stage(c, condition)
        assert changed <= pyramidal, (condition, changed - pyramidal)
        assert all(c["circuit"]["connections"][k.split(".")[0]]["post"].endswith("_pn") for k in changed)
    changed, values, out = _stage(prepared("isolation_iron"), "iso_d28")
    assert changed == {"aff_vca1.U", "aff_vca1.density", "pn_pn_v.U", "pn_pn_v.density"}
    assert values["aff_vca1.U"] == pytest.approx(out.measures["release_v"])
    assert values["aff_vca1.density"] == pytest.approx(out.measures["spines_v"])
    assert out.measures["iron_d"] == pytest.approx(1.0)


def test_group_housed_mice_stay_at_baseline():
    changed, _, out = _stage(prepared("isolation_iron"), "group")
    assert not changed  # U0 and density 1: the config's own values
    assert out.measures["iron_v"] == pytest.approx(1.0) and out.measures["release_v"] == pytest.approx(0.25)


def test_snapshot_days_of_one_arm_share_the_trajectory():
    """The same mouse at day 28 and day 42 of continued isolation: the shorter trajectory is the longer's start."""
    c = prepared("isolation_iron")
    _, _, d28 = _stage(c, "iso_d28")
    _, _, d42 = _stage(c, "vehicle")
    days28, fe28 = d28.series["iron_v"]
    days42, fe42 = d42.series["iron_v"]
    np.testing.assert_allclose(days42[: len(days28)], days28)
    np.testing.assert_allclose(fe42[: len(fe28)], fe28, rtol=1e-6)
    assert d42.measures["iron_v"] > d28.measures["iron_v"] > 1.3


@pytest.mark.parametrize("override, key", [
    ("circuit.molecular.tau_T=7", "circuit.molecular.tau_T"),
    ("circuit.connections.aff_vca1.density.max=10", "circuit.connections.aff_vca1"),
    ("circuit.slices.ppr_v.pulses=3", "circuit.slices.ppr_v.pulses"),
    ("circuit.connections.pn_pn_v.stp.tau_fac=-5 ms", "circuit.connections.pn_pn_v.stp.tau_fac"),
    ("circuit.readouts.sepsc_v.counter=nosuch", "circuit.readouts.sepsc_v"),
    ("experiment.stage.isolation=[0, 28]", "isolation"),
    ("experiment.conditions.dfo.stage.dfo=28 day", "experiment.conditions.dfo.stage.dfo"),
    ("experiment.conditions.dfo.stage.day=42 s", "experiment.conditions.dfo.stage.day"),
    ("circuit.molecular.eta=1.2", "circuit.molecular"),
    ("circuit.molecular.tau_T=0.1 day", "circuit.molecular"),
    ("+circuit.molecular.tau_t=7 day", "circuit.molecular"),
    ("circuit.slices.ppr_v.interval=148 ms", "circuit.slices.ppr_v.interval"),
    ("circuit.connections.pn_pn_v.stp.U=0.3", "circuit.connections"),
    ("experiment.figure.timeline.stage=[nosuch]", "experiment.figure.timeline.stage"),
    ("circuit.populations.vca1_pn.subsets.lha.fraction=1.5", "circuit.populations.vca1_pn.subsets.lha.fraction"),
])
def test_bad_values_are_refused(override, key):
    with pytest.raises((ConfigError, ValueError)) as exc:
        prepared("isolation_iron", [override])
    assert key in str(exc.value) and "\n" not in str(exc.value)


def test_bad_stage_from_the_command_line_is_one_line(tmp_path):
    """A treatment window that ends before it starts is refused by the config check, before the build."""
    proc = run_cli("experiment=iron_necessity", "experiment.conditions.ru486.stage.ru486=[28 day, 0 day]",
                   f"hydra.run.dir={tmp_path}")
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.strip().splitlines() if line and "WARNING" not in line]
    assert len(lines) == 1 and "ru486" in lines[0], proc.stderr
    assert not (tmp_path / "results.nc").exists()
