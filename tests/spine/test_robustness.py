"""Robustness worlds (circuitsim.robustness): which parameters a world jitters, by how much, reproducibly."""

from __future__ import annotations

import pytest

from circuitsim import robustness
from conftest import prepared


@pytest.fixture(scope="module")
def worlds():
    return {w: prepared("grik4_rescue", [f"robustness.world={w}"] if w is not None else []) for w in (None, 0, 1)}


def test_every_kind_is_jittered_within_bounds(worlds):
    factors = worlds[0]["robustness"]["factors"]
    kinds = {robustness.kind(tuple(p.split(".")[1:]), p.split(".")[0]) for p in factors}
    assert kinds == {"weight", "probability", "time constant", "background"}
    assert all(0.8 <= f <= 1.2 for f in factors.values())
    assert "circuit.connections.bla_rf.p" in factors and "receptors.nmda.tau_decay" in factors
    assert "cells.bla_pv.C" in factors and "circuit.populations.cem.background.rate" in factors


def test_a_world_scales_its_parameters_and_leaves_the_rest(worlds):
    base, world = worlds[None], worlds[0]
    f = world["robustness"]["factors"]
    con = "bla_rf"
    assert world["circuit"]["connections"][con]["p"] == pytest.approx(
        base["circuit"]["connections"][con]["p"] * f[f"circuit.connections.{con}.p"])
    assert float(world["receptors"]["ampa"]["tau_rise"]) == float(base["receptors"]["ampa"]["tau_rise"])
    assert not any(p.startswith(("circuit.readouts", "circuit.manipulations")) for p in f)
    assert world["circuit"]["populations"]["cem"]["n"] == base["circuit"]["populations"]["cem"]["n"]
    assert world["circuit"]["readouts"] == base["circuit"]["readouts"]
    assert base["robustness"]["factors"] == {}


def test_worlds_are_reproducible_and_differ(worlds):
    again = prepared("grik4_rescue", ["robustness.world=0"])["robustness"]["factors"]
    assert again == worlds[0]["robustness"]["factors"]
    assert again != worlds[1]["robustness"]["factors"]
    assert robustness.factor(0, "a.b", 0.2) == robustness.factor(0, "a.b", 0.2) != robustness.factor(0, "a.c", 0.2)


def test_probabilities_stay_probabilities():
    c = {"circuit": {"connections": {"x": {"p": 0.99}}}}
    robustness.jitter(c, 0, 0.5)
    assert c["circuit"]["connections"]["x"]["p"] <= 1.0


@pytest.mark.parametrize("bad", ["robustness.world=-1", "robustness.jitter=1.5", "robustness.world=a"])
def test_bad_world_settings_are_refused(bad):
    from circuitsim.config import ConfigError

    with pytest.raises(ConfigError):
        prepared("grik4_rescue", [bad])
