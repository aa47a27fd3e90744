"""Qualitative predictions of the Grik4 study on a small, short network (BRIEF §1; seeds/000_grik4.md).

Every assertion is a direction across virtual mice, decided by the same bootstrap statistic the command line
reports (95% CI excluding zero, or a recovered fraction above zero); never a spike count. The network is the
default circuit at scale 0.25 (populations x0.25, connection probabilities x4: same mean in-degrees), built
once with cpp_standalone for the whole module. The object-recognition prediction (G8) is the exception: it
runs on the default-size circuit (below).
"""

from __future__ import annotations

import numpy as np
import pytest

from hydra import compose, initialize_config_module

from circuitsim import experiment, predictions
from circuitsim.config import prepare

SMALL = ["sim.scale=0.25", "sim.duration=1.5s", "sim.transient=0.5s", "n_mice=6", "seed=11"]
# The object-recognition deficit is small (DI about -0.03) and needs the default-size hippocampal module: on the
# small network the direction held in 2 of 6 seeds with 6 mice and 3 of 6 with 24 mice (CIs dominated by a few
# mice); on the default circuit with 8 mice it held in 6 of 6 seeds (11-16). Same build as the default run.
FULL_SIZE = ["n_mice=8", "seed=11"]
CONDITIONS = ("wt", "oe", "oe_rescue")


def compose_prepared(name: str, overrides: list[str]) -> dict:
    with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
        return prepare(compose("config", overrides=[f"experiment={name}", *overrides]))


def run_rescue_conditions(overrides: list[str], workdir):
    """wt, oe and oe_rescue of the grik4_rescue experiment (no predictions evaluated)."""
    cfg = compose_prepared("grik4_rescue", overrides)
    cfg["experiment"]["conditions"] = {k: v for k, v in cfg["experiment"]["conditions"].items() if k in CONDITIONS}
    cfg["experiment"]["predictions"] = []
    return experiment.run(cfg, workdir, attrs={})


@pytest.fixture(scope="module")
def rescue(tmp_path_factory):
    return run_rescue_conditions(SMALL, tmp_path_factory.mktemp("rescue"))


@pytest.fixture(scope="module")
def rescue_full_size(tmp_path_factory):
    return run_rescue_conditions(FULL_SIZE, tmp_path_factory.mktemp("rescue_full_size"))


def check(results, kind, measure, a, b, target=None):
    spec = {"id": "t", "claim": "t", "kind": kind, "measure": measure, "a": a, "b": b}
    if target:
        spec["target"] = target
    return predictions.evaluate(spec, results, seed=0, n_boot=2000)


@pytest.mark.parametrize("measure", ["rate_bla_pn", "rate_cem", "rate_cel_rf", "syn_bla_rf", "immobility_pct"])
def test_overexpression_raises(rescue, measure):
    """G1a, G2a, G4a, G2d: OE > WT."""
    outcome = check(rescue, "greater", measure, "oe", "wt")
    assert outcome.held, outcome


@pytest.mark.parametrize("measure", ["open_arm_pct", "social_pref", "syn_bla_lf"])
def test_overexpression_lowers(rescue, measure):
    """G2b, G2c, G5a: OE < WT."""
    outcome = check(rescue, "less", measure, "oe", "wt")
    assert outcome.held, outcome


@pytest.mark.parametrize("measure", ["rate_bla_pn", "rate_cem", "rate_cel_rf", "immobility_pct"])
def test_bla_rescue_lowers_output(rescue, measure):
    """G3a, G6, G7c: OE + BLA rescue < OE (paired: the same virtual mice)."""
    outcome = check(rescue, "less", measure, "oe_rescue", "oe")
    assert outcome.detail["paired"]
    assert outcome.held, outcome


def test_rescue_moves_toward_wild_type(rescue):
    """G6: the recovered fraction of CeM output is above zero."""
    outcome = check(rescue, "toward", "rate_cem", "oe_rescue", "oe", target="wt")
    assert outcome.held, outcome


def test_late_firing_synapses_not_restored(rescue):
    """G5b: BLA->LF strength after rescue is the OE value (within the stated 10% margin)."""
    spec = {"id": "t", "claim": "t", "kind": "similar", "measure": "syn_bla_lf", "a": "oe_rescue", "b": "oe",
            "margin": 0.10}
    assert predictions.evaluate(spec, rescue, seed=0, n_boot=2000).held


def test_object_recognition_impaired_and_not_rescued(rescue_full_size):
    """G8a/G8b: object discrimination OE < WT, and still < WT after the BLA-only rescue (default-size circuit)."""
    results = rescue_full_size
    assert check(results, "less", "object_di", "oe", "wt").held
    assert check(results, "less", "object_di", "oe_rescue", "wt").held
    assert np.array_equal(results.values("oe_rescue", "object_di"), results.values("oe", "object_di"))


def test_every_run_is_a_distinct_mouse(rescue):
    seeds = rescue.dataset["seed"].sel(condition="wt").values
    assert len(set(seeds.tolist())) == len(seeds)
    assert np.ptp(rescue.values("wt", "rate_cem")) > 0


def test_bla_ei_balance_shifted(rescue):
    """G1b: BLA E/I differs between OE and WT. The shift is toward *inhibition* (PV cells are recruited), as in
    the full default run (see the experiment card)."""
    assert check(rescue, "differs", "ei_bla_pn", "oe", "wt").held
