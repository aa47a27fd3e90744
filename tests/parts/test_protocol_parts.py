"""Generic parts of the protocol-driven circuits: named and gated background sources, per-neuron cell parameters
(vary), input slots, depressing projections, the dreadd and fiber steps, signals counted in a unit, the hot-plate and
trace readouts, paired predictions across two measures (measure_b), and the config checks of these keys.
Tiny groups, short runs, Brian2 runtime device with numpy code generation."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import Hz, mV, ms, mwatt, mm, nS, pA, second
from scipy.optimize import brentq

from circuitsim.interventions import Context
from circuitsim.interventions.chemogenetic import dreadd, drug_effect
from circuitsim.interventions.optogenetic import fiber
from circuitsim.interventions.protocol import level, pulses
from circuitsim.parts import background
from circuitsim.parts.background import poisson_background, weight_name
from circuitsim.parts.light import FIBER_UNITS
from circuitsim.parts.network import RunParameter
from circuitsim.parts.neurons import make_population, slot_parameters
from circuitsim.parts.receptors import Receptor
from circuitsim.parts.synapses import connect
from circuitsim.parts.units import quantity
from circuitsim.predictions import evaluate
from circuitsim.readouts import View

from circuitsim.readouts.activity import trace_readout
from circuitsim.readouts.behaviour import hot_plate_latency
from circuitsim.results import Results

from conftest import load_yaml, prepared
from test_parts import one_cell_type, receptors_from

# ---------------------------------------------------------------------------------------- background sources


def test_sources_single_and_named_forms():
    single = {"n_inputs": 100, "rate": 5 * Hz, "weights": {"ampa": 0.2 * nS}}
    assert background.sources(single) == {"": single}
    exc = {"n_inputs": 100, "rate": 5 * Hz, "weights": {"ampa": 2 * nS}}
    inh = {"n_inputs": 50, "rate": 5 * Hz, "weights": {"gaba": 1 * nS}}
    assert background.sources({"exc": exc, "inh": inh}) == {"_exc": exc, "_inh": inh}
    assert background.sources(None) == {} and background.sources({}) == {}
    assert weight_name("", "ampa") == "bg_w_ampa"
    assert weight_name("_exc", "ampa") == "bg_exc_w_ampa"
    assert weight_name("_shock", "gaba") == "bg_shock_w_gaba"


DT = 0.1 * ms
N_BG = 100  # neurons per population: the mean count per neuron is known to ~0.5%
N_INPUTS, RATE = 100, 50 * Hz  # 5 kHz of afferent events per neuron
ON = (0.05, 0.15)  # s, the gate window
RUN = 0.25 * second
SEED = 1


def _gated_population(name, rec, cells, signal=None, gate=None):
    """A population with one background source, recorded from t = 0 (bg_count counts its events), as assemble
    builds it: the gated source under the suffix _shock reads the signal ``gate`` from the group's namespace."""
    suffix = "_shock" if gate else ""
    pop = make_population(name, N_BG, one_cell_type(cells, "bla_pv"), rec, mg_mM=1.0, record_from=0 * ms,
                          background_sources={suffix: ["ampa"]}, signals={gate: signal} if gate else None)
    op = poisson_background(pop, N_INPUTS, RATE, ["ampa"], suffix, gate)
    setattr(pop.group, weight_name(suffix, "ampa"), 0.1 * nS)
    pop.group.v = pop.cell_values("EL")
    return pop, op


