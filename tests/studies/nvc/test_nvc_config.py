"""Study 001's configs: the four experiments prepare, the circuit reuses the shared BLA circuit, its run parameters
and manipulations are what configs/circuit/bla_nvc.yaml says, bad inputs stop early, and the neurovascular unit
alone follows an imposed vasoactive signal. Fast: configs, runtime builds of a 5% network (no compile), and runs of
the unit on its own 50-ms clock only."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import Hz, mV, nS, pA, second

from circuitsim.circuits import builder
from circuitsim.config import ConfigError
from circuitsim.interventions import Context, apply
from circuitsim.parts.network import run_parameters
from circuitsim.parts.signals import n_samples, sample_times

from conftest import load_yaml, prepared, run_cli

EXPERIMENTS = ("nvc_disruption", "nvc_rigidity", "nvc_graded", "blood_flow_causality")
SHARED = ("bla_pn", "bla_pv", "bla_som")  # configs/circuit/shared/bla.yaml
OWN_ADDITIONS = {"bla_nvc": {"subsets", "inputs"}, "bla_cel": {"gains"}}  # what each study adds to the shared PNs
SESSION = {"baseline": (3.0, 5.0), "context": (5.0, 15.0), "early": (5.0, 7.0), "after": (15.0, 18.0),
           "response": (5.0, 18.0)}
SMALL = ["sim.scale=0.05", "sim.device=runtime"]  # 40 PNs, 6 PV, 4 SOM, 8 astrocytes
# the run parameters build() adds to assemble()'s: (config value in SI, unit, varies between mice)
ADDED = {
    "nvu.eps_N": (0.6, None, True), "nvu.eps_A": (0.6, None, True), "nvu.opto_gain": (1.0, None, False),
    "nvu.w_in": (0.5, None, False), "nvu.r_ref": (6.0, Hz, False), "nvu.tau_set": (40.0, second, False),
    "nvu.tau_E": (5.0, second, False), "nvu.k_s": (0.11, Hz, False), "nvu.k_c": (0.085, None, False),
    "bla_pn.g_mech": (40e-12, b2.amp, False), "bla_pn.g_katp": (40e-9, b2.siemens, False),
    "bla_pn.theta_E": (0.15, None, False),
    "astro_glutamate.spill": (0.01, None, False), "astro_glutamate.U_rel": (0.5, None, False),
}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_prepares(name):
    c = prepared(name)
    exp = c["experiment"]
    assert c["circuit"]["name"] == "bla_nvc" and exp["circuit"] == "bla_nvc" and exp["design"] == "within"
    assert (c["sim"]["duration"], c["sim"]["transient"], c["sim"]["scale"]) == (18.0, 1.0, 0.5)
    assert c["n_mice"] in (8, 10)
    assert {k: v for k, v in c["windows"].items() if k} == SESSION  # the circuit's session, in seconds
    assert {p["basis"] for p in exp["predictions"]} <= {"simulated", "construction"}
    assert all(p["margin"] == pytest.approx(0.1) for p in exp["predictions"] if p["kind"] == "similar")
    ids = [p["id"] for p in exp["predictions"]]
    assert len(ids) == len(set(ids))


def test_the_study_reuses_the_shared_bla_circuit():
    """bla_nvc gets the BLA populations and connections from configs/circuit/shared/bla.yaml, as bla_cel does: the
    same entries after each study's own additions are removed, none copied into bla_nvc.yaml."""
    nvc = prepared("nvc_disruption")["circuit"]
    cel = prepared("grik4_rescue")["circuit"]
    shared = load_yaml("circuit/shared/bla.yaml")
    assert set(shared["populations"]) == set(SHARED)
    for pop in SHARED:
        mine = {k: v for k, v in nvc["populations"][pop].items() if k not in OWN_ADDITIONS["bla_nvc"]}
        theirs = {k: v for k, v in cel["populations"][pop].items() if k not in OWN_ADDITIONS["bla_cel"]}
        assert mine == theirs, pop
    for con in shared["connections"]:
        assert nvc["connections"][con] == cel["connections"][con], con
    assert set(nvc["populations"]) == set(SHARED)
    assert set(nvc["connections"]) == set(shared["connections"]) | {"context_pn"}
    own = load_yaml("circuit/bla_nvc.yaml")
    assert "shared/bla@_here_" in own["defaults"]
    assert set(own["populations"]) == {"bla_pn"} and set(own["populations"]["bla_pn"]) == OWN_ADDITIONS["bla_nvc"]
    assert set(own["connections"]) == {"context_pn"}


