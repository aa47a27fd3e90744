"""Interventions: small functions that change a run's parameters (never the circuit's structure).

A *manipulation* in a circuit config is a named list of steps; each step has a ``type`` from :data:`STEPS`. A
condition combines manipulations (after its cohort's and the experiment's protocol steps). A step acts on the dict
of run parameters of one virtual mouse (``owner.variable`` -> value, SI) through a :class:`Context`: that mouse's
random generator, the circuit's run parameters (sizes, time steps of signals) and the protocol's epochs. A step
function may declare ``UNITS`` for its arguments; the config check enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .chemogenetic import dreadd
from .genetic import scale, transduce
from .optogenetic import fiber
from .protocol import level, pulses
from ..parts.signals import OWNER as SIGNAL_OWNER

STEPS = {"scale": scale, "transduce": transduce, "pulses": pulses, "level": level, "dreadd": dreadd, "fiber": fiber}


@dataclass
class Context:
    """What a step may use besides the values: the mouse's generator, run parameters, epochs (name -> (s, s))."""

    rng: object
    parameters: dict = field(default_factory=dict)
    epochs: dict = field(default_factory=dict)
    cohort: str = "all"


def apply(values: dict, steps: list[dict], rng, parameters: dict | None = None, epochs: dict | None = None) -> dict:
    """Apply manipulation steps in order; returns a new dict (inputs untouched)."""
    ctx = rng if isinstance(rng, Context) else Context(rng, parameters or {}, epochs or {})
    values = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in values.items()}
    for step in steps:
        kind = step.get("type")
        if kind not in STEPS:
            raise ValueError(f"manipulation step type {kind!r} unknown (known: {', '.join(STEPS)})")
        STEPS[kind](values, ctx, **{k: v for k, v in step.items() if k != "type"})
    return values


def step_units(kind: str) -> dict:
    """Units a step type's arguments must carry (``{}`` when it declares none)."""
    return getattr(STEPS.get(kind), "UNITS", {})


def touched(step: dict) -> list[tuple[str, str | None]]:
    """The run parameters a step names, as (owner, variable) pairs: a ``target`` (``owner.variable``), each variable
    a ``population`` step sets or scales (``None`` for a control virus, which names the population only), its input
    ``slot``, and a ``signal`` (owner ``signal``, as the run parameters of signals are named)."""
    out = []
    if step.get("target"):
        owner, _, variable = str(step["target"]).partition(".")
        out.append((owner, variable or None))
    if step.get("population"):
        names = [*(step.get("set") or {}), *(step.get("scale") or {})] + ([step["slot"]] if step.get("slot") else [])
        out += [(step["population"], v) for v in names] or [(step["population"], None)]
    if step.get("signal"):
        out.append((SIGNAL_OWNER, step["signal"]))
    return out