def test_gated_background_fires_only_while_on_at_the_ungated_rate(brian_runtime, receptor_library, cell_library):
    b2.defaultclock.dt = DT
    b2.seed(SEED)
    rec = receptors_from(receptor_library, {"ampa": "ampa"})
    t_sig = np.arange(int(round(float(RUN / ms))) + 1) * 1e-3
    window = (t_sig >= ON[0] - 1e-9) & (t_sig < ON[1] - 1e-9)
    shock = b2.TimedArray(np.where(window, 1.0, 0.0), dt=1 * ms, name="signal_shock")
    half = b2.TimedArray(np.where(window, 0.5, 0.0), dt=1 * ms, name="signal_half")
    gated, op_gated = _gated_population("gated", rec, cell_library, shock, "shock")
    halved, op_half = _gated_population("halved", rec, cell_library, half, "half")
    free, op_free = _gated_population("free", rec, cell_library)
    assert "bg_shock_w_ampa" in gated.group.variables and "bg_w_ampa" not in gated.group.variables
    assert "bg_countdown_shock" in gated.group.variables
    mon = b2.StateMonitor(gated.group, ["bg_count", "x_ampa"], record=True, dt=1 * ms)
    net = b2.Network(gated.group, halved.group, free.group, op_gated, op_half, op_free, mon)
    net.run(RUN, namespace={})

    # time the gate is on, as the simulation sees it (the TimedArray at every time step)
    steps = np.arange(int(round(float(RUN / DT)))) * DT
    time_on = float(np.count_nonzero(shock(steps) > 0) * DT / second)
    assert time_on == pytest.approx(ON[1] - ON[0], abs=2e-4)

    # nothing before the gate opens, nothing after it closes
    t = mon.t / second
    counts = mon.bg_count[:]
    assert np.all(counts[:, t < ON[0] - 1e-3] == 0) and np.all(mon.x_ampa[:, t < ON[0] - 1e-3] == 0)
    after = t > ON[1] + 1e-3
    final = gated.group.bg_count[:]
    assert np.all(counts[:, after] == final[:, None]), "a closed gate delivers no event"

    # while on: the mean rate of an ungated source (N*rate*time, Poisson: SE = sqrt(mean/N_BG))
    for count, duration in ((final, time_on), (halved.group.bg_count[:], time_on),
                            (free.group.bg_count[:], float(RUN / second))):
        expected = N_INPUTS * float(RATE / Hz) * duration
        assert abs(np.mean(count) - expected) < 4 * np.sqrt(expected / N_BG), (np.mean(count), expected)
        assert np.var(count) == pytest.approx(expected, rel=0.5), "Poisson counts: variance ~ mean"

    # every event adds w*gain*gate to x: the conductance integral is w*tau_decay*gate per event
    tau = float(rec["ampa"].tau_decay / second)
    for pop, gate_value in ((gated, 1.0), (halved, 0.5)):
        per_event = np.sum(pop.group.g_ampa_integral[:] / (nS * second)) / (0.1 * tau * np.sum(pop.group.bg_count[:]))
        assert per_event == pytest.approx(gate_value, rel=0.02)


# --------------------------------------------------------------------------------- per-neuron cells, slots


def _adex_rest(gl, el, vt, delta_t, current):
    """Fixed point of the AdEx membrane without adaptation (SI)."""
    return brentq(lambda v: gl * (el - v) + gl * delta_t * np.exp((v - vt) / delta_t) + current, el - 0.01, vt)


def test_vary_makes_gl_per_neuron(brian_runtime, cell_library):
    b2.defaultclock.dt = DT
    shared = make_population("shared", 2, one_cell_type(cell_library, "bla_pv"), {}, mg_mM=1.0)
    assert "gL" not in shared.group.variables, "a parameter every subtype shares is compiled in"
    with pytest.raises(ValueError, match="gX"):
        make_population("bad_vary", 2, one_cell_type(cell_library, "bla_pv"), {}, mg_mM=1.0, vary=["gX"])
    pop = make_population("leaky", 2, one_cell_type(cell_library, "bla_pv"), {}, mg_mM=1.0,
                          inputs={"I_hold": {}}, vary=["gL"])
    g = pop.group
    assert "gL" in g.variables
    np.testing.assert_allclose(g.gL[:] / nS, 8.0), "starts at the cell type's value"
    g.gL = [4.0, 8.0] * nS
    g.I_hold = 40 * pA  # the same input to both
    g.v = pop.cell_values("EL")
    b2.Network(g).run(300 * ms, namespace={})  # >= 15 membrane time constants (C/gL = 20 ms at most)
    v = g.v[:] / mV
    params = pop.cell_params[0]
    expected = [_adex_rest(gl, float(params["EL"]), float(params["VT"]), float(params["DeltaT"]), 40e-12) * 1e3
                for gl in (4e-9, 8e-9)]
    np.testing.assert_allclose(v, expected, atol=0.05)
    assert v[0] > v[1] + 4, "half the leak, twice the depolarisation"


