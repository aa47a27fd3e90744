"""Astrocytes that sense synaptic glutamate: the G-ChI model (De Pittà, Goldberg, Volman, Berry & Ben-Jacob 2009), as
Stimberg, Goodman, Brette & De Pittà (2019) parameterise it (``configs/astrocytes/library.yaml``), each group on a
clock of its own (10 ms is ample: its fastest rate is the 40 /s glutamate clearance).

    Y_S  glutamate around the astrocyte: every release event of its neurons adds spill*rho_c*Y_T*U_rel, cleared at Omega_c
    dGamma_A/dt = O_N*Y_S*(1 - Gamma_A) - Omega_N*(1 + zeta*C/(C + K_KC))*Gamma_A      activated receptors
    dI/dt = O_beta*Gamma_A + O_delta/(1 + I/kappa_delta)*Hill2(C, K_delta)
            - O_3K*Hill4(C, K_D)*I/(I + K_3K) - Omega_5P*I                          IP3
    dC/dt = Omega_C*m_inf**3*h**3*(C_T - (1 + rho_A)*C) + Omega_L*(C_T - (1 + rho_A)*C) - O_P*Hill2(C, K_P)   Ca2+
    dh/dt = (h_inf - h)/tau_h;   m_inf = I/(I + d_1)*C/(C + d_5);   Q_2 = d_2*(I + d_1)/(I + d_3);
    h_inf = Q_2/(Q_2 + C);       tau_h = 1/(O_2*(Q_2 + C))

``spill`` (the share of released glutamate that reaches astrocytic receptors, a run parameter, with ``U_rel``) is
the one number a circuit calibrates: with all of it, a few hertz of input already saturates the receptors.
Astrocytic Ca2+ may then act on other groups (e.g. an arteriole) through linked or summed variables.
"""

from __future__ import annotations

import brian2 as b2

from .groups import make_group

UNITS = {"O_P": "umolar/second", "K_P": "umolar", "C_T": "umolar", "rho_A": "1", "Omega_C": "Hz", "Omega_L": "Hz",
         "d_1": "umolar", "d_2": "umolar", "O_2": "Hz/umolar", "d_3": "umolar", "d_5": "umolar",
         "O_beta": "umolar/second", "O_N": "Hz/umolar", "Omega_N": "Hz", "K_KC": "umolar", "zeta": "1",
         "O_delta": "umolar/second", "kappa_delta": "umolar", "K_delta": "umolar", "Omega_5P": "Hz", "K_D": "umolar",
         "K_3K": "umolar", "O_3K": "umolar/second", "rho_c": "1", "Y_T": "mmolar", "Omega_c": "Hz"}

EQUATIONS = """
dY_S/dt = -Omega_c*Y_S : mmolar
dGamma_A/dt = O_N*Y_S*(1 - clip(Gamma_A, 0, 1)) - Omega_N*(1 + zeta*C/(C + K_KC))*clip(Gamma_A, 0, 1) : 1
dI/dt = O_beta*Gamma_A + O_delta/(1 + I/kappa_delta)*C**2/(C**2 + K_delta**2) - O_3K*C**4/(C**4 + K_D**4)*I/(I + K_3K) - Omega_5P*I : mmolar
dC/dt = Omega_C*m_inf**3*h**3*(C_T - (1 + rho_A)*C) + Omega_L*(C_T - (1 + rho_A)*C) - O_P*C**2/(C**2 + K_P**2) : mmolar
dh/dt = (h_inf - h)/tau_h : 1
m_inf = I/(I + d_1)*C/(C + d_5) : 1
h_inf = Q_2/(Q_2 + C) : 1
tau_h = 1/(O_2*(Q_2 + C)) : second
Q_2 = d_2*(I + d_1)/(I + d_3) : mmolar
Ca_uM = C/umolar : 1
"""


def astrocytes(name: str, n: int, params: dict, dt, rest: dict | None = None) -> b2.NeuronGroup:
    """``n`` G-ChI astrocytes on the clock ``clock_<name>`` (``dt`` a Quantity), starting at ``rest`` (``{C, h, I}``;
    by default near the resting state of Stimberg et al. 2019's parameters). ``I`` may be a range ``[low, high]``:
    each astrocyte then starts at its own IP3 level drawn uniformly in it (every run draws anew), so that cells near
    their oscillation threshold do not all fire their first Ca2+ event together."""
    missing = sorted(set(UNITS) - set(params))
    if missing:
        raise ValueError(f"astrocytes {name}: missing parameters {missing}")
    group = make_group(name, n, EQUATIONS, dt, {k: params[k] for k in UNITS}, method="rk4")
    rest = rest or {"C": 0.01 * b2.umolar, "h": 0.9, "I": 0.01 * b2.umolar}
    group.C, group.h = rest["C"], rest["h"]
    if isinstance(rest["I"], (list, tuple)):
        low, high = (float(x / b2.mmolar) for x in rest["I"])
        group.I = f"({low!r} + rand()*{high - low!r})*mmolar"
    else:
        group.I = rest["I"]
    return group


def glutamate_input(name: str, neurons, group: b2.NeuronGroup, params: dict, astrocyte_of) -> b2.Synapses:
    """Every spike of ``neurons`` releases glutamate onto the astrocyte ``astrocyte_of[i]`` of neuron ``i``:
    ``Y_S += spill*rho_c*Y_T*U_rel/n_i`` (``n_i`` the astrocyte's neurons: Y_S is the mean over its synapses);
    ``spill`` and ``U_rel`` are shared run parameters of the returned synapses."""
    import numpy as np

    astrocyte_of = np.asarray(astrocyte_of, dtype=int)
    counts = np.bincount(astrocyte_of, minlength=len(group)).astype(float)
    syn = b2.Synapses(getattr(neurons, "group", neurons), group,
                      model="spill : 1 (shared)\nU_rel : 1 (shared)\nshare : 1 (constant)",
                      on_pre="Y_S_post += spill*U_rel*share*rho_c*Y_T", name=name,
                      namespace={"rho_c": params["rho_c"], "Y_T": params["Y_T"]})
    syn.connect(i=np.arange(len(astrocyte_of)), j=astrocyte_of)
    syn.share = 1.0 / counts[astrocyte_of]
    return syn
