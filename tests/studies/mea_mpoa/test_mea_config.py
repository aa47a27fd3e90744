"""Study 003's configs: every experiment prepares, the circuit is wired as its card says, bad inputs stop early."""

from __future__ import annotations

import pytest
from circuitsim.config import ConfigError
from circuitsim.interventions.chemogenetic import drug_effect

from conftest import prepared, run_cli

EXPERIMENTS = ("mea_opto", "mea_mpoa_terminal", "mea_chemo", "mea_chemo_time", "mea_light_dose")


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_prepares(name):
    c = prepared(name)
    assert c["circuit"]["name"] == "mea_mpoa"
    assert {"baseline", "shock", "test", "late"} <= set(c["windows"])
    assert {p["basis"] for p in c["experiment"]["predictions"]} <= {"simulated", "construction"}


def test_wiring_as_the_card_says():
    """Construction facts: MeA reaches MPOA only through the terminal group, through depressing synapses; the
    footshock afferents are gated by the shock signal; MPOA Glu excites vlPAG GABA (the hot-plate route)."""
    circuit = prepared("mea_opto")["circuit"]
    from_mea = {k: v for k, v in circuit["connections"].items() if v["pre"].startswith("mea_vgat")}
    assert from_mea and all(v["pre"] == "mea_vgat_axon" for v in from_mea.values())
    assert all(float(v["stp"]["U"]) == pytest.approx(0.6) for v in from_mea.values())
    assert circuit["populations"]["mpoa_glu"]["background"]["shock"]["gate"] == "shock"
    assert circuit["connections"]["glu_pag_gaba"]["pre"] == "mpoa_glu"
    assert "ampa" in circuit["connections"]["glu_pag_gaba"]["weights"]


def test_sexes_and_drug_schedule():
    chemo = prepared("mea_chemo")
    female = chemo["experiment"]["cohorts"]["female"]
    assert {s["target"] for s in female} == {"mpoa_glu.gL", "mpoa_gaba.gL"}
    assert all(float(s["factor"]) == pytest.approx(1.2) for s in female)
    spec = chemo["circuit"]["chemo"]
    t = [m * 60.0 for m in (10, 30, 45, 60, 180)]
    e10, e30, e45, e60, e180 = drug_effect(t, float(spec["tau_abs"]), float(spec["tau_el"]))
    assert 0 < e10 < e30 and e180 > 0 and max(e30, e45, e60) > 0.95  # onset by 10 min, peak in 30-60 min, lasting


@pytest.mark.parametrize("override, key", [
    ("circuit.light.power=5 mW", "circuit.light.power"),
    ("circuit.session.late=[11.5 s, 20 s]", "circuit.session.late"),
    ("circuit.populations.mpoa_glu.background.shock.gate=nosuch", "background.shock.gate"),
    ("circuit.chemo.tau_abs=20", "circuit.chemo.tau_abs"),
])
def test_bad_values_are_refused(override, key):
    with pytest.raises((ConfigError, ValueError)) as exc:
        prepared("mea_opto", [override])
    assert key in str(exc.value)


def test_bad_input_from_the_command_line_is_one_line(tmp_path):
    proc = run_cli("experiment=mea_opto", "circuit.light.frequency=20 mV", f"hydra.run.dir={tmp_path}")
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.strip().splitlines() if line]
    assert len(lines) == 1 and "circuit.light.frequency" in lines[0], proc.stderr[-500:]
