"""Firing rates (mean over a window, and binned time courses) and the excitation/inhibition balance.

A population may name tagged subsets (``subsets: {lha: {fraction: 0.3, label: ...}}``: its first 30% of neurons, e.g.
the cells retrogradely labelled from one target; connectivity is random, so they are a random sample): the
``rates`` readout then also gives ``rate_<population>_<subset>``.
"""

from __future__ import annotations

import numpy as np

from ..parts.groups import subset_size


def rates(spikes: dict, sizes: dict, window: tuple) -> dict:
    """Mean firing rate (Hz) of every population in ``window`` = (start, stop) seconds."""
    start, stop = window
    out = {}
    for p, (_, t) in spikes.items():
        out[f"rate_{p}"] = int(np.count_nonzero((t >= start) & (t < stop))) / (sizes[p] * (stop - start))
    return out


def binned_rates(spikes: dict, sizes: dict, duration: float, width: float) -> tuple[np.ndarray, dict]:
    """Population rate (Hz) in bins of ``width`` s over the run: bin centres and {population: rates}."""
    edges = np.arange(0.0, duration + width / 2, width)
    centres = (edges[:-1] + edges[1:]) / 2
    return centres, {p: np.histogram(t, edges)[0] / (sizes[p] * width) for p, (_, t) in spikes.items()}


def rate_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    pops = spec.get("populations") or list(circuit["populations"])
    out = {}
    for p in pops:
        out[f"rate_{p}"] = Measure("Hz", circuit["populations"][p].get("label", p))
        for sub, s in (circuit["populations"][p].get("subsets") or {}).items():
            out[f"rate_{p}_{sub}"] = Measure("Hz", s.get("label", f"{p} {sub}"))
    return out


def rate_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    unknown = sorted(set(spec.get("populations") or []) - set(circuit["populations"]))
    if unknown:
        raise ValueError(f"circuit.readouts.{spec['_name']}.populations: {unknown} are not populations")


def rate_readout(spec: dict, view) -> dict:
    pops = spec.get("populations") or list(view.sizes)
    out = rates({p: view.spikes[p] for p in pops}, view.sizes, view.window)
    for p in pops:
        for sub, s in (view.circuit["populations"][p].get("subsets") or {}).items():
            k = subset_size(s["fraction"], view.sizes[p])
            i, t = view.spikes[p]
            out.update(rates({f"{p}_{sub}": (i[i < k], t[i < k])}, {f"{p}_{sub}": k}, view.window))
    return out


def ei_ratio(conductances: dict, reversal: dict, population: str, threshold_V: float = -0.050,
             recurrent: bool = False) -> float:
    """Time-mean excitatory over inhibitory conductance on the recorded cells of ``population``.

    Channels with a reversal potential above ``threshold_V`` count as excitatory (NMDA after its Mg block). With
    ``recurrent`` the background's share of every channel is left out: the synaptic conductance the circuit's own
    neurons evoke, the E/I a slice recording of evoked excitatory and inhibitory currents compares.
    """
    g = conductances[population]
    channels = [c for c in g if "@" not in c]

    def share(c):
        return g[c] - g.get(f"{c}@background", 0.0) if recurrent else g[c]

    exc = sum(share(c) for c in channels if reversal[population][c] > threshold_V)
    inh = sum(share(c) for c in channels if reversal[population][c] <= threshold_V)
    return float(np.mean(exc) / np.mean(inh)) if np.mean(inh) > 0 else float("nan")


def _ei_name(spec: dict) -> str:
    return f"ei_{'rec_' if spec.get('exclude_background') else ''}{spec['population']}"


def ei_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    p = spec["population"]
    what = "recurrent E/I (background excluded)" if spec.get("exclude_background") else "E/I"
    return {_ei_name(spec): Measure("1", f"{circuit['populations'][p].get('label', p)} {what}")}


def ei_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    p = spec["population"]
    if p not in (circuit.get("record_conductances") or []):
        raise ValueError(f"circuit.readouts.{spec['_name']}.population={p!r}: the E/I readout needs that population "
                         "in circuit.record_conductances")


