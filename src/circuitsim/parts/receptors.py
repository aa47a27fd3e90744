"""Conductance receptor channels: AMPA, NMDA (Mg2+ block), kainate (KAR) and GABA_A.

Each channel is a bi-exponential conductance written as two linear variables,
``dg/dt = (x - g)/tau_rise`` and ``dx/dt = -x/tau_decay``; a presynaptic spike increments ``x``.
The slow KAR decay (~70 ms; Castillo, Malenka & Nicoll 1997; Barberis et al. 2008) is what makes extra
GluK4 matter: a small KAR conductance integrates over many spikes.
NMDA uses the Jahr & Stevens (1990) magnesium block B(V) = 1/(1 + [Mg]/3.57 mM * exp(-0.062 V/mV)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .units import quantity


@dataclass(frozen=True)
class Receptor:
    """Kinetics of one channel kind as it appears on one population."""

    channel: str  # name used in equations and connections (ampa, nmda, kar, gaba)
    tau_rise: object
    tau_decay: object
    E_rev: object
    mg_block: bool = False

    @classmethod
    def from_config(cls, channel: str, spec: dict, where: str) -> "Receptor":
        return cls(
            channel=channel,
            tau_rise=quantity(spec["tau_rise"], "ms", f"{where}.tau_rise"),
            tau_decay=quantity(spec["tau_decay"], "ms", f"{where}.tau_decay"),
            E_rev=quantity(spec["E_rev"], "mV", f"{where}.E_rev"),
            mg_block=bool(spec.get("mg_block", False)),
        )

    def equations(self) -> str:
        c = self.channel
        return (
            f"dg_{c}/dt = (x_{c} - g_{c})/tau_rise_{c} : siemens\n"
            f"dx_{c}/dt = -x_{c}/tau_decay_{c} : siemens\n"
            f"gain_{c} : 1  # per-neuron receptor dosage (1 = wild type)\n"
        )

    def current(self) -> str:
        c = self.channel
        block = "*mg_block" if self.mg_block else ""
        return f"g_{c}{block}*(E_{c} - v)"

    def namespace(self) -> dict:
        c = self.channel
        return {f"tau_rise_{c}": self.tau_rise, f"tau_decay_{c}": self.tau_decay, f"E_{c}": self.E_rev}


def mg_block_value(v_mV, mg_mM: float = 1.0):
    """Fraction of NMDA conductance left unblocked at membrane potential ``v_mV`` (Jahr & Stevens 1990)."""
    return 1.0 / (1.0 + mg_mM / 3.57 * np.exp(-0.062 * np.asarray(v_mV, dtype=float)))


def peak_of_unit_increment(tau_rise_s: float, tau_decay_s: float) -> float:
    """Peak conductance after a unit increment of x in the two-variable scheme (analytic)."""
    if np.isclose(tau_rise_s, tau_decay_s):
        return float(np.exp(-1.0))
    t_peak = tau_rise_s * tau_decay_s / (tau_decay_s - tau_rise_s) * np.log(tau_decay_s / tau_rise_s)
    scale = tau_decay_s / (tau_decay_s - tau_rise_s)
    return float(scale * (np.exp(-t_peak / tau_decay_s) - np.exp(-t_peak / tau_rise_s)))
