"""Interventions: small functions that change a run's parameters (never the circuit's structure).

A *manipulation* in a circuit config is a named list of steps; each step has a ``type`` from
:data:`STEPS`. A condition combines manipulations. Steps act on the dict of run parameters of one virtual
mouse (``population.variable`` -> value) with that mouse's random generator.
"""

from __future__ import annotations

from .genetic import scale, transduce

STEPS = {"scale": scale, "transduce": transduce}


def apply(values: dict, steps: list[dict], rng) -> dict:
    """Apply manipulation steps in order; returns a new dict (inputs untouched)."""
    values = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in values.items()}
    for step in steps:
        kind = step.get("type")
        if kind not in STEPS:
            raise ValueError(f"manipulation step type {kind!r} unknown (known: {', '.join(STEPS)})")
        STEPS[kind](values, rng, **{k: v for k, v in step.items() if k != "type"})
    return values
