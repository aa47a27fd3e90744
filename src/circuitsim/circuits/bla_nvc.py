"""Neurovascular coupling in the basolateral amygdala, Study 001 (Ruan, Quan, Xie et al., Cell Res 2026; BRIEF §2).

Model card (numbers and sources: configs/circuit/bla_nvc.yaml; claims: seeds/001_nvc_bla.md; experiments and
verdicts: experiments/nvc_*.md, experiments/blood_flow_causality.md).

Three time scales, each on its own clock:

* **Neurons** (0.1 ms): the BLA local circuit of the Grik4 study (wild type; configs/circuit/shared/bla.yaml). A
  threat context is a gated group of Poisson afferents onto 30% of the principal neurons (PNs); its level is the
  context's intensity.
* **Astrocytes** (10 ms): G-ChI cells (:mod:`circuitsim.parts.astrocytes`), one per 5 PNs, sensing the glutamate
  their PNs release; their Ca2+ above ``C_0`` is the astrocytic drive ``u_A`` (mean over astrocytes).
* **The neurovascular unit** (50 ms): one lumped arteriole with the Balloon inflow equations (Friston et al. 2000,
  mouse time scale) driven by the direct neuronal path (smooth-muscle NMDA receptors, Zhang et al. 2024)
  ``u_N = (r_PN + w_in r_IN - rest)/r_ref``, the astrocytic path and an imposed signal (arteriolar optogenetics)::

      ds/dt = (eps_N u_N + eps_A u_A + opto_gain u_opto)/s^2 - s/tau_s - (f - 1)/(tau_f s);   df/dt = s

  and two flow -> neuron loops onto every PN (BRIEF §2: with one negative loop the seed's claim inverts):
  a fast mechanical (Piezo2-like) loop ``I = -g_mech (f - f_set)``, ``f_set`` a slow average of flow, and a
  metabolic-support loop: an energy/oxygen store ``dE/dt = k_s (f - 1) - k_c (r_PN - rest_PN) - (E - 1)/tau_E`` and a
  K_ATP-like conductance ``g_katp max(0, 1 - E - theta_E)`` (reversal E_K) that opens only past a deficit.
  ``rest`` and ``rest_PN`` are the mouse's own resting rates (slow averages over ``tau_set``, warm-started over
  the first ``warm`` seconds, while the neuronal path and the demand are held at 0): supply and vessel tone autoregulate to each
  animal's resting activity.

BOLD is the shared observation model (:mod:`circuitsim.readouts.bold`) on the recorded inflow ``nvu.f``.
Measured vs assumed: the directions are the papers'; every gain, loop, threshold and the behaviour map are
assumptions [A] or calibrations on control mice [C] (card).
"""

from __future__ import annotations

import brian2 as b2
import numpy as np

from ..parts.astrocytes import UNITS as ASTRO_UNITS
from ..parts.astrocytes import astrocytes, glutamate_input
from ..parts.groups import make_group, rate_input
from ..parts.network import Circuit, RunParameter, assemble, make_signals
from ..readouts.bold import UNITS as BOLD_UNITS
from . import SESSION_UNITS, check_session, session_epochs

NVU, ASTRO, GLUTAMATE = "nvu", "astro", "astro_glutamate"
STRUCTURAL_KEYS = ("session", "astrocytes", "vessel.dt", "vessel.hemodynamics", "vessel.time_scale", "vessel.tau_r",
                   "vessel.E_K", "vessel.warm", "vessel.tau_warm")
# run parameters of the unit (unit, varies between mice) and of the PNs' loop currents
VESSEL = {"eps_N": (None, True), "eps_A": (None, True), "opto_gain": (None, False), "w_in": (None, False),
          "r_ref": (b2.Hz, False), "tau_set": (b2.second, False), "tau_E": (b2.second, False),
          "k_s": (b2.Hz, False), "k_c": (None, False)}
