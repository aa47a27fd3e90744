"""Declarative predictions, checked over virtual mice with bootstrap confidence intervals.

A prediction in an experiment config names a measure, the conditions it compares and a ``kind``:

* ``greater`` / ``less`` / ``differs``: effect = mean(a) - mean(b); held when the 95% CI excludes 0 on the
  claimed side. A rank test (Mann-Whitney, or Wilcoxon signed-rank for the same mice) is reported too.
* ``similar``: effect = (mean(a) - mean(b)) / |mean(b)|; held when the CI lies inside +/- ``margin``
  (an equivalence test; the margin is stated in the experiment config before running).
* ``toward``: a moves from b toward ``target``; effect = recovered fraction (b - a) / (b - target);
  held when its CI is above 0. 1 means full recovery.
* ``trend``: Spearman correlation between a numeric ``levels`` value per condition and the measure over all
  mice; held when the CI is on the ``direction`` side of 0.

Pairing is automatic: two conditions holding the same virtual animals are compared mouse by mouse. With
``each_cohort: true`` the prediction is also checked within every cohort (e.g. each sex) and holds only if it holds
in all of them; the pooled effect is reported, each cohort's verdict and effect are in ``detail.cohorts``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

KINDS = ("greater", "less", "differs", "similar", "toward", "trend")


@dataclass
class Outcome:
    id: str
    claim: str
    held: bool
    effect: float
    ci_low: float
    ci_high: float
    n: int
    kind: str
    measure: str
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(spec: dict, table, seed: int, n_boot: int) -> Outcome:
    """Check one prediction against a :class:`circuitsim.results.Results` table."""
    outcome = _evaluate(spec, table, seed, n_boot)
    if spec.get("each_cohort") and len(table.cohorts) > 1:
        per = {c: _evaluate(spec, table.cohort(c), seed, n_boot) for c in table.cohorts}
        outcome.detail["cohorts"] = {c: {"held": o.held, "effect": o.effect, "ci_low": o.ci_low,
                                         "ci_high": o.ci_high, "n": o.n} for c, o in per.items()}
        outcome.held = outcome.held and all(o.held for o in per.values())
    return outcome


def _evaluate(spec: dict, table, seed: int, n_boot: int) -> Outcome:
    kind = spec["kind"]
    measure = spec["measure"]
    rng = np.random.default_rng(seed)
    if kind == "trend":
        return _trend(spec, table, rng, n_boot)
    a = table.values(spec["a"], measure)
    b = table.values(spec["b"], measure)
    paired = table.same_animals(spec["a"], spec["b"])
    if kind == "toward":
        target = table.values(spec["target"], measure)
        def stat(x, y, z, axis=-1):
            return (np.mean(y, axis=axis) - np.mean(x, axis=axis)) / (np.mean(y, axis=axis) - np.mean(z, axis=axis))

        paired = paired and table.same_animals(spec["b"], spec["target"])
        effect, lo, hi = _boot((a, b, target), stat, rng, n_boot, paired=paired)
        held = lo > 0
        n = len(a) if paired else len(a) + len(b) + len(target)
        return _outcome(spec, held, effect, lo, hi, n, {"mean_a": np.mean(a), "mean_b": np.mean(b),
                                                        "mean_target": np.mean(target), "paired": paired})
    if kind == "similar":
        margin = float(spec["margin"])
        def stat(x, y, axis=-1):
            return (np.mean(x, axis=axis) - np.mean(y, axis=axis)) / np.abs(np.mean(y, axis=axis))
        effect, lo, hi = _boot((a, b), stat, rng, n_boot, paired)
        held = (lo > -margin) and (hi < margin)
        return _outcome(spec, held, effect, lo, hi, _n(a, b, paired),
                        {"mean_a": np.mean(a), "mean_b": np.mean(b), "margin": margin, "paired": paired})
    if kind in ("greater", "less", "differs"):
        def stat(x, y, axis=-1):
            return np.mean(x, axis=axis) - np.mean(y, axis=axis)
        effect, lo, hi = _boot((a, b), stat, rng, n_boot, paired)
        held = {"greater": lo > 0, "less": hi < 0, "differs": lo > 0 or hi < 0}[kind]
        return _outcome(spec, held, effect, lo, hi, _n(a, b, paired),
                        {"mean_a": np.mean(a), "mean_b": np.mean(b), "hedges_g": _hedges_g(a, b),
                         "rank_p": _rank_p(a, b, paired, kind), "paired": paired})
    raise ValueError(f"prediction {spec.get('id')}: kind {kind!r} is not one of {', '.join(KINDS)}")


def _trend(spec, table, rng, n_boot) -> Outcome:
    levels = {c: float(v) for c, v in spec["levels"].items()}
    groups = [table.values(c, spec["measure"]) for c in levels]
    xs = [np.full(len(g), lv) for g, lv in zip(groups, levels.values())]

    x = stats.rankdata(np.concatenate(xs))
    x = x - x.mean()

    def rho(*samples, axis=-1):  # Spearman's rho (Pearson on average ranks), for a batch of resamples at once
        y = stats.rankdata(np.concatenate(samples, axis=-1), axis=-1)
        y = y - y.mean(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (y @ x) / np.sqrt((y**2).sum(axis=-1) * (x @ x))

    effect, lo, hi = _boot(tuple(groups), rho, rng, n_boot, paired=False)
    held = hi < 0 if spec["direction"] == "decreasing" else lo > 0
    return _outcome(spec, held, effect, lo, hi, int(sum(len(g) for g in groups)),
                    {"means": {c: float(np.mean(g)) for c, g in zip(levels, groups)}})


def _boot(samples, stat, rng, n_boot, paired):
    point = float(stat(*samples))
    if any(len(s) < 2 for s in samples):
        return point, float("nan"), float("nan")
    res = stats.bootstrap(samples, stat, paired=paired, vectorized=True, n_resamples=n_boot,
                          confidence_level=0.95, method="percentile", random_state=rng)
    return point, float(res.confidence_interval.low), float(res.confidence_interval.high)


def _hedges_g(a, b) -> float:
    na, nb = len(a), len(b)
    pooled = np.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / max(na + nb - 2, 1))
    if pooled == 0:
        return float("nan")
    return float((np.mean(a) - np.mean(b)) / pooled * (1 - 3 / (4 * (na + nb) - 9)))


def _rank_p(a, b, paired, kind) -> float:
    alternative = {"greater": "greater", "less": "less", "differs": "two-sided"}[kind]
    try:
        if paired:
            return float(stats.wilcoxon(a, b, alternative=alternative).pvalue)
        return float(stats.mannwhitneyu(a, b, alternative=alternative).pvalue)
    except ValueError:
        return float("nan")


def _n(a, b, paired) -> int:
    return len(a) if paired else len(a) + len(b)


def _outcome(spec, held, effect, lo, hi, n, detail) -> Outcome:
    held = bool(held) and np.isfinite(lo) and np.isfinite(hi)
    clean = {k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in detail.items()}
    return Outcome(spec["id"], spec["claim"], held, float(effect), float(lo), float(hi), int(n), spec["kind"],
                   spec["measure"], clean)
