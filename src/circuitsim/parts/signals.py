"""Signals: dimensionless time courses of a protocol (footshocks, light pulses, a drug level, an imposed flow).

Each signal named in a circuit config (``signals: {shock: {dt: 1 ms}}``) is a Brian2 ``TimedArray`` sampled every
``dt`` over the whole run, usable as ``shock(t)`` in any equation of the circuit. Its values are a run parameter
(``signal.shock``): the standalone binary reads them per run (Brian2 ``run_args`` accepts a TimedArray since 2.6,
checked on 2.9), so conditions with different protocols share one build. Interventions write them
(:mod:`circuitsim.interventions.protocol`); a signal nobody writes stays 0. A signal may be counted in a unit
(``unit: mW/mm**2``): its samples stay plain numbers, steps convert their amplitudes into that unit, and the
equations that read it multiply by the unit (:func:`unit_of`).
"""

from __future__ import annotations

import brian2 as b2
import numpy as np

OWNER = "signal"  # run parameters of signals are named signal.<name>


def n_samples(duration: float, dt: float) -> int:
    """Samples covering [0, duration] at ``dt`` (both in seconds)."""
    return int(np.ceil(round(duration / dt, 9))) + 1


def make_signal(name: str, dt, duration: float) -> b2.TimedArray:
    """A zero time course named ``signal_<name>`` in generated code (a stable name: identical builds)."""
    return b2.TimedArray(np.zeros(n_samples(duration, float(dt))), dt=dt, name=f"signal_{name}")


def sample_times(size: int, dt: float) -> np.ndarray:
    """Start time (s) of every sample of a signal."""
    return np.arange(size) * dt


def unit_of(spec: dict):
    """The unit a signal's samples count (a Brian2 Quantity of 1 unit), or None."""
    if not spec.get("unit"):
        return None
    from .units import quantity

    return quantity(f"1 {spec['unit']}", None, "signal unit")
