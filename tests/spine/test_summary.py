"""The summary slide: a schematic drawn from the circuit config (node area ~ neurons, arrow sign from reversal
potentials, the manipulated part highlighted), the four studies' slides from their stored tables, a redraw
byte-identical, a bad summary block refused with one line."""

from __future__ import annotations

import copy

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from brian2 import mV

from circuitsim.config import ConfigError
from circuitsim.plotting.schematic import circuit_graph
from circuitsim.plotting.summary import effect, summary_figure

from conftest import REPO, prepared

STUDIES = ["grik4_rescue", "nvc_disruption", "isolation_iron", "mea_opto"]


@pytest.fixture(scope="module")
def configs():
    return {name: prepared(name) for name in STUDIES}


def test_node_area_follows_neuron_count(configs):
    for c in configs.values():
        graph = circuit_graph(c)
        pops = c["circuit"]["populations"]
        assert {n for n, node in graph.nodes.items() if node.kind == "population"} == set(pops)
        area_per_neuron = [graph.radii[n] ** 2 / pops[n]["n"] for n in pops]
        assert np.allclose(area_per_neuron, area_per_neuron[0])
        assert all(graph.nodes[n].n == pops[n]["n"] for n in pops)


def test_arrow_sign_follows_reversal_potentials(configs):
    c = copy.deepcopy(configs["grik4_rescue"])
    signs = {e.connections[0]: e.sign for e in circuit_graph(c).edges}
    assert signs["pn_pv"] == signs["bla_rf"] == signs["hpc_objects_pn"] == 1  # glutamate, 0 mV
    assert signs["pv_pn"] == signs["lf_cem"] == signs["hpc_in_pn"] == -1  # GABA_A, -70 / -75 mV
    c["receptors"]["gaba_bla"]["E_rev"] = 0 * mV  # a depolarising "GABA" would excite
    c["receptors"]["ampa"]["E_rev"] = -80 * mV
    flipped = {e.connections[0]: e.sign for e in circuit_graph(c).edges}
    assert flipped["pv_pn"] == 1 and flipped["pn_pv"] == -1
    assert flipped["pn_pn"] == 0  # AMPA now inhibits, NMDA and KAR still excite: mixed
    assert flipped["lf_cem"] == -1  # gaba_cea untouched


def test_manipulated_parts_are_highlighted(configs):
    g = circuit_graph(configs["grik4_rescue"], ["grik4_oe", "bla_aav_cre"])
    assert {n for n, node in g.nodes.items() if node.highlighted} == {"bla_pn", "hpc_pn"}
    assert {e.connections[0] for e in g.edges if e.highlighted} == {"bla_rf", "bla_lf"}  # the PN gains they scale
    g = circuit_graph(configs["mea_opto"], ["light_mea"])  # a signal marks the populations reading it
    assert {n for n, node in g.nodes.items() if node.highlighted} == {"mea_vgat"}
    g = circuit_graph(configs["nvc_disruption"], ["strong", "nvc_deficient"])  # a gated afferent; a module's group
    assert {n for n, node in g.nodes.items() if node.highlighted} == {"context", "nvu"}
    assert g.nodes["context"].kind == "input" and g.nodes["nvu"].kind == "input"  # nothing drawn reaches it
    g = circuit_graph(configs["isolation_iron"], ["aff_vca1"])
    assert [e.connections for e in g.edges if e.highlighted] == [("aff_vca1",)]


def test_layout_is_deterministic_and_nodes_apart(configs):
    for name, c in configs.items():
        hints = c["experiment"]["figure"]["summary"]["schematic"]
        a, b = circuit_graph(c, (), hints), circuit_graph(c, (), hints)
        assert a.positions == b.positions
        names = list(a.positions)
        for i, m in enumerate(names):
            for n in names[i + 1:]:
                gap = np.hypot(*np.subtract(a.positions[m], a.positions[n]))
                assert gap > a.radii[m] + a.radii[n], (name, m, n)


def test_effect_is_a_minus_b():
    a, b = np.array([2.0, 3.0, 4.0]), np.array([1.0, 1.5, 2.0])
    d, g = effect(a, b)
    assert d == pytest.approx(1.5) and g > 0
    assert effect(b, a) == pytest.approx((-d, -g))


@pytest.mark.parametrize("name", STUDIES)
def test_summary_draws_from_stored_table_and_redraws_identically(configs, tmp_path, name):
    table = pd.read_csv(REPO / "figures" / f"{name}.csv")
    png, svg = summary_figure(configs[name], table, tmp_path / "one")
    assert mpimg.imread(png).shape[:2] == (1080, 1920)  # a 16:9 slide
    text = svg.read_text()
    spec = configs[name]["experiment"]["figure"]["summary"]
    for condition in spec["conditions"]:
        assert f">{condition}<" in text or condition in text
    assert "Δ" in text and "g " in text  # the effects are marked
    _, again = summary_figure(configs[name], table, tmp_path / "two")
    assert again.read_bytes() == svg.read_bytes()


BAD = {  # case: (experiment, overrides)
    "unknown_activity": ("grik4_rescue", ["experiment.figure.summary.activity=rate_nope"]),
    "unknown_behaviour": ("grik4_rescue", ["experiment.figure.summary.behaviour=open_arms"]),
    "unknown_condition": ("grik4_rescue", ["experiment.figure.summary.conditions=[wt,ko]"]),
    "compare_not_shown": ("grik4_rescue", ["experiment.figure.summary.compare=[[oe_gfp,wt]]"]),
    "unknown_manipulation": ("grik4_rescue", ["experiment.figure.summary.highlight=[grik4_ko]"]),
    "unknown_schematic_group": ("nvc_disruption", ["experiment.figure.summary.schematic.layers=[[context],[cea]]"]),
    "link_not_a_pair": ("mea_opto", ["experiment.figure.summary.schematic.links=[[mea_vgat]]"]),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_summary_spec_is_refused_in_one_line(case):
    name, overrides = BAD[case]
    with pytest.raises(ConfigError) as err:
        prepared(name, overrides)
    message = str(err.value)
    assert "experiment.figure.summary" in message and "\n" not in message
