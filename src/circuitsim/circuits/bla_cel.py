"""BLA -> CeL -> CeM circuit of the Grik4 study, with a hippocampal object-recognition module.

Model card (numbers and sources: configs/circuit/bla_cel.yaml; science: BRIEF §1; claims: seeds/000_grik4.md).

* BLA: AdEx principal neurons (adapting and weakly adapting) with AMPA, NMDA and slow kainate (KAR) channels,
  PV and SOM interneurons. Extra GluK4 (Grik4 overexpression, Aller et al. 2015) is a per-neuron KAR gain
  ``gain_kar`` on BLA PNs: it scales recurrent and background KAR conductance.
* CeA: CeL regular-firing (RF) and late-firing (LF) inhibitory cells with weak mutual inhibition; LF cells
  inhibit CeM output (hypothesis H1: RF ~ CeL-ON, LF ~ CeL-OFF; Haubensak 2010, Ciocchi 2010). The BLA->RF
  and BLA->LF efficacies are per-PN presynaptic gains (``rf_gain``, ``lf_gain``), so a viral rescue can
  restore them in the transduced PNs only.
* Hippocampal module (unconnected to the amygdala): PNs and basket cells receiving two overlapping "object"
  input patterns in succession through KAR-rich synapses; its Grik4 gain is untouched by a BLA virus.

Measured vs assumed: cell types and proportions are literature-anchored; every gain, weight, the H1/H2
direction of the BLA->CeL change, the hippocampal module and the behaviour mappings are assumptions [A].
"""

from __future__ import annotations

import brian2 as b2

from ..parts.network import Circuit, assemble

STRUCTURAL_KEYS = ("hpc_objects",)  # compiled into the binary besides populations and connections
UNITS = {"hpc_objects.rate_on": "Hz", "hpc_objects.rate_off": "Hz"}


def check(circuit) -> None:
    """The Grik4 study's own ranges (on the composed config, before its interpolations resolve)."""
    hypotheses = circuit.get("hypotheses")
    if hypotheses is not None and circuit.get("hypothesis") not in hypotheses:
        raise ValueError(f"circuit.hypothesis={circuit.get('hypothesis')!r} is not one of {', '.join(hypotheses)}")
    for key, high in (("grik4_gain", 10.0), ("transduced_fraction", 1.0)):
        value = circuit.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0.0 <= value <= high):
            raise ValueError(f"circuit.{key}={value!r} must be a number in [0, {high:g}]")


def epochs(circuit_cfg: dict, sim: dict) -> dict:
    """The object windows: object A in the first half of the analysed window, object B in the second."""
    start, stop = sim["transient"], sim["duration"]
    middle = start + (stop - start) / 2
    return {"object_a": (start, middle), "object_b": (middle, stop)}


def build(circuit_cfg: dict, library: dict, sim: dict) -> Circuit:
    """Assemble the circuit; the object input shows object A then object B in the analysed window."""
    objects = _object_input(circuit_cfg["hpc_objects"], sim)
    return assemble("bla_cel", circuit_cfg, library["cells"], library["receptors"], sim,
                    extra_groups={"hpc_objects": objects}, extra_objects=[objects])


def _object_input(spec: dict, sim: dict) -> b2.PoissonGroup:
    n = max(1, round(int(spec["n_afferents"]) * sim["scale"]))
    n_active = int(round(float(spec["active_fraction"]) * n))
    shift = int(round(n_active * (1.0 - float(spec["overlap"]))))
    (a0, a1), (b0, b1) = epochs({}, sim).values()
    rates = ("rate_off + (rate_on - rate_off)*("
             "(i < n_active)*(t >= a0)*(t < a1) + "
             "(i >= shift)*(i < shift + n_active)*(t >= b0)*(t < b1))")
    namespace = {
        "rate_on": spec["rate_on"], "rate_off": spec["rate_off"], "n_active": n_active, "shift": shift,
        "a0": a0 * b2.second, "a1": a1 * b2.second, "b0": b0 * b2.second, "b1": b1 * b2.second,
    }
    return b2.PoissonGroup(n, rates=rates, namespace=namespace, name="hpc_objects")
