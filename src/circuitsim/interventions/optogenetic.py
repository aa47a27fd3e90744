"""Optogenetics: where the light reaches. Opsin expression is a ``transduce`` step (it sets the expression level
``<slot>_rho`` in a fraction of cells); the opsin's kinetics are in :mod:`circuitsim.parts.opsin`, the light's time
course is a signal written by ``pulses``.

``fiber`` places a population's cells (or axon terminals) at random around an optical fibre, uniformly in a
cylinder of ``radius`` around its axis from ``near`` to ``far`` below its tip (a new draw per virtual mouse:
implants differ), and sets each cell's transmittance ``<slot>_T``, the fraction of the tip irradiance reaching it,
from the light model (:func:`circuitsim.parts.light.fiber_transmittance`; Foutz et al. 2012).
"""

from __future__ import annotations

import numpy as np

from ..parts.light import fiber_transmittance
from .genetic import _population_size, _require

_MM = 1e-3  # metres per mm


def fiber(values: dict, ctx, population: str, slot: str, radius, near, far, model: dict) -> None:
    """Transmittance of every cell of ``population`` from a fibre above it (module docstring)."""
    target = f"{population}.{slot}_T"
    _require(values, target)
    near, far = float(near) / _MM, float(far) / _MM
    radius = float(radius) / _MM
    if not 0 <= near < far or radius <= 0:
        raise ValueError(f"fiber on {population}: needs 0 <= near < far and radius > 0")
    size = _population_size(values, population)
    r = radius * np.sqrt(ctx.rng.random(size))  # uniform over the disc
    z = ctx.rng.uniform(near, far, size)
    values[target] = np.asarray(fiber_transmittance(r, z, model), dtype=float)


fiber.UNITS = {"radius": "mm", "near": "mm", "far": "mm"}
