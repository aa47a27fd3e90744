"""Observation models, as a registry: each takes a run's activity (and static circuit facts) in and returns numbers.

They never change a circuit. A circuit config lists its readouts by instance name (``readouts: {anxiety: {type:
behaviour, drive: rate_<population>, ...}}``; ``type`` defaults to the instance name). Each :class:`Readout` declares the
measures an instance produces, with unit and label (figures and tables take them from here), the units of its
config keys, and whether it is taken per epoch: then ``<measure>@<epoch>`` exists for every epoch of the protocol
besides ``<measure>`` over the whole analysed window. A readout may also keep time courses (``series``, e.g. the BOLD
signal): the results store them as ``ts_<name>`` over ``time_<name>``, like the binned rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import activity, behaviour, bold, memory, synaptic


@dataclass(frozen=True)
class Measure:
    unit: str
    label: str

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit not in ("", "1") else self.label


@dataclass(frozen=True)
class Readout:
    measures: Callable  # (spec, circuit_cfg) -> {measure: Measure}
    compute: Callable  # (spec, view) -> {measure: float}
    per_epoch: bool = False
    units: dict = field(default_factory=dict)  # units of the spec's keys
    check: Callable | None = None  # (spec, circuit_cfg, windows, earlier) -> None; raises ValueError (one line)
    series: Callable | None = None  # (spec, view) -> {name: (times, values)}: time courses kept with the run


@dataclass
class View:
    """One run seen through one window: what a readout may read."""

    spikes: dict  # population -> (indices, times in s), whole run
    sizes: dict
    window: tuple  # (start, stop) in s
    conductances: dict  # population -> {channel: per-neuron time-mean conductance (S)}, analysed window
    reversal: dict  # population -> {channel: reversal potential (V)}
    values: dict  # the run's parameters
    circuit: dict  # the circuit config
    epochs: dict  # every window by name
    measures: dict  # measures already computed for this window (readouts run in config order)
    slices: dict = field(default_factory=dict)  # virtual slice -> peak evoked conductance (S), (cells, pulses)
    traces: dict = field(default_factory=dict)  # "<group>.<variable>" -> (times in s, mean over elements)
    counts: dict = field(default_factory=dict)  # population -> {counter: per-neuron events, analysed window}


REGISTRY: dict[str, Readout] = {
    "rates": Readout(activity.rate_measures, activity.rate_readout, per_epoch=True, check=activity.rate_check),
    "ei": Readout(activity.ei_measures, activity.ei_readout, check=activity.ei_check),
    "evoked": Readout(synaptic.evoked_measures, synaptic.evoked_readout, check=synaptic.evoked_check),
    "paired_pulse": Readout(synaptic.paired_pulse_measures, synaptic.paired_pulse_readout,
                            check=synaptic.paired_pulse_check),
    "events": Readout(synaptic.events_measures, synaptic.events_readout, check=synaptic.events_check),
    "behaviour": Readout(behaviour.behaviour_measures, behaviour.behaviour_readout, per_epoch=True,
                         units={"D50": "Hz", "k": "Hz"}, check=behaviour.behaviour_check),
    "hot_plate": Readout(behaviour.hot_plate_measures, behaviour.hot_plate_readout, per_epoch=True,
                         units={"reference": "Hz", "tau": "s", "baseline_latency": "s", "cutoff": "s"},
                         check=behaviour.hot_plate_check),
    "locking": Readout(activity.locking_measures, activity.locking_readout, per_epoch=True, units={"frequency": "Hz"},
                       check=activity.locking_check),
    "trace": Readout(activity.trace_measures, activity.trace_readout, per_epoch=True, check=activity.trace_check),
    "ratio": Readout(activity.ratio_measures, activity.ratio_readout, per_epoch=True, check=activity.ratio_check),
    "bold": Readout(bold.bold_measures, bold.bold_readout, per_epoch=True,
                    units={"reference": "Hz", "dt": "ms", **{f"model.{k}": u for k, u in bold.UNITS.items()}},
                    check=bold.bold_check, series=bold.bold_series),
    "pattern_separation": Readout(memory.separation_measures, memory.separation_readout, check=memory.separation_check),
}


def instances(circuit_cfg: dict):
    """(instance name, readout, spec without ``type``) for every readout of a circuit config, in order."""
    for name, spec in (circuit_cfg.get("readouts") or {}).items():
        spec = dict(spec or {})
        kind = spec.pop("type", name)
        if kind not in REGISTRY:
            raise ValueError(f"circuit.readouts.{name}: unknown readout type {kind!r} (known: {', '.join(REGISTRY)})")
        yield name, REGISTRY[kind], {**spec, "_name": name}


def catalogue(circuit_cfg: dict, epochs: list[str], extra: dict | None = None) -> dict[str, Measure]:
    """Every measure a circuit's readouts produce, with the per-epoch variants, plus ``extra`` (stage measures).

    Checks every instance on the way (its own ``check``, given the windows and the measures earlier instances
    produce for one window: what its ``View`` will hold); raises ValueError with one line.
    """
    out = {k: v if isinstance(v, Measure) else Measure(*v) for k, v in (extra or {}).items()}  # (unit, label)
    earlier: dict[str, bool] = {}  # measure -> produced per epoch too
    for name, readout, spec in instances(circuit_cfg):
        if readout.check is not None:
            try:
                readout.check(spec, circuit_cfg, ["", *epochs], earlier)
            except (KeyError, TypeError) as exc:
                raise ValueError(f"circuit.readouts.{name}: missing or malformed key {exc}") from None
        for measure, info in readout.measures(spec, circuit_cfg).items():
            out[measure] = info
            earlier[measure] = readout.per_epoch
            if readout.per_epoch:
                out.update({f"{measure}@{e}": Measure(info.unit, f"{info.label} [{e}]") for e in epochs})
    return out
