"""Parts of the slow-process circuits: facilitating Tsodyks-Markram synapses, synapse density as a nested subset of
drawn synapses, postsynaptic event counters, Poisson afferent groups, bounded run parameters, the paired-pulse
virtual slice, and the subset-rate and event readouts. Tiny groups, short runs, Brian2 runtime device with numpy
code generation."""

from __future__ import annotations

import re
from types import SimpleNamespace

import brian2 as b2
import numpy as np
import pytest
from brian2 import Hz, ms, mV, nS, second

from circuitsim.parts.network import afferent_group, assemble, check_bounds
from circuitsim.parts.neurons import make_population
from circuitsim.parts.receptors import Receptor
from circuitsim.parts.synapses import connect
from circuitsim.readouts.activity import rate_readout
from circuitsim.readouts.synaptic import events_readout, paired_pulse_readout

from conftest import parsed
from test_parts import one_cell_type

DT = 0.1 * ms
W = 1 * nS
DELAY_MS = 1.0
TAU_REC, TAU_FAC = 500.0, 50.0  # ms


def _tm_reference(U: float, tau_rec: float, tau_fac: float | None, spikes_ms) -> np.ndarray:
    """Released fraction at each spike of one synapse from rest, by the update rules of parts.synapses with exact
    exponential decay between spikes: u (0 at rest) decays with tau_fac and steps up by U*(1 - u) at a spike (without
    tau_fac the release fraction is U), R (1 at rest) recovers with tau_rec and drops by the released amount."""
    u, R, last, out = 0.0, 1.0, None, []
    for t in spikes_ms:
        if last is not None:
            if tau_fac is not None:
                u *= np.exp(-(t - last) / tau_fac)
            R = 1 - (1 - R) * np.exp(-(t - last) / tau_rec)
        if tau_fac is not None:
            u += U * (1 - u)
            released = u * R
        else:
            released = U * R
        out.append(released)
        R -= released
        last = t
    return np.asarray(out)


def _quiet_receptor(channel: str) -> Receptor:
    """A channel whose x barely decays (tau 10^4 s) and reverses at the cell's rest: x sums the increments."""
    return Receptor(channel, 0 * ms, 1e4 * second, -68 * mV)


def _increments(cell_library, channels: dict, spikes_ms, run_ms: float) -> dict:
    """One presynaptic cell onto one cell, one synapse per channel ({channel: (stp or None, U)}); the jump of x at
    each arrival is that spike's increment (nS)."""
    b2.defaultclock.dt = DT
    post = make_population("tm_post", 1, one_cell_type(cell_library, "bla_pv"),
                           {c: _quiet_receptor(c) for c in channels}, mg_mM=1.0)
    post.group.v = post.cell_values("EL")
    pre = b2.SpikeGeneratorGroup(1, [0] * len(spikes_ms), np.asarray(spikes_ms) * ms, name="tm_pre")
    syns = []
    for c, (stp, U) in channels.items():
        syn = connect(f"tm_{c}", pre, post, p=1.0, delay=DELAY_MS * ms, channels=[c], stp=stp)
        if stp:
            syn.U = U
        setattr(syn, f"w_{c}", W)
        syns.append(syn)
    mon = b2.StateMonitor(post.group, [f"x_{c}" for c in channels], record=0, dt=DT)
    b2.Network(pre, post.group, mon, *syns).run(run_ms * ms, namespace={})
    t = mon.t / ms
    arrivals = np.asarray(spikes_ms) + DELAY_MS
    jumps = {}
    for c in channels:
        x = getattr(mon, f"x_{c}")[0] / nS
        jumps[c] = np.array([x[np.searchsorted(t, a + 0.5)] - x[np.searchsorted(t, a - 0.5)] for a in arrivals])
    return jumps


FAC_SPIKES_MS = [5.0, 55.0, 300.0]


