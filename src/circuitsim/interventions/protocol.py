"""Protocol steps: write a signal's time course (:mod:`circuitsim.parts.signals`) for one run.

``pulses`` writes a pulse train (light at 20 Hz, 5-ms pulses; footshocks of 2 s every 30 s) and ``level`` a
constant level (a drug concentration, an imposed flow change) inside a window given as an epoch name or as
``start``/``stop``. Both overwrite the window (other samples keep their values), so steps compose in order. A
signal counted in a unit (``signals: {light: {dt: 1 ms, unit: mW/mm**2}}``) takes amplitudes with that unit's
dimensions ("10 mW/mm**2"); a signal without one takes plain numbers.
"""

from __future__ import annotations

import numpy as np

from ..parts.signals import OWNER, sample_times


def pulses(values: dict, ctx, signal: str, frequency, width, amplitude: float = 1.0, epoch: str | None = None,
           start=None, stop=None) -> None:
    """Pulses of ``width`` every 1/``frequency`` from the window's start, value ``amplitude``, 0 between."""
    t, inside, name = _window(values, ctx, signal, epoch, start, stop)
    period, width = 1.0 / float(frequency), float(width)
    dt = ctx.parameters[name].dt
    if not dt - 1e-12 <= width <= period:
        raise ValueError(f"pulses on {signal}: width {width:g} s must be at least the signal's step ({dt:g} s) and "
                         f"at most the period {period:g} s")
    t0 = t[inside][0] if inside.any() else 0.0
    phase = np.mod(t - t0 + 1e-9, period)  # samples are treated as starting at their time (1 ns guard)
    values[name] = np.where(inside, np.where(phase < width, _amount(amplitude, ctx.parameters[name], signal), 0.0),
                            values[name])


pulses.UNITS = {"frequency": "Hz", "width": "s", "start": "s", "stop": "s"}
pulses.SIGNAL_UNITS = ("amplitude",)


def level(values: dict, ctx, signal: str, value: float, epoch: str | None = None, start=None, stop=None) -> None:
    """The signal held at ``value`` inside the window."""
    _, inside, name = _window(values, ctx, signal, epoch, start, stop)
    values[name] = np.where(inside, _amount(value, ctx.parameters[name], signal), values[name])


level.UNITS = {"start": "s", "stop": "s"}
level.SIGNAL_UNITS = ("value",)


def _amount(value, par, signal: str) -> float:
    """A signal value as the number the signal counts (in its unit, if it has one)."""
    import brian2 as b2

    unit = getattr(par, "counted_in", None)
    if unit is None:
        if isinstance(value, b2.Quantity) and not b2.get_dimensions(value).is_dimensionless:
            raise ValueError(f"signal {signal}: {value!r} should be a plain number (the signal declares no unit)")
        return float(value)
    if not b2.have_same_dimensions(value, unit):
        raise ValueError(f"signal {signal}: {value!r} should be in units of {unit}")
    return float(value / unit)


def _window(values, ctx, signal, epoch, start, stop):
    name = f"{OWNER}.{signal}"
    if name not in values:
        raise ValueError(f"signal {signal!r} is not a signal of this circuit")
    if epoch is not None:
        if epoch not in ctx.epochs:
            raise ValueError(f"signal {signal}: unknown epoch {epoch!r} (known: {', '.join(ctx.epochs)})")
        start, stop = ctx.epochs[epoch]
    start = 0.0 if start is None else float(start)
    stop = np.inf if stop is None else float(stop)
    dt = ctx.parameters[name].dt
    t = sample_times(np.size(values[name]), dt)
    return t, (t >= start - 1e-9) & (t < stop - 1e-9), name