def test_run_parameters_assemble_makes():
    """What run_parameters sees (assemble's): the context afferents, their projection onto the threat subset, the
    two signals over the 18-s session, per-neuron dosages at half size; the loop slot is custom (no parameter)."""
    c = prepared("nvc_disruption")
    params = run_parameters(c["circuit"], c["sim"], c["cells"])
    rate = params["context.rate"]
    assert rate.size is None and rate.unit == Hz and not rate.jitter
    assert rate.default == pytest.approx(10.0)
    w = params["context_pn.w_ampa"]
    assert w.jitter and float(w.with_unit(w.default) / nS) == pytest.approx(0.9)
    for signal in ("context", "vessel_opto"):
        sig = params[f"signal.{signal}"]
        assert sig.dt == pytest.approx(0.01) and sig.size == n_samples(18.0, 0.01) == 1801
        np.testing.assert_array_equal(sig.default, 0.0)  # no context, no opto unless a manipulation writes them
    assert params["bla_pn.gain_kar"].size == 400 and params["bla_pv.gain_ampa"].size == 65
    assert not any(k.startswith("bla_pn.I_nvc") for k in params)
    assert not set(ADDED) & set(params), "the unit's, loops' and astrocytes' parameters are added in build"


@pytest.fixture
def built(brian_runtime):
    """nvc_disruption's circuit built on the runtime device at 5% size (no compile): (prepared config, circuit)."""
    c = prepared("nvc_disruption", SMALL)
    b2.defaultclock.dt = c["sim"]["dt"] * second
    library = {"cells": c["cells"], "receptors": c["receptors"], "opsins": c.get("opsins") or {}}
    return c, builder("bla_nvc")(c["circuit"], library, c["sim"])


def test_build_adds_the_unit_loop_and_astrocyte_parameters(built):
    c, circuit = built
    params = circuit.parameters
    assert set(params) == set(run_parameters(c["circuit"], c["sim"], c["cells"])) | set(ADDED)
    for name, (default, unit, jitter) in ADDED.items():
        p = params[name]
        assert p.size is None and p.unit == unit and p.jitter == jitter, name
        assert p.default == pytest.approx(default), name
    assert float(params["bla_pn.g_mech"].with_unit(params["bla_pn.g_mech"].default) / pA) == pytest.approx(40.0)
    assert float(params["bla_pn.g_katp"].with_unit(params["bla_pn.g_katp"].default) / nS) == pytest.approx(40.0)
    n_pn = len(circuit.populations["bla_pn"].group)
    assert n_pn == 40 and circuit.info["n_astrocytes"] == 8  # one astrocyte per 5 PNs
    assert len(circuit.groups["astro"]) == 8 and len(circuit.groups["nvu"]) == 1
    assert float(circuit.groups["nvu"].clock.dt / b2.ms) == pytest.approx(50.0)
    assert float(circuit.groups["astro"].clock.dt / b2.ms) == pytest.approx(10.0)
    assert float(circuit.populations["bla_pn"].group.namespace["E_katp"] / mV) == pytest.approx(-90.0)
    # the context drives only the threat subset: the first 30% of the PNs
    assert circuit.synapses["context_pn"].j[:].max() < round(0.3 * n_pn)
    circuit.set_values(circuit.defaults())  # every parameter present, sized and within bounds
    assert float(circuit.groups["nvu"].eps_N[:]) == pytest.approx(0.6)
    assert float(circuit.populations["bla_pn"].group.g_mech[:] / pA) == pytest.approx(40.0)


