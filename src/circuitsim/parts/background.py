"""Poisson background drive: N independent inputs at a fixed rate onto each neuron, per channel.

Implemented with Brian2's ``PoissonInput`` (a binomial draw per time step, no synapse objects). The weight
is ``bg_w_<channel> * gain_<channel>`` so that a virtual mouse's jitter (shared ``bg_w``) and a receptor
dosage (per-neuron ``gain``, e.g. extra GluK4) both act on it. AMPA and KAR background inputs are drawn
independently (a simplification of shared afferents, stated in the model card).
"""

from __future__ import annotations

import brian2 as b2

from .neurons import Population


def poisson_background(pop: Population, n_inputs: int, rate, channels: list[str]) -> list[b2.PoissonInput]:
    """One ``PoissonInput`` per channel onto every neuron of ``pop``."""
    return [
        b2.PoissonInput(pop.group, f"x_{c}", n_inputs, rate, weight=f"bg_w_{c}*gain_{c}")
        for c in channels
    ]