def test_facilitating_tm_algebra(brian_runtime, cell_library):
    """Facilitating TM from rest: U*w, then u2*R2*w in closed form; a higher U gives a lower paired-pulse ratio."""
    fac = {"U": 0.25, "tau_rec": TAU_REC * ms, "tau_fac": TAU_FAC * ms}
    us = {"lo": 0.25, "mid": 0.5, "hi": 0.8}
    jumps = _increments(cell_library, {c: (fac, U) for c, U in us.items()}, FAC_SPIKES_MS, 310.0)
    w = float(W / nS)
    for c, U in us.items():
        inc = jumps[c]
        assert inc[0] == pytest.approx(U * w, rel=1e-5), "from rest (u = 0, R = 1) the first spike releases U"
        dt = FAC_SPIKES_MS[1] - FAC_SPIKES_MS[0]
        u_before = U * np.exp(-dt / TAU_FAC)  # u = U after spike 1, decayed
        u2 = u_before + U * (1 - u_before)
        r2 = 1 - U * np.exp(-dt / TAU_REC)  # R = 1 - U after spike 1, recovering
        assert inc[1] == pytest.approx(u2 * r2 * w, rel=1e-5), (c, inc)
        np.testing.assert_allclose(inc, w * _tm_reference(U, TAU_REC, TAU_FAC, FAC_SPIKES_MS), rtol=1e-5)
    ratios = [jumps[c][1] / jumps[c][0] for c in ("lo", "mid", "hi")]
    assert ratios[0] > ratios[1] > ratios[2], f"paired-pulse ratio should fall as U grows: {ratios}"
    # 50 ms apart (= tau_fac) a low U nearly balances facilitation and depression; a high U depresses clearly
    assert ratios[0] > 0.95 and ratios[2] < 0.6, ratios


def test_stp_without_tau_fac_is_depression(brian_runtime, cell_library):
    """Without tau_fac the release fraction is U: increments U*w, then U*(1 - U*exp(-10/tau_rec))*w 10 ms later."""
    U, tau_rec = 0.4, 200.0
    dep = {"U": U, "tau_rec": tau_rec * ms}
    spikes = [5.0, 15.0]
    jumps = _increments(cell_library, {"ampa": (dep, U), "plain": (None, None)}, spikes, 25.0)
    w = float(W / nS)
    inc = jumps["ampa"]
    assert inc[0] == pytest.approx(U * w, rel=1e-5)
    assert inc[1] == pytest.approx(U * (1 - U * np.exp(-10 / tau_rec)) * w, rel=1e-5)
    np.testing.assert_allclose(jumps["plain"], w, rtol=1e-5, err_msg="without stp every spike adds w")


# ----------------------------------------------------------------------------------- density and counters

N_PRE, N_POST, P, D_MAX = 200, 50, 0.25, 2.0
W_DENS = 0.1 * nS


def test_density_transmits_a_nested_subset(brian_runtime, cell_library):
    """Synapses drawn with p*max; density d transmits exactly those with draw*max < d (d = max: all, nested subsets)."""
    b2.defaultclock.dt = DT
    b2.seed(11)
    post = make_population("dens_post", N_POST, one_cell_type(cell_library, "bla_pv"),
                           {"ampa": _quiet_receptor("ampa")}, mg_mM=1.0, counters=["ev"])
    densities = (0.0, 0.5, 1.0, 2.0)
    period = 10.0  # ms: every presynaptic cell spikes once per period; the density changes between periods
    times = np.concatenate([np.full(N_PRE, 5.0 + k * period) for k in range(len(densities))])
    pre = b2.SpikeGeneratorGroup(N_PRE, np.tile(np.arange(N_PRE), len(densities)), times * ms, name="dens_src")
    syn = connect("dens", pre, post, p=P, delay=DELAY_MS * ms, channels=["ampa"], density={"max": D_MAX},
                  count="ev", count_from=0 * ms)
    syn.w_ampa = W_DENS
    n_syn = len(syn)
    expected = N_PRE * N_POST * P * D_MAX
    assert abs(n_syn - expected) < 5 * np.sqrt(expected * (1 - P * D_MAX)), "drawn with probability p*max"
    draw, j = syn.draw[:].copy(), syn.j[:].copy()
    assert np.all((draw >= 0) & (draw < 1)) and np.std(draw) == pytest.approx(np.sqrt(1 / 12), rel=0.05)
    net = b2.Network(pre, post.group, syn)
    masks, counts = {}, {}
    for d in densities:
        post.group.ev = 0
        post.group.x_ampa = 0 * nS
        syn.density = d
        net.run(period * ms, namespace={})
        np.testing.assert_array_equal(syn.draw[:], draw, err_msg="the draws are the animal's: constant between runs")
        mask = draw * D_MAX < d
        masks[d], counts[d] = mask, post.group.ev[:].copy()
        per_cell = np.bincount(j[mask], minlength=N_POST)
        np.testing.assert_array_equal(counts[d], per_cell,
                                      err_msg=f"density {d}: the counter = the transmitting synapses of each cell")
        np.testing.assert_allclose(post.group.x_ampa[:] / nS, per_cell * float(W_DENS / nS), rtol=1e-5, atol=1e-12)
    assert counts[0.0].sum() == 0, "density 0: no synapse transmits"
    assert counts[2.0].sum() == n_syn, "density = max: every drawn synapse transmits"
    half = counts[1.0].sum() / n_syn
    assert abs(half - 0.5) < 5 * np.sqrt(0.25 / n_syn), f"density 1 of max 2: about half transmit ({half:.3f})"
    quarter = counts[0.5].sum() / n_syn
    assert abs(quarter - 0.25) < 5 * np.sqrt(0.25 * 0.75 / n_syn), quarter
    for lo, hi in ((0.0, 0.5), (0.5, 1.0), (1.0, 2.0)):
        assert np.all(masks[hi][masks[lo]]), f"the synapses at density {lo} are among those at {hi}"
        assert np.all(counts[lo] <= counts[hi])


