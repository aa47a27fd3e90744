"""MeA GABAergic -> MPOA -> vlPAG circuit of Study 003 (Lu, Chen, Hong, Hu & Hu, PNAS 2025).

Model card (numbers and sources: configs/circuit/mea_mpoa.yaml; science: BRIEF §4; claims: seeds/003_mea_mpoa.md;
experiments: experiments/mea_*.md).

* MeA Vgat (and a few Vglut2) cells project to MPOA glutamatergic (Vglut2) and GABAergic (Vgat) cells, which project
  to a vlPAG node: glutamatergic defence output (freezing) and GABAergic descending-modulation cells (their
  suppression is analgesia). MPOA Glu also excites vlPAG GABA (BRIEF §4 trap 3: the route that sets the hot-plate
  sign). MPOA receives a balanced excitatory + inhibitory background (trap 1).
* Footshocks are a gated afferent source onto MPOA Glu and vlPAG Glu. A slow negative state ``N`` (``N_neg``: Brian2
  reserves ``N``; one element on its own clock) integrates the shocks and the MPOA Glu rate and feeds ``I_N = g_N*max(N, 0)`` back onto every MPOA Glu
  cell: MPOA Glu stays raised after the shocks (Zhang et al. 2021 persistent responses).
* The MeA Vgat axon terminals in MPOA are a group of their own, one terminal per MeA Vgat cell: each relays its
  cell's spikes and carries the same ChR2 expression, so light over MPOA (terminal stimulation) releases GABA onto
  MPOA through the same depressing synapses without driving MeA somata.

Measured vs assumed: the direction of every effect is the paper's; cell counts, connectivity, the state N, the
terminal compartment, the opsin level, the session's time scale and the behaviour maps are assumptions [A].
"""

from __future__ import annotations

import brian2 as b2
import numpy as np

from ..parts import opsin
from . import SESSION_UNITS, check_session, session_epochs
from ..parts.groups import make_group, rate_input
from ..parts.network import Circuit, RunParameter, assemble, make_signals, population_size

STRUCTURAL_KEYS = ("negative_state.dt", "negative_state.tau_r", "terminals")
UNITS = {
    **SESSION_UNITS,
    "negative_state.dt": "ms", "negative_state.tau_r": "ms", "negative_state.tau_N": "second",
    "negative_state.k_shock": "Hz", "negative_state.k_rate": "1", "negative_state.r0": "Hz",
    "negative_state.g_N": "pA",
    "terminals.C": "pF", "terminals.gL": "nS", "terminals.EL": "mV", "terminals.V_th": "mV", "terminals.t_ref": "ms",
    "light.power": "mW/mm**2", "light.frequency": "Hz", "light.width": "ms", "light.expression": "1", "light.rho": "1",
    "light.radius": "mm", "light.near": "mm", "light.far": "mm",
    "chemo.expression": "1", "chemo.current": "pA", "chemo.leak_drop": "1", "chemo.tau_abs": "min",
    "chemo.tau_el": "min", "chemo.after": "min",
}
TERMINALS = "mea_vgat_axon"
STATE = "negative_state"
_STATE_PARAMETERS = {"tau_N": b2.second, "k_shock": b2.Hz, "k_rate": None, "r0": b2.Hz}


def check(circuit) -> None:
    """The session's epochs must be ordered windows."""
    check_session(circuit)


def epochs(circuit_cfg: dict, sim: dict) -> dict:
    """The session's windows (s)."""
    return session_epochs(circuit_cfg, sim)


def build(circuit_cfg: dict, library: dict, sim: dict) -> Circuit:
    """Assemble the populations, then add the terminals, the state N and their links."""
    signals = make_signals(circuit_cfg, sim)
    n_vgat = population_size(circuit_cfg["populations"]["mea_vgat"], sim["scale"])
    terminals = _terminals(n_vgat, circuit_cfg["terminals"], signals, library["opsins"], sim)
    custom = {"mpoa_glu": {"I_N": "I_N = g_N*clip(N_link, 0, inf) : amp\nN_link : 1 (linked)\ng_N : amp (shared)"}}
    circuit = assemble("mea_mpoa", circuit_cfg, library["cells"], library["receptors"], sim,
                       extra_groups={TERMINALS: terminals}, extra_objects=[terminals], custom_inputs=custom,
                       opsins=library["opsins"], signals=signals)
    circuit.groups[TERMINALS] = terminals
    relay = b2.Synapses(circuit.populations["mea_vgat"].group, terminals, on_pre="relayed_post = 1",
                        name="mea_vgat_relay", namespace={})
    relay.connect(j="i")
    circuit.add_objects(relay)
    for variable in ("I_opto_rho", "I_opto_T"):
        mirror = "mea_vgat.I_opto_rho" if variable == "I_opto_rho" else None  # the cell's own ChR2 level
        circuit.add_parameter(RunParameter(TERMINALS, variable, n_vgat, None, np.zeros(n_vgat), False,
                                           mirror_of=mirror))

    state = _state(circuit_cfg["negative_state"], signals, circuit)
    circuit.add_group(state)
    glu = circuit.populations["mpoa_glu"].group
    glu.N_link = b2.linked_var(state, "N_neg", index=np.zeros(len(glu), dtype=int))
    circuit.add_parameter(RunParameter("mpoa_glu", "g_N", None, b2.amp,
                                       float(circuit_cfg["negative_state"]["g_N"]), False))
    for name, unit in _STATE_PARAMETERS.items():
        circuit.add_parameter(RunParameter(STATE, name, None, unit, float(circuit_cfg["negative_state"][name]), False))
    circuit.record(STATE, ["N_neg"])
    return circuit


def _terminals(n: int, spec: dict, signals: dict, opsins: dict, sim: dict) -> b2.NeuronGroup:
    """One passive terminal per MeA Vgat cell: relays its spikes, fires on its own photocurrent (light at MPOA)."""
    eqs = ("dv/dt = (gL_ax*(EL_ax - v) + I_opto)/C_ax : volt (unless refractory)\nrelayed : 1\n"
           + opsin.equations("I_opto", "light_mpoa"))
    namespace = {"gL_ax": spec["gL"], "EL_ax": spec["EL"], "C_ax": spec["C"], "V_th_ax": spec["V_th"],
                 "light_mpoa": signals["light_mpoa"], **opsin.namespace("I_opto", opsins["chr2_4s"])}
    group = make_group(TERMINALS, n, eqs, sim["dt"] * b2.second, namespace,
                       threshold="v > V_th_ax or relayed > 0.5", reset="v = EL_ax; relayed = 0",
                       refractory=spec["t_ref"])
    group.v = spec["EL"]
    opsin.attach(group, "I_opto")
    return group


def _state(spec: dict, signals: dict, circuit: Circuit) -> b2.NeuronGroup:
    """The slow negative state N and the low-passed MPOA Glu rate r that feeds it."""
    eqs = """
dN_neg/dt = -N_neg/tau_N + k_shock*shock(t) + k_rate*(r - r0) : 1
dr/dt = -r/tau_r : Hz
tau_N : second (shared)
k_shock : Hz (shared)
k_rate : 1 (shared)
r0 : Hz (shared)
"""
    state = make_group(STATE, 1, eqs, spec["dt"], {"shock": signals["shock"], "tau_r": spec["tau_r"]})
    glu = circuit.populations["mpoa_glu"].group
    circuit.add_objects(rate_input("mpoa_glu_rate", glu, state, "r", len(glu), spec["tau_r"]))
    for name in _STATE_PARAMETERS:
        setattr(state, name, 0 * (_STATE_PARAMETERS[name] or 1))
    return state
