"""Timelines over days for experiments with a slow stage: one column per arm, every virtual mouse visible.

An arm is a list of conditions holding the same mice at different snapshot days (``figure.timeline.arms``). Rows:
the stage's trajectories (``stage``: one thin line per mouse from the arm's latest snapshot, the mean thick) and
network measures (``network``: each mouse's value at each snapshot day, joined per mouse, mean +/- SD). Every
panel shows the reference condition's mean (dashed) and a +/- ``band`` around it (green: the "normal" range), and
shades the windows of the arm's schedule named in ``shade`` ({stage key: colour}; from the arm's latest condition's
stage spec: every snapshot of an arm is assumed to follow that schedule up to its day). Mice are joined across
snapshots only when the conditions hold the same animals. A last column (``control``) overlays every arm's mean of
a control region's trajectories or measures.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import save  # noqa: E402

from ..parts.units import DAY  # noqa: E402



def snapshot_days(results, conditions: list[str]) -> dict:
    """The snapshot day of each condition: the end of its stage trajectories."""
    name = next(s for s in results.series if s.startswith("stage_"))
    data = results.dataset[f"ts_{name}"]
    days = np.asarray(results.dataset[data.dims[2]].values, dtype=float)
    out = {}
    for cond in conditions:
        y = np.asarray(data.sel(condition=cond).values, dtype=float)
        finite = np.where(np.isfinite(y).any(axis=0))[0]
        out[cond] = float(days[finite[-1]])
    return out


def _trajectories(results, name: str, condition: str):
    """Days up to the condition's snapshot and every mouse's trajectory of the stage series ``name``."""
    if f"ts_stage_{name}" not in results.dataset:
        raise ValueError(f"experiment.figure.timeline: {name!r} is not a stage trajectory of this run "
                         f"(have: {', '.join(s[6:] for s in results.series if s.startswith('stage_'))})")
    data = results.dataset[f"ts_stage_{name}"]
    days = np.asarray(results.dataset[data.dims[2]].values, dtype=float)
    held = results.dataset["animal"].sel(condition=condition).values >= 0
    y = np.asarray(data.sel(condition=condition).values, dtype=float)[held]
    keep = np.isfinite(y).any(axis=0)  # the common grid runs to the latest snapshot; this one may stop earlier
    return days[keep], y[:, keep]


def timeline_figure(results, spec: dict, stages: dict, labels: dict, title: str, stem: Path) -> list[Path]:
    """Draw ``stem``.png/.svg. ``spec``: {arms, stage, network, control, reference, band}; ``stages``: each
    condition's stage spec ({intervention: [start, stop] in s, ...}) for shading the schedules."""
    arms, rows = spec["arms"], list(spec.get("stage", [])) + list(spec.get("network", []))
    control, reference, band = list(spec.get("control", [])), spec.get("reference"), float(spec["band"])
    shade = dict(spec.get("shade") or {})
    stage_names = set(spec.get("stage", [])) | {c for c in control if f"stage_{c}" in results.series}
    conditions = [c for conds in arms.values() for c in conds] + ([reference] if reference else [])
    day_of = snapshot_days(results, list(dict.fromkeys(conditions)))
    plt.style.use("circuitsim.styles.talk")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    n_cols = len(arms) + bool(control)
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(2.3 * n_cols, 1.9 * len(rows) + 0.6), squeeze=False,
                             sharex=True)
    for j, (arm, conds) in enumerate(arms.items()):
        colour = colours[j % len(colours)]
        last = max(conds, key=lambda c: day_of[c])
        for i, name in enumerate(rows):
            ax = axes[i, j]
            _schedule(ax, stages.get(last, {}), day_of[last], shade)
            _reference(ax, results, name, reference, band, name in stage_names)
            if name in stage_names:
                days, y = _trajectories(results, name, last)
                ax.plot(days, y.T, color=colour, lw=0.4, alpha=0.35)
                ax.plot(days, np.nanmean(y, axis=0), color=colour, lw=1.6)
            else:
                xs = np.array([day_of[c] for c in conds])
                ys = np.array([results.values(c, name) for c in conds])  # (snapshots, mice): the same mice
                same = all(results.same_animals(conds[0], c) for c in conds[1:])
                ax.plot(xs, ys if same else np.full_like(ys, np.nan), color=colour, lw=0.4, alpha=0.35)
                ax.plot(np.repeat(xs, ys.shape[1]), ys.ravel(), ls="none", color=colour, alpha=0.5, marker="o", ms=1.5)
                ax.errorbar(xs, ys.mean(axis=1), yerr=ys.std(axis=1, ddof=1), color="k", lw=1, ms=3, marker="o",
                            capsize=2)
            if i == 0:
                ax.set_title(arm)
            if j == 0:
                ax.set_ylabel(labels.get(name, name), fontsize=7)
            if i == len(rows) - 1:
                ax.set_xlabel("day")
    for i in range(len(rows)):  # one scale per row across the arms
        limits = np.array([axes[i, j].get_ylim() for j in range(len(arms))])
        for j in range(len(arms)):
            axes[i, j].set_ylim(limits[:, 0].min(), limits[:, 1].max())
    if control:
        for i in range(len(rows)):
            axes[i, -1].set_visible(i < len(control))
        for i, name in enumerate(control):
            ax = axes[i, -1]
            ax.set_title("dorsal control" if i == 0 else "")
            for j, (arm, conds) in enumerate(arms.items()):
                colour = colours[j % len(colours)]
                if name in stage_names:
                    days, y = _trajectories(results, name, max(conds, key=lambda c: day_of[c]))
                    ax.plot(days, np.nanmean(y, axis=0), color=colour, lw=1.4, label=arm)
                else:
                    xs = [day_of[c] for c in conds]
                    ax.plot(xs, [np.mean(results.values(c, name)) for c in conds], color=colour, lw=1.4,
                            marker="o", ms=3, label=arm)
            ax.set_ylabel(labels.get(name, name), fontsize=7)
            if i == 0:
                ax.legend(fontsize=6, frameon=False)
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, stem)


def _schedule(ax, stage: dict, until: float, shade: dict) -> None:
    """Shade the schedule's windows named in ``shade`` in their colours, up to the arm's last snapshot."""
    for key, colour in shade.items():
        window = stage.get(key)
        if window:
            start, stop = float(window[0]) / DAY, min(float(window[1]) / DAY, until)
            ax.axvspan(start, stop, color=colour, alpha=0.6, lw=0, zorder=0)


def _reference(ax, results, name: str, reference: str | None, band: float, stage: bool) -> None:
    """The reference condition's mean (dashed) with the +/- band around it."""
    if not reference:
        return
    if stage:
        _, y = _trajectories(results, name, reference)
        level = float(np.mean(y[:, -1]))  # at the reference's snapshot
    else:
        level = float(np.mean(results.values(reference, name)))
    ax.axhspan(level * (1 - band), level * (1 + band), color="#8fcf8f", alpha=0.35, lw=0, zorder=0.5)
    ax.axhline(level, color="0.4", lw=0.8, ls="--", zorder=1)


def experiment_timeline(c: dict, results, stem: Path) -> list[Path]:
    """The timeline figure of a prepared experiment ``c`` (its ``figure.timeline`` spec) from its results."""
    from ..stage import condition_stage

    exp = c["experiment"]
    stages = {name: condition_stage(exp, name) for name, spec in exp["conditions"].items() if "select" not in spec}
    return timeline_figure(results, {"band": exp["similarity_margin"], **exp["figure"]["timeline"]}, stages,
                           {name: m.title for name, m in c["measures"].items()}, exp.get("title", exp["name"]), stem)