def test_density_refuses_p_times_max_above_one(brian_runtime, cell_library):
    """p x density.max > 1 cannot be drawn: connect refuses it with the connection's name."""
    post = make_population("over_post", 2, one_cell_type(cell_library, "bla_pv"), {"ampa": _quiet_receptor("ampa")},
                           mg_mM=1.0)
    pre = b2.SpikeGeneratorGroup(2, [], [] * ms, name="over_pre")
    with pytest.raises(ValueError, match="over_conn"):
        connect("over_conn", pre, post, p=0.6, delay=DELAY_MS * ms, channels=["ampa"], density={"max": 2.0})


def test_counter_counts_only_from_count_from(brian_runtime, cell_library):
    """Events arriving before count_from are transmitted but not counted; those arriving from it on are, one each."""
    b2.defaultclock.dt = DT
    count_from = 50 * ms
    # pre cell 0: three spikes arriving before 50 ms (the last emitted at 48.5 ms, arriving at 49.5 ms), two after;
    # pre cell 1: one emitted at 49.5 ms that arrives at 50.5 ms (counted: the event is the postsynaptic arrival)
    spikes = {0: [10.0, 30.0, 48.5, 60.0, 80.0], 1: [20.0, 49.5]}
    idx = np.concatenate([[k] * len(v) for k, v in spikes.items()])
    times = np.concatenate(list(spikes.values()))
    pre = b2.SpikeGeneratorGroup(2, idx, times * ms, name="cnt_src")
    post = make_population("cnt_post", 3, one_cell_type(cell_library, "bla_pv"), {"ampa": _quiet_receptor("ampa")},
                           mg_mM=1.0, counters=["ev"])
    post.group.v = post.cell_values("EL")
    syn = connect("cnt", pre, post, p=1.0, delay=DELAY_MS * ms, channels=["ampa"], count="ev", count_from=count_from)
    syn.w_ampa = W
    b2.Network(pre, post.group, syn).run(100 * ms, namespace={})
    after = sum(int(np.sum(np.asarray(v) + DELAY_MS >= float(count_from / ms))) for v in spikes.values())
    assert after == 3
    np.testing.assert_array_equal(post.group.ev[:], after)
    np.testing.assert_allclose(post.group.x_ampa[:] / nS, len(times) * float(W / nS), rtol=1e-5,
                               err_msg="every event still transmits, counted or not")


# ---------------------------------------------------------------------------------------------- afferents


