"""Run an experiment: plan virtual mice x conditions, simulate, read out, select subsets.

Conditions in an experiment config are either *simulated* (a list of manipulations, possibly with
per-condition overrides such as ``{bla_aav_cre: {fraction: 0.5}}``) or *selected* from another condition
(``select: {from: wt, by: anxiety_drive, top: 0.25}``; ``{from: wt_reduced, mice_of: high_anxiety}``;
``{from: wt, not_mice_of: high_anxiety}``).

Seeds: one top-level ``seed`` feeds ``numpy.random.SeedSequence([seed, stream, mouse, purpose])``.
With ``design: within`` every simulated condition uses the same animals (stream 0): same connectivity,
input and jitter, so comparisons are paired. With ``design: between`` each condition has its own animals.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from . import interventions
from .parts.network import run_parameters
from .readouts.activity import ei_ratio, rates
from .readouts.behaviour import anxiety_behaviour
from .readouts.memory import discrimination_index
from .readouts.synaptic import pathway_strength
from .results import Results
from .simulate import RunSpec, simulate

_BRIAN_SEED, _JITTER, _MANIPULATION = 0, 1, 2


class BlowUp(RuntimeError):
    """A run whose activity is not a usable result: non-finite membrane potentials or runaway rates."""


def run(cfg: dict, workdir: Path, attrs: dict) -> Results:
    """Simulate every simulated condition for ``cfg['n_mice']`` mice and derive the selected ones."""
    exp = cfg["experiment"]
    n_mice = int(cfg["n_mice"])
    simulated = {c: spec for c, spec in exp["conditions"].items() if "select" not in (spec or {})}
    specs = plan(cfg, simulated, n_mice)
    unique = {}  # identical runs (same seed and parameters, e.g. a control virus in a paired design) run once
    keys = [_run_key(s) for s in specs]
    for key, spec in zip(keys, specs):
        unique.setdefault(key, spec)
    started = time.perf_counter()
    simulated_outputs, facts = simulate(cfg, list(unique.values()), workdir)
    wall = time.perf_counter() - started
    by_key = dict(zip(unique, simulated_outputs))
    outputs = [by_key[k] for k in keys]
    for spec, out in zip(specs, outputs):
        check_activity(spec, out, cfg)
    attrs = {**attrs, "timing": json.dumps(_timing(simulated_outputs, facts, wall, int(cfg["sim"]["n_jobs"])))}
    rows = [dict(condition=s.condition, mouse=s.mouse, animal=_animal(cfg, s), seed=s.seed,
                 **measure(cfg, s, o, facts)) for s, o in zip(specs, outputs)]
    rows = _select(exp["conditions"], rows, n_mice)
    return Results.from_rows(rows, list(exp["conditions"]), n_mice, attrs)


def plan(cfg: dict, conditions: dict, n_mice: int) -> list[RunSpec]:
    """One RunSpec per (simulated condition, mouse): jittered parameters, then the manipulations."""
    params = run_parameters(cfg["circuit"], cfg["sim"]["scale"])
    sd = float(cfg["mice"]["jitter_sd"])
    specs = []
    for condition, spec in conditions.items():
        stream = _stream(cfg, condition)
        steps = _steps(cfg["circuit"].get("manipulations", {}), (spec or {}).get("manipulations", []), condition)
        for mouse in range(n_mice):
            seq = lambda purpose: np.random.SeedSequence([int(cfg["seed"]), stream, mouse, purpose])  # noqa: E731
            values = {}
            jitter_rng = np.random.default_rng(seq(_JITTER))
            for name, par in params.items():
                default = np.array(par.default, dtype=float) if par.size is not None else float(par.default)
                if par.jitter and sd > 0:  # log-normal, mean 1, so weights stay positive
                    default = default * float(np.exp(sd * jitter_rng.standard_normal() - sd**2 / 2))
                values[name] = default
            values = interventions.apply(values, steps, np.random.default_rng(seq(_MANIPULATION)))
            brian_seed = int(seq(_BRIAN_SEED).generate_state(1)[0] % (2**31 - 1))
            specs.append(RunSpec(condition, mouse, brian_seed, values))
    return specs


def _run_key(spec: RunSpec) -> str:
    h = hashlib.sha256(str(spec.seed).encode())
    for name in sorted(spec.values):
        h.update(name.encode())
        h.update(np.ascontiguousarray(spec.values[name], dtype=float).tobytes())
    return h.hexdigest()


def _timing(outputs: list, facts, wall: float, n_jobs: int) -> dict:
    """Where the time went: build, per-run wall vs the simulation loop inside it (medians, seconds)."""
    runs = [o.timing["run"] for o in outputs if o.timing]
    loops = [o.timing["loop"] for o in outputs if o.timing]
    return {"simulate_wall": wall, "build": facts.info.get("build_seconds"), "n_runs": len(outputs),
            "n_jobs": n_jobs, "run_median": float(np.median(runs)) if runs else None,
            "loop_median": float(np.median(loops)) if loops else None,
            "run_over_loop": float(np.median(np.array(runs) / np.array(loops))) if loops else None}


def check_activity(spec: RunSpec, out, cfg: dict) -> None:
    """Stop on a numerical blow-up or runaway activity, naming the population, condition and mouse."""
    where = f"condition {spec.condition!r}, mouse {spec.mouse}"
    for pop, ok in out.finite.items():
        if not ok:
            raise BlowUp(f"numerical blow-up in population {pop} ({where}): membrane potential is NaN/inf; "
                         "lower sim.dt or check the weights")
    window = cfg["sim"]["duration"] - cfg["sim"]["transient"]
    for key, rate in rates(out.spikes, out.sizes, window).items():
        if rate > cfg["sim"]["max_rate"]:
            raise BlowUp(f"runaway activity in population {key[5:]} ({where}): {rate:.0f} Hz mean rate exceeds "
                         f"sim.max_rate={cfg['sim']['max_rate']:g} Hz; check the weights")


def measure(cfg: dict, spec: RunSpec, out, facts) -> dict:
    """Every readout the circuit config asks for, for one run."""
    ro = cfg["circuit"]["readouts"]
    window = cfg["sim"]["duration"] - cfg["sim"]["transient"]
    m = rates(out.spikes, out.sizes, window)
    if ro.get("ei"):
        m.update(ei_ratio(out.conductances, facts.reversal, ro["ei"]))
    for name, pw in (ro.get("pathways") or {}).items():
        pre = cfg["circuit"]["connections"][pw["connection"]]["pre"]
        m.update(pathway_strength(spec.values, name, pw["connection"], pw.get("gain"), pre))
    if ro.get("anxiety_drive"):
        beh = ro["behaviour"]
        m.update(anxiety_behaviour(m[f"rate_{ro['anxiety_drive']}"], beh["D50_hz"], beh["k_hz"]))
    if ro.get("object_recognition"):
        obj = ro["object_recognition"]
        pop = obj["population"]
        m.update(discrimination_index(out.spikes[pop], out.sizes[pop], facts.info["object_windows"], obj["di_max"]))
    return m


def _steps(library: dict, entries: list, condition: str) -> list[dict]:
    steps = []
    for entry in entries:
        name, overrides = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        if name not in library:
            raise ValueError(f"experiment.conditions.{condition}: unknown manipulation {name!r} "
                             f"(known: {', '.join(sorted(library))})")
        steps += [{**step, **(overrides or {})} for step in library[name]]
    return steps


def _stream(cfg: dict, condition: str) -> int:
    """Which animals a simulated condition holds: 0 for all in a within design, else its own per condition."""
    if cfg["experiment"].get("design", "between") == "within":
        return 0
    simulated = [c for c, s in cfg["experiment"]["conditions"].items() if "select" not in (s or {})]
    return simulated.index(condition)


def _animal(cfg: dict, spec: RunSpec) -> int:
    return _stream(cfg, spec.condition) * 1_000_000 + spec.mouse


def _select(conditions: dict, rows: list[dict], n_mice: int) -> list[dict]:
    """Add the rows of selected conditions, in config order (a selection may use an earlier one)."""
    by_condition: dict[str, list[dict]] = {}
    for r in rows:
        by_condition.setdefault(r["condition"], []).append(r)
    for name, spec in conditions.items():
        sel = (spec or {}).get("select")
        if not sel:
            continue
        source = by_condition[sel["from"]]
        if "top" in sel:
            k = max(1, int(round(float(sel["top"]) * len(source))))
            order = sorted(source, key=lambda r: r[sel["by"]], reverse=True)
            mice = {r["mouse"] for r in order[:k]}
        elif "mice_of" in sel:
            mice = {r["mouse"] for r in by_condition[sel["mice_of"]]}
        else:
            mice = {r["mouse"] for r in source} - {r["mouse"] for r in by_condition[sel["not_mice_of"]]}
        chosen = [{**r, "condition": name} for r in source if r["mouse"] in mice]
        by_condition[name] = chosen
        rows = rows + chosen
    return rows
