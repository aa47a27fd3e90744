"""Building blocks: unit parsing, receptor kinetics, Mg2+ block, AdEx populations, run parameters and
interventions. Tiny groups, short runs, Brian2 runtime device with numpy code generation."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import Hz, mM, ms, mV, nS, pA, second

from circuitsim.interventions import apply
from circuitsim.parts.network import run_parameters
from circuitsim.parts.neurons import cell_parameters, make_population
from circuitsim.parts.receptors import Receptor, mg_block_value, peak_of_unit_increment
from circuitsim.parts.synapses import connect
from circuitsim.parts.units import UnitError, parse_tree, quantity

from conftest import parsed


def receptors_from(library: dict, channels: dict[str, str]) -> dict[str, Receptor]:
    """{channel: library kind} -> Receptor objects, as the circuit assembly builds them."""
    return {ch: Receptor.from_config(ch, library[kind], f"receptors.{kind}") for ch, kind in channels.items()}


def one_cell_type(cells: dict, name: str):
    return [(name, 1.0, cell_parameters(cells[name], f"cells.{name}"))]


# --------------------------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    "text, expected, value",
    [
        ("0.6 nS", "nS", 0.6 * nS),
        ("20 ms", "ms", 20 * ms),
        ("5 Hz", "Hz", 5 * Hz),
        ("1 mM", "mM", 1 * mM),
        ("3 s", "second", 3 * second),
        ("1e-3 s", "ms", 1 * ms),  # another unit of the same dimension is accepted
    ],
)
def test_quantity_parses_number_and_unit(text, expected, value):
    q = quantity(text, expected)
    assert b2.have_same_dimensions(q, value)
    assert float(q / value) == pytest.approx(1.0, rel=1e-12)


def test_quantity_exact_conductance():
    assert quantity("0.6 nS", "nS") == 0.6 * nS


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0.6 mV", "nS"),  # wrong dimension
        ("20 ms", "Hz"),
        (0.6, "nS"),  # bare number where a unit is needed
        ("0.6", "nS"),  # bare number written as a string
        ("3 furlongs", "ms"),  # unknown unit
        ("three ms", "ms"),  # not a number
        (True, None),
    ],
)
def test_quantity_rejects(value, expected):
    with pytest.raises(UnitError):
        quantity(value, expected, where="test.value")


def test_quantity_error_names_the_key():
    with pytest.raises(UnitError, match="circuit.connections.x.weights.ampa"):
        quantity("0.6 mV", "nS", where="circuit.connections.x.weights.ampa")


def test_quantity_dimensionless():
    assert quantity(2, "1") == 2.0
    assert quantity(0.5) == 0.5


# ------------------------------------------------------------------------------------ receptor kinetics


def test_kar_is_slower_than_ampa_in_the_library(receptor_library):
    rec = receptors_from(receptor_library, {"ampa": "ampa", "kar": "kar"})
    assert rec["kar"].tau_decay > 5 * rec["ampa"].tau_decay
    assert rec["kar"].tau_rise > rec["ampa"].tau_rise
    # the documented slow kainate EPSC decay (~70 ms)
    assert float(rec["kar"].tau_decay / ms) == pytest.approx(70.0)


def test_kar_conductance_after_one_increment(brian_runtime, receptor_library, cell_library):
    dt = 0.05 * ms
    b2.defaultclock.dt = dt
    rec = receptors_from(receptor_library, {"ampa": "ampa", "kar": "kar"})
    pop = make_population("kin", 1, one_cell_type(cell_library, "bla_pn_adapting"), rec, mg_mM=1.0)
    g = pop.group
    g.v = pop.cell_values("EL")
    w = 1 * nS
    g.x_kar = w  # one presynaptic event (what a synapse's on_pre adds)
    g.x_ampa = w
    mon = b2.StateMonitor(g, ["g_kar", "g_ampa"], record=0, dt=dt)
    b2.Network(g, mon).run(500 * ms, namespace={})

    t = mon.t / ms
    g_kar = mon.g_kar[0] / nS
    g_ampa = mon.g_ampa[0] / nS

    # the conductance starts at 0 and rises: bi-exponential, not an instantaneous jump
    assert g_kar[0] == pytest.approx(0.0, abs=1e-12)
    i_kar, i_ampa = int(np.argmax(g_kar)), int(np.argmax(g_ampa))
    assert t[i_kar] > t[i_ampa], "KAR must peak later than AMPA"

    # analytic peak time of the bi-exponential, tr*td/(td-tr)*ln(td/tr)
    tr, td = float(rec["kar"].tau_rise / ms), float(rec["kar"].tau_decay / ms)
    t_peak = tr * td / (td - tr) * np.log(td / tr)
    assert t[i_kar] == pytest.approx(t_peak, abs=0.5)

    # peak amplitude per unit increment
    peak = peak_of_unit_increment(float(rec["kar"].tau_rise / second), float(rec["kar"].tau_decay / second))
    assert 0 < peak < 1
    assert g_kar[i_kar] == pytest.approx(peak * float(w / nS), rel=0.02)

    # decay after the peak: single exponential with tau ~ 70 ms
    window = (t >= 100) & (t <= 300)
    slope = np.polyfit(t[window], np.log(g_kar[window]), 1)[0]
    assert -1.0 / slope == pytest.approx(70.0, rel=0.05)

    # total charge: the integral of g equals w * tau_decay (rise kinetics do not change it)
    charge = np.sum(g_kar) * float(dt / ms)  # nS*ms
    assert charge == pytest.approx(float(w / nS) * td, rel=0.03)
    # and the KAR event carries far more charge than the AMPA event of the same weight
    assert charge > 5 * np.sum(g_ampa) * float(dt / ms)


def test_peak_of_unit_increment_limits():
    # a very fast rise gives a peak close to the full increment; equal time constants give 1/e
    assert peak_of_unit_increment(1e-6, 0.07) == pytest.approx(1.0, abs=1e-3)
    assert peak_of_unit_increment(0.01, 0.01) == pytest.approx(np.exp(-1.0))
    # at a fixed decay, the slower the rise, the smaller the peak
    peaks = [peak_of_unit_increment(tr, 0.07) for tr in (0.0005, 0.002, 0.004, 0.02)]
    assert np.all(np.diff(peaks) < 0)


def test_synapse_increment_scales_with_postsynaptic_gain(brian_runtime, receptor_library, cell_library):
    dt = 0.1 * ms
    b2.defaultclock.dt = dt
    rec = receptors_from(receptor_library, {"ampa": "ampa"})
    post = make_population("post", 3, one_cell_type(cell_library, "cel_rf"), rec, mg_mM=1.0)
    post.group.gain_ampa = [1.0, 2.0, 0.0]
    source = b2.SpikeGeneratorGroup(1, [0], [1.0] * ms, dt=dt, name="source")
    syn = connect("src_post", source, post, p=1.0, delay=2 * ms, channels=["ampa"])
    syn.w_ampa = 0.5 * nS
    mon = b2.StateMonitor(post.group, "x_ampa", record=True, dt=dt)
    b2.Network(source, post.group, syn, mon).run(6 * ms, namespace={})
    x = mon.x_ampa / nS
    t = mon.t / ms
    before = t < 2.9
    assert np.all(x[:, before] == 0), "nothing arrives before spike time + delay"
    after = np.argmax(t >= 3.0 + 1e-9)
    # x decays from the moment of arrival; undo the decay to recover the increment
    jump = x[:, after] * np.exp((t[after] - 3.0) / float(rec["ampa"].tau_decay / ms))
    np.testing.assert_allclose(jump, [0.5, 1.0, 0.0], rtol=0.05, atol=1e-9)


def test_unknown_channel_and_autapses(brian_runtime, receptor_library, cell_library):
    rec = receptors_from(receptor_library, {"ampa": "ampa"})
    pop = make_population("rec", 5, one_cell_type(cell_library, "cel_rf"), rec, mg_mM=1.0)
    with pytest.raises(ValueError, match="kar"):
        connect("bad", pop, pop, p=1.0, delay=1 * ms, channels=["kar"])
    syn = connect("pp", pop, pop, p=1.0, delay=1 * ms, channels=["ampa"])
    assert len(syn) == 5 * 4
    assert np.all(syn.i[:] != syn.j[:])


# ------------------------------------------------------------------------------------------- Mg block


def test_mg_block_value_jahr_stevens():
    assert mg_block_value(-80.0) < 0.1
    assert mg_block_value(0.0) == pytest.approx(1.0 / (1.0 + 1.0 / 3.57), abs=1e-6)
    v = np.linspace(-100.0, 40.0, 141)
    b = mg_block_value(v)
    assert np.all(np.diff(b) > 0), "depolarisation relieves the block"
    assert np.all((b > 0) & (b < 1))
    # more magnesium, more block; no magnesium, no block
    assert np.all(mg_block_value(v, 2.0) < b)
    np.testing.assert_allclose(mg_block_value(v, 0.0), 1.0)


@pytest.mark.parametrize("mg", [1.0, 2.0])
def test_mg_block_in_neuron_group_matches(brian_runtime, receptor_library, cell_library, mg):
    rec = receptors_from(receptor_library, {"ampa": "ampa", "nmda": "nmda"})
    assert rec["nmda"].mg_block and not rec["ampa"].mg_block
    volts = np.array([-90.0, -70.0, -40.0, -10.0, 0.0, 20.0])
    pop = make_population("nm", len(volts), one_cell_type(cell_library, "cel_rf"), rec, mg_mM=mg)
    pop.group.v = volts * mV
    np.testing.assert_allclose(pop.group.mg_block[:], mg_block_value(volts, mg), rtol=1e-9)
    # the block acts on the NMDA current only: with equal conductances, I_syn = g*(B + 1)*(E - v)
    pop.group.g_nmda = 1 * nS
    pop.group.g_ampa = 1 * nS
    expected = 1.0 * (mg_block_value(volts, mg) + 1.0) * (0.0 - volts)  # nS * mV = pA
    np.testing.assert_allclose(pop.group.I_syn[:] / pA, expected, rtol=1e-9)


# ----------------------------------------------------------------------------------------------- AdEx


def test_subtypes_split_into_blocks(brian_runtime, cell_library):
    subtypes = [(name, frac, cell_parameters(cell_library[name], f"cells.{name}"))
                for name, frac in (("bla_pn_adapting", 0.7), ("bla_pn_weak", 0.3))]
    pop = make_population("pn", 10, subtypes, {}, mg_mM=1.0)
    assert np.bincount(pop.subtype_of).tolist() == [7, 3]
    assert pop.subtypes == ["bla_pn_adapting", "bla_pn_weak"]
    el = pop.cell_values("EL") / mV
    np.testing.assert_allclose(el[:7], -72.0)
    np.testing.assert_allclose(el[7:], -70.0)
    b = pop.cell_values("b") / pA
    np.testing.assert_allclose(b[:7], 60.0)
    np.testing.assert_allclose(b[7:], 30.0)
    # initial state between rest and threshold
    v = pop.group.v[:] / mV
    assert np.all(v >= el) and np.all(v <= pop.cell_values("VT") / mV)


def test_subtype_counts_use_largest_remainder(brian_runtime, cell_library):
    params = cell_parameters(cell_library["cel_rf"], "cells.cel_rf")
    pop = make_population("three", 7, [("a", 0.5, params), ("b", 0.3, params), ("c", 0.2, params)], {}, 1.0)
    counts = np.bincount(pop.subtype_of, minlength=3)
    assert counts.sum() == 7
    assert np.all(np.abs(counts - np.array([0.5, 0.3, 0.2]) * 7) < 1)


def test_missing_cell_parameter(cell_library):
    spec = dict(cell_library["cel_rf"])
    del spec["tau_w"]
    with pytest.raises(ValueError, match="tau_w"):
        cell_parameters(spec, "cells.cel_rf")


def test_step_current_rheobase(brian_runtime, cell_library):
    """cel_rf: gL 2 nS, EL -72, VT -50, DeltaT 2 mV -> rheobase roughly gL*(VT - EL - DeltaT) = 40 pA."""
    dt = 0.1 * ms
    b2.defaultclock.dt = dt
    currents = np.array([0.0, 20.0, 120.0, 200.0])
    pop = make_population("rf", len(currents), one_cell_type(cell_library, "cel_rf"), {}, mg_mM=1.0,
                          inputs={"I_ext": {}})
    g = pop.group
    g.v = pop.cell_values("EL")
    g.I_ext = currents * pA
    spikes = b2.SpikeMonitor(g)
    b2.Network(g, spikes).run(1 * second, namespace={})
    counts = np.asarray(spikes.count[:])
    assert counts[0] == 0 and counts[1] == 0, "no spike well below rheobase"
    assert counts[2] > 0, "a step above rheobase makes the cell fire"
    assert counts[3] > counts[2], "more current, more spikes"
    v = g.v[:] / mV
    assert v[0] == pytest.approx(-72.0, abs=0.01), "no input: the cell rests at EL"
    assert -72.0 < v[1] < -50.0, "a subthreshold step depolarises without reaching threshold"


# ------------------------------------------------------------------------------------ interventions


SIM = {"scale": 1.0, "duration": 1.0, "transient": 0.0}
# A circuit config with what the interventions act on: per-neuron gains, a shared weight, a signal.
CIRCUIT = parsed("circuit", {
    "populations": {"pop": {"n": 40, "subtypes": {"bla_pv": 1.0}, "receptors": {"ampa": "ampa"},
                            "gains": ["g"], "inputs": {"I_stim": {"signal": "light"}, "I_chemo": {}}}},
    "connections": {"rec": {"pre": "pop", "post": "pop", "p": 0.1, "delay": "1 ms", "weights": {"ampa": "1 nS"}}},
    "signals": {"light": {"dt": "1 ms"}},
})


@pytest.fixture
def circuit_cfg():
    return CIRCUIT


def _values(circuit_cfg):
    return {k: p.fresh_default() for k, p in run_parameters(circuit_cfg, SIM).items()}


def test_run_parameters_of_a_circuit_config(circuit_cfg):
    params = run_parameters(circuit_cfg, SIM)
    assert set(params) == {"pop.gain_ampa", "pop.g", "pop.I_stim_amp", "pop.I_chemo", "rec.w_ampa", "signal.light"}
    assert params["pop.g"].size == 40 and not params["pop.g"].jitter and params["pop.g"].unit is None
    w = params["rec.w_ampa"]
    assert w.size is None and w.jitter and w.default == pytest.approx(1e-9)
    assert params["pop.I_stim_amp"].unit == b2.amp and params["pop.I_stim_amp"].size == 40
    light = params["signal.light"]
    assert light.dt == pytest.approx(1e-3) and light.size == 1001 and not np.any(light.default)
    small = run_parameters(circuit_cfg, {**SIM, "scale": 0.25})
    assert small["pop.g"].size == 10 and small["rec.w_ampa"].default == w.default


def test_pulses_and_level_write_the_signal_in_a_window(circuit_cfg):
    params = run_parameters(circuit_cfg, SIM)
    values = _values(circuit_cfg)
    epochs = {"light": (0.2, 0.4)}
    out = apply(values, [{"type": "pulses", "signal": "light", "epoch": "light", "frequency": 20 * Hz,
                          "width": 5 * ms, "amplitude": 2.0}], np.random.default_rng(0), params, epochs)
    t = np.arange(1001) * 1e-3
    expected = np.where((t >= 0.2 - 1e-9) & (t < 0.4 - 1e-9) & (np.mod(t - 0.2 + 1e-9, 0.05) < 0.005), 2.0, 0.0)
    np.testing.assert_array_equal(out["signal.light"], expected)
    assert out["signal.light"].sum() == pytest.approx(2.0 * 4 * 5), "4 pulses of 5 samples"
    np.testing.assert_array_equal(values["signal.light"], 0.0), "inputs untouched"
    held = apply(out, [{"type": "level", "signal": "light", "start": 0.5 * second, "value": 0.3}],
                 np.random.default_rng(0), params, epochs)
    np.testing.assert_array_equal(held["signal.light"][t >= 0.5], 0.3)
    np.testing.assert_array_equal(held["signal.light"][t < 0.5], out["signal.light"][t < 0.5])
    with pytest.raises(ValueError, match="epoch"):
        apply(values, [{"type": "level", "signal": "light", "epoch": "dark", "value": 1.0}],
              np.random.default_rng(0), params, epochs)
    with pytest.raises(ValueError, match="width"):
        apply(values, [{"type": "pulses", "signal": "light", "frequency": 100 * Hz, "width": 20 * ms}],
              np.random.default_rng(0), params, epochs)


def test_scale_multiplies(circuit_cfg):
    values = _values(circuit_cfg)
    out = apply(values, [{"type": "scale", "target": "pop.g", "factor": 1.5},
                         {"type": "scale", "target": "rec.w_ampa", "factor": 2.0}], np.random.default_rng(0))
    np.testing.assert_allclose(out["pop.g"], 1.5)
    assert out["rec.w_ampa"] == pytest.approx(2e-9)
    np.testing.assert_array_equal(values["pop.g"], 1.0), "inputs untouched"


def test_transduce_sets_an_input_in_a_fraction(circuit_cfg):
    values = _values(circuit_cfg)
    step = {"type": "transduce", "population": "pop", "fraction": 0.5, "set": {"I_chemo": 15e-12, "g": 2.0}}
    out = apply(values, [step], np.random.default_rng(4))
    chosen = out["pop.I_chemo"] > 0
    assert chosen.sum() == 20
    np.testing.assert_allclose(out["pop.I_chemo"][chosen], 15e-12)
    np.testing.assert_array_equal(out["pop.g"] == 2.0, chosen), "one virus, one set of cells for every change"


def test_transduce_scale_and_fraction_limits(circuit_cfg):
    values = _values(circuit_cfg)
    n = values["pop.g"].size
    step = {"type": "transduce", "population": "pop", "fraction": 0.25, "scale": {"g": 0.5}}
    out = apply(values, [step], np.random.default_rng(3))
    assert np.sum(out["pop.g"] == 0.5) == round(0.25 * n)
    assert np.sum(out["pop.g"] == 1.0) == n - round(0.25 * n)
    for fraction in (0.0, 1.0):
        out = apply(values, [{**step, "fraction": fraction}], np.random.default_rng(3))
        assert np.sum(out["pop.g"] == 0.5) == round(fraction * n)
    for bad in (-0.1, 1.2):
        with pytest.raises(ValueError):
            apply(values, [{**step, "fraction": bad}], np.random.default_rng(3))


def test_unknown_step_or_target(circuit_cfg):
    values = _values(circuit_cfg)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="unknown"):
        apply(values, [{"type": "lesion", "target": "pop.g"}], rng)
    with pytest.raises(ValueError, match="not a run parameter"):
        apply(values, [{"type": "scale", "target": "pop.gain_xyz", "factor": 2}], rng)
    with pytest.raises(ValueError, match="not a run parameter"):
        apply(values, [{"type": "transduce", "population": "pop", "fraction": 0.5, "set": {"gain_xyz": 1}}], rng)


# ------------------------------------------------------- single-exponential receptors and LIF cells (COBA)


def test_single_exponential_receptor_decays_with_tau_decay(brian_runtime, receptor_library, cell_library):
    dt = 0.1 * ms
    b2.defaultclock.dt = dt
    rec = receptors_from(receptor_library, {"ampa": "coba_exc", "gaba": "coba_inh"})
    assert rec["ampa"].single_exponential and rec["gaba"].single_exponential
    assert peak_of_unit_increment(0.0, float(rec["ampa"].tau_decay / second)) == 1.0
    pop = make_population("exp1", 1, one_cell_type(cell_library, "coba_exc"), rec, mg_mM=1.0)
    g = pop.group
    g.v = pop.cell_values("EL")
    g.x_ampa = 6 * nS  # one presynaptic event: the conductance jumps at once (no rise)
    g.x_gaba = 67 * nS
    assert float(g.g_ampa[0] / nS) == pytest.approx(6.0)
    mon = b2.StateMonitor(g, ["g_ampa", "x_ampa", "g_gaba"], record=0, dt=dt)
    b2.Network(g, mon).run(60 * ms, namespace={})
    t = mon.t / ms
    np.testing.assert_array_equal(mon.g_ampa[0], mon.x_ampa[0])  # g is x, a subexpression
    g_ampa, g_gaba = mon.g_ampa[0] / nS, mon.g_gaba[0] / nS
    assert g_ampa[0] == pytest.approx(6.0) and np.argmax(g_ampa) == 0
    for trace, tau, amp in ((g_ampa, 5.0, 6.0), (g_gaba, 10.0, 67.0)):
        window = (t > 1) & (t < 40)
        slope, icpt = np.polyfit(t[window], np.log(trace[window]), 1)
        assert -1.0 / slope == pytest.approx(tau, rel=0.02)
        assert np.exp(icpt) == pytest.approx(amp, rel=0.02)
    # the synaptic current uses the subexpression: I_syn = g_ampa*(0 - v) + g_gaba*(-80 mV - v)
    v = float(g.v[0] / mV)
    expected = float(g.g_ampa[0] / nS) * (0.0 - v) + float(g.g_gaba[0] / nS) * (-80.0 - v)
    assert float(g.I_syn[0] / pA) == pytest.approx(expected, rel=1e-9)


def test_negative_rise_time_is_refused(receptor_library):
    spec = dict(receptor_library["coba_exc"], tau_rise="-1 ms")
    with pytest.raises(ValueError, match="tau_rise"):
        Receptor.from_config("ampa", spec, "receptors.bad")


def test_lif_population_has_no_exponential_term(brian_runtime, cell_library):
    """DeltaT 0: plain LIF. A cell held 1 mV below VT stays there; an AdEx cell there runs away to a spike."""
    b2.defaultclock.dt = 0.1 * ms
    lif_params = cell_parameters(cell_library["coba_exc"], "cells.coba_exc")
    assert float(lif_params["DeltaT"]) == 0
    adex_params = dict(lif_params, DeltaT=2 * mV)
    lif = make_population("lif", 2, [("coba_exc", 1.0, lif_params)], {}, mg_mM=1.0, inputs={"I_ext": {}})
    adex = make_population("adex", 2, [("coba_adex", 1.0, adex_params)], {}, mg_mM=1.0, inputs={"I_ext": {}})
    assert "DeltaT" not in str(lif.group.equations["v"].expr)
    for pop in (lif, adex):
        g = pop.group
        hold = pop.cell_values("VT") - 1 * mV
        g.v = hold
        g.I_ext = pop.cell_values("gL") * (hold - pop.cell_values("EL"))  # the LIF fixed point 1 mV below threshold
    s_lif, s_adex = b2.SpikeMonitor(lif.group), b2.SpikeMonitor(adex.group)
    net = b2.Network(lif.group, adex.group, s_lif, s_adex)
    net.run(200 * ms, namespace={})
    v = lif.group.v[:] / mV
    assert np.all(np.isfinite(v)), "DeltaT 0 must not divide by zero"
    assert s_lif.num_spikes == 0
    np.testing.assert_allclose(v, -51.0, atol=1e-6)
    assert s_adex.num_spikes > 0, "with DeltaT > 0 the exponential term takes the cell over threshold"
    # the threshold stays VT + 5*DeltaT = VT: a small step above the fixed point makes the LIF cell fire
    lif.group.I_ext = lif.group.I_ext[:] + 20 * pA
    net.run(200 * ms, namespace={})
    assert s_lif.num_spikes > 0
    assert np.all(np.isfinite(lif.group.v[:] / mV))


def test_mixed_delta_t_in_one_population_is_refused(brian_runtime, cell_library):
    lif = cell_parameters(cell_library["coba_exc"], "cells.coba_exc")
    adex = cell_parameters(cell_library["bla_pv"], "cells.bla_pv")
    with pytest.raises(ValueError, match="DeltaT"):
        make_population("mixed", 10, [("coba_exc", 0.5, lif), ("bla_pv", 0.5, adex)], {}, mg_mM=1.0)


def test_coba_circuit_assembles_with_drive(brian_runtime, cell_library, receptor_library):
    from omegaconf import OmegaConf

    from circuitsim.circuits import builder
    from conftest import CONFIGS

    cfg = parse_tree(OmegaConf.to_container(OmegaConf.load(CONFIGS / "circuit" / "coba.yaml"), resolve=True), {})
    sim = {"scale": 0.05, "duration": 0.1, "transient": 0.0}
    params = run_parameters(cfg, sim)
    assert params["e_e.w_ampa"].default == pytest.approx(6e-9)
    assert params["i_e.w_gaba"].default == pytest.approx(67e-9)
    b2.defaultclock.dt = 0.1 * ms
    circuit = builder("coba")(cfg, {"cells": cell_library, "receptors": receptor_library}, sim)
    assert {p: len(pop.group) for p, pop in circuit.populations.items()} == {"exc": 160, "inh": 40}
    circuit.set_values(circuit.defaults())
    for pop in circuit.populations.values():  # the drive is the input slot's config default
        np.testing.assert_allclose(pop.group.I_drive[:] / pA, 200.0)
    circuit.network.run(100 * ms, namespace={})
    assert circuit.spike_monitors["exc"].num_spikes > 0
    assert np.all(np.isfinite(circuit.populations["exc"].group.v[:] / mV))


def test_only_parameters_that_differ_are_per_neuron(brian_runtime, cell_library):
    """Shared cell parameters are compiled in; differing ones are per-neuron; no w without adaptation."""
    subtypes = [(name, frac, cell_parameters(cell_library[name], f"cells.{name}"))
                for name, frac in (("bla_pn_adapting", 0.7), ("bla_pn_weak", 0.3))]
    pn = make_population("pn2", 10, subtypes, {}, mg_mM=1.0)
    assert "EL" in pn.group.variables and "b" in pn.group.variables  # differ between A and C
    assert "VT" not in pn.group.variables and "Cm" not in pn.group.variables  # shared
    pv = make_population("pv2", 3, one_cell_type(cell_library, "bla_pv"), {}, mg_mM=1.0)
    assert "w" not in pv.group.variables  # a = b = 0
    np.testing.assert_allclose(pv.cell_values("EL") / mV, -68.0)


# ------------------------------------------------------------------------------------------ virtual slice


def _slice_circuit(cell_library, receptor_library, stim_fraction):
    from circuitsim.parts.network import assemble

    cfg = parsed("circuit", {
        "populations": {
            "pre": {"n": 50, "subtypes": {"bla_pv": 1.0}, "receptors": {"ampa": "ampa"}, "gains": ["eff"]},
            "post": {"n": 20, "subtypes": {"cel_rf": 1.0}, "receptors": {"ampa": "ampa", "nmda": "nmda"}}},
        "connections": {"pre_post": {"pre": "pre", "post": "post", "p": 0.4, "delay": "2 ms", "pre_gain": "eff",
                                     "weights": {"ampa": "1 nS", "nmda": "0.3 nS"}}},
        "slices": {"probe": {"connection": "pre_post", "n_cells": 10, "stim_fraction": stim_fraction,
                             "before_end": "40 ms", "hold": "-70 mV"}},
    })
    b2.defaultclock.dt = 0.1 * ms
    sim = {"scale": 1.0, "duration": 0.1, "transient": 0.0}
    return assemble("slice_test", cfg, cell_library, receptor_library, sim)


def _evoked(cell_library, receptor_library, eff: float, stim_fraction: float = 0.5):
    b2.start_scope()
    b2.seed(3)
    circuit = _slice_circuit(cell_library, receptor_library, stim_fraction)
    values = circuit.defaults()
    values["pre.eff"] = np.full(50, eff)
    for name, par in circuit.parameters.items():  # what experiment.plan does for a mirrored parameter
        if par.mirror_of:
            values[name] = par.mirrored(values)
    assert circuit.parameters["probe_synapses.w_ampa"].mirror_of == "pre_post.w_ampa"
    circuit.set_values(values)
    circuit.network.run(100 * ms, namespace={})
    return circuit


def test_virtual_slice_measures_the_evoked_conductance(brian_runtime, cell_library, receptor_library):
    """A volley onto voltage-clamped cells: the peak evoked conductance grows with each cell's stimulated inputs
    and is linear in the presynaptic efficacy (a linked gain); the network itself is not touched."""
    circuit = _evoked(cell_library, receptor_library, 1.0)
    peaks = circuit.slices["probe"].g_peak[:] / nS
    assert np.all(peaks > 0) and circuit.spike_monitors["post"].num_spikes == 0, "the slice drives only its cells"
    np.testing.assert_allclose(circuit.slices["probe"].v[:] / mV, -70.0)
    inputs = np.bincount(circuit.synapses["probe_synapses"].j[:], minlength=10)
    assert np.corrcoef(peaks, inputs)[0, 1] > 0.5, "more afferents, larger evoked conductance"
    doubled = _evoked(cell_library, receptor_library, 2.0).slices["probe"].g_peak[:] / nS
    np.testing.assert_allclose(doubled, 2 * peaks, rtol=1e-9)


def test_virtual_slice_without_a_volley_stays_silent(brian_runtime, cell_library, receptor_library):
    circuit = _evoked(cell_library, receptor_library, 1.0, stim_fraction=0.0)
    np.testing.assert_array_equal(circuit.slices["probe"].g_peak[:], 0.0)
