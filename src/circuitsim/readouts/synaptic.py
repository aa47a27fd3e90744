"""Synaptic measures as a slice physiologist takes them, from a virtual slice (:mod:`circuitsim.parts.slice`) or
from event counters (:mod:`circuitsim.parts.synapses` ``count``).

* ``evoked`` ``{slices: {<slice>: {label}}}``: ``syn_<slice>``, the mean over the recorded cells of the peak
  conductance evoked by stimulating the afferents (nS; the first pulse).
* ``paired_pulse`` ``{slices: {<slice>: {label}}}``: ``ppr_<slice>``, the mean second peak over the mean first of a
  paired-pulse protocol (the slice needs ``pulses: 2``): below 1 when release probability is high (depression),
  above 1 when it is low (facilitation) (Zucker & Regehr 2002).
* ``events`` ``{population, counter, label}``: ``<instance>``, the mean per-cell rate (Hz) of the synaptic events a
  counting projection delivered over the analysed window (an sEPSC-like frequency: every transmitting event
  counts, none is lost to a detection threshold).
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
    return {f"syn_{name}": float(np.mean(view.slices[name][:, 0])) * 1e9 for name in spec["slices"]}


def paired_pulse_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    return {f"ppr_{name}": Measure("1", s.get("label", name)) for name, s in spec["slices"].items()}


def paired_pulse_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    evoked_check(spec, circuit, windows, earlier)
    single = sorted(n for n in spec["slices"] if int(circuit["slices"][n].get("pulses", 1)) != 2)
    if single:
        raise ValueError(f"circuit.readouts.{spec['_name']}.slices: {single} need pulses: 2 (and an interval)")


def paired_pulse_readout(spec: dict, view) -> dict:
    out = {}
    for name in spec["slices"]:
        first, second = np.mean(view.slices[name], axis=0)[:2]
        out[f"ppr_{name}"] = float(second / first) if first > 0 else float("nan")
    return out


def events_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    return {spec["_name"]: Measure("Hz", spec.get("label", f"{spec['counter']} events"))}


def events_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    counting = {(c["post"], c.get("count")) for c in circuit["connections"].values()}
    if (spec.get("population"), spec.get("counter")) not in counting:
        raise ValueError(f"circuit.readouts.{spec['_name']}: no connection onto {spec.get('population')!r} counts "
                         f"{spec.get('counter')!r} (connections.<name>.count)")


def events_readout(spec: dict, view) -> dict:
    counts = view.counts[spec["population"]][spec["counter"]]
    start, stop = view.window
    return {spec["_name"]: float(np.mean(counts)) / (stop - start)}
