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
    """One integral per channel, in siemens x second; and for every channel with background input a shadow
    conductance ``gb_<c>`` driven by the background alone (same kinetics, so the recurrent part is the total
    minus it: the channels are linear) with its integral."""
    lines = [f"dg_{c}_integral/dt = g_{c}{'*mg_block' if r.mg_block else ''}*int(t >= {WINDOW_START}) : siemens*second"
             for c, r in receptors.items()]
    for c in background:
        r = receptors[c]
        lines.append(f"dxb_{c}/dt = -xb_{c}/tau_decay_{c} : siemens")
        lines.append(f"gb_{c} = xb_{c} : siemens" if r.single_exponential
                     else f"dgb_{c}/dt = (xb_{c} - gb_{c})/tau_rise_{c} : siemens")
        lines.append(f"dgb_{c}_integral/dt = gb_{c}{'*mg_block' if r.mg_block else ''}*int(t >= {WINDOW_START})"
                     " : siemens*second")
    return "".join(line + "\n" for line in lines)


def time_means(group, receptors: dict[str, Receptor], window: float) -> dict[str, np.ndarray]:
    """Per-cell time-mean conductance (S) of every channel over a window of ``window`` seconds; the background's
    share of a channel as ``<c>@background``."""
    out = {c: np.asarray(getattr(group, f"g_{c}_integral")[:] / (b2.siemens * b2.second)) / window
           for c in receptors}
    out.update({f"{c}@background": np.asarray(getattr(group, f"gb_{c}_integral")[:] / (b2.siemens * b2.second))
                / window for c in receptors if f"gb_{c}_integral" in group.variables})
    return out
