"""Toy circuit that exercises the spine v2 features in one build: a protocol signal driving an input slot, a
non-neuron group on its own clock with a run parameter and a recorded trace, and a pre-network stage.

* ``cells``: fast-spiking cells with no background; their only input is ``I_stim = I_stim_amp * stim(t)``.
* ``slow``: one element on a 1-ms clock, ``dy/dt = (k*stim(t) - y)/tau``; ``k`` is a shared run parameter.
* stage: a level ``L`` relaxing toward ``drive`` over days, ``dL/dt = (drive - L)/tau_days``; at the snapshot
  day it sets ``slow.k = L`` and every cell's ``I_stim_amp = L * amp_per_level``.
"""

from __future__ import annotations

import numpy as np
import brian2 as b2

from circuitsim.parts.groups import make_group
from circuitsim.parts.network import Circuit, RunParameter, assemble
from circuitsim.stage import StageOutput, integrate

STRUCTURAL_KEYS = ("slow",)
UNITS = {"slow.dt": "ms", "slow.tau": "ms", "stage.amp_per_level": "pA"}
STAGE_MEASURES = {"toy_level": ("1", "slow level L at the snapshot")}


def build(circuit_cfg: dict, library: dict, sim: dict) -> Circuit:
    circuit = assemble("toy", circuit_cfg, library["cells"], library["receptors"], sim)
    spec = circuit_cfg["slow"]
    slow = make_group("slow", 1, "dy/dt = (k*stim(t) - y)/tau_slow : 1\nk : 1 (shared)", spec["dt"],
                      namespace={"stim": circuit.signals["stim"], "tau_slow": spec["tau"]})
    circuit.add_group(slow)
    circuit.add_parameter(RunParameter("slow", "k", None, None, 1.0, False))
    circuit.record("slow", ["y"])
    return circuit


def stage(circuit_cfg: dict, spec: dict, values: dict, ctx) -> StageOutput:
    tau = float(circuit_cfg["stage"]["tau_days"])
    drive = float(spec["drive"])
    days, y = integrate(lambda t, s: [(drive - s[0]) / tau], [0.0], float(spec["day"]))
    level = float(y[0, -1])
    values["slow.k"] = level
    values["cells.I_stim_amp"] = np.full(np.size(values["cells.I_stim_amp"]),
                                         level * float(circuit_cfg["stage"]["amp_per_level"]))
    return StageOutput({"toy_level": level}, {"level": (days, y[0])})
