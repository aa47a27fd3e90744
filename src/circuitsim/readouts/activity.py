"""Firing rates and the excitation/inhibition balance of one run."""

from __future__ import annotations

import numpy as np


def rates(spikes: dict, sizes: dict, window: float) -> dict:
    """Mean firing rate (Hz) of every population over the analysed window of ``window`` seconds."""
    return {f"rate_{p}": len(spikes[p][0]) / (sizes[p] * window) for p in spikes}


def ei_ratio(conductances: dict, reversal: dict, population: str, threshold_V: float = -0.050) -> dict:
    """Time-mean excitatory over inhibitory conductance on the recorded cells of ``population``.

    Channels with a reversal potential above ``threshold_V`` count as excitatory (NMDA after its Mg block).
    """
    g = conductances[population]
    exc = sum(g[c] for c in g if reversal[population][c] > threshold_V)
    inh = sum(g[c] for c in g if reversal[population][c] <= threshold_V)
    return {f"ei_{population}": float(np.mean(exc) / np.mean(inh)) if np.mean(inh) > 0 else float("nan")}
