"""A stage before the network: a slow model (e.g. days of molecular change) whose state sets a network snapshot.

A circuit module that has one defines ``stage(circuit_cfg, spec, values, ctx) -> StageOutput`` and
``STAGE_MEASURES`` ({name: Measure}). An experiment gives each condition a stage spec (``experiment.stage`` merged
with the condition's ``stage``: the arm's schedule and the day of the snapshot); per virtual mouse the stage
integrates its model, writes the state at that day into the run parameters (``values``, changed in place) and
returns measures and trajectories, which the results keep beside the network's (series ``stage_<name>``, in days).
Different days of one arm are different conditions holding the same animals (a within design); their trajectories
share one ``day`` grid (integrated from day 0 with the same step, a shorter one is the beginning of a longer one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp


def condition_stage(experiment: dict, condition: str) -> dict:
    """A condition's stage spec: ``experiment.stage`` updated by the condition's ``stage`` (a key set to null there
    removes it, e.g. ``isolation: null`` for a group-housed arm)."""
    spec = {**(experiment.get("stage") or {}), **(experiment["conditions"][condition].get("stage") or {})}
    return {k: v for k, v in spec.items() if v is not None}


@dataclass
class StageOutput:
    measures: dict = field(default_factory=dict)  # name -> float, at the snapshot
    series: dict = field(default_factory=dict)  # name -> (days, values)


def integrate(rhs, y0, days: float, step: float = 0.25, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Integrate ``dy/dt = rhs(t, y)`` (t in days) from 0 to ``days``; samples every ``step`` days (LSODA, tight
    tolerances, ``max_step`` = ``step`` so that schedule switches are not stepped over)."""
    t_eval = np.arange(0.0, days + step / 2, step)
    sol = solve_ivp(rhs, (0.0, float(t_eval[-1])), np.asarray(y0, dtype=float), t_eval=t_eval, method="LSODA",
                    rtol=1e-8, atol=1e-10, max_step=step, **kwargs)
    if not sol.success:
        raise RuntimeError(f"stage integration failed: {sol.message}")
    return sol.t, sol.y
