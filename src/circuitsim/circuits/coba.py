"""Brette et al. (2007) benchmark 1, the COBA network, assembled from circuitsim's parts.

4,000 leaky integrate-and-fire cells (3,200 excitatory, 800 inhibitory; AdEx cells with DeltaT 0, a 0, b 0),
random connectivity p = 0.02, single-exponential conductances (receptors with tau_rise 0), and a constant
drive current to every cell (an input slot ``I_drive`` whose default is the drive), as in the Brian2 COBA benchmark script (J Comput Neurosci 23:349, 2007).
Numbers: configs/circuit/coba.yaml. Used by ``benchmarks/coba.py`` to time circuitsim against NEST and C.
"""

from __future__ import annotations

from ..parts.network import Circuit, assemble


def build(circuit_cfg: dict, library: dict, sim: dict) -> Circuit:
    """Assemble the populations and projections (the drive is the config default of each ``I_drive``)."""
    return assemble("coba", circuit_cfg, library["cells"], library["receptors"], sim)
