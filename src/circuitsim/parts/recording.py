"""Time-mean synaptic conductances over the analysed window, integrated during the run.

For each receptor channel c of a recorded population, ``dg_c_integral/dt = g_c * [t >= record_from]`` (NMDA:
times its Mg2+ block, the conductance that carries current) is integrated with the membrane, in the same
vectorised state update. A run then writes one number per cell and channel instead of conductance traces
(a 40-cell, 1-ms StateMonitor wrote 5.8 MB per run), and the mean over every time step of the window is
the integral divided by the window's length.
"""

from __future__ import annotations

import brian2 as b2
import numpy as np

from .receptors import Receptor

WINDOW_START = "record_from"  # namespace name of the window's start time (the transient)


def integral_equations(receptors: dict[str, Receptor], background: list[str] = ()) -> str:
    """One integral per channel, in siemens x second; with background input, a count of its events in the window
    (``bg_count``), from which :func:`time_means` gets the background's share of each channel."""
    lines = [f"dg_{c}_integral/dt = g_{c}{'*mg_block' if r.mg_block else ''}*int(t >= {WINDOW_START}) : siemens*second"
             for c, r in receptors.items()]
    blocked = [c for c in background if receptors[c].mg_block]
    if blocked:
        raise ValueError(f"background on voltage-dependent channels {blocked} cannot be separated from recurrent "
                         "input by counting its events; record such a population without background on them")
    if background:
        lines.append("bg_count : 1  # background events since the window opened (parts.background adds them)")
    return "".join(line + "\n" for line in lines)


def time_means(group, receptors: dict[str, Receptor], window: float, background: list[str] = ()) -> dict:
    """Per-cell time-mean conductance (S) of every channel over a window of ``window`` seconds, and the
    background's share of each background channel as ``<c>@background``.

    The share is counted, not integrated: a channel is linear in its input, so the conductance that ``n`` events
    of increment ``w`` leave over the window integrates to ``n * w * tau_decay`` up to the events at the window's
    two edges (each cut off by about one decay time; they cancel in expectation). The edge error grows with the
    decay time: for 100 inputs at 5 Hz over 2.5 s it is ~1e-3 of a cell's share for AMPA and ~5e-3 for KAR, and
    ~1e-4 for a mean over a few hundred cells, so use population means. No extra equations per step.
    """
    out = {c: np.asarray(getattr(group, f"g_{c}_integral")[:] / (b2.siemens * b2.second)) / window
           for c in receptors}
    if background:
        count = np.asarray(group.bg_count[:], dtype=float)
        for c in background:
            weight = float(getattr(group, f"bg_w_{c}")[:] / b2.siemens) * np.asarray(getattr(group, f"gain_{c}")[:])
            out[f"{c}@background"] = count * weight * float(receptors[c].tau_decay) / window
    return out