@pytest.mark.parametrize("spec, expected", [
    ({}, [("I_x", b2.amp, 0.0)]),
    (None, [("I_x", b2.amp, 0.0)]),
    ({"default": 20 * pA}, [("I_x", b2.amp, 20e-12)]),
    ({"signal": "shock"}, [("I_x_amp", b2.amp, 0.0)]),
    ({"signal": "shock", "default": 5 * pA}, [("I_x_amp", b2.amp, 5e-12)]),
    ({"opsin": "chr2_4s", "signal": "light"}, [("I_x_rho", None, 0.0), ("I_x_T", None, 0.0)]),
    ({"custom": True}, []),
])
def test_slot_parameters(spec, expected):
    got = slot_parameters("I_x", spec)
    assert [(name, unit) for name, unit, _ in got] == [(name, unit) for name, unit, _ in expected]
    np.testing.assert_allclose([d for _, _, d in got], [d for _, _, d in expected], rtol=1e-12)


# ------------------------------------------------------------------------------------ depressing synapses

U, W = 0.6, 1 * nS
SPIKES_MS = [5.0, 15.0, 215.0]
DELAY_MS = 1.0


def _depressing_setup(cell_library, channels_tau_rec: dict, rest: bool):
    """One presynaptic cell onto one cell through one synapse per channel; x barely decays (tau 10^4 s), so the jump
    of x at each arrival is that spike's increment."""
    b2.defaultclock.dt = DT
    rec = {c: Receptor(c, 0 * ms, 1e4 * second, -68 * mV) for c in channels_tau_rec}  # E = EL: a quiet cell
    post = make_population("dep_post", 1, one_cell_type(cell_library, "bla_pv"), rec, mg_mM=1.0)
    pre = b2.SpikeGeneratorGroup(1, [0] * len(SPIKES_MS), SPIKES_MS * ms, name="dep_pre")
    syns = []
    for c, tau_rec in channels_tau_rec.items():
        dep = None if tau_rec is None else {"U": U, "tau_rec": tau_rec}
        syn = connect(f"dep_{c}", pre, post, p=1.0, delay=DELAY_MS * ms, channels=[c], stp=dep)
        if dep:
            syn.U = U
        setattr(syn, f"w_{c}", W)
        if rest and dep:
            syn.R = 1.0
        syns.append(syn)
    mon = b2.StateMonitor(post.group, [f"x_{c}" for c in channels_tau_rec], record=0, dt=DT)
    b2.Network(pre, post.group, mon, *syns).run(230 * ms, namespace={})
    t = mon.t / ms
    jumps = {}
    for c in channels_tau_rec:
        x = getattr(mon, f"x_{c}")[0] / nS
        arrivals = np.asarray(SPIKES_MS) + DELAY_MS
        jumps[c] = np.array([x[np.searchsorted(t, a + 0.5)] - x[np.searchsorted(t, a - 0.5)] for a in arrivals])
    return syns, jumps


def test_depression_algebra(brian_runtime, cell_library):
    """Tsodyks-Markram depression from rest (R = 1): increments U*R*w, R drops by U*R and recovers with tau_rec."""
    _, jumps = _depressing_setup(cell_library, {"ampa": 300 * ms, "kar": 10 * ms, "gaba": None}, rest=True)
    w = float(W / nS)
    np.testing.assert_allclose(jumps["gaba"], w, rtol=1e-5), "without depression every spike adds w"
    slow = jumps["ampa"]
    assert slow[0] == pytest.approx(U * w, rel=1e-5)
    # 10 ms later (<< tau_rec 300 ms): close to (1 - U) of the first, exactly 1 - U*exp(-10/300)
    assert slow[1] / slow[0] == pytest.approx(1 - U, abs=0.03)
    r2 = 1 - U * np.exp(-10 / 300)
    assert slow[1] / slow[0] == pytest.approx(r2, rel=1e-5)
    r3 = 1 - (1 - r2 * (1 - U)) * np.exp(-200 / 300)
    assert slow[2] / slow[0] == pytest.approx(r3, rel=1e-5), "partial recovery after 200 ms"
    fast = jumps["kar"]
    assert fast[1] / fast[0] == pytest.approx(1 - U * np.exp(-1.0), rel=1e-5)
    assert fast[2] / fast[0] == pytest.approx(1.0, abs=1e-6), "back to the first after a gap of 20 tau_rec"


