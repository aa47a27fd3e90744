"""Study 003's predictions as its experiments declare them, checked over independent seeds of a small network.

Marked slow (``python -m pytest -m slow``, about 6 minutes on 2 cores; the default run's time budget is spent
elsewhere): every prediction of ``mea_opto``, ``mea_chemo``, ``mea_mpoa_terminal``, ``mea_chemo_time`` and
``mea_light_dose`` is evaluated with the statistic the command line reports, on three
seeds of the circuit at scale 0.25 (populations x0.25, connection probabilities x4: same mean in-degrees; the
default 13.5-s session; 6 mice per group). **Majority rule:** a simulated prediction passes when it holds in at
least 2 of the 3 seeds. A declared known miss is ``xfail(strict=True)`` (the test fails the day the claim starts to
hold, so the declaration is revisited); so is a prediction that holds at default size but is underpowered on the
small network (``SMALL_NETWORK_MISSES``, with its reason). Construction checks are asserted on one seed. The
wiring check that terminal light leaves MeA somata untouched compares the same animals with frozen noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from circuitsim import experiment

from conftest import prediction_params, prepared, verdict_cache

SEEDS = (11, 12, 13)
MAJORITY = 2
SMALL = ["sim.scale=0.25", "n_mice=6"]
EXPERIMENTS = ("mea_opto", "mea_chemo", "mea_mpoa_terminal", "mea_chemo_time", "mea_light_dose")
pytestmark = pytest.mark.slow
# Found on first running this test (2026-11-30), not tuned away: directions right in every seed, but with 6 mice
# per sex the per-sex rank test does not always agree. The default experiment's cohorts cover them (cards).
SMALL_NETWORK_MISSES = {
    "C3c_pag_glu_down": "each sex with 6 mice: seeds 11-13 pooled -1.06, -1.74, -1.33 Hz (CIs below 0) but held in "
                        "1 of 3; holds in 4 of 5 default cohorts",
    "C3d_freezing_down": "as C3c (derived from it): seeds 11-13 pooled -2.4, -2.6, -5.4 points, held in 0 of 3; "
                         "3 of 5 default cohorts",
    "C3e_open_arm_up": "each sex with 6 mice: seeds 11-13 pooled +0.81, +0.63, +1.45 points (CIs above 0), held in "
                       "1 of 3; holds in 5 of 5 default cohorts",
    "C3i_peak": "45 vs 10 min with 6 mice: seeds 11-13 -0.11, -0.15, -0.02 Hz, CIs reach 0 (0 of 3); 5 of 5 default "
                "cohorts of 10",
    "D6a_power": "6 mice: per-mouse rho -0.61, -0.33, -0.58, rank test not significant in 2 of 3; fragile at default "
                 "size too (2 of 5 cohorts of 8; holds pooled over 40 mice)",
    "D6b_frequency": "6 mice: per-mouse rho -0.58, -0.42, -0.58, held in 1 of 3; fragile at default size too (1 of 5; "
                     "holds pooled over 40 mice)",
}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """``verdicts(experiment, seed)``: {prediction id: Outcome} on the small network, computed once per table."""
    return verdict_cache(tmp_path_factory, SMALL)


@pytest.mark.parametrize("name, spec", prediction_params(EXPERIMENTS, "simulated", SMALL_NETWORK_MISSES))
def test_simulated_prediction_holds_in_most_seeds(verdicts, name, spec):
    outcomes = [verdicts(name, seed)[spec["id"]] for seed in SEEDS]
    held = sum(o.held for o in outcomes)
    assert held >= MAJORITY, f"{spec['id']} held in {held} of {len(SEEDS)} seeds: " + "; ".join(
        f"effect {o.effect:.3g} [{o.ci_low:.3g}, {o.ci_high:.3g}]" for o in outcomes)


@pytest.mark.parametrize("name, spec", prediction_params(EXPERIMENTS, "construction", SMALL_NETWORK_MISSES))
def test_construction_check_passes(verdicts, name, spec):
    assert verdicts(name, SEEDS[0])[spec["id"]].held


def test_terminal_light_leaves_mea_somata_alone(tmp_path):
    """Wiring: light over MPOA drives the ChR2 terminals, never their somata (nothing projects back to MeA), so
    with the same animals and the same noise MeA spikes are identical with and without the opsin, while MPOA is
    not."""
    cfg = prepared("mea_mpoa_terminal", [*SMALL, "n_mice=2", "experiment.design=within", "mice.noise=frozen",
                                         "experiment.cohorts=null"])
    results = experiment.run(cfg, tmp_path, attrs={})
    np.testing.assert_array_equal(results.values("chr2", "rate_mea_vgat@test"),
                                  results.values("eyfp", "rate_mea_vgat@test"))
    assert not np.array_equal(results.values("chr2", "rate_mpoa_glu@test"),
                              results.values("eyfp", "rate_mpoa_glu@test"))
