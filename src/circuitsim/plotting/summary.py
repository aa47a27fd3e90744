"""The summary slide of one experiment: (A) its circuit, the manipulated part highlighted; (B) the key activity
measure; (C) the behaviour measure.

What to show is the experiment's ``figure.summary`` block (checked in :mod:`circuitsim.config`)::

    summary: {activity: rate_cem, behaviour: open_arm_pct, conditions: [wt, oe, oe_rescue],
              compare: [[oe, wt], [oe_rescue, oe]], highlight: [grik4_oe, bla_aav_cre],
              schematic: {layers: ..., labels: ..., links: ...}}

In B and C every virtual mouse is a dot, joined across neighbouring conditions that hold the same mice (a within
design); the mean +/- 95% CI (normal approximation, as in the per-condition figures) beside each group; for each
pair ``[a, b]`` of ``compare`` a bracket with the difference in means (a - b) and Hedges' g
(:func:`circuitsim.predictions.hedges_g`). With several cohorts (e.g. the sexes) each condition is shown per
cohort and pairs are compared within each. A 16:9 slide (1920 x 1080 px PNG) and an SVG that is byte-identical for
the same inputs (the talk style's fixed ``svg.hashsalt``; :func:`~circuitsim.plotting.save` writes no date).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402
from matplotlib.transforms import Affine2D, ScaledTranslation  # noqa: E402

from ..predictions import hedges_g  # noqa: E402
from . import mean_ci, save  # noqa: E402
from .schematic import HIGHLIGHT, edge_style, Edge, schematic  # noqa: E402

SLIDE = (12.8, 7.2)  # inches: a 16:9 slide ...
DPI = 150  # ... at 1920 x 1080 px
ASPECT = 0.9  # height / width the schematic is stretched toward (panel A is about 1.2; its labels take the rest)
JITTER = 0.12  # horizontal spread of a group's dots (x units: groups 1 apart), seeded
RC = {"font.size": 13, "axes.titlesize": 15, "axes.labelsize": 13, "xtick.labelsize": 12, "ytick.labelsize": 12,
      "savefig.dpi": DPI, "savefig.bbox": "standard"}  # slide-sized text over the talk style


def summary_figure(c: dict, table: pd.DataFrame, stem: Path) -> list[Path]:
    """Draw ``stem``.png/.svg from the prepared config ``c`` (its ``experiment.figure.summary``) and the table of
    its run (one row per condition x mouse: condition, mouse, animal, [cohort,] measures...). Returns the paths."""
    exp = c["experiment"]
    spec = (exp.get("figure") or {}).get("summary")
    if not spec:
        raise ValueError(f"experiment {exp['name']!r} has no figure.summary block")
    missing = sorted({spec["activity"], spec["behaviour"]} - set(table.columns))
    if missing:
        raise ValueError(f"summary of {exp['name']}: the table has no column {missing[0]!r}")
    absent = sorted(set(spec["conditions"]) - set(table["condition"]))
    if absent:
        raise ValueError(f"summary of {exp['name']}: the table has no rows of condition {absent[0]!r}")
    with plt.style.context("circuitsim.styles.talk"), plt.rc_context(RC):
        fig = plt.figure(figsize=SLIDE, dpi=DPI, layout="constrained")
        grid = fig.add_gridspec(2, 3, width_ratios=[1.45, 1, 1], height_ratios=[13, 1.4])
        ax_a = fig.add_subplot(grid[0, 0])
        ax_a.set_anchor("N")  # the schematic keeps its aspect: top-aligned with B and C
        schematic(ax_a, c, spec["highlight"], spec["schematic"], fontsize=11, aspect=ASPECT)
        ax_a.set_title("A  Circuit", loc="left", fontweight="bold")
        ns = set()
        for k, (key, title) in enumerate([("activity", "B  Activity"), ("behaviour", "C  Behaviour")]):
            ax = fig.add_subplot(grid[0, k + 1])
            ns |= _measure_panel(ax, table, spec, spec[key], c["measures"][spec[key]])
            ax.set_title(title, loc="left", fontweight="bold")
        _key(fig.add_subplot(grid[1, :]), spec["highlight"], ns.pop() if len(ns) == 1 else None)
        fig.suptitle(exp.get("title", exp["name"]), fontsize=17)
        _freeze_layout(fig)
        return save(fig, stem)


def _freeze_layout(fig) -> None:
    """Lay the figure out once and keep the axes there, rounded: the constrained layout can differ in the last bit
    between draws of the same figure, which changes the SVG's clip-path ids."""
    fig.canvas.draw()
    fig.set_layout_engine("none")
    for ax in fig.axes:
        box = ax.get_position(original=True)
        ax.set_position([round(v, 6) for v in (box.x0, box.y0, box.width, box.height)])


