"""Groups that are not AdEx neurons (astrocytes, a lumped arteriole, a slow state), each on its own clock.

A circuit module writes the equations; this part gives the group a named clock (stable generated code) and
an explicit namespace. Its run parameters are declared with :meth:`circuitsim.parts.network.Circuit.add_parameter`
and its traces recorded with :meth:`~circuitsim.parts.network.Circuit.record`, like any population's.
"""

from __future__ import annotations

import brian2 as b2


def make_group(name: str, n: int, equations: str, dt, namespace: dict | None = None,
               method: str = "euler", **spiking) -> b2.NeuronGroup:
    """``n`` elements integrating ``equations`` every ``dt`` (a Quantity) on the clock ``clock_<name>``;
    ``spiking`` passes ``threshold``, ``reset`` and ``refractory`` for a group that emits events."""
    clock = b2.Clock(dt=dt, name=f"clock_{name}")
    return b2.NeuronGroup(n, equations, method=method, clock=clock, namespace=dict(namespace or {}), name=name,
                          **spiking)


def rate_input(name: str, source, target: b2.NeuronGroup, variable: str, n_cells: int, tau) -> b2.Synapses:
    """A population rate read by another group: every spike of ``source`` adds ``1/(n_cells*tau)`` to ``variable``
    of ``target``'s (single) element, whose equations let it decay with ``tau`` (``d<variable>/dt = -<variable>/tau``):
    the population's rate low-passed over ``tau``, in Hz. ``n_cells`` counts the population (several sources may
    feed one variable)."""
    syn = b2.Synapses(source, target, on_pre=f"{variable}_post += 1/(n_cells*tau_rate)", name=name,
                      namespace={"n_cells": n_cells, "tau_rate": tau})
    syn.connect()
    return syn


def subset_size(fraction: float, n: int) -> int:
    """Number of neurons of a population's tagged subset (``subsets: {name: {fraction}}``: its first neurons)."""
    return max(1, int(round(float(fraction) * n)))