def test_afferent_group_fires_at_its_rate(brian_runtime):
    """200 Poisson afferents at a shared 20 Hz fire at 20 Hz on average over 1 s, with Poisson spread across fibres."""
    b2.defaultclock.dt = DT
    b2.seed(5)
    aff = afferent_group("aff_test", 200)
    assert "rate" in aff.variables and aff.variables["rate"].scalar, "one shared rate"
    aff.rate = 20 * Hz
    mon = b2.SpikeMonitor(aff)
    b2.Network(aff, mon).run(1 * second, namespace={})
    counts = np.bincount(mon.i[:], minlength=200)
    assert np.mean(counts) == pytest.approx(20.0, rel=0.15)
    assert np.var(counts) == pytest.approx(np.mean(counts), rel=0.4), "Poisson counts: variance ~ mean"


# ----------------------------------------------------------------------- circuit: bounds and paired pulses

N_AFF, N_SLICE_CELLS = 60, 8


def _pp_circuit(cell_library, receptor_library, U: float):
    """Afferents -> one post population through a facilitating, density-scaled projection, with a paired-pulse
    virtual slice (50 ms interval) on it; the afferents are silent (rate 0), only the slice is stimulated."""
    cfg = parsed("circuit", {
        "afferents": {"aff": {"n": N_AFF, "rate": "0 Hz"}},
        "populations": {"post": {"n": 10, "subtypes": {"bla_pv": 1.0}, "receptors": {"ampa": "ampa"}}},
        "connections": {"aff_post": {"pre": "aff", "post": "post", "p": 0.4, "delay": "1 ms",
                                     "weights": {"ampa": "1 nS"}, "density": {"max": 2},
                                     "stp": {"U": U, "tau_rec": f"{TAU_REC} ms", "tau_fac": f"{TAU_FAC} ms"}}},
        "slices": {"pp": {"connection": "aff_post", "pulses": 2, "interval": "50 ms", "before_end": "80 ms",
                          "n_cells": N_SLICE_CELLS, "stim_fraction": 1.0, "hold": "-70 mV"}},
    })
    b2.defaultclock.dt = DT
    sim = {"scale": 1.0, "duration": 0.1, "transient": 0.0}
    return assemble("pp_test", cfg, cell_library, receptor_library, sim)


def _mirrored(circuit, values: dict) -> dict:
    """What experiment.plan does: every mirror takes its source's value."""
    for name, par in circuit.parameters.items():
        if par.mirror_of:
            values[name] = par.mirrored(values)
    return values


def test_bounded_run_parameters_are_refused_outside_bounds(brian_runtime, cell_library, receptor_library):
    """check_values refuses U outside [0, 1] and density outside [0, max] with a one-line ValueError naming it."""
    circuit = _pp_circuit(cell_library, receptor_library, 0.25)
    assert circuit.parameters["aff_post.U"].bounds == (0.0, 1.0)
    assert circuit.parameters["aff_post.density"].bounds == (0.0, 2.0)
    assert circuit.parameters["pp_synapses.U"].bounds == (0.0, 1.0), "a slice mirror keeps its source's bounds"
    circuit.check_values(_mirrored(circuit, circuit.defaults()))  # the defaults are within bounds
    for name, ok, bad in (("aff_post.U", (0.0, 1.0), (1.2, -0.1)), ("aff_post.density", (0.0, 2.0), (2.5, -1.0))):
        for value in ok:
            values = circuit.defaults()
            values[name] = value
            circuit.check_values(_mirrored(circuit, values))
        for value in bad:
            values = circuit.defaults()
            values[name] = value
            with pytest.raises(ValueError, match=re.escape(name)) as err:
                circuit.check_values(_mirrored(circuit, values))
            message = str(err.value)
            assert "\n" not in message and "bounds" in message, message
            with pytest.raises(ValueError, match=re.escape(name)):
                circuit.set_values(_mirrored(circuit, values))
    # per-element values: every element must lie within the bounds
    par = circuit.parameters["aff_post.U"]
    with pytest.raises(ValueError, match="aff_post.U"):
        check_bounds({"aff_post.U": np.array([0.2, 0.5, 1.01])}, {"aff_post.U": par})
    check_bounds({"other": 5.0}, {"aff_post.U": par})  # a value of an unbounded or unknown name is not checked
    circuit.set_values(_mirrored(circuit, circuit.defaults()))  # valid values are accepted and the circuit runs
    circuit.network.run(1 * ms, namespace={})