def effect(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Difference in means (a - b) and Hedges' g."""
    return float(np.mean(a) - np.mean(b)), hedges_g(a, b)


def _groups(table: pd.DataFrame, conditions: list) -> list:
    """(condition, cohort or None, x) per group: cohort by cohort, conditions in order, a gap between cohorts."""
    cohorts = list(dict.fromkeys(table["cohort"])) if "cohort" in table and table["cohort"].nunique() > 1 else [None]
    out, x = [], 0.0
    for cohort in cohorts:
        for cond in conditions:
            out.append((cond, cohort, x))
            x += 1.0
        x += 0.5
    return out


def _values(table: pd.DataFrame, measure: str, cond: str, cohort) -> pd.Series:
    """The measure of one group by animal (animal order), missing values dropped."""
    rows = table[(table["condition"] == cond) & ((table["cohort"] == cohort) if cohort is not None else True)]
    values = rows.set_index("animal")[measure].sort_index().dropna()
    if values.empty:
        raise ValueError(f"summary: condition {cond!r}{f' ({cohort})' if cohort else ''} has no value of {measure}")
    return values


def _measure_panel(ax, table: pd.DataFrame, spec: dict, measure: str, info) -> set:
    """Dots per mouse, paired lines, mean +/- 95% CI, effect brackets; returns the group sizes (each group's size in
    its tick label when they differ)."""
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    groups = _groups(table, spec["conditions"])
    rng = np.random.default_rng(0)  # the dots' horizontal jitter only
    values, xs = {}, {}
    for cond, cohort, x0 in groups:
        y = _values(table, measure, cond, cohort)
        values[cond, cohort] = y
        xs[cond, cohort] = pd.Series(x0 + rng.uniform(-JITTER, JITTER, len(y)), index=y.index)
        colour = colours[(spec["conditions"].index(cond) + 1) % len(colours)]  # [0] is black
        ax.scatter(xs[cond, cohort], y, s=28, color=colour, alpha=0.8, linewidths=0, zorder=3)
        mean, half = mean_ci(y.to_numpy())
        ax.errorbar(x0 + 0.3, mean, yerr=half, fmt="o", color="k", ms=6, capsize=4, lw=1.6, zorder=4)
    for (c0, h0, _), (c1, h1, _) in zip(groups, groups[1:]):
        if h0 == h1 and list(values[c0, h0].index) == list(values[c1, h1].index):  # the same mice: join them
            for animal in values[c0, h0].index:
                ax.plot([xs[c0, h0][animal], xs[c1, h1][animal]], [values[c0, h0][animal], values[c1, h1][animal]],
                        color="0.75", lw=0.8, zorder=2)
    _brackets(ax, spec["compare"], groups, values, info.unit)
    ns = {len(v) for v in values.values()}
    tick = [f"{cond}" + (f"\n{cohort}" if cohort is not None else "") for cond, cohort, _ in groups]
    if len(ns) > 1:
        tick = [f"{t}\n(n={len(values[c, h])})" for t, (c, h, _) in zip(tick, groups)]
    tilt = len(groups) * max(len(line) for t in tick for line in t.split("\n")) > 30  # ~30 characters fit a row
    ax.set_xticks([x for _, _, x in groups], tick, rotation=30 if tilt else 0, ha="right" if tilt else "center",
                  rotation_mode="anchor")
    ax.set_xlim(groups[0][2] - 0.5, groups[-1][2] + 0.6)
    ax.set_ylabel(info.title)
    return ns


def _brackets(ax, compare: list, groups: list, values: dict, unit: str) -> None:
    """One bracket per compared pair [a, b] (in each cohort) above the data, a level per pair (the narrowest
    lowest), labelled with the difference in means a - b and Hedges' g; named "a - b" unless a is on the right."""
    cohorts = list(dict.fromkeys(h for _, h, _ in groups))
    x_of = {(c, h): x for c, h, x in groups}
    top = max(float(v.max()) for v in values.values())
    step = 0.2 * (top - min(float(v.min()) for v in values.values()) or 1.0)  # room for a two-line label
    unit = "" if unit in ("", "1") else f" {unit}"
    first = cohorts[0]
    ordered = sorted(compare, key=lambda p: (abs(x_of[p[0], first] - x_of[p[1], first]), x_of[p[0], first]))
    for level, (a, b) in enumerate(ordered):
        y = top + (level + 0.5) * step
        for h in cohorts:
            d, g = effect(values[a, h].to_numpy(), values[b, h].to_numpy())
            lo, hi = sorted((x_of[a, h], x_of[b, h]))
            ax.plot([lo, lo, hi, hi], [y - 0.15 * step, y, y, y - 0.15 * step], color="0.2", lw=1.2)
            name = "" if x_of[a, h] > x_of[b, h] else f"{a} − {b}: "
            ax.text((lo + hi) / 2, y + 0.04 * step, f"{name}Δ {d:+.3g}{unit}\ng {g:+.2f}", ha="center", va="bottom",
                    fontsize=11, linespacing=1.1)
    ax.set_ylim(top=top + (len(ordered) + 0.5) * step)


def _key(key, highlight: list, n: int | None) -> None:
    """Footer: the two arrow heads, node area and the highlight of A; how B and C read. Placed in points from the
    top-left corner of its axes, out of the layout (the axes is its box)."""
    key.axis("off")
    points = Affine2D().scale(1 / 72) + key.figure.dpi_scale_trans + ScaledTranslation(0, 1, key.transAxes)
    items = []
    for x, sign, words in ((0, 1, "excitatory"), (105, -1, "inhibitory")):
        items.append(key.add_patch(FancyArrowPatch((x, -6), (x + 24, -6), transform=points,
                                                   **edge_style(Edge("", "", sign, ("k",), False)))))
        items.append(key.text(x + 30, -6, words, transform=points, va="center", fontsize=11))
    items.append(key.text(210, -6, "area ∝ neurons", transform=points, va="center", fontsize=11))
    if highlight:
        items.append(key.text(330, -6, "manipulated: " + ", ".join(highlight), transform=points, va="center",
                              fontsize=11, color=HIGHLIGHT))
    mice = f"{n} virtual mice per group" if n else "a dot per virtual mouse"
    items.append(key.text(0, -25, f"B, C: {mice}, lines join the same mouse; black: mean ± 95% CI; brackets: "
                          "Δ difference in means (right − left), g Hedges' g", transform=points, va="center",
                          fontsize=11, color="0.3"))
    for item in items:
        item.set_in_layout(False)
