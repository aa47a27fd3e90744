"""The experiment figure: one panel per measure, every virtual mouse shown, mean +/- 95% CI per condition.

When every condition holds the same virtual mice (a paired design), each mouse's dots are joined by a grey
line. With several cohorts (e.g. the sexes) each condition is shown per cohort. Time-series panels (a run's
``ts_<name>`` series, ``figure.series``) show each condition's mean +/- SD over mice, with the epochs shaded.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import mean_ci, save  # noqa: E402

def condition_figure(results, measures: list[str], title: str, stem: Path, seed: int = 0,
                     labels: dict | None = None, series: list[str] | None = None,
                     windows: dict | None = None, summaries: dict | None = None) -> list[Path]:
    """Draw and save ``stem``.png and ``stem``.svg; returns the paths. ``labels``: panel title per measure
    (from the readouts' catalogue, :func:`circuitsim.readouts.catalogue`); ``series``: time series to draw
    (names as in ``results.series``), with ``windows`` ({epoch: (start, stop)} in s) shaded; ``summaries``: their
    :func:`series_summary` when they were stored rather than in ``results``."""
    labels = labels or {}
    series = list(series or [])
    summaries = dict(summaries or {})
    missing = [name for name in series if name not in results.series and name not in summaries]
    if missing:
        raise ValueError(f"experiment.figure.series: {missing} are not series of this run "
                         f"(have: {', '.join(results.series)})")
    summaries.update({name: series_summary(results, name) for name in series if name not in summaries})
    plt.style.use("circuitsim.styles.talk")
    conditions = results.conditions
    cohorts = results.cohorts if len(results.cohorts) > 1 else [None]
    n_panels = len(measures) + len(series)
    cols = min(5, max(1, -(-n_panels // 2)))
    rows = int(np.ceil(n_panels / cols))
    width = 2.6 * (1 + 0.5 * (len(cohorts) > 1))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 2.6 * rows + 0.4), squeeze=False)
    rng = np.random.default_rng(seed)  # horizontal jitter of the dots only
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    paired = all(results.same_animals(conditions[0], c) for c in conditions[1:])
    groups = [(cohort, k, cond) for cohort in cohorts for k, cond in enumerate(conditions)]
    for ax, measure in zip(axes.flat, measures):
        for cohort in cohorts:
            points = []
            for x0, (group_cohort, k, cond) in enumerate(groups):
                if group_cohort != cohort:
                    continue
                y = results.values(cond, measure, cohort)
                if not len(y):
                    continue
                x = x0 + rng.uniform(-0.18, 0.18, len(y))
                points.append((x, y))
                ax.scatter(x, y, s=10, color=colours[k % len(colours)], alpha=0.7, linewidths=0, zorder=2)
                mean, half = mean_ci(y)
                ax.errorbar(x0 + 0.32, mean, yerr=half, fmt="o", color="k", ms=3, capsize=2, lw=1, zorder=3)
            if paired and len(points) > 1:  # the same virtual mouse in every condition: join its dots
                xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
                ax.plot(xs, ys, color="0.8", lw=0.5, zorder=1)
        ticks = [cond if cohort is None else f"{cond} {cohort}" for cohort, _, cond in groups]
        ax.set_xticks(range(len(groups)), ticks, rotation=60, ha="right", fontsize=8)
        ax.set_title(labels.get(measure, measure))
    for ax, name in zip(list(axes.flat)[len(measures):], series):
        _series_panel(ax, name, summaries[name], windows or {}, colours)
    for ax in list(axes.flat)[n_panels:]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, stem)


def series_summary(results, name: str, points: int | None = None) -> dict:
    """{"dim": its time dimension, "t": times, condition: (mean, SD) over the mice it holds} of the series ``name``
    (every ``len/points``-th sample if ``points`` is given)."""
    data = results.dataset[f"ts_{name}"]
    dim = data.dims[2]
    step = max(1, -(-data.sizes[dim] // points)) if points else 1
    out = {"dim": dim, "t": np.asarray(results.dataset[dim].values, dtype=float)[::step]}
    for cond in results.conditions:
        held = results.dataset["animal"].sel(condition=cond).values >= 0
        y = np.asarray(data.sel(condition=cond).values, dtype=float)[held][:, ::step]
        with np.errstate(invalid="ignore"):
            out[cond] = (np.nanmean(y, axis=0), np.nanstd(y, axis=0))
    return out


def _series_panel(ax, name: str, summary: dict, windows: dict, colours: list) -> None:
    """Mean +/- SD over mice of one time series per condition; epochs shaded and named."""
    dim, t = summary["dim"], summary["t"]
    conditions = [c for c in summary if c not in ("dim", "t")]
    for k, cond in enumerate(conditions):
        mean, sd = summary[cond]
        ax.plot(t, mean, color=colours[k % len(colours)], lw=1, label=cond)
        ax.fill_between(t, mean - sd, mean + sd, color=colours[k % len(colours)], alpha=0.2, lw=0)
    for j, (epoch, (start, stop)) in enumerate(sorted(windows.items(), key=lambda kv: kv[1][0])):
        if epoch:
            ax.axvspan(start, stop, color="0.5" if j % 2 else "0.85", alpha=0.15, lw=0)
            ax.text((start + stop) / 2, 1.0, epoch, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=6)
    ax.set_xlabel("day" if dim == "day" else "time (s)")
    ax.set_title(name, pad=10)
    ax.legend(fontsize=6, frameon=False)