def test_depressing_synapse_starts_at_rest(brian_runtime, cell_library):
    """The module docstring: R is 1 at rest, so the very first spike of a run releases U of full resources."""
    syns, jumps = _depressing_setup(cell_library, {"ampa": 300 * ms}, rest=False)
    assert jumps["ampa"][0] == pytest.approx(U * float(W / nS), rel=1e-3), (
        f"first increment {jumps['ampa'][0]:.4g} nS, expected U*w = {U * float(W / nS):.4g} nS "
        f"(R after the run: {syns[0].R[:]})")


# -------------------------------------------------------------------------------------------- chemogenetics


def _chemo_config() -> dict:
    chemo = load_yaml("circuit/mea_mpoa.yaml")["chemo"]
    return {"tau_abs": float(quantity(chemo["tau_abs"], "s")), "tau_el": float(quantity(chemo["tau_el"], "s")),
            "after": float(quantity(chemo["after"], "s")), "current": float(quantity(chemo["current"], "pA")),
            "leak_drop": float(chemo["leak_drop"]), "fraction": float(chemo["expression"])}


def test_drug_effect_time_course():
    c = _chemo_config()
    tau_abs, tau_el = c["tau_abs"], c["tau_el"]
    assert (tau_abs, tau_el) == (1200.0, 5400.0)
    t = np.linspace(0, 6 * 3600, 200001)
    e = drug_effect(t, tau_abs, tau_el)
    assert e.max() == pytest.approx(1.0, abs=1e-6)
    assert e[0] == 0.0 and float(drug_effect(-60.0, tau_abs, tau_el)) == 0.0
    t_peak = t[np.argmax(e)] / 60
    assert 30 < t_peak < 60, f"peak at {t_peak:.1f} min"
    analytic = np.log(tau_el / tau_abs) * tau_abs * tau_el / (tau_el - tau_abs)
    assert float(drug_effect(analytic, tau_abs, tau_el)) == pytest.approx(1.0, rel=1e-12)
    e10, e180 = float(drug_effect(600, tau_abs, tau_el)), float(drug_effect(180 * 60, tau_abs, tau_el))
    assert e10 > 0.1, "onset within minutes"
    assert 0.1 < e180 < 1.0, "still acting after three hours, past the peak"
    assert np.all(np.diff(e[t < analytic]) > 0) and np.all(np.diff(e[t > analytic + 1]) < 0)
    for bad in ((5400.0, 1200.0), (0.0, 1200.0), (1200.0, 1200.0)):
        with pytest.raises(ValueError):
            drug_effect(1.0, *bad)


def _chemo_values(n):
    return {"mea_vgat.I_chemo": np.zeros(n), "mea_vgat.gL": np.full(n, 1.5e-9), "mea_vgat.gain_ampa": np.ones(n)}


def _dreadd(values, seed=0, **over):
    c = _chemo_config()
    args = dict(population="mea_vgat", fraction=c["fraction"], slot="I_chemo", current=c["current"] * b2.amp,
                after=c["after"] * second, tau_abs=c["tau_abs"] * second, tau_el=c["tau_el"] * second,
                leak_drop=c["leak_drop"], dose=1.0)
    args.update(over)
    dreadd(values, Context(np.random.default_rng(seed), {}, {}), **args)
    return values


def test_dreadd_saline_and_cno():
    n = 40
    saline = _dreadd(_chemo_values(n), dose=0.0)
    for k, v in _chemo_values(n).items():
        np.testing.assert_array_equal(saline[k], v)
    c = _chemo_config()
    values = _dreadd(_chemo_values(n))
    e = float(drug_effect(c["after"], c["tau_abs"], c["tau_el"]))
    assert 0.9 < e <= 1.0, "45 min is near the peak"
    chosen = values["mea_vgat.I_chemo"] > 0
    assert chosen.sum() == round(c["fraction"] * n)
    np.testing.assert_allclose(values["mea_vgat.I_chemo"][chosen], e * c["current"], rtol=1e-12)
    np.testing.assert_allclose(values["mea_vgat.gL"][chosen], 1.5e-9 * (1 - c["leak_drop"] * e), rtol=1e-12)
    np.testing.assert_array_equal(values["mea_vgat.gL"][~chosen], 1.5e-9)
    np.testing.assert_array_equal(values["mea_vgat.I_chemo"][~chosen], 0.0)
    np.testing.assert_array_equal(values["mea_vgat.gain_ampa"], 1.0)
    # a half dose: half the current, in the same cells for the same mouse
    half = _dreadd(_chemo_values(n), dose=0.5)
    np.testing.assert_allclose(half["mea_vgat.I_chemo"], 0.5 * values["mea_vgat.I_chemo"], rtol=1e-12)


