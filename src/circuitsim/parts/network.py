"""Assemble a circuit from its config: populations, projections, background, signals and monitors.

The result is a :class:`Circuit`: the Brian2 objects plus a registry of *run parameters*. Run parameters are
never baked into generated code; every run sets all of them (runtime: assignment; cpp_standalone: ``run_args``),
so one compiled binary serves every condition, virtual mouse and sweep value. Three shapes exist: a shared scalar
(a weight), a per-element array (a gain per neuron, an input amplitude), and a time course (a protocol signal).
A circuit module adds run parameters of its own (:meth:`Circuit.add_parameter`) for the groups it makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from . import signals as signal_parts
from .groups import subset_size
from . import background as background_parts
from .background import poisson_background
from .neurons import (CELL_UNITS, SI_UNIT, Population, cell_parameters, make_population, slot_parameters,
                      split_counts)
from .units import quantity
from .receptors import Receptor
from .slice import virtual_slice
from .synapses import connect


@dataclass(frozen=True)
class RunParameter:
    """A value a run may change: a shared scalar, a per-element array, or a time course (``dt`` set)."""

    owner: str  # population, group, connection, or "signal"
    variable: str
    size: int | None  # None for a shared scalar
    unit: object  # Brian2 unit, None for dimensionless
    default: object  # float (SI), or array for per-element values and time courses
    jitter: bool  # varies between virtual mice
    dt: float | None = None  # sampling step (s) of a time course
    mirror_of: str | None = None  # always the value of that parameter (a copy of a projection in a virtual slice)
    mirror_index: tuple | None = None  # ... at these elements of it
    counted_in: object = None  # a signal's samples are numbers of this unit (None: plain numbers)
    bounds: tuple | None = None  # (low, high) every value must lie within (SI), e.g. a release probability

    def mirrored(self, values: dict):
        """This parameter's value taken from its source in ``values``."""
        source = values[self.mirror_of]
        return np.array(source)[list(self.mirror_index)] if self.mirror_index is not None else source

    def with_unit(self, value):
        """``value`` (float or array, in SI) as what Brian2 expects for this variable."""
        return value if self.unit is None else np.asarray(value, dtype=float) * self.unit

    @property
    def name(self) -> str:
        return f"{self.owner}.{self.variable}"

    def fresh_default(self):
        """The default as a new float or array (safe to modify)."""
        return np.array(self.default, dtype=float) if self.size is not None else float(self.default)


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
    groups: dict[str, b2.NeuronGroup] = field(default_factory=dict)  # groups that are not AdEx populations
    counters: dict[str, list] = field(default_factory=dict)  # population -> event counters (parts.synapses count)
    signals: dict[str, b2.TimedArray] = field(default_factory=dict)
    state_monitors: dict[str, tuple] = field(default_factory=dict)  # group -> (StateMonitor, variables)
    slices: dict[str, b2.NeuronGroup] = field(default_factory=dict)  # virtual slice -> its recorded cells

    def defaults(self) -> dict[str, object]:
        """Every run parameter at its config value (a fresh copy of the arrays)."""
        return {k: p.fresh_default() for k, p in self.parameters.items()}

    def add_parameter(self, par: RunParameter) -> None:
        """Register a run parameter of a group the circuit module made (its value is a placeholder until a run)."""
        if par.name in self.parameters:
            raise ValueError(f"run parameter {par.name} is defined twice")
        self.parameters[par.name] = par
        if par.size is None:
            setattr(self._owner(par), par.variable, par.with_unit(0.0))

    def add_group(self, group: b2.NeuronGroup) -> None:
        """Add a non-AdEx group (:func:`circuitsim.parts.groups.make_group`) to the network."""
        self.groups[group.name] = group
        self.network.add(group)

    def add_objects(self, *objects) -> None:
        self.network.add(*objects)

    def record(self, group: str, variables: list[str], dt=None) -> None:
        """Record ``variables`` of every element of ``group`` (on its clock, or every ``dt``); a run's output
        carries their mean over elements as a time series ``<group>.<variable>``."""
        target = self.groups[group] if group in self.groups else self.populations[group].group
        kwargs = {"dt": dt} if dt is not None else {"clock": target.clock}
        mon = b2.StateMonitor(target, list(variables), record=True, name=f"trace_{group}", **kwargs)
        self.state_monitors[group] = (mon, list(variables))
        self.network.add(mon)

    def variable_view(self, name: str):
        """What Brian2's ``run_args`` takes as the key of a run parameter (a variable view or a TimedArray)."""
        par = self.parameters[name]
        if par.owner == signal_parts.OWNER:
            return self.signals[par.variable]
        return getattr(self._owner(par), par.variable)

    def set_values(self, values: dict) -> None:
        """Assign every run parameter (runtime device)."""
        self.check_values(values)
        for name, value in values.items():
            par = self.parameters[name]
            if par.owner == signal_parts.OWNER:
                self.signals[par.variable].values[:] = np.asarray(value, dtype=float)  # read by reference
            else:
                setattr(self._owner(par), par.variable, par.with_unit(value))

    def check_values(self, values: dict[str, object]) -> None:
        """Every run parameter given, none unknown, arrays of the right size (Brian2 standalone would silently
        keep build-time values for a wrongly sized array)."""
        missing = sorted(set(self.parameters) - set(values))
        unknown = sorted(set(values) - set(self.parameters))
        if missing or unknown:
            raise ValueError(f"run parameters: missing {missing}, unknown {unknown}")
        for name, par in self.parameters.items():
            n = np.size(values[name])
            if (par.size is None and n != 1) or (par.size is not None and n != par.size):
                raise ValueError(f"run parameter {name}: {n} values given, {par.size or 1} expected")
            if par.mirror_of and not np.array_equal(values[name], par.mirrored(values)):
                raise ValueError(f"run parameter {name} must equal {par.mirror_of} (a mirror; see experiment.plan)")
        check_bounds(values, self.parameters)

    def _owner(self, par: RunParameter):
        if par.owner in self.populations:
            return self.populations[par.owner].group
        if par.owner in self.groups:
            return self.groups[par.owner]
        return self.synapses[par.owner]