# manipulation -> what it changes: ("scale", target, factor) or ("level", signal, value, (start, stop) in s)
MANIPULATIONS = {
    "mild": [("level", "context", 0.2, SESSION["context"])],
    "moderate": [("level", "context", 0.5, SESSION["context"])],
    "strong": [("level", "context", 1.0, SESSION["context"])],
    "strong_2s": [("level", "context", 1.0, (5.0, 7.0))],
    "strong_5s": [("level", "context", 1.0, (5.0, 10.0))],
    "nvc_deficient": [("scale", "nvu.eps_N", 0.3)],
    "astro_clamp": [("scale", "astro_glutamate.spill", 0.0)],
    "pharm_block": [("scale", "nvu.eps_N", 0.5), ("scale", "nvu.eps_A", 0.5)],
    "nvc_enhanced": [("scale", "nvu.eps_N", 1.75), ("scale", "nvu.eps_A", 1.75)],
    "chronic_stress": [("scale", "nvu.eps_N", 0.7)],
    "piezo2_kd": [("scale", "bla_pn.g_mech", 0.0)],
    "no_in_path": [("scale", "nvu.w_in", 0.0)],
    "dilate": [("level", "vessel_opto", 0.2, SESSION["context"])],
    "constrict": [("level", "vessel_opto", -0.2, SESSION["context"])],
}


def test_every_manipulation_changes_what_it_says(built):
    c, circuit = built
    library = c["circuit"]["manipulations"]
    assert set(library) == set(MANIPULATIONS), "a new manipulation needs its expected effect here"
    defaults = circuit.defaults()
    for name, effects in MANIPULATIONS.items():
        ctx = Context(np.random.default_rng(0), circuit.parameters, c["windows"])
        values = apply(defaults, library[name], ctx)
        changed = {k for k in values if not np.array_equal(values[k], defaults[k])}
        expected = {e[1] if e[0] == "scale" else f"signal.{e[1]}" for e in effects}
        assert changed == expected, (name, changed)
        for effect in effects:
            if effect[0] == "scale":
                _, target, factor = effect
                assert values[target] == pytest.approx(defaults[target] * factor), (name, target)
                continue
            _, signal, level, (start, stop) = effect
            key = f"signal.{signal}"
            t = sample_times(np.size(values[key]), circuit.parameters[key].dt)
            inside = (t >= start - 1e-9) & (t < stop - 1e-9)
            assert inside.sum() == round((stop - start) / 0.01), name
            np.testing.assert_allclose(values[key][inside], level, err_msg=name)
            np.testing.assert_array_equal(values[key][~inside], 0.0, err_msg=name)
        circuit.check_values(values)
    # conditions combine them: the deficient-then-enhanced arm's direct-path gain is 0.6 x 0.3 x 1.75
    steps = prepared("nvc_rigidity", SMALL)["experiment"]["conditions"]["strong_enh"]["steps"]
    values = apply(defaults, steps, Context(np.random.default_rng(0), circuit.parameters, c["windows"]))
    assert values["nvu.eps_N"] == pytest.approx(0.6 * 0.3 * 1.75)
    assert values["nvu.eps_A"] == pytest.approx(0.6 * 1.75)
    assert values["signal.context"].max() == pytest.approx(1.0)


@pytest.mark.parametrize("override, key", [
    ("circuit.astrocytes.per_astrocyte=0", "circuit.astrocytes.per_astrocyte"),
    ("circuit.astrocytes.per_astrocyte=2.5", "circuit.astrocytes.per_astrocyte"),
    ("circuit.session.after=[15 s, 30 s]", "circuit.session.after"),
    ("circuit.session.baseline=[0.5 s, 3 s]", "circuit.session.baseline"),  # inside the transient
    ("circuit.session.context=[15 s, 5 s]", "circuit.session.context"),
    ("circuit.session.context=5 s", "circuit.session.context"),
    ("circuit.vessel.g_mech=40 nS", "circuit.vessel.g_mech"),
    ("circuit.vessel.tau_set=40", "circuit.vessel.tau_set"),
    ("circuit.astrocytes.C_0=0.05", "circuit.astrocytes.C_0"),
    ("circuit.vessel.dt=0 ms", "vessel.dt"), ("circuit.vessel.time_scale=0", "vessel.time_scale"),
    ("circuit.vessel.tau_r=0 ms", "vessel.tau_r"), ("circuit.astrocytes.U_rel=2", "astrocytes.U_rel"),
    ("circuit.astrocytes.spill=-1", "astrocytes.spill"), ("circuit.vessel.g_mech=-5 pA", "vessel.g_mech"),
    ("circuit.vessel.eps_N=-0.1", "vessel.eps_N"), ("circuit.vessel.theta_E=-0.1", "vessel.theta_E"),
])
def test_bad_values_are_refused(override, key):
    with pytest.raises((ConfigError, ValueError)) as exc:
        prepared("nvc_disruption", [override])
    assert key in str(exc.value) and "\n" not in str(exc.value)