def _paired_pulse_ratio(cell_library, receptor_library, U: float) -> tuple[float, np.ndarray]:
    b2.start_scope()
    b2.seed(7)
    circuit = _pp_circuit(cell_library, receptor_library, 0.25)  # the config's U; the run sets another
    values = circuit.defaults()
    values["aff_post.U"] = U
    values["aff_post.density"] = 2.0  # every drawn synapse transmits
    circuit.set_values(_mirrored(circuit, values))
    assert float(np.asarray(circuit.synapses["pp_synapses"].U[:])) == pytest.approx(U), "the slice mirrors U"
    circuit.network.run(100 * ms, namespace={})
    cells = circuit.slices["pp"]
    peaks = np.column_stack([cells.g_peak[:] / b2.siemens, cells.g_peak2[:] / b2.siemens])
    assert np.all(peaks[:, 0] > 0), "every recorded cell receives stimulated afferents"
    view = SimpleNamespace(slices={"pp": peaks})
    ppr = paired_pulse_readout({"slices": {"pp": {}}}, view)["ppr_pp"]
    assert ppr == pytest.approx(np.mean(peaks[:, 1]) / np.mean(peaks[:, 0]), rel=1e-12)
    return ppr, peaks


def test_paired_pulse_slice_matches_tm(brian_runtime, cell_library, receptor_library):
    """Slice paired-pulse ratio (50 ms) = TM closed form u2*R2/U for the run's U, and lower at the higher U."""
    measured = {}
    for U in (0.25, 0.33):
        ppr, peaks = _paired_pulse_ratio(cell_library, receptor_library, U)
        u_before = U * np.exp(-50 / TAU_FAC)
        expected = (u_before + U * (1 - u_before)) * (1 - U * np.exp(-50 / TAU_REC)) / U
        assert ppr == pytest.approx(expected, rel=0.03), (U, ppr, expected)
        # every synapse meets the volley at rest: each cell's own ratio is the same
        np.testing.assert_allclose(peaks[:, 1] / peaks[:, 0], expected, rtol=0.03)
        measured[U] = ppr
    assert measured[0.33] < measured[0.25], measured


# ---------------------------------------------------------------------------------------------- readouts


def test_rate_readout_subset_counts_only_its_neurons():
    """rate_<pop>_<subset> of a fraction 0.3 of 10 neurons counts only neurons 0..2 over the window."""
    window = (1.0, 3.0)
    # neuron: spike times (s); spikes outside the window (0.5 s, 3.0 s) must not count
    trains = {0: [0.5, 1.1, 1.2], 1: [2.0], 2: [2.5, 2.9, 3.0], 3: [1.5], 5: [1.1, 1.2, 1.3, 1.4], 9: [2.2, 2.8]}
    i = np.concatenate([[k] * len(v) for k, v in trains.items()])
    t = np.concatenate([np.asarray(v, dtype=float) for v in trains.values()])
    view = SimpleNamespace(spikes={"pop": (i, t)}, sizes={"pop": 10}, window=window,
                           circuit={"populations": {"pop": {"subsets": {"lha": {"fraction": 0.3}}}}})
    out = rate_readout({}, view)
    duration = window[1] - window[0]
    in_window = (t >= window[0]) & (t < window[1])
    assert out["rate_pop"] == pytest.approx(np.count_nonzero(in_window) / (10 * duration))
    subset_spikes = 2 + 1 + 2  # neurons 0, 1, 2 inside [1, 3)
    assert np.count_nonzero(in_window & (i < 3)) == subset_spikes
    assert out["rate_pop_lha"] == pytest.approx(subset_spikes / (3 * duration))
    assert set(out) == {"rate_pop", "rate_pop_lha"}


def test_events_readout_is_mean_count_per_second():
    """events_readout: the mean per-cell event count over the window divided by the window's length (Hz)."""
    counts = np.array([3.0, 5.0, 0.0, 12.0])
    view = SimpleNamespace(counts={"post": {"ev": counts}}, window=(0.5, 2.5))
    out = events_readout({"_name": "sepsc", "population": "post", "counter": "ev"}, view)
    assert out == {"sepsc": pytest.approx(np.mean(counts) / 2.0)}
