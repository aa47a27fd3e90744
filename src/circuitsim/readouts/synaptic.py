"""Pathway strength: the conductance a presynaptic spike evokes, averaged over the pathway's synapses.

In the model this is known by construction from the run parameters (shared weight x presynaptic gain,
averaged over presynaptic neurons, which connect with equal probability), the in-silico analogue of the
evoked EPSC amplitude recorded after stimulating the presynaptic region. Reported in nS (sum over channels).
Config: ``{paths: {<name>: {connection: <connection>, gain: <presynaptic gain or null>, label: ...}}}``;
measures ``syn_<name>``.
"""

from __future__ import annotations

import numpy as np


def pathway_strength(values: dict, name: str, connection: str, gain: str | None, pre: str) -> dict:
    """Mean evoked conductance (nS) per presynaptic spike of ``connection``."""
    weight = sum(float(v) for k, v in values.items() if k.startswith(f"{connection}.w_"))
    scale = float(np.mean(values[f"{pre}.{gain}"])) if gain else 1.0
    return {f"syn_{name}": weight * scale * 1e9}


def pathway_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    return {f"syn_{name}": Measure("nS/spike", pw.get("label", name)) for name, pw in spec["paths"].items()}


def pathway_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    for name, pw in spec["paths"].items():
        con = circuit["connections"].get(pw["connection"])
        if con is None:
            raise ValueError(f"circuit.readouts.{spec['_name']}.paths.{name}.connection={pw['connection']!r} is not "
                             "a connection")
        gain = pw.get("gain")
        if gain and gain not in (circuit["populations"].get(con["pre"]) or {}).get("gains", []):
            raise ValueError(f"circuit.readouts.{spec['_name']}.paths.{name}.gain={gain!r} is not a gain of "
                             f"{con['pre']}")


def pathway_readout(spec: dict, view) -> dict:
    out = {}
    for name, pw in spec["paths"].items():
        pre = view.circuit["connections"][pw["connection"]]["pre"]
        out.update(pathway_strength(view.values, name, pw["connection"], pw.get("gain"), pre))
    return out
