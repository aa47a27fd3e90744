"""The Grik4 study's predictions as its experiments declare them, checked over independent seeds.

Every *simulated* prediction of ``grik4_rescue`` and ``grik4_high_anxiety`` is evaluated, with the statistic the
command line reports, on three independent seeds of a small network (the default circuit at scale 0.25:
populations x0.25, connection probabilities x4, same mean in-degrees; 1 s analysed; 6 mice, 24 for the
high-anxiety selection). **Majority rule:** a prediction passes when it holds in at least 2 of the 3 seeds. With
6 mice per group the small-n rule of :mod:`circuitsim.predictions` applies (the rank test must agree). A declared
known miss is ``xfail(strict=True)``: the test fails the day the claim starts to hold, so the declaration is
revisited; so is a prediction found underpowered on the small network (``SMALL_NETWORK_MISSES``, with its reason),
which the default-run test covers at full size. Object recognition (G8a) is the exception on size: its effect needs the default-size hippocampal module
(on the small network the direction held in 2 of 6 seeds), so it runs on the default circuit (8 mice).
Construction checks (wiring) are asserted on one seed (the object-recognition family, G8a-c, on the default
circuit with wt, oe and oe_rescue). Never spike counts: directions, with statistics.
"""

from __future__ import annotations

import pytest

from circuitsim import experiment

from conftest import prediction_params, prepared, verdicts_of

SEEDS = (11, 12, 13)
MAJORITY = 2
SMALL = ["sim.scale=0.25", "sim.duration=1.5s", "sim.transient=0.5s"]
N_MICE = {"grik4_rescue": 6, "grik4_high_anxiety": 24}
FULL_SIZE = {"G8a_object_oe", "G8b_object_not_rescued", "G8c_object_as_oe"}  # the object-recognition family
# needs the default-size hippocampal module (module docstring)
# Found on first running this test (2026-11-30), not tuned away; the default experiment's verdicts are checked by
# test_grik4_default_run. (G10, the dose-response, was here while trends were pooled across mice; since trends over
# the same animals are paired it holds on the small network too.)
SMALL_NETWORK_MISSES = {
    "G9b_ha_reduction": "on the small network the selected mice sit on the open-arm floor (seed 13: +0.001 %); "
                        "holds in 5 of 5 default-size cohorts",
    "G9c_ha_partial": "as G9b (seeds 11-13: 0 of 3); holds in 5 of 5 default-size cohorts",
}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """{(experiment, seed, full_size): {prediction id: Outcome}}, computed once per table."""
    cache = {}

    def get(name: str, seed: int, full_size: bool = False):
        key = (name, seed, full_size)
        if key not in cache:
            overrides = ([f"n_mice=8", f"seed={seed}"] if full_size
                         else [*SMALL, f"n_mice={N_MICE[name]}", f"seed={seed}"])
            cfg = prepared(name, overrides)
            if full_size:  # only the conditions the object-recognition predictions compare
                cfg["experiment"]["conditions"] = {c: s for c, s in cfg["experiment"]["conditions"].items()
                                                   if c in ("wt", "oe", "oe_rescue")}
            specs = [p for p in cfg["experiment"]["predictions"] if (p["id"] in FULL_SIZE) == full_size]
            cache[key] = verdicts_of(cfg, tmp_path_factory.mktemp(f"{name}-{seed}"), seed, specs)
        return cache[key]

    return get


@pytest.mark.parametrize("name, spec", prediction_params(N_MICE, "simulated", SMALL_NETWORK_MISSES))
def test_simulated_prediction_holds_in_most_seeds(verdicts, name, spec):
    full = spec["id"] in FULL_SIZE
    outcomes = [verdicts(name, seed, full)[spec["id"]] for seed in SEEDS]
    held = sum(o.held for o in outcomes)
    assert held >= MAJORITY, f"{spec['id']} held in {held} of {len(SEEDS)} seeds: " + "; ".join(
        f"effect {o.effect:.3g} [{o.ci_low:.3g}, {o.ci_high:.3g}]" for o in outcomes)


@pytest.mark.parametrize("name, spec", prediction_params(N_MICE, "construction", SMALL_NETWORK_MISSES))
def test_construction_check_passes(verdicts, name, spec):
    outcome = verdicts(name, SEEDS[0], spec["id"] in FULL_SIZE)[spec["id"]]
    assert outcome.held, outcome


def test_lower_cel_output_when_grik4_gain_is_normalised(verdicts):
    """The example of what the tests check: CeL regular-firing output falls when Grik4 is normalised in BLA
    (G11a, phi 0.8) and in every BLA PN (G11b), in most seeds."""
    for pid in ("G11a_cel_rf_rescue", "G11b_cel_rf_normalised"):
        assert sum(verdicts("grik4_rescue", seed)[pid].held for seed in SEEDS) >= MAJORITY, pid


def test_every_run_is_a_distinct_mouse(tmp_path):
    cfg = prepared("grik4_rescue", [*SMALL, "n_mice=3", "seed=5"])
    cfg["experiment"]["conditions"] = {c: s for c, s in cfg["experiment"]["conditions"].items() if c in ("wt", "oe")}
    results = experiment.run(cfg, tmp_path, attrs={})
    seeds = results.dataset["seed"].sel(condition="wt").values
    assert len(set(seeds.tolist())) == len(seeds)
    assert results.values("wt", "rate_cem").std() > 0
