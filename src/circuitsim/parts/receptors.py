"""Conductance receptor channels: AMPA, NMDA (Mg2+ block), kainate (KAR) and GABA_A.

Each channel is a bi-exponential conductance written as two linear variables,
``dg/dt = (x - g)/tau_rise`` and ``dx/dt = -x/tau_decay``; a presynaptic spike increments ``x``.
A channel with ``tau_rise`` 0 is a single exponential (instant rise): ``x`` alone, with ``g = x`` a
subexpression, so synapses, ``I_syn`` and monitors address it by the same names.
The slow KAR decay (~70 ms; Castillo, Malenka & Nicoll 1997; Barberis et al. 2008) lets a small KAR
conductance integrate over many spikes.
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

    def __post_init__(self):
        if float(self.tau_rise) < 0 or float(self.tau_decay) <= 0:
            raise ValueError(f"receptor {self.channel}: tau_rise must be >= 0 and tau_decay > 0 "
                             f"(got {self.tau_rise}, {self.tau_decay})")

    @property
    def single_exponential(self) -> bool:
        """Instant rise (``tau_rise`` 0): the conductance jumps by the increment and decays with tau_decay."""
        return float(self.tau_rise) == 0

    def equations(self) -> str:
        c = self.channel
        if self.single_exponential:
            rise = f"g_{c} = x_{c} : siemens\n"
        else:
            rise = f"dg_{c}/dt = (x_{c} - g_{c})/tau_rise_{c} : siemens\n"
        return (
            rise
            + f"dx_{c}/dt = -x_{c}/tau_decay_{c} : siemens\n"
            + f"gain_{c} : 1  # per-neuron receptor dosage (1 = wild type)\n"
        )

    def current(self) -> str:
        c = self.channel
        block = "*mg_block" if self.mg_block else ""
        return f"g_{c}{block}*(E_{c} - v)"

    def namespace(self) -> dict:
        c = self.channel
        names = {f"tau_decay_{c}": self.tau_decay, f"E_{c}": self.E_rev}
        if not self.single_exponential:
            names[f"tau_rise_{c}"] = self.tau_rise
        return names


def mg_block_value(v_mV, mg_mM: float = 1.0):
    """Fraction of NMDA conductance left unblocked at membrane potential ``v_mV`` (Jahr & Stevens 1990)."""
    return 1.0 / (1.0 + mg_mM / 3.57 * np.exp(-0.062 * np.asarray(v_mV, dtype=float)))


def peak_of_unit_increment(tau_rise_s: float, tau_decay_s: float) -> float:
    """Peak conductance after a unit increment of x in the two-variable scheme (analytic); 1 for an
    instant rise (``tau_rise_s`` 0, single exponential)."""
    if tau_rise_s == 0:
        return 1.0
    if np.isclose(tau_rise_s, tau_decay_s):
        return float(np.exp(-1.0))
    t_peak = tau_rise_s * tau_decay_s / (tau_decay_s - tau_rise_s) * np.log(tau_decay_s / tau_rise_s)
    scale = tau_decay_s / (tau_decay_s - tau_rise_s)
    return float(scale * (np.exp(-t_peak / tau_decay_s) - np.exp(-t_peak / tau_rise_s)))