def check_bounds(values: dict, parameters: dict) -> None:
    """Every value of a bounded run parameter within its bounds (e.g. a synapse density below its built maximum)."""
    for name, par in parameters.items():
        if par.bounds is not None and name in values:
            v = np.asarray(values[name], dtype=float)
            if not np.all((v >= par.bounds[0]) & (v <= par.bounds[1])):
                raise ValueError(f"run parameter {name}: {np.min(v):g}..{np.max(v):g} outside its bounds "
                                 f"[{par.bounds[0]:g}, {par.bounds[1]:g}]")


def assemble(name: str, circuit_cfg: dict, cells: dict, receptors: dict, sim: dict,
             extra_groups: dict | None = None, extra_objects: list | None = None,
             custom_inputs: dict | None = None, opsins: dict | None = None, signals: dict | None = None) -> Circuit:
    """Build every signal, population and projection named in ``circuit_cfg`` (units parsed already).

    ``extra_groups`` are input groups a circuit module made itself (e.g. a stimulus); projections may start
    from them. Neurons run on Brian2's default clock. ``cells`` and ``receptors`` are the shared libraries
    (configs/cells, configs/receptors). ``sim['scale']`` shrinks every population by that factor and raises
    connection probabilities by its inverse (capped at 1) so that mean in-degrees stay the same: small networks
    for fast tests. The populations listed in ``record_conductances`` integrate their conductances from
    ``sim['transient']`` on (:mod:`circuitsim.parts.recording`). ``custom_inputs`` maps a population to the
    equations of its custom input slots; ``opsins`` is the opsin library (configs/opsins) for opsin slots.
    ``signals`` are the circuit's signals when the module made them first (:func:`make_signals`: its own groups
    read them).
    """
    scale = sim["scale"]
    mg_mM = float(circuit_cfg.get("mg", 1 * b2.mmolar) / b2.mmolar)
    populations: dict[str, Population] = {}
    parameters = run_parameters(circuit_cfg, sim, cells)
    signals = signals if signals is not None else make_signals(circuit_cfg, sim)
    objects: list = list(extra_objects or [])
    groups = dict(extra_groups or {})
    for aff_name, spec in (circuit_cfg.get("afferents") or {}).items():
        gate = spec.get("gate")
        groups[aff_name] = afferent_group(aff_name, population_size(spec, scale), signals.get(gate) if gate else None)
        objects.append(groups[aff_name])
    recorded = list(circuit_cfg.get("record_conductances") or [])  # names checked in circuitsim.config
    counters: dict[str, list] = {}
    for spec in circuit_cfg["connections"].values():
        if spec.get("count") and spec["count"] not in counters.setdefault(spec["post"], []):
            counters[spec["post"]].append(spec["count"])

    for pop_name, spec in circuit_cfg["populations"].items():
        where = f"circuit.populations.{pop_name}"
        subtypes = [(cell, float(frac), cell_parameters(_lookup(cells, cell, "cells", where), f"cells.{cell}"))
                    for cell, frac in spec["subtypes"].items()]
        pop_receptors = {ch: Receptor.from_config(ch, _lookup(receptors, kind, "receptors", where),
                                                  f"receptors.{kind}")
                         for ch, kind in spec["receptors"].items()}
        bg_sources = background_parts.sources(spec.get("background"))
        pop = make_population(pop_name, population_size(spec, scale), subtypes, pop_receptors, mg_mM,
                              extra_variables=list(spec.get("gains", [])),
                              record_from=sim["transient"] * b2.second if pop_name in recorded else None,
                              inputs=spec.get("inputs"), custom_inputs=(custom_inputs or {}).get(pop_name),
                              signals=signals, vary=list(spec.get("vary", [])), opsins=opsins,
                              background_sources={k: list(src["weights"]) for k, src in bg_sources.items()},
                              counters=counters.get(pop_name, ()))
        populations[pop_name] = pop
        groups[pop_name] = pop
        objects.append(pop.group)
        for suffix, src in bg_sources.items():
            objects.append(poisson_background(pop, int(src["n_inputs"]), src["rate"], list(src["weights"]), suffix,
                                              src.get("gate")))

    synapses: dict[str, b2.Synapses] = {}
    for conn_name, spec in circuit_cfg["connections"].items():
        where = f"circuit.connections.{conn_name}"
        pre = _lookup(groups, spec["pre"], "populations or inputs", where)
        post = _lookup(populations, spec["post"], "populations", where)
        sub = spec.get("post_subset")
        targets = (subset_size(float(circuit_cfg["populations"][spec["post"]]["subsets"][sub]["fraction"]),
                               len(post.group)) if sub else None)
        syn = connect(conn_name, pre, post, min(1.0, float(spec["p"]) / scale), spec["delay"],
                      list(spec["weights"].keys()), pre_gain=spec.get("pre_gain"), stp=spec.get("stp"),
                      density=spec.get("density"), count=spec.get("count"),
                      count_from=sim["transient"] * b2.second, targets=targets)
        synapses[conn_name] = syn
        objects.append(syn)

    spike_monitors = {p: b2.SpikeMonitor(pop.group, name=f"spikes_{p}") for p, pop in populations.items()}
    objects += list(spike_monitors.values())

    # Placeholders only: every run sets the real values (see module docstring).
    circuit = Circuit(name, populations, synapses, parameters, spike_monitors, recorded, b2.Network(objects),
                      signals=signals, counters=counters)
    circuit.groups.update({a: groups[a] for a in circuit_cfg.get("afferents") or {}})
    for par in parameters.values():
        if par.size is None:
            setattr(circuit._owner(par), par.variable, par.with_unit(0.0))
    for slice_name, spec in (circuit_cfg.get("slices") or {}).items():
        con = circuit_cfg["connections"][spec["connection"]]
        virtual_slice(slice_name, spec, groups[con["pre"]], populations[con["post"]], con, circuit, sim)
    return circuit