def test_session_outside_the_run_from_the_command_line_is_one_line(tmp_path):
    proc = run_cli("experiment=nvc_disruption", "circuit.session.after=[15 s, 30 s]", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.strip().splitlines() if line and "WARNING" not in line]
    assert len(lines) == 1 and "circuit.session.after" in lines[0], proc.stderr[-500:]


def _unit_alone(c: dict, circuit, manipulations: list[str]) -> tuple:
    """Run the neurovascular unit by itself (no neurons, no astrocytes: u_N = u_A = 0) over the 18-s session with
    the manipulations' values; returns (t, f, E) on its 50-ms clock and the PNs' loop current at the context's
    end."""
    ctx = Context(np.random.default_rng(0), circuit.parameters, c["windows"])
    values = circuit.defaults()
    for name in manipulations:
        values = apply(values, c["circuit"]["manipulations"][name], ctx)
    circuit.set_values(values)
    nvu, (mon, _) = circuit.groups["nvu"], circuit.state_monitors["nvu"]
    net = b2.Network(nvu, mon)
    net.run(SESSION["context"][1] * second, namespace={})
    pn = circuit.populations["bla_pn"].group
    state = {k: float(getattr(nvu, k)[0]) for k in ("f", "f_set", "E")}
    current = float(pn.I_nvc[0] / pA)
    net.run((18.0 - SESSION["context"][1]) * second, namespace={})
    return np.asarray(mon.t / second), np.asarray(mon.f[0]), np.asarray(mon.E[0]), state, current


@pytest.mark.parametrize("manipulation, sign", [("dilate", 1), ("constrict", -1)])
def test_flow_follows_an_imposed_signal(built, manipulation, sign):
    """+-0.2 s^-2 of imposed signal moves flow toward its steady state 0.2 tau_f (tau_f = 2.439 s / 2.2: +-22%)
    within the 10-s context and back afterwards; the supply loop fills or drains the store E; the PNs' mechanical
    loop current -g_mech (f - f_set) is inhibitory under dilation, excitatory under constriction."""
    c, circuit = built
    t, f, E, state, current = _unit_alone(c, circuit, [manipulation])
    window = lambda a, b: (t >= a) & (t < b)  # noqa: E731
    np.testing.assert_allclose(f[window(0.0, 5.0)], 1.0, atol=1e-9)  # nothing drives the unit before the context
    steady = 0.2 * 2.439 / 2.2
    late = f[window(10.0, 15.0)].mean() - 1.0
    assert 0.10 < sign * late < 0.35 and late == pytest.approx(sign * steady, rel=0.25)
    assert sign * (f[window(5.0, 15.0)].mean() - 1.0) > 0.1
    assert abs(f[window(17.0, 18.0)].mean() - 1.0) < 0.5 * abs(late)  # back toward rest after the context
    assert sign * (E[window(10.0, 15.0)].mean() - 1.0) > 0.02
    assert 1 - state["E"] - 0.15 < 0, "K_ATP closed: the loop current is the mechanical term alone"
    assert current == pytest.approx(-40.0 * (state["f"] - state["f_set"]), rel=1e-3)
    assert -sign * current > 4.0  # ~8 pA per 20% flow change (BRIEF §2), less what f_set has followed


def test_piezo2_knockdown_silences_the_mechanical_loop(built):
    c, circuit = built
    t, f, _, state, current = _unit_alone(c, circuit, ["piezo2_kd", "dilate"])
    assert f[(t >= 10.0) & (t < 15.0)].mean() > 1.1  # the vessel still dilates
    assert current == pytest.approx(0.0, abs=1e-9)

