"""Declarative predictions, checked over virtual mice with bootstrap confidence intervals.

A prediction in an experiment config names a measure, the conditions it compares and a ``kind``:

* ``greater`` / ``less`` / ``differs``: effect = mean(a) - mean(b); held when the 95% CI excludes 0 on the
  claimed side. A rank test (Mann-Whitney, or Wilcoxon signed-rank for the same mice) is reported too.
* a **contrast**: ``a`` or ``b`` may be a pair of conditions ``[x, y]`` holding the same animals, standing for every
  animal's x - y (e.g. context discrimination: strong - mild context), for greater, less, differs and similar.
* ``greater`` / ``less`` with ``at_least: x``: a claimed size ("at least 40% lower"): effect = (mean(a) - mean(b)) /
  |mean(b)|, held when its CI lies beyond +x (greater) or below -x (less).
* ``similar``: effect = (mean(a) - mean(b)) / |mean(b)|; held when the CI lies inside +/- ``margin``
  (an equivalence test; the margin is stated in the experiment config before running).
* ``toward``: a moves from b toward ``target``; effect = recovered fraction (b - a) / (b - target);
  held when its CI is above 0 and does not lie wholly above 1 (when a and b are the same animals and the target
  others, the pairs are resampled together and the target group on its own). 1 means full recovery; a fraction above 1 is an
  overshoot past the target and is reported as such (``detail.overshoot``).
* ``greater``, ``less``, ``differs`` and ``similar`` may compare a's ``measure`` with another measure of b
  (``measure_b``), e.g. one condition's rate in two epochs (``a`` = ``b``: the same animals, paired).
* ``trend``: Spearman correlation between a numeric ``levels`` value per condition and the measure over all
  mice; held when the CI is on the ``direction`` side of 0. When every level holds the same animals the trend is
  paired like the other kinds: each animal's own Spearman correlation across the levels, effect = their mean,
  bootstrapped over animals (rank test: Wilcoxon signed-rank of the per-animal correlations against 0).

* ``correlates``: across the animals of condition ``a``, Spearman's correlation between ``measure`` and ``measure_b``
  (e.g. a coupling gain and an anxiety index); held when the CI (pairs of values resampled together) is on the
  ``direction`` side of 0 (``positive`` or ``negative``).

**Small groups.** With fewer than 10 mice in a compared group the bootstrap percentile interval is too narrow, so
a directional verdict (greater, less, differs, toward, trend) also needs the rank test to agree in the claimed
direction at p < 0.05 (Wilcoxon signed-rank for the same mice, else Mann-Whitney; Spearman for a trend), and
``similar`` uses a BCa interval (bias- and skew-corrected; it is itself unstable at such n, so equivalence
verdicts on fewer than 10 mice are weak evidence either way; percentile where BCa is undefined).

Every prediction states its **basis**: ``simulated`` (it emerges from the dynamics) or ``construction`` (it follows
from how a manipulation or readout is defined: a wiring check). One that is the same measure as another through a
fixed monotone map names it in ``derived_from`` and is not counted again. A claim the model is known not to
reproduce carries ``known_miss: <reason>``: it is still checked and reported, as an expected miss. ``claims`` names
the numbered claims of the experiment's seed sheet (``experiment.seed_sheet``) the prediction tests, e.g. ``[1, 3]``,
or is ``extension`` for a prediction of the model's own (:mod:`circuitsim.claims` traces them).

Pairing is automatic: two conditions holding the same virtual animals are compared mouse by mouse. With
``each_cohort: true`` the prediction is also checked within every cohort (e.g. each sex) and holds only if it holds
in all of them; the pooled effect is reported, each cohort's verdict and effect are in ``detail.cohorts``.
For a comparison of different animals, ``detail.n80`` is the number of mice per group a two-group comparison of
this effect and spread would need for 80% power (two-sided alpha 0.05, normal approximation).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

KINDS = ("greater", "less", "differs", "similar", "toward", "trend", "correlates")
BASES = ("simulated", "construction")
EXTENSION = "extension"  # ``claims: extension``: a prediction of the model's own, no claim of its seed sheet
SMALL_N = 10  # below this many mice per group the rank test must agree (see module docstring)


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
    basis: str = "simulated"
    known_miss: str | None = None
    derived_from: str | None = None
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
    if kind == "correlates":
        return _correlates(spec, table, rng, n_boot)
    a = _values(table, spec["a"], measure)
    b = _values(table, spec["b"], spec.get("measure_b", measure))
    paired = table.same_animals(_first(spec["a"]), _first(spec["b"]))
    small = min(len(a), len(b)) < SMALL_N
    if kind == "toward":
        target = table.values(spec["target"], measure)

        def stat(x, y, z, axis=-1):
            return (np.mean(y, axis=axis) - np.mean(x, axis=axis)) / (np.mean(y, axis=axis) - np.mean(z, axis=axis))

        all_paired = paired and table.same_animals(spec["b"], spec["target"])
        if paired and not all_paired:  # a and b the same animals, the target others: resample pairs and target apart
            effect, lo, hi = _boot_pairs_and_group(a, b, target, stat, rng, n_boot)
            n = len(a) + len(target)
        else:
            effect, lo, hi = _boot((a, b, target), stat, rng, n_boot, paired=all_paired)
            n = len(a) if all_paired else len(a) + len(b) + len(target)
        held = lo > 0 and lo <= 1
        side = "less" if np.mean(target) < np.mean(b) else "greater"  # a moves from b toward the target
        rank_p = _rank_p(a, b, paired, side)
        if small:
            held = held and rank_p < 0.05
        return _outcome(spec, held, effect, lo, hi, n, {
            "mean_a": np.mean(a), "mean_b": np.mean(b), "mean_target": np.mean(target), "paired": paired,
            "target_paired": all_paired, "overshoot": bool(effect > 1), "rank_p": rank_p, "small_n_rule": small,
            **_power(a, b, paired)})
    if kind == "similar":
        margin = float(spec["margin"])

        def stat(x, y, axis=-1):
            return (np.mean(x, axis=axis) - np.mean(y, axis=axis)) / np.abs(np.mean(y, axis=axis))

        effect, lo, hi = _boot((a, b), stat, rng, n_boot, paired, method="BCa" if small else "percentile")
        held = (lo > -margin) and (hi < margin)
        return _outcome(spec, held, effect, lo, hi, _n(a, b, paired),
                        {"mean_a": np.mean(a), "mean_b": np.mean(b), "margin": margin, "paired": paired,
                         "small_n_rule": small})
    if kind in ("greater", "less", "differs"):
        size = float(spec.get("at_least") or 0.0)  # a claimed relative size (greater / less only)

        def stat(x, y, axis=-1):
            diff = np.mean(x, axis=axis) - np.mean(y, axis=axis)
            return diff / np.abs(np.mean(y, axis=axis)) if size else diff

        effect, lo, hi = _boot((a, b), stat, rng, n_boot, paired)
        held = {"greater": lo > size, "less": hi < -size, "differs": lo > 0 or hi < 0}[kind]
        rank_p = _rank_p(a, b, paired, kind)
        if small:
            held = held and rank_p < 0.05
        return _outcome(spec, held, effect, lo, hi, _n(a, b, paired),
                        {"mean_a": np.mean(a), "mean_b": np.mean(b), "hedges_g": hedges_g(a, b), "at_least": size,
                         "rank_p": rank_p, "paired": paired, "small_n_rule": small, **_power(a, b, paired)})
    raise ValueError(f"prediction {spec.get('id')}: kind {kind!r} is not one of {', '.join(KINDS)}")


def _correlates(spec, table, rng, n_boot) -> Outcome:
    """Spearman correlation of two measures over the animals of one condition, bootstrapped over animals."""
    x = table.values(spec["a"], spec["measure"])
    y = table.values(spec["a"], spec["measure_b"])
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]

    def rho(u, v, axis=-1):  # Spearman's rho for a batch of paired resamples (Pearson on ranks)
        ru, rv = stats.rankdata(u, axis=axis), stats.rankdata(v, axis=axis)
        ru, rv = ru - ru.mean(axis=axis, keepdims=True), rv - rv.mean(axis=axis, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (ru * rv).sum(axis=axis) / np.sqrt((ru**2).sum(axis=axis) * (rv**2).sum(axis=axis))

    effect, lo, hi = _boot((x, y), rho, rng, n_boot, paired=True)
    side = "greater" if spec["direction"] == "positive" else "less"
    held = lo > 0 if side == "greater" else hi < 0
    rank_p = float(stats.spearmanr(x, y, alternative=side).pvalue) if len(x) > 2 else float("nan")
    small = len(x) < SMALL_N
    if small:
        held = held and rank_p < 0.05
    return _outcome(spec, held, effect, lo, hi, int(len(x)), {"rank_p": rank_p, "paired": True, "small_n_rule": small})


def _first(condition):
    return condition[0] if isinstance(condition, (list, tuple)) else condition


def _values(table, condition, measure: str) -> np.ndarray:
    """A condition's values, or for a contrast ``[x, y]`` every animal's x - y (x and y hold the same animals)."""
    if not isinstance(condition, (list, tuple)):
        return table.values(condition, measure)
    x, y = condition
    if not table.same_animals(x, y):
        raise ValueError(f"contrast [{x}, {y}]: the two conditions must hold the same animals (design: within)")
    return table.values(x, measure) - table.values(y, measure)


def _trend(spec, table, rng, n_boot) -> Outcome:
    levels = {c: float(v) for c, v in spec["levels"].items()}
    groups = [table.values(c, spec["measure"]) for c in levels]
    first = next(iter(levels))
    if all(table.same_animals(first, c) for c in levels):
        return _paired_trend(spec, levels, np.array(groups), rng, n_boot)
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
    side = "less" if spec["direction"] == "decreasing" else "greater"
    rank_p = float(stats.spearmanr(np.concatenate(xs), np.concatenate(groups), alternative=side).pvalue)
    small = min(len(g) for g in groups) < SMALL_N
    if small:
        held = held and rank_p < 0.05
    return _outcome(spec, held, effect, lo, hi, int(sum(len(g) for g in groups)),
                    {"means": {c: float(np.mean(g)) for c, g in zip(levels, groups)}, "rank_p": rank_p,
                     "small_n_rule": small})


def _paired_trend(spec, levels, values, rng, n_boot) -> Outcome:
    """Trend over levels that hold the same animals: each animal's Spearman correlation (``values``: levels x mice)."""
    x = stats.rankdata(list(levels.values()))
    x = x - x.mean()
    y = stats.rankdata(values, axis=0)
    y = y - y.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (x @ y) / np.sqrt((x @ x) * (y**2).sum(axis=0))
    rho = np.nan_to_num(rho)  # an animal whose measure is the same at every level has no trend (0)
    effect, lo, hi = _boot((rho,), lambda r, axis=-1: np.mean(r, axis=axis), rng, n_boot, paired=False)
    held = hi < 0 if spec["direction"] == "decreasing" else lo > 0
    side = "less" if spec["direction"] == "decreasing" else "greater"
    try:
        rank_p = float(stats.wilcoxon(rho, alternative=side).pvalue)
    except ValueError:
        rank_p = float("nan")
    small = values.shape[1] < SMALL_N
    if small:
        held = held and rank_p < 0.05
    return _outcome(spec, held, effect, lo, hi, int(values.shape[1]),
                    {"means": {c: float(np.mean(v)) for c, v in zip(levels, values)}, "rank_p": rank_p,
                     "paired": True, "small_n_rule": small})


