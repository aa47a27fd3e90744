"""Chemogenetics: an excitatory DREADD (hM3Dq) in a fraction of a population, and its ligand's time course.

The drug effect after an injection is a Bateman curve normalised to a peak of 1 (BRIEF §0.4 [A]),

    E(t) = dose * (exp(-t/tau_el) - exp(-t/tau_abs)) / max_t(exp(-t/tau_el) - exp(-t/tau_abs)),

too slow for the network's time step, so a run is a snapshot at one time after injection: in the expressing cells
the step sets a depolarising current ``E*current`` into an input slot and, where ``leak_drop`` > 0, scales the
cell's leak conductance by ``1 - leak_drop*E`` (Gq closes K+ leak channels; the population must name ``gL`` in
``vary``). Saline is ``dose: 0``: the same animals and expressing cells, no effect.
"""

from __future__ import annotations

import numpy as np

from .genetic import _population_size, _require


def drug_effect(t_s, tau_abs_s: float, tau_el_s: float) -> np.ndarray:
    """E(t) of one unit dose, peak 1 (times in s)."""
    if not 0 < tau_abs_s < tau_el_s:
        raise ValueError(f"drug time course: needs 0 < tau_abs ({tau_abs_s:g} s) < tau_el ({tau_el_s:g} s)")
    t_peak = np.log(tau_el_s / tau_abs_s) * tau_abs_s * tau_el_s / (tau_el_s - tau_abs_s)
    peak = np.exp(-t_peak / tau_el_s) - np.exp(-t_peak / tau_abs_s)
    t = np.maximum(np.asarray(t_s, dtype=float), 0.0)
    return (np.exp(-t / tau_el_s) - np.exp(-t / tau_abs_s)) / peak


def dreadd(values: dict, ctx, population: str, fraction: float, slot: str, current, after, tau_abs, tau_el,
           dose: float = 1.0, leak_drop: float = 0.0) -> None:
    """hM3Dq in a random ``fraction`` of ``population``; the ligand ``after`` the injection (module docstring)."""
    fraction, dose, leak_drop = float(fraction), float(dose), float(leak_drop)
    if not 0.0 <= fraction <= 1.0 or dose < 0 or not 0.0 <= leak_drop < 1.0 or float(after) < 0:
        raise ValueError(f"dreadd on {population}: fraction in [0, 1], dose >= 0, leak_drop in [0, 1) and a time "
                         f"after injection >= 0 needed")
    target = f"{population}.{slot}"
    _require(values, target)
    if leak_drop > 0:
        _require(values, f"{population}.gL")
    size = _population_size(values, population)
    chosen = ctx.rng.permutation(size)[: int(round(fraction * size))]
    effect = dose * float(drug_effect(float(after), float(tau_abs), float(tau_el)))
    values[target][chosen] += effect * float(current)
    if leak_drop > 0:
        values[f"{population}.gL"][chosen] *= 1.0 - leak_drop * effect


dreadd.UNITS = {"current": "pA", "after": "s", "tau_abs": "s", "tau_el": "s", "fraction": "1", "dose": "1",
                "leak_drop": "1"}