def afferent_group(name: str, n: int, gate: b2.TimedArray | None = None) -> b2.NeuronGroup:
    """``n`` independent Poisson afferents (e.g. CA3/EC fibres) at a shared rate ``rate`` (a run parameter), on the
    network clock; projections may start from them like from a population. With a ``gate`` signal (config
    ``gate: <signal>``) they fire at ``rate`` times the signal's value: a context or stimulus switched on in a window,
    its intensity the signal's level."""
    if gate is None:
        return b2.NeuronGroup(n, "rate : Hz (shared)", threshold="rand() < rate*dt", name=name, namespace={})
    return b2.NeuronGroup(n, "rate : Hz (shared)", threshold=f"{gate.name}(t) > 0 and rand() < rate*{gate.name}(t)*dt",
                          name=name, namespace={gate.name: gate})  # no random number while the gate is off


def make_signals(circuit_cfg: dict, sim: dict) -> dict[str, b2.TimedArray]:
    """Every signal of the circuit config, by name (:mod:`circuitsim.parts.signals`)."""
    return {s: signal_parts.make_signal(s, spec["dt"], sim["duration"])
            for s, spec in (circuit_cfg.get("signals") or {}).items()}


def population_size(spec: dict, scale: float) -> int:
    """Number of neurons of a population config at network ``scale``."""
    return max(1, round(int(spec["n"]) * scale))