def _boot(samples, stat, rng, n_boot, paired, method="percentile"):
    point = float(stat(*samples))
    if any(len(s) < 2 for s in samples):
        return point, float("nan"), float("nan")
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        res = stats.bootstrap(samples, stat, paired=paired, vectorized=True, n_resamples=n_boot,
                              confidence_level=0.95, method=method, random_state=rng)
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if method == "BCa" and not (np.isfinite(low) and np.isfinite(high)):
            # BCa is undefined when every resample gives the same value (e.g. identical paired runs)
            res = stats.bootstrap(samples, stat, paired=paired, vectorized=True, n_resamples=n_boot,
                                  confidence_level=0.95, method="percentile", random_state=rng)
            low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return point, low, high


def _boot_pairs_and_group(a, b, target, stat, rng, n_boot):
    """Percentile bootstrap of ``stat(a, b, target)`` resampling the (a, b) pairs of the same animals together and
    the target group on its own."""
    point = float(stat(a, b, target))
    if len(a) < 2 or len(target) < 2:
        return point, float("nan"), float("nan")
    pairs = rng.integers(0, len(a), (n_boot, len(a)))
    group = rng.integers(0, len(target), (n_boot, len(target)))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = stat(a[pairs], b[pairs], target[group], axis=-1)
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return point, float(low), float(high)


def hedges_g(a, b) -> float:
    """Hedges' g of mean(a) - mean(b): over the pooled SD of the two groups, small-sample corrected (Hedges & Olkin
    1985); the same for paired groups (the predictions report it so); nan when both groups are constant."""
    na, nb = len(a), len(b)
    pooled = np.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / max(na + nb - 2, 1))
    if pooled == 0:
        return float("nan")
    return float((np.mean(a) - np.mean(b)) / pooled * (1 - 3 / (4 * (na + nb) - 9)))


def _power(a, b, paired) -> dict:
    """Mice per group for 80% power in a two-group comparison of this effect and pooled SD (between animals)."""
    if paired or len(a) < 2 or len(b) < 2:
        return {}
    sd = np.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / 2)
    diff = abs(np.mean(a) - np.mean(b))
    if diff == 0 or not np.isfinite(sd):
        return {"n80": None}
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    return {"n80": int(np.ceil(2 * (z * sd / diff) ** 2))}


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
                   spec["measure"], spec.get("basis", "simulated"), spec.get("known_miss"),
                   spec.get("derived_from"), clean)
