"""Assemble a circuit from its config: populations, projections, background and monitors.

The result is a :class:`Circuit`: the Brian2 objects plus a registry of *run parameters* (synaptic and
background weights, per-neuron gains). Run parameters are never baked into generated code; every run sets
all of them (runtime: assignment; cpp_standalone: ``run_args``), so one compiled binary serves every
condition, virtual mouse and sweep value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from .background import poisson_background
from .neurons import Population, cell_parameters, make_population
from .receptors import Receptor
from .synapses import connect
from .units import quantity


@dataclass(frozen=True)
class RunParameter:
    """A value a run may change: a shared scalar (weights) or a per-neuron array (gains)."""

    owner: str  # population or connection name
    variable: str
    size: int | None  # None for a shared scalar
    unit: object  # Brian2 unit, None for dimensionless
    default: object  # Quantity or float, or array for per-neuron values
    jitter: bool  # varies between virtual mice

    def with_unit(self, value):
        """``value`` (float or array, in SI) as what Brian2 expects for this variable."""
        return value if self.unit is None else np.asarray(value, dtype=float) * self.unit

    @property
    def name(self) -> str:
        return f"{self.owner}.{self.variable}"


@dataclass
class Circuit:
    """A built network and what runs and readouts need to know about it."""

    name: str
    populations: dict[str, Population]
    synapses: dict[str, b2.Synapses]
    parameters: dict[str, RunParameter]
    spike_monitors: dict[str, b2.SpikeMonitor]
    recorded: list[str]  # populations whose conductances are integrated over the analysed window
    network: b2.Network
    info: dict = field(default_factory=dict)

    def defaults(self) -> dict[str, object]:
        """Every run parameter at its config value (a fresh copy of the per-neuron arrays)."""
        return {k: (np.array(p.default, dtype=float) if p.size is not None else p.default)
                for k, p in self.parameters.items()}

    def variable_view(self, name: str):
        par = self.parameters[name]
        return getattr(_owner(self, par), par.variable)

    def set_values(self, values: dict) -> None:
        """Assign every run parameter (runtime device)."""
        self.check_values(values)
        for name, value in values.items():
            par = self.parameters[name]
            setattr(_owner(self, par), par.variable, par.with_unit(value))

    def check_values(self, values: dict[str, object]) -> None:
        """Every run parameter given, none unknown, per-neuron arrays of the right size (Brian2 standalone
        would silently keep build-time values for a wrongly sized array)."""
        missing = sorted(set(self.parameters) - set(values))
        unknown = sorted(set(values) - set(self.parameters))
        if missing or unknown:
            raise ValueError(f"run parameters: missing {missing}, unknown {unknown}")
        for name, par in self.parameters.items():
            n = np.size(values[name])
            if (par.size is None and n != 1) or (par.size is not None and n != par.size):
                raise ValueError(f"run parameter {name}: {n} values given, {par.size or 1} expected")


def assemble(name: str, circuit_cfg: dict, cells: dict, receptors: dict, scale: float = 1.0,
             extra_groups: dict | None = None, extra_objects: list | None = None,
             record_from: float = 0.0) -> Circuit:
    """Build every population and projection named in ``circuit_cfg``.

    ``extra_groups`` are input groups a circuit module made itself (e.g. a stimulus); projections may start
    from them. Every object runs on Brian2's default clock (one clock, set by the caller).
    ``cells`` and ``receptors`` are the shared libraries (configs/cells, configs/receptors).
    ``scale`` shrinks every population by that factor and raises connection probabilities by its inverse
    (capped at 1) so that mean in-degrees stay the same: small networks for fast tests.
    The populations listed in ``record_conductances`` integrate their conductances from ``record_from``
    (seconds, the end of the transient) on (:mod:`circuitsim.parts.recording`).
    """
    mg_mM = float(quantity(circuit_cfg.get("mg", "1 mM"), "mM", f"circuit.mg") / b2.mmolar)
    populations: dict[str, Population] = {}
    parameters = run_parameters(circuit_cfg, scale)
    objects: list = list(extra_objects or [])
    groups = dict(extra_groups or {})
    recorded = list(circuit_cfg.get("record_conductances") or [])  # names checked in circuitsim.config

    for pop_name, spec in circuit_cfg["populations"].items():
        where = f"circuit.populations.{pop_name}"
        subtypes = [(cell, float(frac), cell_parameters(_lookup(cells, cell, "cells", where), f"cells.{cell}"))
                    for cell, frac in spec["subtypes"].items()]
        pop_receptors = {ch: Receptor.from_config(ch, _lookup(receptors, kind, "receptors", where),
                                                  f"receptors.{kind}")
                         for ch, kind in spec["receptors"].items()}
        bg = spec.get("background") or {}
        bg_channels = list((bg.get("weights") or {}).keys())
        gains = list(spec.get("gains", []))
        pop = make_population(pop_name, population_size(spec, scale), subtypes, pop_receptors, mg_mM,
                              extra_variables=gains, background_channels=bg_channels,
                              record_from=record_from * b2.second if pop_name in recorded else None)
        populations[pop_name] = pop
        groups[pop_name] = pop
        objects.append(pop.group)
        if bg_channels:
            rate = quantity(bg["rate"], "Hz", f"{where}.background.rate")
            objects.append(poisson_background(pop, int(bg["n_inputs"]), rate, bg_channels))

    synapses: dict[str, b2.Synapses] = {}
    for conn_name, spec in circuit_cfg["connections"].items():
        where = f"circuit.connections.{conn_name}"
        pre = _lookup(groups, spec["pre"], "populations or inputs", where)
        post = _lookup(populations, spec["post"], "populations", where)
        channels = list(spec["weights"].keys())
        syn = connect(conn_name, pre, post, min(1.0, float(spec["p"]) / scale), quantity(spec["delay"], "ms", f"{where}.delay"),
                      channels, pre_gain=spec.get("pre_gain"))
        synapses[conn_name] = syn
        objects.append(syn)

    spike_monitors = {p: b2.SpikeMonitor(pop.group, name=f"spikes_{p}") for p, pop in populations.items()}
    objects += list(spike_monitors.values())

    # Placeholders only: every run sets the real values (see module docstring).
    circuit = Circuit(name, populations, synapses, parameters, spike_monitors, recorded, b2.Network(objects))
    for par in parameters.values():
        if par.size is None:
            setattr(_owner(circuit, par), par.variable, par.with_unit(0.0))
    return circuit


def population_size(spec: dict, scale: float) -> int:
    """Number of neurons of a population config at network ``scale``."""
    return max(1, round(int(spec["n"]) * scale))


def run_parameters(circuit_cfg: dict, scale: float = 1.0) -> dict[str, RunParameter]:
    """Every value a run sets, with its config default; computed from the config alone (no Brian2 objects).

    Per population: a dosage ``gain_<channel>`` per receptor channel and any named ``gains`` (per neuron,
    default 1), and the background weights ``bg_w_<channel>`` (shared). Per connection: ``w_<channel>``
    (shared). Weights vary between virtual mice (``jitter``); gains are what manipulations change.
    """
    params: dict[str, RunParameter] = {}

    def add(*args):
        par = RunParameter(*args)
        params[par.name] = par

    for pop_name, spec in circuit_cfg["populations"].items():
        n = population_size(spec, scale)
        for ch in spec["receptors"]:
            add(pop_name, f"gain_{ch}", n, None, np.ones(n), False)
        for g in spec.get("gains", []):
            add(pop_name, g, n, None, np.ones(n), False)
        for ch, w in ((spec.get("background") or {}).get("weights") or {}).items():
            where = f"circuit.populations.{pop_name}.background.weights.{ch}"
            add(pop_name, f"bg_w_{ch}", None, b2.siemens, float(quantity(w, "nS", where)), True)
    for conn_name, spec in circuit_cfg["connections"].items():
        for ch, w in spec["weights"].items():
            where = f"circuit.connections.{conn_name}.weights.{ch}"
            add(conn_name, f"w_{ch}", None, b2.siemens, float(quantity(w, "nS", where)), True)
    return params


def _owner(circuit: Circuit, par: RunParameter):
    return circuit.populations[par.owner].group if par.owner in circuit.populations else circuit.synapses[par.owner]


def _lookup(table: dict, key: str, what: str, where: str):
    if key not in table:
        raise KeyError(f"{where}: unknown {what} entry {key!r} (known: {', '.join(sorted(table))})")
    return table[key]