@pytest.mark.parametrize("over", [{"fraction": 1.2}, {"fraction": -0.1}, {"dose": -1.0}, {"leak_drop": 1.0},
                                  {"leak_drop": -0.1}, {"slot": "I_opto"}, {"tau_abs": 6000 * second}])
def test_dreadd_refuses_bad_arguments(over):
    with pytest.raises(ValueError):
        _dreadd(_chemo_values(10), **over)


def test_dreadd_leak_drop_needs_gl():
    values = _chemo_values(10)
    del values["mea_vgat.gL"]
    with pytest.raises(ValueError, match="gL"):
        _dreadd(values)
    _dreadd(values, leak_drop=0.0)  # no leak change: gL is not needed


# --------------------------------------------------------------------------------------------- optogenetics


@pytest.fixture(scope="module")
def fiber_model() -> dict:
    spec = load_yaml("opsins/library.yaml")["fiber473nm"]
    return {k: quantity(spec[k], unit, f"opsins.fiber473nm.{k}") for k, unit in FIBER_UNITS.items()}


def _fiber(model, seed=0, near=0.1, far=0.6, radius=0.3, n=200):
    values = {"mea_vgat.I_opto_T": np.zeros(n), "mea_vgat.I_opto_rho": np.zeros(n)}
    fiber(values, Context(np.random.default_rng(seed), {}, {}), population="mea_vgat", slot="I_opto",
          radius=radius * mm, near=near * mm, far=far * mm, model=model)
    return values


def test_fiber_sets_transmittance(fiber_model):
    values = _fiber(fiber_model)
    T = values["mea_vgat.I_opto_T"]
    assert T.shape == (200,)
    assert np.all(T > 0) and np.all(T <= 0.4), (T.min(), T.max())
    assert T.max() < 1 / np.sqrt(2 * np.pi)
    np.testing.assert_array_equal(values["mea_vgat.I_opto_rho"], 0.0), "expression is another step's"
    deeper = _fiber(fiber_model, near=0.6, far=1.1)["mea_vgat.I_opto_T"]
    assert deeper.mean() < 0.5 * T.mean(), "deeper cells receive less light"
    wider = _fiber(fiber_model, radius=1.0)["mea_vgat.I_opto_T"]
    assert wider.mean() < T.mean(), "cells further off the axis receive less light"
    other = _fiber(fiber_model, seed=1)["mea_vgat.I_opto_T"]
    assert not np.allclose(other, T), "another mouse, another placement"
    np.testing.assert_array_equal(_fiber(fiber_model)["mea_vgat.I_opto_T"], T), "same mouse, same placement"


@pytest.mark.parametrize("kw", [{"near": 0.6, "far": 0.1}, {"near": 0.3, "far": 0.3}, {"near": -0.1},
                                {"radius": 0.0}])
def test_fiber_refuses_bad_geometry(fiber_model, kw):
    with pytest.raises(ValueError):
        _fiber(fiber_model, **kw)


def test_fiber_needs_an_opsin_slot(fiber_model):
    with pytest.raises(ValueError, match="I_stim_T"):
        fiber({"mea_vgat.I_opto_T": np.zeros(5)}, Context(np.random.default_rng(0)), population="mea_vgat",
              slot="I_stim", radius=0.3 * mm, near=0.1 * mm, far=0.6 * mm, model=fiber_model)


# ----------------------------------------------------------------------------------- signals with a unit

IRRADIANCE = quantity("1 mW/mm**2")


