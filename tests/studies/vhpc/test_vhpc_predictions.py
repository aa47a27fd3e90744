"""Study 002's predictions as its experiments declare them, checked over independent seeds.

Marked slow (``python -m pytest -m slow``; about 3 minutes on 2 cores with the build cached): every prediction of
``isolation_iron`` and ``iron_necessity`` is evaluated with the statistic the command line reports, on three seeds
of the experiments as they ship (half size, 10 mice: the circuit cannot shrink further, its CA3/EC synapses are
drawn with p x density.max already 0.64). **Majority rule:** a simulated prediction passes when it holds in at least
2 of the 3 seeds. A declared known miss is ``xfail(strict=True)`` (the test fails the day the claim starts to hold,
so the declaration is revisited). Construction checks follow the same majority rule: the stage's parameters vary
between mice, so a check at the edge of its margin (I4b) or undefined for the most responsive mice (I9a, I9b) can
change with the seed.
"""

from __future__ import annotations

import pytest

from conftest import prediction_params, verdict_cache

SEEDS = (11, 12, 13)
MAJORITY = 2
EXPERIMENTS = ("isolation_iron", "iron_necessity")
pytestmark = pytest.mark.slow
SMALL_NETWORK_MISSES: dict = {}  # the experiments run at their own size here


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """``verdicts(experiment, seed)``: {prediction id: Outcome}, computed once per table."""
    return verdict_cache(tmp_path_factory)


@pytest.mark.parametrize("name, spec", prediction_params(EXPERIMENTS, "simulated", SMALL_NETWORK_MISSES))
def test_simulated_prediction_holds_in_most_seeds(verdicts, name, spec):
    outcomes = [verdicts(name, seed)[spec["id"]] for seed in SEEDS]
    held = sum(o.held for o in outcomes)
    assert held >= MAJORITY, f"{spec['id']} held in {held} of {len(SEEDS)} seeds: " + "; ".join(
        f"effect {o.effect:.3g} [{o.ci_low:.3g}, {o.ci_high:.3g}]" for o in outcomes)


@pytest.mark.parametrize("name, spec", prediction_params(EXPERIMENTS, "construction", SMALL_NETWORK_MISSES))
def test_construction_check_passes_in_most_seeds(verdicts, name, spec):
    held = sum(verdicts(name, seed)[spec["id"]].held for seed in SEEDS)
    assert held >= MAJORITY, f"{spec['id']} held in {held} of {len(SEEDS)} seeds"
