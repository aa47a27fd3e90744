"""Robustness worlds: the same experiment in a circuit whose parameters are each scaled by a random factor.

World ``w`` (``robustness.world=w``) multiplies every circuit parameter of four kinds by its own factor drawn
uniformly from [1 - jitter, 1 + jitter] (``robustness.jitter``, default 0.2):

* weights: every value in a ``weights`` mapping (connections, background),
* probabilities: every connection probability ``p`` (capped at 1),
* time constants: every key named ``tau*`` (receptors, adaptation, astrocytes, the circuit's own blocks) and each
  cell type's capacitance ``C`` (the membrane time constant C/gL at an unchanged leak),
* background: the rate of every ``background`` source.

Receptor rise times are left alone: the fastest (AMPA, 0.5 ms) sets the integration step (dt <= a fifth of the
fastest time constant), so jittering them would put half the worlds on a finer step, a different numerical model.
Counts, voltages, delays, the session and its protocol, the manipulations and the readouts (observation models)
are left as they are. A factor depends only on the world and the parameter's path, so worlds are reproducible and
adding a parameter does not move the others. The virtual mice of a world are the experiment's own (same seed).

Run N worlds as a sweep; the sweep table then reports, per prediction, the share of worlds in which it holds::

    python -m circuitsim -m experiment=grik4_rescue "robustness.world=range(10)"

Probabilities and time constants are compiled into the binary: each world is one build (cached), and every
condition and mouse of the world runs on it.
"""

from __future__ import annotations

import zlib

import numpy as np

SECTIONS = ("circuit", "cells", "receptors", "astrocytes")  # what defines the network
LEFT_ALONE = {"readouts", "manipulations", "hypotheses", "session", "signals"}  # circuit keys never jittered
FRAGILE_BELOW = 0.8  # a prediction holding in fewer worlds than this is called fragile


def kind(path: tuple[str, ...], section: str = "") -> str | None:
    """Which jittered kind a parameter at ``path`` (keys below ``section``) is, or None."""
    key = path[-1]
    if len(path) > 1 and path[-2] == "weights":
        return "weight"
    if key == "p":
        return "probability"
    if section == "receptors" and key == "tau_rise":
        return None
    if key.startswith("tau") or (section == "cells" and key == "C" and len(path) == 2):  # C: membrane tau at fixed gL
        return "time constant"
    if key == "rate" and len(path) > 1 and path[-2] == "background":
        return "background"
    return None


def factor(world: int, path: str, jitter: float) -> float:
    """The factor of one parameter in one world: uniform in [1 - jitter, 1 + jitter]."""
    rng = np.random.default_rng([int(world), zlib.crc32(path.encode())])
    return float(rng.uniform(1.0 - jitter, 1.0 + jitter))


def jitter(c: dict, world: int, fraction: float) -> dict:
    """Scale the parameters of :data:`SECTIONS` in place; returns {dotted path: factor} of every one changed."""
    factors: dict[str, float] = {}

    def walk(node, path: tuple[str, ...]):
        if isinstance(node, dict):
            for key, value in node.items():
                if not (path == ("circuit",) and key in LEFT_ALONE):
                    node[key] = walk(value, (*path, str(key)))
            return node
        if isinstance(node, bool) or not _scalable(node) or kind(path[1:], path[0]) is None:
            return node
        dotted = ".".join(path)
        factors[dotted] = factor(world, dotted, fraction)
        scaled = node * factors[dotted]
        return min(scaled, 1.0) if path[-1] == "p" else scaled

    for section in SECTIONS:
        if isinstance(c.get(section), dict):
            walk(c[section], (section,))
    return factors


def _scalable(value) -> bool:
    try:
        value * 1.0
        float(np.asarray(value))
    except (TypeError, ValueError):
        return False
    return True


def summary(verdicts, by: list[str] | None = None):
    """Per prediction (and per value of any other swept key in ``by``): worlds complete, worlds in which it held,
    their share, whether that is fragile (< 80%), and the effect's median and 10-90% range over worlds.
    ``verdicts`` is the sweep's (point, prediction) table (:func:`circuitsim.sweep.predictions`)."""
    import pandas as pd

    done = verdicts.dropna(subset=["prediction"])
    rows = []
    for key, d in done.groupby([*(by or []), "prediction"], sort=False):
        key = key if isinstance(key, tuple) else (key,)
        effect = d["effect"].astype(float).dropna()
        held = int(d["held"].astype(bool).sum())
        rows.append({**dict(zip([*(by or []), "prediction"], key)), "basis": d["basis"].iloc[0],
                     "derived_from": d["derived_from"].iloc[0] if "derived_from" in d else None,
                     "known_miss": bool(d["known_miss"].any()), "worlds": len(d), "held": held,
                     "share": held / len(d), "fragile": held / len(d) < FRAGILE_BELOW,
                     "effect_median": float(effect.median()) if len(effect) else float("nan"),
                     "effect_p10": float(effect.quantile(0.1)) if len(effect) else float("nan"),
                     "effect_p90": float(effect.quantile(0.9)) if len(effect) else float("nan")})
    return pd.DataFrame(rows)


def figure(table, title: str, stem):
    """Share of worlds in which each prediction holds (bars; the 80% line marks fragile); known misses in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import save

    plt.style.use("circuitsim.styles.talk")
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    colours = ["0.7" if miss else ("#D55E00" if fragile else "#009E73")  # grey, vermillion, bluish green (Okabe-Ito)
               for miss, fragile in zip(table["known_miss"], table["fragile"])]
    ax.barh(y, table["share"], color=colours, height=0.7)
    ax.axvline(FRAGILE_BELOW, color="0.3", ls="--", lw=0.8)
    labels = [f"{p}{' (known miss)' if m else ''}  {h}/{w}"
              for p, m, h, w in zip(table["prediction"], table["known_miss"], table["held"], table["worlds"])]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of worlds in which the prediction holds")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return save(fig, stem)[0]


def markdown(table) -> str:
    """The share table as Markdown (for cards): prediction, basis, worlds held, verdict word, effect range."""
    lines = ["| prediction | basis | held in worlds | | effect: median [10%, 90%] |", "|---|---|---|---|---|"]
    for _, r in table.iterrows():
        word = "known miss" if r["known_miss"] else ("fragile" if r["fragile"] else "robust")
        basis = r["basis"] if not isinstance(r.get("derived_from"), str) else f"derived from {r['derived_from']}"
        lines.append(f"| {r['prediction']} | {basis} | {r['held']}/{r['worlds']} | {word} | "
                     f"{r['effect_median']:.3g} [{r['effect_p10']:.3g}, {r['effect_p90']:.3g}] |")
    return "\n".join(lines)
