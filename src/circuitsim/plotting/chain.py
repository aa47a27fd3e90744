"""Chains of time courses and two-factor plots, every virtual mouse visible.

``figure.chain`` (``{series: [rate_bla_pn, astro_Ca_uM, nvu_f, bold], shade: [context], labels: {nvu_f: flow}}``): one row per series (a
causal chain read downwards), one column per condition; each mouse is a thin grey line, the mean a thick coloured
one, the ``shade`` epochs shaded; binned rates are smoothed for display (moving average over ``SMOOTH``).
Rows share their y axis, so conditions compare at a glance.

``figure.interaction`` (``{measure, levels: [mild, strong], groups: {control: [mild_ctl, strong_ctl], ...}}``): the
measure against a factor's levels, one line per group (mean +/- 95% CI), each mouse's own line thin: e.g. context
discrimination (mild -> strong) with intact, deficient and enhanced coupling.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import mean_ci, save  # noqa: E402

SMOOTH = 0.25  # s: time courses sampled every 20 ms or finer (binned rates) are shown as a moving average over it


def chain_traces(results, series: list[str], points: int | None = None) -> dict:
    """{series: (times, {condition: mice x times})} of a run, every ``len/points``-th sample if ``points`` is given."""
    missing = [s for s in series if s not in results.series]
    if missing:
        raise ValueError(f"experiment.figure.chain: {missing} are not series of this run (have: "
                         f"{', '.join(results.series)})")
    out = {}
    for name in series:
        data = results.dataset[f"ts_{name}"]
        t = np.asarray(results.dataset[data.dims[2]].values, dtype=float)
        step = max(1, -(-len(t) // points)) if points else 1
        per = {}
        for cond in results.conditions:
            held = results.dataset["animal"].sel(condition=cond).values >= 0
            per[cond] = _smooth(t, np.asarray(data.sel(condition=cond).values, dtype=float)[held])[:, ::step]
        out[name] = (t[::step], per)
    return out


def _smooth(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Binned rates (sampled every 20 ms or finer): a centred moving average over SMOOTH, for display."""
    step = float(np.median(np.diff(t))) if len(t) > 1 else SMOOTH
    width = int(round(SMOOTH / step))
    if step > 0.02 or width <= 1:
        return y
    kernel = np.ones(width) / width
    padded = np.pad(y, ((0, 0), (width // 2, width - 1 - width // 2)), mode="edge")
    return np.array([np.convolve(mouse, kernel, mode="valid") for mouse in padded])


def chain_figure(traces: dict, title: str, stem: Path, windows: dict | None = None,
                 labels: dict | None = None) -> list[Path]:
    """Draw ``stem``.png/.svg from :func:`chain_traces`: rows = series, columns = conditions."""
    plt.style.use("circuitsim.styles.talk")
    series = list(traces)
    conditions = list(next(iter(traces.values()))[1])
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, axes = plt.subplots(len(series), len(conditions), figsize=(2.3 * len(conditions) + 0.6, 1.8 * len(series) + 0.6),
                             squeeze=False, sharey="row", sharex=True)
    for row, name in enumerate(series):
        t, per = traces[name]
        for col, cond in enumerate(conditions):
            ax = axes[row, col]
            y = per[cond]
            for mouse in y:
                ax.plot(t, mouse, color="0.55", lw=0.35, alpha=0.5, rasterized=True)  # light SVGs
            with np.errstate(invalid="ignore"):
                ax.plot(t, np.nanmean(y, axis=0), color=colours[(col + 1) % len(colours)], lw=1.6)  # [0] is black
            for start, stop in (windows or {}).values():
                ax.axvspan(start, stop, color="0.85", alpha=0.5, lw=0, zorder=0)
            if row == 0:
                ax.set_title(cond)
            if col == 0:
                ax.set_ylabel((labels or {}).get(name, name), fontsize=8)
            if row == len(series) - 1:
                ax.set_xlabel("time (s)")
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, stem)


def interaction_figure(results, spec: dict, title: str, stem: Path, label: str | None = None) -> list[Path]:
    """Draw ``stem``.png/.svg: ``spec['measure']`` over ``spec['levels']``, a line per group in ``spec['groups']``."""
    plt.style.use("circuitsim.styles.talk")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    levels = list(spec["levels"])
    x = np.arange(len(levels))
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(levels), 3.2))
    for k, (group, conditions) in enumerate(spec["groups"].items()):
        values = np.array([results.values(cond, spec["measure"]) for cond in conditions])  # levels x mice
        colour = colours[k % len(colours)]
        shift = (k - (len(spec["groups"]) - 1) / 2) * 0.06
        paired = all(results.same_animals(conditions[0], c) for c in conditions[1:])
        if paired:
            for mouse in values.T:
                ax.plot(x + shift, mouse, color=colour, lw=0.4, alpha=0.3, rasterized=True)
        mean, half = mean_ci(values, axis=1)
        ax.errorbar(x + shift, mean, yerr=half, color=colour, lw=1.6, marker="o", ms=4, capsize=2, label=group)
    ax.set_xticks(x, levels)
    ax.set_xlim(-0.4, len(levels) - 0.6)
    ax.set_ylabel(label or spec["measure"])
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return save(fig, stem)


def figures(c: dict, results, folder: Path, traces: dict | None = None) -> dict[str, Path]:
    """The chain and interaction figures the experiment's config asks for (``figure.chain``, ``figure.interaction``),
    written as ``folder/<experiment>_chain`` and ``_interaction``; ``traces`` (:func:`chain_traces`) when they were
    stored rather than in ``results``. Returns {kind: PNG path}."""
    exp = c["experiment"]
    figure, title, out = exp.get("figure") or {}, exp.get("title", exp["name"]), {}
    if figure.get("chain"):
        chain = figure["chain"]
        labels = {**(c["circuit"].get("series_labels") or {}), **(chain.get("labels") or {})}
        traces = traces if traces is not None else chain_traces(results, list(chain["series"]))
        out["chain"] = chain_figure(traces, title, folder / f"{exp['name']}_chain",
                                    {e: c["windows"][e] for e in chain.get("shade") or []}, labels)[0]
    if figure.get("interaction"):
        spec = figure["interaction"]
        out["interaction"] = interaction_figure(results, spec, title, folder / f"{exp['name']}_interaction",
                                                c["measures"][spec["measure"]].title)[0]
    return out
