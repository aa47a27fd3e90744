"""Spine features added with the NVC study (b9920e5): gated afferents, ``post_subset`` targets, their config checks,
the ``trace`` readout's baseline and peak, the ``ratio`` readout, and ``at_least`` and contrasts in predictions.
Tiny groups, short runs, Brian2 runtime device with numpy code generation."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import Hz, ms, second

from circuitsim.config import ConfigError
from circuitsim.parts.network import afferent_group
from circuitsim.parts.neurons import cell_parameters, make_population
from circuitsim.parts.receptors import Receptor
from circuitsim.parts.synapses import connect
from circuitsim.predictions import evaluate
from circuitsim.readouts import View
from circuitsim.readouts.activity import ratio_readout, trace_readout
from circuitsim.results import Results

from conftest import prepared

# ------------------------------------------------------------------------------------------ gated afferents


def test_gated_afferents_fire_at_rate_times_gate(brian_runtime):
    """Gate 0 for the first half: no spikes; gate 0.5 for the second: about rate x 0.5 per afferent."""
    b2.defaultclock.dt = 0.5 * ms
    n, rate, half = 200, 50 * Hz, 0.5 * second
    gate = b2.TimedArray([0.0, 0.5], dt=half, name="test_gate")
    group = afferent_group("gated", n, gate)
    group.rate = rate
    mon = b2.SpikeMonitor(group)
    b2.Network(group, mon).run(2 * half)
    t = np.asarray(mon.t / second)
    first, second_half = np.sum(t < 0.5), np.sum(t >= 0.5)
    assert first == 0, "no afferent fires while the gate is off"
    expected = n * 50 * 0.5 * 0.5  # afferents x rate x level x time = 2500
    assert 0.85 * expected < second_half < 1.15 * expected  # ~10 SD either side


def test_ungated_afferents_fire_at_rate(brian_runtime):
    """Without a gate the afferents fire at ``rate`` throughout (the previous behaviour)."""
    b2.defaultclock.dt = 0.5 * ms
    group = afferent_group("plain", 100, None)
    group.rate = 20 * Hz
    mon = b2.SpikeMonitor(group)
    b2.Network(group, mon).run(0.5 * second)
    expected = 100 * 20 * 0.5
    assert 0.8 * expected < mon.num_spikes < 1.2 * expected


# ------------------------------------------------------------------------------------------ targets


@pytest.fixture
def small_post(brian_runtime, receptor_library, cell_library):
    """A population of 10 cel_rf cells with an AMPA channel."""
    receptors = {"ampa": Receptor.from_config("ampa", receptor_library["ampa"], "receptors.ampa")}
    cell = [("cel_rf", 1.0, cell_parameters(cell_library["cel_rf"], "cells.cel_rf"))]
    return make_population("post", 10, cell, receptors, mg_mM=1.0)


def test_connect_targets_only_the_first_cells(small_post):
    """``targets=k``: every synapse ends on one of the first k postsynaptic cells."""
    source = b2.NeuronGroup(20, "v : 1", threshold="False", name="src")
    syn = connect("src_post", source, small_post, p=1.0, delay=1 * ms, channels=["ampa"], targets=3)
    assert len(syn) == 20 * 3
    assert syn.j[:].max() < 3 and set(syn.j[:]) == {0, 1, 2}


def test_connect_targets_keeps_excluding_autapses(small_post):
    """A recurrent projection with targets: first k cells only, still no autapses."""
    syn = connect("rec", small_post, small_post, p=1.0, delay=1 * ms, channels=["ampa"], targets=4)
    assert len(syn) == 10 * 4 - 4
    assert syn.j[:].max() < 4 and np.all(syn.i[:] != syn.j[:])


# ------------------------------------------------------------------------------------------ config checks


@pytest.mark.parametrize("name, overrides, message", [
    ("nvc_disruption", ["circuit.connections.context_pn.post_subset=nope"], "post_subset='nope' is not a subset"),
    ("nvc_disruption", ["circuit.afferents.context.gate=nope"], "gate='nope' is not one of circuit.signals"),
    ("nvc_disruption", ["+experiment.predictions.7.at_least=0.4"],  # N3c_initial_same, a similar
     "at_least (a relative size) is for greater and less"),
    ("nvc_rigidity", ["experiment.design=between"], "R5c_rigidity: the contrast"),
], ids=["unknown_subset", "unknown_gate", "at_least_on_similar", "contrast_between"])
def test_prepare_rejects_nvc_spine_mistakes(name, overrides, message):
    """Each mistake is a one-line ConfigError naming the offending key."""
    with pytest.raises(ConfigError) as info:
        prepared(name, overrides)
    text = str(info.value)
    assert "\n" not in text, "ConfigError messages are one line"
    assert message in text


def test_nvc_experiments_prepare_as_written():
    """The unmodified experiments pass the same checks (so the failures above are the overrides')."""
    disruption = prepared("nvc_disruption")
    assert disruption["circuit"]["connections"]["context_pn"]["post_subset"] == "threat"
    assert disruption["circuit"]["afferents"]["context"]["gate"] == "context"
    n3c = disruption["experiment"]["predictions"][7]  # the index the at_least case above overrides
    assert n3c["id"] == "N3c_initial_same" and n3c["kind"] == "similar"
    specs = {p["id"]: p for p in prepared("nvc_rigidity")["experiment"]["predictions"]}
    assert specs["R5c_rigidity"]["a"] == ["strong_def", "mild_def"]


# ------------------------------------------------------------------------------------------ readouts


def _view(traces=None, window=(0.0, 1.0), epochs=None, measures=None) -> View:
    return View(spikes={}, sizes={}, window=window, conductances={}, reversal={}, values={}, circuit={},
                epochs=epochs or {}, measures=measures or {}, traces=traces or {})


def test_trace_baseline_and_peak():
    """Window mean and window max, both minus the baseline epoch's mean."""
    t = np.arange(3000) * 1e-3
    y = np.where(t < 1.0, 2.0, 2.0 + np.where(t < 2.0, 3.0 * (t - 1.0), 0.5))  # baseline 2, ramp to 5, then 2.5
    epochs = {"baseline": (0.0, 1.0), "context": (1.0, 2.0)}
    view = _view({"nvu.f": (t, y)}, window=(1.0, 2.0), epochs=epochs)
    spec = {"_name": "cbf", "trace": "nvu.f", "baseline": "baseline", "peak": True}
    out = trace_readout(spec, view)
    inside = (t >= 1.0) & (t < 2.0)
    assert out["cbf"] == pytest.approx(np.mean(y[inside]) - 2.0)
    assert out["cbf_peak"] == pytest.approx(np.max(y[inside]) - 2.0)
    assert out["cbf"] == pytest.approx(1.5, abs=0.01) and out["cbf_peak"] == pytest.approx(3.0, abs=0.01)
    plain = trace_readout({"_name": "cbf", "trace": "nvu.f"}, view)
    assert plain == {"cbf": pytest.approx(np.mean(y[inside]))}, "no baseline, no peak: the plain window mean"


def test_ratio_of_earlier_measures():
    """numerator / denominator in the same window; nan when the denominator is not above 0."""
    spec = {"_name": "coupling", "numerator": "cbf", "denominator": "drate"}
    assert ratio_readout(spec, _view(measures={"cbf": 0.3, "drate": 1.5}))["coupling"] == pytest.approx(0.2)
    assert ratio_readout(spec, _view(measures={"cbf": -0.3, "drate": 2.0}))["coupling"] == pytest.approx(-0.15)
    for den in (0.0, -1.0):
        assert np.isnan(ratio_readout(spec, _view(measures={"cbf": 0.3, "drate": den}))["coupling"])


# ------------------------------------------------------------------------------------------ predictions

N = 12  # animals (at or above the small-n rule)


def _table(values: dict, animals: dict | None = None) -> Results:
    """One row per (condition, mouse) with measure ``x``; every condition the same animals unless ``animals``
    gives a condition other ids."""
    rows = [dict(condition=c, mouse=m, cohort="all", animal=(animals or {}).get(c, 0) + m, seed=m, x=float(v[m]))
            for c, v in values.items() for m in range(N)]
    return Results.from_rows(rows, list(values), ["all"], N, attrs={})


def _spec(**kw) -> dict:
    return {"id": "p", "claim": "test", "kind": "less", "measure": "x", **kw}


def test_at_least_is_a_relative_size():
    """A 50% drop holds as 'at least 40% lower' but not as 'at least 60% lower'."""
    rng = np.random.default_rng(1)
    ctl = rng.normal(10.0, 2.0, N)
    table = _table({"ctl": ctl, "def": 0.5 * ctl * (1 + rng.normal(0, 0.02, N))})
    plain = evaluate(_spec(a="def", b="ctl"), table, seed=0, n_boot=1000)
    forty = evaluate(_spec(a="def", b="ctl", at_least=0.4), table, seed=0, n_boot=1000)
    sixty = evaluate(_spec(a="def", b="ctl", at_least=0.6), table, seed=0, n_boot=1000)
    assert plain.held and plain.effect == pytest.approx(np.mean(table.values("def", "x")) - np.mean(ctl))
    assert forty.effect == pytest.approx(-0.5, abs=0.02) and forty.detail["at_least"] == 0.4
    assert forty.held and forty.ci_high < -0.4
    assert not sixty.held
    rise = evaluate(_spec(kind="greater", a="ctl", b="def", at_least=0.6), table, seed=0, n_boot=1000)
    assert rise.held and rise.effect == pytest.approx(1.0, abs=0.05), "a doubling is at least 60% higher"


def test_contrast_is_the_per_animal_difference():
    """[x, y] stands for every animal's x - y: a discrimination that shrinks in every animal holds as less."""
    rng = np.random.default_rng(2)
    mild = rng.normal(5.0, 3.0, N)  # wide spread between animals
    table = _table({"mild_ctl": mild, "strong_ctl": mild + 4.0 + rng.normal(0, 0.3, N),
                    "mild_def": mild + 1.0, "strong_def": mild + 2.0 + rng.normal(0, 0.3, N)})
    spec = _spec(a=["strong_def", "mild_def"], b=["strong_ctl", "mild_ctl"])
    out = evaluate(spec, table, seed=0, n_boot=1000)
    assert out.held and out.detail["paired"] is True
    assert out.effect == pytest.approx(-3.0, abs=0.3)
    assert not evaluate({**spec, "kind": "greater"}, table, seed=0, n_boot=1000).held


def test_contrast_needs_the_same_animals():
    """A contrast over conditions holding different animals is an error, not a silent unpaired difference."""
    values = {c: np.ones(N) for c in ("a_x", "a_y", "b_x", "b_y")}
    table = _table(values, animals={"a_y": 100})
    with pytest.raises(ValueError, match="same animals"):
        evaluate(_spec(a=["a_x", "a_y"], b=["b_x", "b_y"]), table, seed=0, n_boot=1000)


def test_correlates_is_spearman_over_one_conditions_animals():
    """``correlates``: Spearman's rho of two measures across the animals of one condition, on the claimed side."""
    from circuitsim.predictions import evaluate
    from circuitsim.results import Results

    rng = np.random.default_rng(3)
    x = rng.normal(size=20)
    rows = [{"condition": "c", "mouse": k, "cohort": "all", "animal": k, "seed": 0, "g": x[k],
             "up": 2 * x[k] + 0.3 * rng.normal(), "down": -x[k] + 0.3 * rng.normal()} for k in range(20)]
    table = Results.from_rows(rows, ["c"], ["all"], 20, attrs={})
    spec = {"id": "r", "kind": "correlates", "measure": "g", "a": "c", "basis": "simulated", "claim": ""}
    assert evaluate({**spec, "measure_b": "up", "direction": "positive"}, table, 0, 500).held
    assert not evaluate({**spec, "measure_b": "down", "direction": "positive"}, table, 0, 500).held
    assert evaluate({**spec, "measure_b": "down", "direction": "negative"}, table, 0, 500).held
