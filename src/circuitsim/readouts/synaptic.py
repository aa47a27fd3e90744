"""Synaptic strength as a slice physiologist measures it: the evoked conductance in voltage-clamped cells after
stimulating the afferents (a virtual slice, :mod:`circuitsim.parts.slice`, runs inside every run).

Config: ``{slices: {<slice>: {label: ...}}}`` naming slices of the circuit config; measure ``syn_<slice>``, the
mean over the recorded cells of the peak evoked conductance (nS).
"""

from __future__ import annotations

import numpy as np


def evoked_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    return {f"syn_{name}": Measure("nS", s.get("label", name)) for name, s in spec["slices"].items()}


def evoked_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    unknown = sorted(set(spec["slices"]) - set(circuit.get("slices") or {}))
    if unknown:
        raise ValueError(f"circuit.readouts.{spec['_name']}.slices: {unknown} are not slices of circuit.slices")


def evoked_readout(spec: dict, view) -> dict:
    return {f"syn_{name}": float(np.mean(view.slices[name])) * 1e9 for name in spec["slices"]}
