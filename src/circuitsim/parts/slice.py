"""A virtual slice experiment inside every run: evoked synaptic conductance in voltage-clamped cells.

For a projection ``pre -> post`` the slice adds, beside the network and unconnected to it:

* a stimulating electrode: one element per presynaptic neuron, a random ``stim_fraction`` of which fire at
  ``before_end`` before the end of the run (a volley of afferent fibres), and again ``interval`` later with
  ``pulses: 2`` (a paired-pulse protocol). Each carries the presynaptic neuron's efficacy gain (a linked variable),
  so a manipulation of presynaptic release (e.g. a virus in a fraction of presynaptic cells) reaches the slice;
* ``n_cells`` recorded cells with the postsynaptic population's receptor kinetics, held at ``hold`` (voltage clamp,
  no spikes), each with the receptor gains of a postsynaptic neuron (evenly spaced over the population; mirrored
  run parameters);
* synapses from the electrode to the recorded cells with the projection's probability, delay, weights and, where
  it has them, short-term plasticity and synapse density (run parameters mirrored from the projection's: the same
  per mouse and condition). The electrode is silent before the volley, so the synapses meet it at rest.

Each recorded cell keeps the peak of its summed evoked conductance after each pulse (``g_peak``, ``g_peak2``: the
peak before, and from, the second pulse; a channel still decaying from the first pulse carries into the second
window, so pair channels that decay well within the interval); the readout ``evoked`` reports the mean first
peak, the evoked conductance a slice physiologist would measure after stimulating the afferents, and
``paired_pulse`` the ratio of the mean second to the mean first. The slice consumes random numbers at set-up, so
adding one changes a circuit's random stream.
"""

from __future__ import annotations

import brian2 as b2
import numpy as np

from .neurons import Population
from .synapses import connect

ELECTRODE_DT = 1 * b2.ms  # the volley falls on this grid (config checks that it does)


def virtual_slice(name: str, spec: dict, pre, post: Population, connection: dict, circuit,
                  sim: dict) -> None:
    """Add the slice ``name`` for ``connection`` (its config) to ``circuit``, with mirrored weight parameters."""
    from .network import RunParameter  # network imports this module

    channels = list(connection["weights"])
    pre_gain = connection.get("pre_gain")
    stim_at = sim["duration"] * b2.second - spec["before_end"]
    pulses = int(spec.get("pulses", 1))
    second_at = stim_at + (spec["interval"] if pulses == 2 else 1e9 * b2.second)  # never, for one pulse
    electrode = b2.NeuronGroup(  # on a 1-ms clock: its threshold is checked 10x less often than the network's
        len(getattr(pre, "group", pre)), (f"{pre_gain} : 1 (linked)\n" if pre_gain else "")
        + "stimulated : boolean (constant)",
        threshold="stimulated and (abs(t - stim_at) < 0.5*dt or abs(t - second_at) < 0.5*dt)", reset="",
        namespace={"stim_at": stim_at, "second_at": second_at},
        clock=b2.Clock(dt=ELECTRODE_DT, name=f"clock_{name}_electrode"), name=f"{name}_electrode")
    electrode.stimulated = f"rand() < {float(spec['stim_fraction'])!r}"
    if pre_gain:
        setattr(electrode, pre_gain, b2.linked_var(getattr(pre, "group", pre), pre_gain))
    receptors = {c: post.receptors[c] for c in channels}
    eqs = "".join(r.equations() for r in receptors.values())
    total = " + ".join(f"g_{c}{'*mg_block' if r.mg_block else ''}" for c, r in receptors.items())
    eqs += f"g_evoked = {total} : siemens\ng_peak : siemens\ng_peak2 : siemens\nv : volt (constant)\n"
    namespace = {"second_at": second_at}
    if any(r.mg_block for r in receptors.values()):
        eqs += "mg_block = 1/(1 + Mg/(3.57*mmolar)*exp(-0.062*v/mV)) : 1\n"
        namespace["Mg"] = post.group.namespace["Mg"]
    for r in receptors.values():
        namespace.update(r.namespace())
    cells = b2.NeuronGroup(int(spec["n_cells"]), eqs, method="euler", namespace=namespace, name=f"{name}_cells")
    cells.v = spec["hold"]
    chosen = np.linspace(0, len(post.group) - 1, len(cells)).round().astype(int)
    peak = cells.run_regularly("g_peak = g_peak + (g_evoked - g_peak)*int(g_evoked > g_peak)*int(t < second_at)\n"
                               "g_peak2 = g_peak2 + (g_evoked - g_peak2)*int(g_evoked > g_peak2)*int(t >= second_at)",
                               when="end", name=f"{name}_peak")
    clamped = Population(f"{name}_cells", cells, receptors, np.zeros(len(cells), dtype=int))
    syn = connect(f"{name}_synapses", electrode, clamped, min(1.0, float(connection["p"]) / sim["scale"]),
                  connection["delay"], channels, pre_gain=pre_gain, stp=connection.get("stp"),
                  density=connection.get("density"))
    circuit.add_objects(electrode, cells, peak, syn)
    circuit.slices[name] = cells
    circuit.groups[cells.name] = cells
    circuit.synapses[syn.name] = syn
    for c in channels:  # weights and postsynaptic receptor gains follow the projection's, run by run
        circuit.add_parameter(RunParameter(syn.name, f"w_{c}", None, b2.siemens,
                                           circuit.parameters[f"{spec['connection']}.w_{c}"].default, False,
                                           mirror_of=f"{spec['connection']}.w_{c}"))
        circuit.add_parameter(RunParameter(cells.name, f"gain_{c}", len(cells), None, np.ones(len(cells)), False,
                                           mirror_of=f"{post.name}.gain_{c}", mirror_index=tuple(chosen.tolist())))
    for variable in ("U", "density"):  # short-term plasticity and synapse number follow the projection's too
        source = circuit.parameters.get(f"{spec['connection']}.{variable}")
        if source is not None:
            circuit.add_parameter(RunParameter(syn.name, variable, None, None, source.default, False,
                                               mirror_of=source.name, bounds=source.bounds))
