"""Verdicts across independent cohorts: run an experiment ``replicates`` times (seeds ``seed``, ``seed + 1``, ...)
and report, per prediction, the share of cohorts in which it held and the effect pooled over every cohort's mice.

A prediction that holds in fewer than :data:`FRAGILE_BELOW` of the cohorts is called fragile (a declared known miss
is reported as such instead). The pooled table is
the experiment's Results with the replicates' mice side by side (coordinate ``replicate`` on ``mouse``).
"""

from __future__ import annotations

from . import predictions
from .results import Results

FRAGILE_BELOW = 0.8


def summarise(specs: list[dict], per_replicate: list[list], pooled: list) -> list[dict]:
    """One row per prediction: held count, replicates, pooled effect and CI, and whether it is fragile."""
    rows = []
    for k, spec in enumerate(specs):
        verdicts = [outcomes[k].held for outcomes in per_replicate]
        share = sum(verdicts) / len(verdicts)
        p = pooled[k]
        rows.append({"id": spec["id"], "basis": p.basis, "known_miss": p.known_miss, "derived_from": p.derived_from,
                     "held": int(sum(verdicts)), "replicates": len(verdicts), "share": share,
                     "fragile": share < FRAGILE_BELOW and not p.known_miss, "verdicts": verdicts, "effects": [o[k].effect for o in per_replicate],
                     "effect": p.effect, "ci_low": p.ci_low, "ci_high": p.ci_high, "pooled_held": p.held, "n": p.n,
                     "n80": p.detail.get("n80")})
    return rows


def evaluate_all(specs: list[dict], results: Results, seed: int, n_boot: int) -> list:
    """Every prediction of an experiment on one table (bootstrap seeds ``seed + k``)."""
    return [predictions.evaluate(p, results, seed + k, n_boot) for k, p in enumerate(specs)]


def run(c: dict, outdir, attrs: dict, run_experiment) -> tuple[Results, list, list[dict]]:
    """``replicates`` runs of ``run_experiment(cfg, outdir, attrs)`` with seeds seed, seed+1, ...; returns the
    pooled table, the predictions on it, and one summary row per prediction."""
    specs = c["experiment"].get("predictions", [])
    parts, per = [], []
    for k in range(int(c["replicates"])):
        ck = {**c, "seed": int(c["seed"]) + k}
        results = run_experiment(ck, outdir, {**attrs, "seed": ck["seed"]})
        parts.append(results)
        per.append(evaluate_all(specs, results, ck["seed"], c["stats"]["n_boot"]))
        held = sum(o.held for o in per[-1] if o.basis == "simulated" and not o.derived_from)
        total = sum(1 for o in per[-1] if o.basis == "simulated" and not o.derived_from)
        print(f"replicate {k + 1}/{c['replicates']} (seed {ck['seed']}): {held} of {total} simulated predictions held",
              flush=True)
    pooled = Results.pool(parts)
    outcomes = evaluate_all(specs, pooled, int(c["seed"]), c["stats"]["n_boot"])
    for k, o in enumerate(outcomes):
        o.detail["replicates_held"] = [p[k].held for p in per]
    return pooled, outcomes, summarise(specs, per, outcomes)
