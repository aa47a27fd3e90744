"""Pattern separation as a recognition-memory readout (BRIEF §1 option; [A]).

Two stimuli are shown in two windows; each evokes a population vector (spike counts per cell). The more the two
representations overlap (Pearson r), the less the novel one stands out: index = di_max * (1 - r). Pattern overlap
as a memory readout follows the pattern-separation literature; the linear map and di_max are assumptions.
Measures: ``<instance>_di`` and ``<instance>_overlap``.
"""

from __future__ import annotations

import numpy as np


def discrimination_index(spikes: tuple, size: int, windows: list, di_max: float) -> tuple[float, float]:
    """(index, overlap r) of one run from a population's spikes (indices, times) in two windows."""
    idx, t = spikes
    vectors = []
    for start, stop in windows:
        keep = (t >= start) & (t < stop)
        vectors.append(np.bincount(idx[keep], minlength=size).astype(float))
    a, b = vectors
    r = 1.0 if a.std() == 0 or b.std() == 0 else float(np.corrcoef(a, b)[0, 1])
    return di_max * (1.0 - r), r


def separation_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    name = spec["_name"]
    return {f"{name}_di": Measure("1", spec.get("label", f"{name} discrimination")),
            f"{name}_overlap": Measure("1", f"{name} pattern overlap r")}


def separation_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    where = f"circuit.readouts.{spec['_name']}"
    if spec["population"] not in circuit["populations"]:
        raise ValueError(f"{where}.population={spec['population']!r} is not a population of the circuit")
    if len(spec["windows"]) != 2 or any(w not in windows for w in spec["windows"]):
        raise ValueError(f"{where}.windows={spec['windows']!r}: two of the epochs {', '.join(w for w in windows if w)}")


def separation_readout(spec: dict, view) -> dict:
    pop, name = spec["population"], spec["_name"]
    windows = [view.epochs[w] for w in spec["windows"]]
    di, r = discrimination_index(view.spikes[pop], view.sizes[pop], windows, float(spec["di_max"]))
    return {f"{name}_overlap": r, f"{name}_di": di}