def ei_readout(spec: dict, view) -> dict:
    return {_ei_name(spec): ei_ratio(view.conductances, view.reversal, spec["population"],
                                     recurrent=bool(spec.get("exclude_background")))}


def trace_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    label = spec.get("label", spec["trace"])
    out = {spec["_name"]: Measure(str(spec.get("unit", "1")), label)}
    if spec.get("peak"):
        out[f"{spec['_name']}_peak"] = Measure(str(spec.get("unit", "1")), f"{label}, peak")
    return out


def trace_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    where = f"circuit.readouts.{spec['_name']}"
    if not isinstance(spec.get("trace"), str) or spec["trace"].count(".") != 1:
        raise ValueError(f"{where}.trace={spec.get('trace')!r}: name a recorded trace as <group>.<variable>")
    if spec.get("baseline") is not None and spec["baseline"] not in windows:
        raise ValueError(f"{where}.baseline={spec['baseline']!r} is not an epoch ({', '.join(w for w in windows if w)})")


def trace_readout(spec: dict, view) -> dict:
    """Mean of a recorded trace (a group's variable averaged over its elements) over the window; with ``baseline:
    <epoch>`` its change from the mean over that epoch; with ``peak: true`` also ``<name>_peak``, its largest value
    in the window (minus the baseline)."""
    if spec["trace"] not in view.traces:
        raise ValueError(f"readout {spec['_name']}: the circuit records no trace {spec['trace']!r} "
                         f"(recorded: {', '.join(view.traces) or 'none'})")
    t, y = (np.asarray(x, dtype=float) for x in view.traces[spec["trace"]])
    start, stop = view.window
    inside = (t >= start) & (t < stop)
    base = 0.0
    if spec.get("baseline") is not None:
        a, b = view.epochs[spec["baseline"]]
        base = float(np.mean(y[(t >= a) & (t < b)]))
    out = {spec["_name"]: float(np.mean(y[inside])) - base}
    if spec.get("peak"):
        out[f"{spec['_name']}_peak"] = float(np.max(y[inside])) - base
    return out


def ratio_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    return {spec["_name"]: Measure(str(spec.get("unit", "1")),
                                   spec.get("label", f"{spec['numerator']} / {spec['denominator']}"))}


def ratio_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    for key in ("numerator", "denominator"):
        if not earlier.get(spec.get(key)):
            raise ValueError(f"circuit.readouts.{spec['_name']}.{key}={spec.get(key)!r}: name a per-epoch measure of an "
                             "earlier readout")


def ratio_readout(spec: dict, view) -> dict:
    """One measure over another in the same window (e.g. a flow change per rate change: a coupling gain); nan where
    the denominator is not above 0."""
    den = view.measures[spec["denominator"]]
    return {spec["_name"]: float(view.measures[spec["numerator"]] / den) if den > 0 else float("nan")}


def locking_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    p = spec["population"]
    return {f"locking_{p}": Measure("1", f"{circuit['populations'][p].get('label', p)} locking to the pulses")}


def locking_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    if spec.get("population") not in circuit["populations"]:
        raise ValueError(f"circuit.readouts.{spec['_name']}.population={spec.get('population')!r} is not a population")
    if not float(spec["frequency"]) > 0:
        raise ValueError(f"circuit.readouts.{spec['_name']}.frequency must be > 0")


def locking_readout(spec: dict, view) -> dict:
    """Vector strength of a population's spikes at a stimulation frequency, |mean exp(2 pi i f t)| over the spikes in
    the window (Goldberg & Brown 1969): 1 = every spike at the same phase of the cycle, ~1/sqrt(n) for n spikes
    without locking."""
    p = spec["population"]
    _, t = view.spikes[p]
    start, stop = view.window
    t = t[(t >= start) & (t < stop)]
    value = float(np.abs(np.mean(np.exp(2j * np.pi * float(spec["frequency"]) * t)))) if t.size else float("nan")
    return {f"locking_{p}": value}
