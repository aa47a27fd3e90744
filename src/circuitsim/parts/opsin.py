"""Four-state ChR2 photocurrent as plain Brian2 neuron equations (runs under cpp_standalone).

The model is the 4-state Markov scheme of PyRhO (Williams et al. 2013, PLoS Comput Biol 9:e1003220; Evans et
al. 2016, Front Neuroinform 10:8) as packaged in cleosim 0.20 (``cleo.opto.chr2_4s``, ``FourStateOpsin``).
Two open states O1, O2 and two closed states C1 (dark-adapted) and C2 = 1 - C1 - O1 - O2::

    dC1/dt = Gd1 O1 + Gr0 C2 - Ga1 C1
    dO1/dt = Ga1 C1 + Gb O2 - (Gd1 + Gf) O1
    dO2/dt = Ga2 C2 + Gf O1 - (Gd2 + Gb) O2

with light-dependent rates, x = phi/phi_m (phi = photon flux at the cell)::

    Hp = x^p/(x^p + 1),  Ga1 = k1 Hp,  Ga2 = k2 Hp
    Hq = x^q/(x^q + 1),  Gf = Gf0 + kf Hq,  Gb = Gb0 + kb Hq

and the photocurrent (positive = depolarising, as cleosim's ``Iopto``)::

    I = rho g0 (O1 + gamma O2) v1 (exp(-(v - E)/v0) - 1)

i.e. g0 (O1 + gamma O2) f(v) (E - v) with PyRhO's rectification f(v) = v1 (1 - exp(-(v-E)/v0))/(v - E), written
without the 0/0 at v = E. The photon flux at a cell is phi = irradiance(tip) * T / E_photon, with T the fibre
transmittance at the cell (:mod:`circuitsim.parts.light`) and E_photon = h c / wavelength; cleosim also scales phi
by the action-spectrum factor epsilon, which is 1 for ChR2 at 473 nm and left out here. ``rho`` is the expression
level relative to the fitted cell (cleosim's ``rho_rel``, 1 by default): rho = 1 is the PyRhO fit (g0 = 114 nS).
cleosim integrates the states by forward Euler (Brian2 picks ``euler`` for its synapse); ``method="euler"`` on the
neuron group reproduces it step for step.
"""

from __future__ import annotations

from brian2 import joule, meter, second

from .units import quantity

#: Unit of every constant of an opsin library entry (configs/opsins/library.yaml).
UNITS = {
    "g0": "nS", "gamma": "1", "phi_m": "1/mm2/s", "p": "1", "q": "1",
    "k1": "kHz", "k2": "kHz", "Gf0": "kHz", "kf": "kHz", "Gb0": "kHz", "kb": "kHz",
    "Gd1": "kHz", "Gd2": "kHz", "Gr0": "kHz",
    "E": "mV", "v0": "mV", "v1": "mV", "wavelength": "nmeter",
}

_PLANCK = 6.62607015e-34 * joule * second  # CODATA 2018 (exact)
_LIGHT_SPEED = 299792458 * meter / second


def equations(slot: str, signal: str) -> str:
    """Equation lines for the photocurrent ``slot`` (amp), driven by ``signal(t)`` (tip irradiance, mW/mm^2).

    Cost: x^p = (irradiance/(E_photon phi_m))^p * T^p, so the power of the light is taken once per time step (a
    shared subexpression) and the power of each cell's transmittance once per run (:func:`attach`), instead of two
    powers per cell and step (which cost as much as the rest of a population's update)."""
    s = slot
    return f"""
{s} = {s}_rho * {s}_g0 * ({s}_O1 + {s}_gamma * {s}_O2) * {s}_v1 * (exp(-(v - {s}_E) / {s}_v0) - 1) : amp
d{s}_C1/dt = {s}_Gd1 * {s}_O1 + {s}_Gr0 * {s}_C2 - {s}_Ga1 * {s}_C1 : 1
d{s}_O1/dt = {s}_Ga1 * {s}_C1 + {s}_Gb * {s}_O2 - ({s}_Gd1 + {s}_Gf) * {s}_O1 : 1
d{s}_O2/dt = {s}_Ga2 * {s}_C2 + {s}_Gf * {s}_O1 - ({s}_Gd2 + {s}_Gb) * {s}_O2 : 1
{s}_C2 = 1 - {s}_C1 - {s}_O1 - {s}_O2 : 1
{s}_light = clip({signal}(t), 0, inf) * mwatt / mm2 / ({s}_Ephoton * {s}_phi_m) : 1 (shared)
{s}_light_p = {s}_light**{s}_p : 1 (shared)
{s}_light_q = {s}_light**{s}_q : 1 (shared)
{s}_xp = {s}_light_p * {s}_Tp : 1
{s}_xq = {s}_light_q * {s}_Tq : 1
{s}_Hp = {s}_xp / ({s}_xp + 1) : 1
{s}_Hq = {s}_xq / ({s}_xq + 1) : 1
{s}_Ga1 = {s}_k1 * {s}_Hp : Hz
{s}_Ga2 = {s}_k2 * {s}_Hp : Hz
{s}_Gf = {s}_Gf0 + {s}_kf * {s}_Hq : Hz
{s}_Gb = {s}_Gb0 + {s}_kb * {s}_Hq : Hz
{s}_T : 1 (constant)
{s}_Tp : 1
{s}_Tq : 1
{s}_rho : 1 (constant)
"""


def attach(group, slot: str, every=None) -> None:
    """Ready a group that carries :func:`equations` for ``slot``: every channel dark-adapted (:func:`initial_state`),
    and each cell's ``T^p`` and ``T^q`` computed at the start of a run (and again every ``every``, default 100 s:
    harmless, T is constant in a run)."""
    every = 100 * second if every is None else every
    for state, value in initial_state().items():
        setattr(group, f"{slot}_{state}", value)
    group.run_regularly(f"{slot}_Tp = {slot}_T**{slot}_p\n{slot}_Tq = {slot}_T**{slot}_q", dt=every, when="start",
                        name=f"{group.name}_{slot}_transmittance")


def namespace(slot: str, spec: dict) -> dict:
    """``{slot}_<key>`` for every constant of a parsed library entry, plus the photon energy ``{slot}_Ephoton``."""
    values = {key: quantity(spec[key], unit, f"opsin {slot}.{key}") for key, unit in UNITS.items()}
    names = {f"{slot}_{key}": value for key, value in values.items()}
    names[f"{slot}_Ephoton"] = _PLANCK * _LIGHT_SPEED / values["wavelength"]
    return names


def initial_state() -> dict:
    """Dark-adapted start, as cleosim sets it: every channel in C1 (suffixes of ``{slot}_<state>``)."""
    return {"C1": 1.0, "O1": 0.0, "O2": 0.0}
