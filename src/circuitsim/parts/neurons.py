"""Adaptive exponential integrate-and-fire (AdEx) populations (Brette & Gerstner 2005; Naud et al. 2008).

    C dV/dt = -gL(V-EL) + gL*DeltaT*exp((V-VT)/DeltaT) - w + I_syn + I_<slot> + ...
    tau_w dw/dt = a(V-EL) - w;   spike at V > VT + 5*DeltaT: V <- Vr, w <- w + b, refractory t_ref

A population whose cell types all have ``DeltaT`` 0 is a leaky integrate-and-fire (LIF) population: the
exponential term is left out of dV/dt (it would divide by zero) and the threshold is VT + 5*DeltaT = VT.
Mixing zero and non-zero ``DeltaT`` in one population is refused.

A parameter shared by every subtype of a population is a compile-time constant; one that differs is a
per-neuron constant, so one population can mix subtypes (e.g. adapting and weakly adapting principal neurons,
BRIEF §0.1). A population with a = b = 0 everywhere has no adaptation variable ``w``. ``I_syn`` sums the
population's receptor channels.

Input-current slots (``I_opto``, ``I_chemo``, ``I_stim``, ...) are named in the population's config, each written by
one part or intervention; a population has only the slots it names, so an unused slot costs nothing:

* ``{}`` or ``{default: 20 pA}``: a per-neuron constant current ``I_x`` (a run parameter, e.g. a chemogenetic
  depolarisation in expressing cells);
* ``{signal: shock}``: ``I_x = I_x_amp * shock(t)``, a per-neuron amplitude (run parameter, 0 = not targeted)
  times a protocol time course (:mod:`circuitsim.parts.signals`);
* ``{opsin: chr2_4s, signal: light}``: a photocurrent (:mod:`circuitsim.parts.opsin`) driven by a light signal
  (irradiance at the fibre tip, mW/mm^2), with per-neuron expression ``I_x_rho`` (0 = none) and transmittance
  ``I_x_T`` (fraction of the tip irradiance reaching the cell, 0 until a ``fiber`` step places the fibre);
* ``{custom: true}``: the circuit module supplies the equations defining ``I_x`` (e.g. a flow-dependent current).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from . import background, opsin, recording
from .receptors import Receptor
from .units import quantity

CELL_UNITS = {
    "C": "pF", "gL": "nS", "EL": "mV", "VT": "mV", "DeltaT": "mV",
    "a": "nS", "b": "pA", "tau_w": "ms", "Vr": "mV", "t_ref": "ms",
}

SI_UNIT = {"C": "farad", "gL": "siemens", "EL": "volt", "VT": "volt", "DeltaT": "volt", "a": "siemens",
            "b": "amp", "tau_w": "second", "Vr": "volt", "t_ref": "second"}
_EQ_NAME = {"C": "Cm"}  # 'C' is Brian2's coulomb: the capacitance is Cm in the equations


# Refractory for whole time steps after a spike, as Brian2's ``refractory=t_ref`` (same steps), but written
# as a floating-point comparison: Brian2's version converts to int64, which keeps gcc from vectorising the
# state update on AVX2 machines (no packed double -> int64 conversion).
REFRACTORY = "floor((t - lastspike)/dt + 0.001) < floor(t_ref/dt + 0.001)"


def _membrane(varying: set[str], lif: bool, adapting: bool, slots: list[str]) -> str:
    """AdEx (or LIF, or non-adapting) membrane equations; only ``varying`` parameters are per-neuron."""
    spike = "" if lif else " + gL*DeltaT*exp((v - VT)/DeltaT)"
    w_term = " - w" if adapting else ""
    inputs = "".join(f" + {slot}" for slot in slots)
    lines = [f"dv/dt = (gL*(EL - v){spike}{w_term} + I_syn{inputs})/Cm : volt (unless refractory)"]
    if adapting:
        lines.append("dw/dt = (a*(v - EL) - w)/tau_w : amp")
    lines += [f"{_EQ_NAME.get(k, k)} : {SI_UNIT[k]} (constant)" for k in CELL_UNITS if k in varying]
    return "\n".join(lines) + "\n"


def input_equations(slots: dict[str, dict], custom: dict[str, str] | None = None) -> str:
    """Equations of a population's input slots (see the module docstring)."""
    custom = custom or {}
    lines = []
    for slot, spec in slots.items():
        spec = spec or {}
        if spec.get("custom"):
            if slot not in custom:
                raise ValueError(f"input slot {slot}: marked custom but the circuit module gives no equations for it")
            lines.append(custom[slot].strip())
        elif spec.get("opsin"):
            lines.append(opsin.equations(slot, spec["signal"]).strip())
        elif spec.get("signal"):
            lines += [f"{slot} = {slot}_amp*{spec['signal']}(t) : amp", f"{slot}_amp : amp"]
        else:
            lines.append(f"{slot} : amp")
    return "".join(line + "\n" for line in lines)