def run_parameters(circuit_cfg: dict, sim: dict, cells: dict | None = None) -> dict[str, RunParameter]:
    """The run parameters :func:`assemble` creates, with their config defaults (no Brian2 objects needed).

    Per population: a dosage ``gain_<channel>`` per receptor channel and any named ``gains`` (per neuron,
    default 1), the background weights ``bg_w_<channel>`` (shared), and one per-neuron value per input slot
    (``I_x``, or ``I_x_amp`` for a signal-driven slot; default from the config or 0). Per connection:
    ``w_<channel>`` (shared), and with ``stp`` its release fraction ``U``, with ``density`` its synapse density (shared,
    default 1; :mod:`circuitsim.parts.synapses`). Per afferent group: its ``rate``. Per signal: ``signal.<name>``, its time course (default 0). Cell parameters a population
    names in ``vary`` (per neuron, default its subtype's value; needs the cell library ``cells``). Weights vary
    between virtual mice (``jitter``); gains, inputs, signals and varied cell parameters are what manipulations change.
    """
    params: dict[str, RunParameter] = {}

    def add(*args, **kwargs):
        par = RunParameter(*args, **kwargs)
        params[par.name] = par

    for pop_name, spec in circuit_cfg["populations"].items():
        n = population_size(spec, sim["scale"])
        for ch in spec["receptors"]:
            add(pop_name, f"gain_{ch}", n, None, np.ones(n), False)
        for g in spec.get("gains", []):
            add(pop_name, g, n, None, np.ones(n), False)
        for suffix, src in background_parts.sources(spec.get("background")).items():
            for ch, w in (src.get("weights") or {}).items():
                add(pop_name, background_parts.weight_name(suffix, ch), None, b2.siemens, float(w), True)
        if spec.get("vary"):
            if cells is None:
                raise ValueError(f"population {pop_name}: varied cell parameters need the cell library")
            for key in spec["vary"]:
                per_type = {cell: float(quantity(cells[cell][key], CELL_UNITS[key], f"cells.{cell}.{key}"))
                            for cell in spec["subtypes"]}
                counts = split_counts(n, [float(f) for f in spec["subtypes"].values()])
                default = np.repeat([per_type[c] for c in spec["subtypes"]], counts)
                add(pop_name, key, n, getattr(b2, SI_UNIT[key]), default, False)
        for slot, slot_spec in (spec.get("inputs") or {}).items():
            for variable, unit, default in slot_parameters(slot, slot_spec):
                add(pop_name, variable, n, unit, np.full(n, default), False)
    for conn_name, spec in circuit_cfg["connections"].items():
        for ch, w in spec["weights"].items():
            add(conn_name, f"w_{ch}", None, b2.siemens, float(w), True)
        if spec.get("stp"):
            add(conn_name, "U", None, None, float(spec["stp"]["U"]), False, bounds=(0.0, 1.0))
        if spec.get("density"):
            add(conn_name, "density", None, None, 1.0, False, bounds=(0.0, float(spec["density"]["max"])))
    for aff_name, spec in (circuit_cfg.get("afferents") or {}).items():
        add(aff_name, "rate", None, b2.Hz, float(spec["rate"]), False)
    for sig, spec in (circuit_cfg.get("signals") or {}).items():
        dt = float(spec["dt"])
        size = signal_parts.n_samples(sim["duration"], dt)
        add(signal_parts.OWNER, sig, size, None, np.zeros(size), False, dt,
            counted_in=signal_parts.unit_of(spec))
    return params


def _lookup(table: dict, key: str, what: str, where: str):
    if key not in table:
        raise KeyError(f"{where}: unknown {what} entry {key!r} (known: {', '.join(sorted(table))})")
    return table[key]
