"""Pathway strength: the conductance a presynaptic spike evokes, averaged over the pathway's synapses.

In the model this is known by construction from the run parameters (shared weight x presynaptic gain,
averaged over presynaptic neurons, which connect with equal probability), the in-silico analogue of the
evoked EPSC amplitude recorded in CeL cells after BLA stimulation. Reported in nS (sum over channels).
"""

from __future__ import annotations

import numpy as np


def pathway_strength(values: dict, name: str, connection: str, gain: str | None, pre: str) -> dict:
    """Mean evoked conductance (nS) per presynaptic spike of ``connection``."""
    weight = sum(float(v) for k, v in values.items() if k.startswith(f"{connection}.w_"))
    scale = float(np.mean(values[f"{pre}.{gain}"])) if gain else 1.0
    return {f"syn_{name}": weight * scale * 1e9}