def slot_parameters(slot: str, spec: dict) -> list[tuple[str, object, float]]:
    """The per-neuron run parameters of a slot as (variable, unit, default): ``I_x`` or ``I_x_amp`` (amp, the
    config's ``default`` or 0), ``I_x_rho`` and ``I_x_T`` of an opsin slot (plain, 0); none for a custom slot."""
    spec = spec or {}
    if spec.get("custom"):
        return []
    if spec.get("opsin"):
        return [(f"{slot}_rho", None, 0.0), (f"{slot}_T", None, 0.0)]
    return [(f"{slot}_amp" if spec.get("signal") else slot, b2.amp, float(spec.get("default", 0.0)))]


def cell_parameters(spec: dict, where: str) -> dict:
    """Read one AdEx cell type from the config library, checking every unit."""
    missing = sorted(set(CELL_UNITS) - set(spec))
    if missing:
        raise ValueError(f"{where}: missing cell parameters {missing}")
    return {k: quantity(spec[k], unit, f"{where}.{k}") for k, unit in CELL_UNITS.items()}


@dataclass
class Population:
    """A built population: the Brian2 group and what the rest of the circuit needs to know of it."""

    name: str
    group: b2.NeuronGroup
    receptors: dict[str, Receptor]
    subtype_of: np.ndarray  # index into ``subtypes`` for every neuron
    subtypes: list[str] = field(default_factory=list)
    cell_params: list[dict] = field(default_factory=list)  # AdEx parameters of each subtype
    inputs: dict = field(default_factory=dict)  # input-current slot -> its config spec

    def cell_values(self, key: str):
        """One AdEx parameter for every neuron (a Quantity array), whether it is compiled in or per-neuron."""
        values = [params[key] for params in self.cell_params]
        unit = b2.get_unit(b2.get_dimensions(values[0]))
        return np.asarray([float(values[k] / unit) for k in self.subtype_of]) * unit


