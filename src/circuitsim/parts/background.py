"""Poisson background drive: N independent afferents at a fixed rate onto each neuron.

Each time step every neuron draws its number of afferent spikes once, k ~ Binomial(N, rate*dt), and every
background channel receives ``k * bg_w_<channel> * gain_<channel>``: AMPA and KAR background come from the
same afferents (BRIEF §1: "AMPA + KAR at f_K g_K"). The shared weight ``bg_w`` carries a virtual mouse's
jitter, the per-neuron ``gain`` a receptor dosage (e.g. extra GluK4). Implemented as one named
``run_regularly`` operation per population (deterministic names keep the generated code identical between
builds).
"""

from __future__ import annotations

import brian2 as b2

from .neurons import Population


def poisson_background(pop: Population, n_inputs: int, rate, channels: list[str]):
    """One background operation onto every neuron of ``pop`` (runs in the synapses slot, like PoissonInput)."""
    draw = f"{pop.name}_background_draw"
    pop.group.namespace[draw] = b2.BinomialFunction(n_inputs, float(rate * b2.defaultclock.dt), name=draw)
    code = f"k_background = {draw}()\n" + "\n".join(f"x_{c} += k_background*bg_w_{c}*gain_{c}" for c in channels)
    return pop.group.run_regularly(code, when="synapses", name=f"{pop.name}_background")