def _signal_ctx():
    size = 501
    params = {"signal.light": RunParameter("signal", "light", size, None, np.zeros(size), False, dt=1e-3,
                                           counted_in=IRRADIANCE),
              "signal.shock": RunParameter("signal", "shock", size, None, np.zeros(size), False, dt=1e-3)}
    values = {k: p.fresh_default() for k, p in params.items()}
    return values, Context(np.random.default_rng(0), params, {"test": (0.1, 0.3)})


def test_counted_signal_takes_amplitudes_in_its_unit():
    assert b2.have_same_dimensions(IRRADIANCE, mwatt / mm**2) and float(IRRADIANCE / (mwatt / mm**2)) == 1.0
    values, ctx = _signal_ctx()
    pulses(values, ctx, "light", frequency=20 * Hz, width=5 * ms, amplitude=10 * mwatt / mm**2, epoch="test")
    light = values["signal.light"]
    assert set(np.unique(light)) == {0.0, 10.0}
    assert np.count_nonzero(light) == 4 * 5, "4 pulses of 5 samples in 0.2 s at 20 Hz"
    level(values, ctx, "light", value=0.02 * b2.watt / mm**2, start=0.4 * second)  # the same unit, another scale
    np.testing.assert_allclose(values["signal.light"][400:], 20.0)
    for bad in (10 * mV, 10 * b2.mwatt, 10.0):
        with pytest.raises(ValueError, match="light"):
            pulses(values, ctx, "light", frequency=20 * Hz, width=5 * ms, amplitude=bad, epoch="test")
        with pytest.raises(ValueError, match="light"):
            level(values, ctx, "light", value=bad, epoch="test")


def test_plain_signal_refuses_a_unit():
    values, ctx = _signal_ctx()
    with pytest.raises(ValueError, match="shock"):
        pulses(values, ctx, "shock", frequency=1 * Hz, width=0.1 * second, amplitude=10 * mwatt / mm**2)
    with pytest.raises(ValueError, match="shock"):
        level(values, ctx, "shock", value=1 * mV)
    level(values, ctx, "shock", value=1.0, epoch="test")
    assert values["signal.shock"].sum() == pytest.approx(200.0)


# ---------------------------------------------------------------------------------------------- readouts

HOT = {"reference_hz": 10.0, "gain": 0.5, "tau_s": 5.0, "baseline_s": 10.0, "cutoff_s": 30.0}


def _latency(drive, **over):
    return hot_plate_latency(drive, **{**HOT, **over})


def test_hot_plate_latency():
    assert _latency(10.0) == pytest.approx(10.0, rel=1e-12), "no descending drive: the baseline latency"
    assert _latency(5.0, gain=0.0) == pytest.approx(10.0, rel=1e-12), "no gain, no effect"
    falling = [_latency(d) for d in np.linspace(10.0, 0.0, 41)]  # the rate falls below the reference
    assert all(b >= a for a, b in zip(falling, falling[1:]))
    below_cap = [x for x in falling if x < HOT["cutoff_s"]]
    assert len(below_cap) > 5 and all(b > a for a, b in zip(below_cap, below_cap[1:])), "analgesia grows"
    assert max(falling) == HOT["cutoff_s"], "capped at the cut-off"
    rising = [_latency(d) for d in (10.0, 12.0, 15.0, 20.0)]  # above the reference: hyperalgesia
    assert all(b < a for a, b in zip(rising, rising[1:])) and rising[-1] > 0
    # full suppression: I_heat - G never reaches theta = 1 - exp(-baseline/tau) -> the cut-off
    theta = 1 - np.exp(-HOT["baseline_s"] / HOT["tau_s"])
    for gain in (1 - theta + 1e-9, 0.5, 1.0, 2.0):
        assert _latency(0.0, gain=gain) == HOT["cutoff_s"]
    assert _latency(0.0, gain=(1 - theta) / 2) < HOT["cutoff_s"], "half that drive: the paw is withdrawn"
    assert all(_latency(d, gain=g) <= HOT["cutoff_s"] for d in (0.0, 5.0, 30.0) for g in (0.1, 0.9, 3.0))


def _view(traces, window):
    return View(spikes={}, sizes={}, window=window, conductances={}, reversal={}, values={}, circuit={}, epochs={},
                measures={}, traces=traces)