def make_population(
    name: str,
    n: int,
    subtypes: list[tuple[str, float, dict]],
    receptors: dict[str, Receptor],
    mg_mM: float,
    extra_variables: list[str] = (),
    background_channels: list[str] = (),
    record_from=None,
    inputs: dict[str, dict] | None = None,
    custom_inputs: dict[str, str] | None = None,
    signals: dict | None = None,
    background_sources: dict[str, list[str]] | None = None,
    vary: list[str] = (),
    opsins: dict | None = None,
    counters: list[str] = (),
) -> Population:
    """Create an AdEx NeuronGroup of ``n`` cells.

    ``subtypes`` is a list of (cell name, fraction, parameters); fractions are turned into contiguous
    blocks of neurons (largest-remainder rounding). ``extra_variables`` are dimensionless per-neuron
    gains other parts refer to (e.g. a presynaptic efficacy ``rf_gain``); ``background_channels`` get a
    shared background weight ``bg_w_<channel>`` that a run sets (see :mod:`circuitsim.parts.background`).
    With ``record_from`` (a time) every channel's conductance is integrated from then on
    (:mod:`circuitsim.parts.recording`). ``inputs`` names the input-current slots (module docstring);
    ``custom_inputs`` gives the equations of custom slots, ``signals`` the circuit's time courses by name.
    ``background_sources`` maps the suffix of each background source (:func:`circuitsim.parts.background.sources`)
    to its channels (default: one unnamed source driving ``background_channels``). ``vary`` names cell parameters (e.g. ``gL``) made
    per-neuron variables even when every subtype shares them, so a run can set them (a sex difference, a drug).
    ``opsins`` is the opsin library (configs/opsins) for opsin input slots. ``counters`` are event counters
    projections onto the population increment (:func:`counter_equation`).
    """
    delta_t = [float(params["DeltaT"]) for _, _, params in subtypes]
    lif = all(d == 0 for d in delta_t)
    if not lif and any(d == 0 for d in delta_t):
        raise ValueError(f"population {name}: cell types {[s for s, _, _ in subtypes]} mix DeltaT = 0 (LIF) "
                         "and DeltaT > 0 (AdEx); use one kind per population")
    adapting = any(float(params["a"]) != 0 or float(params["b"]) != 0 for _, _, params in subtypes)
    unknown = sorted(set(vary) - set(CELL_UNITS))
    if unknown:
        raise ValueError(f"population {name}: vary names {unknown}, not cell parameters ({', '.join(CELL_UNITS)})")
    varying = {k for k in CELL_UNITS if len({float(params[k]) for _, _, params in subtypes}) > 1} | set(vary)
    if not adapting:
        varying -= {"a", "b", "tau_w"}
    inputs = dict(inputs or {})
    membrane = _membrane(varying, lif, adapting, list(inputs)) + input_equations(inputs, custom_inputs)
    channels = "".join(r.equations() for r in receptors.values())
    i_syn = " + ".join(r.current() for r in receptors.values()) or "0*amp"
    extras = "".join(f"{v} : 1\n" for v in extra_variables)
    if background_sources is None:  # one unnamed source driving background_channels
        background_sources = {"": list(background_channels)} if background_channels else {}
    extras += "".join(f"{background.weight_name(s, c)} : siemens (shared)\n"
                      for s, channels in background_sources.items() for c in channels)
    if record_from is not None and len(background_sources) > 1:
        raise ValueError(f"population {name}: conductances of a population with several background sources cannot "
                         "be split into background and recurrent shares; record a population with one source")
    extras += "".join(background.countdown(s) for s in background_sources)
    extras += "".join(counter_equation(name) for name in counters)
    if any(r.mg_block for r in receptors.values()):
        channels += "mg_block = 1/(1 + Mg/(3.57*mmolar)*exp(-0.062*v/mV)) : 1\n"
    if record_from is not None:
        extras += recording.integral_equations(receptors, [c for chs in background_sources.values() for c in chs])
    eqs = b2.Equations(membrane + channels + f"I_syn = {i_syn} : amp\n" + extras)
    namespace = {"Mg": mg_mM * b2.mmolar, **(signals or {})}
    for slot, spec in inputs.items():
        if (spec or {}).get("opsin"):
            if spec["opsin"] not in (opsins or {}):
                raise ValueError(f"population {name}: input slot {slot} names opsin {spec['opsin']!r}, not in the "
                                 f"opsin library ({', '.join(opsins or {}) or 'none given'})")
            namespace.update(opsin.namespace(slot, opsins[spec["opsin"]]))
    if record_from is not None:
        namespace[recording.WINDOW_START] = record_from
    for r in receptors.values():
        namespace.update(r.namespace())
    namespace.update({_EQ_NAME.get(k, k): subtypes[0][2][k] for k in CELL_UNITS if k not in varying})
    group = b2.NeuronGroup(
        n, eqs, threshold="v > VT + 5*DeltaT", reset="v = Vr; w += b" if adapting else "v = Vr",
        refractory=REFRACTORY, method="euler", namespace=namespace, name=name,
    )
    counts = split_counts(n, [f for _, f, _ in subtypes])
    subtype_of = np.repeat(np.arange(len(subtypes)), counts)
    for key in sorted(varying):  # parameters that differ between subtypes are per-neuron constants
        values = [params[key] for _, _, params in subtypes]
        unit = b2.get_unit(b2.get_dimensions(values[0]))
        setattr(group, _EQ_NAME.get(key, key), np.asarray([float(values[k] / unit) for k in subtype_of]) * unit)
    for r in receptors:
        setattr(group, f"gain_{r}", 1.0)
    for v in extra_variables:
        setattr(group, v, 1.0)
    for slot, spec in inputs.items():  # every run sets them; 0 until then
        for variable, unit, _ in slot_parameters(slot, spec):
            setattr(group, variable, 0 * (unit or 1))
        if (spec or {}).get("opsin"):
            opsin.attach(group, slot)
    group.v = "EL + rand()*(VT - EL)"
    return Population(name, group, dict(receptors), subtype_of, [s for s, _, _ in subtypes],
                      [params for _, _, params in subtypes], inputs)


def counter_equation(name: str) -> str:
    """The per-neuron event counter a counting projection increments (:mod:`circuitsim.parts.synapses`)."""
    return f"{name} : 1  # events counted since the analysed window opened\n"


def split_counts(n: int, fractions: list[float]) -> list[int]:
    fractions = np.asarray(fractions, dtype=float)
    fractions = fractions / fractions.sum()
    raw = fractions * n
    counts = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - counts))[: n - counts.sum()]:
        counts[k] += 1
    return counts.tolist()
