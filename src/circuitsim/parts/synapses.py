"""Projections between populations: random connectivity, one shared weight per receptor channel.

A presynaptic spike adds ``w_<channel> * gain_<channel>_post [* <pre_gain>_pre]`` to the postsynaptic
``x_<channel>``. The weights are *shared* synaptic variables and the gains are per-neuron variables, so a
virtual mouse or a condition changes them between runs of one compiled binary (Brian2 ``run_args``)
without touching per-synapse arrays (whose size differs between mice).

With ``depression: {U, tau_rec}`` a projection is short-term depressing (Tsodyks & Markram 1997, depression
only): each synapse keeps its available resources ``R`` (1 at rest, recovering with ``tau_rec``); a spike
releases the fraction ``U`` of them, so the increment is ``U*R`` times the above and ``R`` drops by ``U*R``.
"""

from __future__ import annotations

import brian2 as b2

from .neurons import Population


def connect(
    name: str,
    pre,
    post: Population,
    p: float,
    delay,
    channels: list[str],
    pre_gain: str | None = None,
    depression: dict | None = None,
) -> b2.Synapses:
    """Connect ``pre`` (a Population or any spiking group) to ``post`` with probability ``p``; ``depression``
    ({U, tau_rec}) makes it short-term depressing (module docstring).

    Recurrent projections (``pre is post``) exclude autapses.
    """
    unknown = [c for c in channels if c not in post.receptors]
    if unknown:
        raise ValueError(f"connection {name}: {post.name} has no receptor channel(s) {unknown}")
    model = "".join(f"w_{c} : siemens (shared)\n" for c in channels)
    scale = f"*{pre_gain}_pre" if pre_gain else ""
    namespace = {}
    if depression:
        model += "dR/dt = (1 - R)/tau_rec : 1 (event-driven)\n"
        scale += "*U_release*R"
        namespace = {"U_release": float(depression["U"]), "tau_rec": depression["tau_rec"]}
    on_pre = "\n".join(f"x_{c}_post += w_{c}*gain_{c}_post{scale}" for c in channels)
    if depression:
        on_pre += "\nR -= U_release*R"
    syn = b2.Synapses(getattr(pre, "group", pre), post.group, model=model, on_pre=on_pre, delay=delay, name=name,
                      namespace=namespace)
    if pre is post:
        syn.connect(condition="i != j", p=p)
    else:
        syn.connect(p=p)
    if depression:
        syn.R = 1.0  # every synapse starts at rest, its resources full
    return syn
