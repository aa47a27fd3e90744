"""The G-ChI astrocyte part (parts/astrocytes.py) on its own 10-ms clock, driven by Poisson neurons through
glutamate synapses (runtime device, 1-ms network clock to keep it quick)."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from circuitsim.parts.astrocytes import UNITS, astrocytes, glutamate_input
from circuitsim.parts.units import parse_tree

from conftest import load_yaml


def _params() -> dict:
    return parse_tree({"a": load_yaml("astrocytes/library.yaml")}, {f"a.*.{k}": u for k, u in UNITS.items()})["a"]["gchi"]


def _run(brian_runtime, late_rate_hz: float, spill: float = 0.02):
    b2.defaultclock.dt = 1 * b2.ms
    drive = b2.TimedArray(np.array([2.0, late_rate_hz, late_rate_hz]) * b2.Hz, dt=10 * b2.second)
    neurons = b2.PoissonGroup(40, rates="drive(t)", namespace={"drive": drive}, name="neurons")
    params = _params()
    astro = astrocytes("astro", 8, params, 10 * b2.ms)
    syn = glutamate_input("glutamate", neurons, astro, params, np.arange(40) // 5)
    syn.spill, syn.U_rel = spill, 0.5
    mon = b2.StateMonitor(astro, ["C", "Gamma_A", "Y_S"], record=True, dt=100 * b2.ms)
    b2.Network(neurons, astro, syn, mon).run(30 * b2.second, namespace={})
    t = np.asarray(mon.t / b2.second)
    return t, {v: np.asarray(getattr(mon, v)) for v in ("C", "Gamma_A", "Y_S")}, astro, params


def test_astrocytes_run_on_their_own_clock(brian_runtime):
    params = _params()
    astro = astrocytes("astro", 3, params, 10 * b2.ms)
    assert float(astro.clock.dt / b2.ms) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="missing parameters"):
        astrocytes("bad", 1, {k: v for k, v in params.items() if k != "O_P"}, 10 * b2.ms)


def test_glutamate_activates_receptors_in_proportion_to_input(brian_runtime):
    """More presynaptic firing -> more glutamate -> more activated astrocytic receptors (Gamma_A), over the same
    astrocytes; Ca2+ stays within the cell's free content."""
    t, low, _, params = _run(brian_runtime, 2.0)
    _, high, _, _ = _run(brian_runtime, 10.0)
    late = t >= 12.0
    assert high["Y_S"][:, late].mean() > 3 * low["Y_S"][:, late].mean()
    assert high["Gamma_A"][:, late].mean() > 2 * low["Gamma_A"][:, late].mean()
    ceiling = float(params["C_T"]) / (1 + float(params["rho_A"]))  # SI (mol/m3), as the monitor gives C
    for run in (low, high):
        assert np.all(run["C"] >= 0) and np.all(run["C"] <= ceiling + 1e-12)
