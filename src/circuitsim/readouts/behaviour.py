"""Behaviour as phenomenological maps of a drive D (Hz) from a named rate measure (BRIEF §0.5; all [A]).

No published model maps these circuits onto maze, freezing or hot-plate scores, so only inequalities between
conditions are findings; the absolute values are anchors, not predictions. Every index is a sigmoid of the drive,

    s = sigmoid((D - D50)/k),    index = base + span * s      (rises with the drive)
                                 index = base + span * (1 - s) (falls with the drive)

with ``D50``, ``k`` and each index's ``base``, ``span``, direction, unit and label in the circuit config.

Hot-plate latency (BRIEF §0.5) is a leaky nociceptive integrator, ``tau dN/dt = -N + I_heat - G``, started at 0
when the paw meets the plate; the paw is withdrawn when N crosses a threshold, at
``latency = -tau*ln(1 - theta/(I_heat - G))`` (the cut-off when it never does). ``I_heat`` is 1 and ``theta`` is set
by the latency with no descending drive (``baseline_latency``). The descending analgesic drive is the suppression
of a named rate below a reference, ``G = gain*(reference - r)/reference`` (negative when r is above it: hyperalgesia).
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


def hot_plate_latency(drive_hz: float, reference_hz: float, gain: float, tau_s: float, baseline_s: float,
                      cutoff_s: float) -> float:
    """Withdrawal latency (s) of the nociceptive integrator (module docstring)."""
    theta = 1.0 - np.exp(-baseline_s / tau_s)
    net = 1.0 - gain * (reference_hz - drive_hz) / reference_hz
    if net <= theta:
        return float(cutoff_s)
    return float(min(cutoff_s, -tau_s * np.log(1.0 - theta / net)))


def hot_plate_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    return {f"{spec['_name']}_latency": Measure("s", spec.get("label", "hot-plate latency"))}


def hot_plate_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    where = f"circuit.readouts.{spec['_name']}"
    if not earlier.get(spec["drive"]):
        raise ValueError(f"{where}.drive={spec['drive']!r}: must be a per-epoch measure of a readout listed "
                         f"before it ({', '.join(m for m, e in earlier.items() if e) or 'none'})")
    for key in ("reference", "tau", "baseline_latency", "cutoff"):
        if not float(spec[key]) > 0:
            raise ValueError(f"{where}.{key}={spec[key]!r} must be > 0")
    if not float(spec["baseline_latency"]) < float(spec["cutoff"]):
        raise ValueError(f"{where}: baseline_latency must be shorter than the cutoff")


def hot_plate_readout(spec: dict, view) -> dict:
    latency = hot_plate_latency(float(view.measures[spec["drive"]]), float(spec["reference"]), float(spec["gain"]),
                                float(spec["tau"]), float(spec["baseline_latency"]), float(spec["cutoff"]))
    return {f"{spec['_name']}_latency": latency}
