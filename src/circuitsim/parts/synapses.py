"""Projections between populations: random connectivity, one shared weight per receptor channel.

A presynaptic spike adds ``w_<channel> * gain_<channel>_post [* <pre_gain>_pre]`` to the postsynaptic
``x_<channel>``. The weights are *shared* synaptic variables and the gains are per-neuron variables, so a
virtual mouse or a condition changes them between runs of one compiled binary (Brian2 ``run_args``)
without touching per-synapse arrays (whose size differs between mice).

Options of a projection (each a run parameter where it is a number a condition may change):

* ``stp: {U, tau_rec[, tau_fac]}``: Tsodyks-Markram short-term plasticity (Tsodyks & Markram 1997; with
  facilitation Markram, Wang & Tsodyks 1998). Each synapse keeps its available resources ``R`` (1 at rest,
  recovering with ``tau_rec``). Without ``tau_fac`` a spike releases the fraction ``U`` of them (depression only);
  with it the release fraction ``u`` (0 at rest, decaying with ``tau_fac``) first steps up by ``U*(1 - u)``, so
  the first spike from rest releases ``U`` and later ones more or less. The increment is the released amount
  times the above, and ``R`` drops by it. ``U`` is a shared run parameter (``<projection>.U``): a release
  probability a slow process changes.
* ``density: {max}``: the synapse number is a run parameter ``<projection>.density`` (1 = the config's ``p``).
  Synapses are drawn with probability ``p*max``; each keeps a uniform number ``draw`` (the animal's), and only
  those with ``draw*max < density`` transmit, so a density below ``max`` keeps a nested subset: the same animal
  with more spines has the same synapses and more.
* ``count: <name>``: every transmitting event from the start of the analysed window on adds 1 to the
  postsynaptic neuron's counter ``<name>`` (an sEPSC-like event count; the population declares it,
  :func:`circuitsim.parts.neurons.counter_equation`).
"""

from __future__ import annotations

import brian2 as b2

from .neurons import Population

COUNT_FROM = "count_from"  # namespace name of the time counting starts (the end of the transient)


def connect(
    name: str,
    pre,
    post: Population,
    p: float,
    delay,
    channels: list[str],
    pre_gain: str | None = None,
    stp: dict | None = None,
    density: dict | None = None,
    count: str | None = None,
    count_from=None,
    targets: int | None = None,
) -> b2.Synapses:
    """Connect ``pre`` (a Population or any spiking group) to ``post`` with probability ``p`` (times
    ``density['max']`` with a density); ``stp``, ``density`` and ``count`` as in the module docstring; ``count_from``
    is the time (Quantity) counting starts; ``targets`` limits the postsynaptic cells to the first ``targets`` of
    ``post`` (a tagged subset, config ``post_subset``).

    Recurrent projections (``pre is post``) exclude autapses.
    """
    unknown = [c for c in channels if c not in post.receptors]
    if unknown:
        raise ValueError(f"connection {name}: {post.name} has no receptor channel(s) {unknown}")
    model = "".join(f"w_{c} : siemens (shared)\n" for c in channels)
    scale = f"*{pre_gain}_pre" if pre_gain else ""
    namespace, before, after = {}, [], []
    if stp:
        model += "U : 1 (shared)\ndR/dt = (1 - R)/tau_rec : 1 (event-driven)\n"
        namespace["tau_rec"] = stp["tau_rec"]
        release = "U*R"
        if stp.get("tau_fac") is not None:
            model += "du/dt = -u/tau_fac : 1 (event-driven)\n"
            namespace["tau_fac"] = stp["tau_fac"]
            before.append("u += U*(1 - u)")
            release = "u*R"
        scale += f"*{release}"
        after.append(f"R -= {release}")
    active = ""
    if density:
        model += "density : 1 (shared)\ndraw : 1 (constant)\n"
        namespace["density_max"] = float(density["max"])
        active = "*int(draw*density_max < density)"
        scale += active
    lines = before + [f"x_{c}_post += w_{c}*gain_{c}_post{scale}" for c in channels]
    if count:
        lines.append(f"{count}_post += 1{active}*int(t >= {COUNT_FROM})")
        namespace[COUNT_FROM] = count_from if count_from is not None else 0 * b2.second
    lines += after  # resources drop after the increments that used them
    syn = b2.Synapses(getattr(pre, "group", pre), post.group, model=model, on_pre="\n".join(lines), delay=delay,
                      name=name, namespace=namespace)
    p_drawn = p * (float(density["max"]) if density else 1.0)
    if p_drawn > 1.0 + 1e-12:
        raise ValueError(f"connection {name}: p x density.max = {p_drawn:g} exceeds 1 (lower density.max or p)")
    conditions = (["i != j"] if pre is post else []) + ([f"j < {int(targets)}"] if targets is not None else [])
    if conditions:
        syn.connect(condition=" and ".join(conditions), p=p_drawn)
    else:
        syn.connect(p=p_drawn)
    if stp:
        syn.R = 1.0  # every synapse starts at rest, its resources full (u starts at 0)
    if density:
        syn.draw = "rand()"
    return syn
