"""Study 001's predictions as its experiments declare them, checked over independent seeds.

Marked slow (``python -m pytest -m slow``): every prediction of ``nvc_disruption``, ``nvc_rigidity``, ``nvc_graded``
and ``blood_flow_causality`` is evaluated with the statistic the command line reports, on three seeds of the
experiments as they ship (half-size BLA, the circuit's 18-s session: baseline, a 10-s context, recovery; 10 mice per
condition in ``nvc_disruption``, 8 in the others; within designs). The four share one compiled build (same circuit
and session; the conditions differ only in run parameters); each of the 12 tables is a default run of its
experiment, which the configs put at about a minute on 2 cores. **Majority rule:** a simulated prediction passes
when it holds in at least 2 of the 3 seeds. A declared known miss is ``xfail(strict=True)`` (the test fails the day
the claim starts to hold, so the declaration is revisited). Construction checks follow the same majority rule: the
coupling gains eps_N and eps_A vary between mice and every condition meets fresh input noise, so a check near its
bound (N3a's 40% drop, the 10% margins of C8c and C8d) can change with the seed.
"""

from __future__ import annotations

import pytest

from conftest import prediction_params, verdict_cache

SEEDS = (11, 12, 13)
MAJORITY = 2
EXPERIMENTS = ("nvc_disruption", "nvc_rigidity", "nvc_graded", "blood_flow_causality")
pytestmark = pytest.mark.slow
SMALL_NETWORK_MISSES: dict = {}  # the experiments run at their own size here
# A declared known miss that holds in some cohorts (2 of 5 in the 5-cohort run): with three seeds either verdict is
# expected, so its test is a non-strict xfail (reported, never failing); its pooled effect is in the card.
FRAGILE = {"N9_coupling_tracks_anxiety": "holds in ~2 of 5 cohorts of 10 mice (pooled over 50 mice it holds)"}


def _params(basis: str) -> list:
    """prediction_params, with the fragile known misses' strict xfail made non-strict."""
    out = []
    for param in prediction_params(EXPERIMENTS, basis, SMALL_NETWORK_MISSES):
        pid = param.values[1]["id"]
        out.append(pytest.param(*param.values, id=pid, marks=[pytest.mark.xfail(strict=False, reason=FRAGILE[pid])])
                   if pid in FRAGILE else param)
    return out


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """``verdicts(experiment, seed)``: {prediction id: Outcome}, computed once per table."""
    return verdict_cache(tmp_path_factory)


@pytest.mark.parametrize("name, spec", _params("simulated"))
def test_simulated_prediction_holds_in_most_seeds(verdicts, name, spec):
    outcomes = [verdicts(name, seed)[spec["id"]] for seed in SEEDS]
    held = sum(o.held for o in outcomes)
    assert held >= MAJORITY, f"{spec['id']} held in {held} of {len(SEEDS)} seeds: " + "; ".join(
        f"effect {o.effect:.3g} [{o.ci_low:.3g}, {o.ci_high:.3g}]" for o in outcomes)


@pytest.mark.parametrize("name, spec", _params("construction"))
def test_construction_check_passes_in_most_seeds(verdicts, name, spec):
    held = sum(verdicts(name, seed)[spec["id"]].held for seed in SEEDS)
    assert held >= MAJORITY, f"{spec['id']} held in {held} of {len(SEEDS)} seeds"
