"""Slow molecular layer of Study 002: social isolation -> ventral hippocampal iron -> alpha-synuclein -> release
and spines (Wang Zhuo et al., Cell Metab 2026). Time in days; every rate and gain is an assumption [A] (BRIEF §3).

* ``T`` TfR1 relaxes to ``1 + k_T*drive``; drive is isolation (``S``) or a local CORT infusion, blocked by RU486
  (``G = 0``). A TfR1 knock-down removes the induced part (basal TfR1 kept).
* ``Fe`` iron follows ``T``; the chelator DFO adds a clearance ``c_D``.
* ``A`` alpha-Syn follows ``Fe`` (gain ``k_alpha``); antisense (ASO) removes a fraction ``eta``; overexpression
  (OE) multiplies it by ``1 + oe``.
* ``sigma`` spine density follows ``A``; the release probability ``U`` is algebraic in ``A``, capped at ``U_max``.
* Fer-1 (ferroptosis inhibitor) acts on none of these (the paper: the effect is not ferroptosis).

Group-housed steady state: ``T = Fe = A = sigma = 1``, ``U = U0``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..stage import integrate

STATE = ("T", "Fe", "A", "sigma")  # integrated; "U" is derived
INTERVENTIONS = ("isolation", "dfo", "aso", "fer1", "ru486", "tfr1_kd", "cort", "oe")
PARAMS = ("tau_T", "k_T", "tau_Fe", "c_D", "tau_alpha", "k_alpha", "eta", "tau_sigma", "k_sigma", "U0", "k_U",
          "U_max", "oe")


def _check(params: dict, schedule: dict) -> dict:
    """Validated schedule as {intervention: [(start, stop), ...]} (every intervention present)."""
    missing = [k for k in PARAMS if k not in params]
    if missing:
        raise ValueError(f"vhpc_molecular: missing parameters {missing}; needed: {list(PARAMS)}")
    windows = {name: [] for name in INTERVENTIONS}
    for name, spans in (schedule or {}).items():
        if name not in INTERVENTIONS:
            raise ValueError(f"vhpc_molecular: unknown intervention {name!r}; known: {', '.join(INTERVENTIONS)}")
        for span in spans or ():
            ok = (isinstance(span, (list, tuple)) and len(span) == 2
                  and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in span))
            if not ok or not (0 <= span[0] < span[1]):
                raise ValueError(f"vhpc_molecular: {name} window {span!r} must be [start, stop] days with "
                                 f"0 <= start < stop")
            windows[name].append((float(span[0]), float(span[1])))
    return windows


def _on(spans, t: float) -> float:
    return 1.0 if any(a <= t < b for a, b in spans) else 0.0


def _release(params: dict, A):
    """``U = min(U0*(1 + k_U*(A - 1)), U_max)``."""
    return np.minimum(params["U0"] * (1.0 + params["k_U"] * (np.asarray(A, dtype=float) - 1.0)), params["U_max"])


def trajectories(params: dict, schedule: dict, days: float, step: float = 0.25) -> tuple[np.ndarray, dict]:
    """params: tau_T, k_T, tau_Fe, c_D, tau_alpha, k_alpha, eta, tau_sigma, k_sigma, U0, k_U, U_max, oe (floats,
    days or plain numbers). schedule: {intervention: list of [start_day, stop_day] windows} for any of
    INTERVENTIONS (missing = never); a window is active for start <= t < stop. Returns (days array 0..days every
    step, {"T","Fe","A","sigma","U": arrays})."""
    w = _check(params, schedule)
    p = {k: float(params[k]) for k in PARAMS}

    def rhs(t, y):
        T, Fe, A, sig = y
        G = 1.0 - _on(w["ru486"], t)
        drive = G * max(_on(w["isolation"], t), _on(w["cort"], t))
        k_T = 0.0 if _on(w["tfr1_kd"], t) else p["k_T"]
        dT = (1.0 + k_T * drive - T) / p["tau_T"]
        dFe = (T - Fe * (1.0 + p["c_D"] * _on(w["dfo"], t))) / p["tau_Fe"]
        target_A = ((1.0 + p["k_alpha"] * (Fe - 1.0)) * (1.0 - p["eta"] * _on(w["aso"], t))
                    * (1.0 + p["oe"] * _on(w["oe"], t)))
        dA = (target_A - A) / p["tau_alpha"]
        dsig = (1.0 + p["k_sigma"] * (A - 1.0) - sig) / p["tau_sigma"]
        return [dT, dFe, dA, dsig]

    t, y = integrate(rhs, np.ones(len(STATE)), days, step)
    out = dict(zip(STATE, y))
    out["U"] = _release(p, out["A"])
    return t, out


def normalised_day(days, y, reference: float, after: float, tolerance: float = 0.1) -> float:
    """First day >= after from which |y/reference - 1| <= tolerance for the rest of the trajectory; nan if never."""
    days = np.asarray(days, dtype=float)
    y = np.asarray(y, dtype=float)
    idx = np.flatnonzero(days >= after)
    if idx.size == 0:
        return float("nan")
    bad = np.abs(y[idx] / reference - 1.0) > tolerance
    if not bad.any():
        return float(days[idx[0]])
    last_bad = np.flatnonzero(bad)[-1]
    return float(days[idx[last_bad + 1]]) if last_bad + 1 < idx.size else float("nan")
