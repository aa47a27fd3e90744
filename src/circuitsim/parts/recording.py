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


def integral_equations(receptors: dict[str, Receptor]) -> str:
    """One integral per channel, in siemens x second."""
    return "".join(f"dg_{c}_integral/dt = g_{c}{'*mg_block' if r.mg_block else ''}*int(t >= {WINDOW_START})"
                   " : siemens*second\n" for c, r in receptors.items())


def time_means(group, receptors: dict[str, Receptor], window: float) -> dict[str, np.ndarray]:
    """Per-cell time-mean conductance (S) of every channel over a window of ``window`` seconds."""
    return {c: np.asarray(getattr(group, f"g_{c}_integral")[:] / (b2.siemens * b2.second)) / window
            for c in receptors}