def test_trace_readout_averages_over_the_window():
    t = np.arange(1000) * 1e-3
    ramp = t.copy()
    step = np.where((t >= 0.2) & (t < 0.5), 3.0, -1.0)
    view = _view({"g.x": (t, ramp), "g.y": (t, step)}, (0.2, 0.5))
    assert trace_readout({"_name": "n", "trace": "g.x"}, view) == {"n": pytest.approx(np.mean(t[200:500]))}
    assert trace_readout({"_name": "m", "trace": "g.y"}, view)["m"] == pytest.approx(3.0)
    assert trace_readout({"_name": "m", "trace": "g.y"}, _view(view.traces, (0.0, 1.0)))["m"] == pytest.approx(
        (0.3 * 3.0 - 0.7 * 1.0))
    with pytest.raises(ValueError, match="g.z"):
        trace_readout({"_name": "z", "trace": "g.z"}, view)


# ------------------------------------------------------------------------------------------ predictions


def _table(n=8, seed=0) -> Results:
    """Two conditions of the same 8 animals: per-animal levels spread widely (SD 10), and in eyfp a second measure
    ``late`` 1 above ``early`` in every animal (small noise); chr2 different animals with the same spread."""
    rng = np.random.default_rng(seed)
    base = rng.normal(20, 10, n)
    rows = []
    for m in range(n):
        rows.append(dict(condition="eyfp", mouse=m, cohort="all", animal=m, seed=m,
                         early=base[m], late=base[m] + 1 + rng.normal(0, 0.1)))
        other = rng.normal(20, 10)
        rows.append(dict(condition="chr2", mouse=m, cohort="all", animal=100 + m, seed=100 + m,
                         early=other, late=other + 1 + rng.normal(0, 0.1)))
    return Results.from_rows(rows, ["eyfp", "chr2"], ["all"], n, attrs={})


def _prediction(**kw):
    return {"id": "p", "claim": "test", "kind": "greater", "measure": "late", "a": "eyfp", "b": "eyfp",
            "measure_b": "early", **kw}


def test_measure_b_compares_two_measures_of_the_same_animals():
    table = _table()
    early, late = table.values("eyfp", "early"), table.values("eyfp", "late")
    out = evaluate(_prediction(), table, seed=0, n_boot=1000)
    assert out.detail["paired"] is True and out.n == 8
    assert out.effect == pytest.approx(np.mean(late) - np.mean(early))
    assert out.effect == pytest.approx(1.0, abs=0.15)
    assert out.held, "a within-animal rise of 1 against a between-animal SD of 10: the pairs decide"
    assert out.ci_high - out.ci_low < 0.5
    assert out.detail["mean_b"] == pytest.approx(np.mean(early))
    assert not evaluate(_prediction(kind="less"), table, seed=0, n_boot=1000).held
    same = evaluate(_prediction(measure_b="late"), table, seed=0, n_boot=1000)
    assert same.effect == 0.0 and not same.held
    # different animals: the same within-animal difference is lost in the between-animal spread
    unpaired = evaluate(_prediction(b="chr2"), table, seed=0, n_boot=1000)
    assert unpaired.detail["paired"] is False and unpaired.n == 16
    assert unpaired.ci_high - unpaired.ci_low > 5 * (out.ci_high - out.ci_low)


# ------------------------------------------------------------------------------------------ config checks


@pytest.mark.parametrize("override, key", [
    ("~circuit.populations.mpoa_glu.background.inh.rate", "circuit.populations.mpoa_glu.background.inh"),
    ("circuit.connections.mea_mpoa_glu.stp.U=1.5", "circuit.connections.mea_mpoa_glu.stp.U"),
    ("~circuit.signals.light_mea.unit", "circuit.populations.mea_vgat.inputs.I_opto"),
    ("~circuit.connections.mea_mpoa_gaba.stp.tau_rec", "circuit.connections.mea_mpoa_gaba.stp"),
])
def test_config_refuses_bad_protocol_parts(override, key):
    from circuitsim.config import ConfigError

    with pytest.raises(ConfigError) as err:
        prepared("mea_opto", [override])
    message = str(err.value)
    assert key in message, message
    assert "\n" not in message