LOOPS = {"g_mech": b2.amp, "g_katp": b2.siemens, "theta_E": None}
UNITS = {
    **SESSION_UNITS,
    **{f"astrocytes.model.{k}": u for k, u in ASTRO_UNITS.items()},
    **{f"astrocytes.{k}": u for k, u in ASTRO_UNITS.items()},
    "astrocytes.per_astrocyte": "1", "astrocytes.dt": "ms", "astrocytes.spill": "1", "astrocytes.U_rel": "1",
    "astrocytes.C_0": "umolar", "astrocytes.C_ref": "umolar", "astrocytes.rest.C": "umolar", "astrocytes.rest.h": "1",
    "astrocytes.rest.I": "umolar", "astrocytes.rest.I.*": "umolar",
    **{f"vessel.hemodynamics.{k}": u for k, u in BOLD_UNITS.items()},
    "vessel.dt": "ms", "vessel.time_scale": "1", "vessel.tau_r": "ms", "vessel.w_in": "1", "vessel.r_ref": "Hz",
    "vessel.eps_N": "1", "vessel.eps_A": "1", "vessel.opto_gain": "1", "vessel.tau_set": "second",
    "vessel.g_mech": "pA", "vessel.tau_E": "second", "vessel.k_s": "Hz", "vessel.k_c": "1",
    "vessel.theta_E": "1", "vessel.g_katp": "nS", "vessel.E_K": "mV", "vessel.warm": "second", "vessel.tau_warm": "ms",
}
LOOP_CURRENT = """
I_nvc = -g_mech*(f_link - fset_link) + g_katp*clip(1 - E_link - theta_E, 0, inf)*(E_katp - v) : amp
f_link : 1 (linked)
fset_link : 1 (linked)
E_link : 1 (linked)
g_mech : amp (shared)
g_katp : siemens (shared)
theta_E : 1 (shared)
"""
VESSEL_EQUATIONS = """
ds/dt = (eps_N*u_N + eps_A*u_A + opto_gain*vessel_opto(t))/second**2 - s/tau_s - (f - 1)/(tau_f*second) : Hz
df/dt = s : 1
df_set/dt = (f - f_set)/tau_set : 1
dE/dt = k_s*(f - 1) - k_c*(r_pn - rest_pn)*int(t >= warm) - (E - 1)/tau_E : 1
dr_pn/dt = -r_pn/tau_r : Hz
dr_in/dt = -r_in/tau_r : Hz
drest_pn/dt = (r_pn - rest_pn)/tau_rest : Hz
drest_drive/dt = (r_pn + w_in*r_in - rest_drive)/tau_rest : Hz
tau_rest = tau_set*int(t >= warm) + tau_warm*int(t < warm) : second
u_N = (r_pn + w_in*r_in - rest_drive)/r_ref*int(t >= warm) : 1
drive_A = eps_A*u_A : 1
drive_total = eps_N*clip(u_N, 0, inf) + drive_A : 1  # what dilates: the neuronal path when above rest, the astrocytes
u_A : 1
eps_N : 1 (shared)
eps_A : 1 (shared)
opto_gain : 1 (shared)
w_in : 1 (shared)
r_ref : Hz (shared)
tau_set : second (shared)
tau_E : second (shared)
k_s : Hz (shared)
k_c : 1 (shared)
"""


POSITIVE = ("vessel.dt", "vessel.time_scale", "vessel.tau_r", "vessel.tau_set", "vessel.tau_E", "vessel.tau_warm",
            "vessel.r_ref", "astrocytes.dt", "astrocytes.C_ref")  # must be > 0
NONNEGATIVE = ("vessel.eps_N", "vessel.eps_A", "vessel.w_in", "vessel.g_mech", "vessel.g_katp", "vessel.k_s",
               "vessel.k_c", "vessel.theta_E", "vessel.opto_gain")
FRACTIONS = ("astrocytes.spill", "astrocytes.U_rel")  # in [0, 1]


def check(circuit) -> None:
    """The session's epochs are windows; the astrocyte tiling is a whole number of PNs per astrocyte; time constants
    and gains are in range."""
    from ..parts.units import quantity

    check_session(circuit)
    per = (circuit.get("astrocytes") or {}).get("per_astrocyte")
    if isinstance(per, bool) or not isinstance(per, int) or per < 1:
        raise ValueError(f"circuit.astrocytes.per_astrocyte={per!r} must be a whole number >= 1")
    for keys, low, high, what in ((POSITIVE, 0.0, None, "> 0"), (NONNEGATIVE, 0.0, None, ">= 0"),
                                  (FRACTIONS, 0.0, 1.0, "in [0, 1]")):
        for key in keys:
            section, name = key.split(".")
            value = float(quantity((circuit.get(section) or {}).get(name), UNITS[key], f"circuit.{key}"))
            if value < low or (what == "> 0" and value == 0) or (high is not None and value > high):
                raise ValueError(f"circuit.{key}={value:g} must be {what}")


