"""Genetic and viral manipulations: dosage changes and Cre-dependent changes in a transduced fraction.

``scale`` models a germline change (every neuron, or a shared weight: e.g. a gene dosage raising a receptor gain);
``transduce`` models an AAV reaching a random fraction phi of one population's neurons and setting or scaling
per-neuron values there only (gains, input-current amplitudes: opsin or DREADD expression). An empty ``set`` is a
control virus: the same transduction with no change.
"""

from __future__ import annotations

import numpy as np


def scale(values: dict, ctx, target: str, factor: float) -> None:
    """Multiply one run parameter (every neuron, or a shared weight) by ``factor``."""
    _require(values, target)
    values[target] = values[target] * float(factor)


def transduce(values: dict, ctx, population: str, fraction: float, set: dict | None = None,  # noqa: A002
              scale: dict | None = None) -> None:
    """In a random ``fraction`` of ``population``'s neurons, set (``set``) or multiply (``scale``) gains."""
    fraction = float(fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"transduce: fraction {fraction} is not in [0, 1]")
    names = [f"{population}.{v}" for v in {**(set or {}), **(scale or {})}]
    for name in names:
        _require(values, name)
    size = _population_size(values, population)
    chosen = ctx.rng.permutation(size)[: int(round(fraction * size))]
    for var, value in (set or {}).items():
        values[f"{population}.{var}"][chosen] = _si(value, ctx.parameters.get(f"{population}.{var}"),
                                                    f"transduce {population}.{var}")
    for var, factor in (scale or {}).items():
        values[f"{population}.{var}"][chosen] *= float(factor)


def _si(value, par, where: str) -> float:
    """A value set into a run parameter, in SI, its dimensions checked against the parameter's unit (a value with
    a unit was parsed at the config boundary; a bare number is right only for a dimensionless parameter)."""
    import brian2 as b2

    if par is None:  # no registry given (unit tests of the step alone)
        return float(value)
    want = 1.0 if par.unit is None else par.unit
    if not b2.have_same_dimensions(value, want):
        raise ValueError(f"{where}: {value!r} should be " + ("a plain number" if par.unit is None
                                                             else f"in units of {par.unit}"))
    return float(value)


def _population_size(values: dict, population: str) -> int:
    sizes = {np.size(v) for k, v in values.items() if k.startswith(population + ".") and np.ndim(v) == 1}
    if not sizes:
        raise ValueError(f"transduce: no per-neuron parameters for population {population!r}")
    return max(sizes)


def _require(values: dict, name: str) -> None:
    if name not in values:
        raise ValueError(f"manipulation target {name!r} is not a run parameter of this circuit")
