"""Behaviour as phenomenological maps of a drive D (Hz) from a named rate measure (BRIEF §0.5; all [A]).

No published model maps these circuits onto maze, freezing or hot-plate scores, so only inequalities between
conditions are findings; the absolute values are anchors, not predictions. Every index is a sigmoid of the drive,

    s = sigmoid((D - D50)/k),    index = base + span * s      (rises with the drive)
                                 index = base + span * (1 - s) (falls with the drive)

with ``D50``, ``k`` and each index's ``base``, ``span``, direction, unit and label in the circuit config.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def behaviour_indices(drive_hz: float, D50_hz: float, k_hz: float, indices: dict) -> dict:
    """Every index of ``indices`` ({name: {base, span, rises}}) for one mouse's drive."""
    s = float(sigmoid((drive_hz - D50_hz) / k_hz))
    return {name: float(ix["base"]) + float(ix["span"]) * (s if ix.get("rises", False) else (1.0 - s))
            for name, ix in indices.items()}


def behaviour_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    out = {f"{spec['_name']}_drive": Measure("Hz", f"{spec['_name']} drive D")}
    out.update({name: Measure(str(ix.get("unit", "1")), ix.get("label", name)) for name, ix in spec["indices"].items()})
    return out


def behaviour_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    where = f"circuit.readouts.{spec['_name']}"
    if not earlier.get(spec["drive"]):  # the drive must be in the View of every window, epochs included
        raise ValueError(f"{where}.drive={spec['drive']!r}: must be a per-epoch measure of a readout listed "
                         f"before it ({', '.join(m for m, e in earlier.items() if e) or 'none'})")
    if not float(spec["k"]) > 0:
        raise ValueError(f"{where}.k={spec['k']!r} must be > 0")
    for name, ix in spec["indices"].items():
        if not {"base", "span"} <= set(ix) or set(ix) - {"base", "span", "rises", "unit", "label"}:
            raise ValueError(f"{where}.indices.{name}: needs base and span (optional rises, unit, label)")


def behaviour_readout(spec: dict, view) -> dict:
    drive = float(view.measures[spec["drive"]])
    out = {f"{spec['_name']}_drive": drive}
    out.update(behaviour_indices(drive, float(spec["D50"]), float(spec["k"]), spec["indices"]))
    return out