def epochs(circuit_cfg: dict, sim: dict) -> dict:
    """The session's windows (s), all after the transient (every one is an analysed window)."""
    return session_epochs(circuit_cfg, sim, earliest=sim["transient"])


def build(circuit_cfg: dict, library: dict, sim: dict) -> Circuit:
    """Assemble the BLA and the context afferents, then add the astrocytes, the unit and their links."""
    signals = make_signals(circuit_cfg, sim)
    circuit = assemble("bla_nvc", circuit_cfg, library["cells"], library["receptors"], sim,
                       custom_inputs={"bla_pn": {"I_nvc": LOOP_CURRENT}}, signals=signals)
    vessel, astro_cfg = circuit_cfg["vessel"], circuit_cfg["astrocytes"]
    pn = circuit.populations["bla_pn"].group
    nvu = _vessel(vessel, signals["vessel_opto"])
    circuit.add_group(nvu)
    for name, (unit, jitter) in VESSEL.items():
        circuit.add_parameter(RunParameter(NVU, name, None, unit, float(vessel[name]), jitter))
    for name, unit in LOOPS.items():
        circuit.add_parameter(RunParameter("bla_pn", name, None, unit, float(vessel[name]), False))
    pn.namespace["E_katp"] = vessel["E_K"]
    for link, variable in (("f_link", "f"), ("fset_link", "f_set"), ("E_link", "E")):
        setattr(pn, link, b2.linked_var(nvu, variable, index=np.zeros(len(pn), dtype=int)))

    interneurons = [circuit.populations[p].group for p in ("bla_pv", "bla_som")]
    circuit.add_objects(rate_input("pn_to_nvu", pn, nvu, "r_pn", len(pn), vessel["tau_r"]),
                        *(rate_input(f"{g.name}_to_nvu", g, nvu, "r_in", sum(len(i) for i in interneurons),
                                     vessel["tau_r"]) for g in interneurons))

    params = {**astro_cfg["model"], **{k: astro_cfg[k] for k in ASTRO_UNITS if k in astro_cfg}}
    n_astro = -(-len(pn) // int(astro_cfg["per_astrocyte"]))
    astro = astrocytes(ASTRO, n_astro, params, astro_cfg["dt"], astro_cfg["rest"])
    circuit.add_group(astro)
    glutamate = glutamate_input(GLUTAMATE, pn, astro, params, np.arange(len(pn)) // int(astro_cfg["per_astrocyte"]))
    circuit.synapses[GLUTAMATE] = glutamate
    circuit.add_objects(glutamate)
    for name in ("spill", "U_rel"):
        circuit.add_parameter(RunParameter(GLUTAMATE, name, None, None, float(astro_cfg[name]), False))
    to_vessel = b2.Synapses(astro, nvu, model="u_A_post = clip((C_pre - C_0)/C_ref, 0, inf)/n_astro : 1 (summed)",
                            name="astro_to_nvu", dt=astro_cfg["dt"],
                            namespace={"C_0": astro_cfg["C_0"], "C_ref": astro_cfg["C_ref"], "n_astro": n_astro})
    to_vessel.connect()
    circuit.add_objects(to_vessel)

    circuit.record(NVU, ["f", "s", "E", "r_pn", "u_A", "drive_A", "drive_total"])
    circuit.record(ASTRO, ["Ca_uM"], dt=vessel["dt"])
    circuit.info["n_astrocytes"] = n_astro
    return circuit


def _vessel(spec: dict, opto: b2.TimedArray) -> b2.NeuronGroup:
    """The neurovascular unit at rest (one element on its own clock)."""
    model, scale = spec["hemodynamics"], float(spec["time_scale"])
    namespace = {"tau_s": model["tau_s"] / scale, "tau_f": model["tau_f"] / scale, "tau_r": spec["tau_r"],
                 "warm": spec["warm"], "tau_warm": spec["tau_warm"], "vessel_opto": opto}
    nvu = make_group(NVU, 1, VESSEL_EQUATIONS, spec["dt"], namespace, method="rk4")
    nvu.f, nvu.f_set, nvu.E = 1.0, 1.0, 1.0  # at rest; the rates and their resting references start at 0
    return nvu
