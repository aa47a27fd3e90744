"""Run an experiment: plan virtual mice x conditions (x cohorts), simulate, read out, select subsets.

Conditions in an experiment config are either *simulated* (manipulations, possibly with per-condition overrides
such as ``{virus: {fraction: 0.5}}``, and a ``stage`` spec) or *selected* from another condition
(``select: {from: control, by: <measure>, top: 0.25}``; ``{from: treated, mice_of: <selected>}``;
``{from: control, not_mice_of: <selected>}``). A run's manipulation steps are its cohort's, then the experiment's
``protocol`` (applied in every condition: e.g. the footshocks), then the condition's own.

Cohorts (``experiment.cohorts``, e.g. males and females) are different animals, ``n_mice`` each; every simulated
condition is run in every cohort. Seeds: one top-level ``seed`` feeds
``numpy.random.SeedSequence([seed, stream, mouse, purpose])``. With ``design: within`` every condition of a cohort
uses the same animals (one stream per cohort): same connectivity, initial state, jitter and stage parameters, so
comparisons are paired; with ``design: between`` each condition of each cohort has its own animals. With
``mice.noise: fresh`` (default) an animal meets new input noise in every condition (a real retest); ``frozen``
replays the same noise in every condition (a counterfactual: differences are the manipulation's alone).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from . import interventions, nwb, readouts, simulate
from .circuits import module as circuit_module
from .config import ConfigError
from .parts.network import check_bounds
from .progress import Progress
from .readouts.activity import binned_rates, rates
from .results import Results
from .simulate import RunSpec
from .stage import condition_stage

_BRIAN_SEED, _JITTER, _MANIPULATION, _STAGE, _NOISE = 0, 1, 2, 3, 4
ANALYSED = ""  # the window from the end of the transient to the end of the run: measures without a suffix


class BlowUp(RuntimeError):
    """A run whose activity is not a usable result: non-finite state or runaway rates."""


def run(cfg: dict, workdir: Path, attrs: dict) -> Results:
    """Simulate every simulated condition for ``cfg['n_mice']`` mice per cohort and derive the selected ones; with
    ``cfg['nwb']`` the simulated runs are also written to ``workdir`` as NWB (:mod:`circuitsim.nwb`)."""
    exp = cfg["experiment"]
    started = time.perf_counter()
    windows = cfg["windows"]
    with simulate.session(cfg) as session:
        try:
            specs = plan(cfg, session.parameters, windows)
        except (ValueError, TypeError) as exc:  # a step that does not fit the built circuit (e.g. a wrong target)
            raise ConfigError(f"experiment {exp['name']!r}: {str(exc).splitlines()[0]}") from None
        unique = {}  # identical runs (same seed and parameters, e.g. a control virus in a paired design) run once
        keys = [_run_key(s) for s in specs]
        for key, spec in zip(keys, specs):
            unique.setdefault(key, spec)
        simulated_outputs = session.run(list(unique.values()), Progress(len(unique), exp["name"]))
        facts = session.facts
    wall = time.perf_counter() - started
    by_key = dict(zip(unique, simulated_outputs))
    outputs = [by_key[k] for k in keys]
    for spec, out in zip(specs, outputs):
        check_activity(spec, out, cfg)
    attrs = {**attrs, "timing": json.dumps(_timing(simulated_outputs, facts, wall, int(cfg["sim"]["n_jobs"])))}
    n_mice = int(cfg["n_mice"])
    rows = [dict(condition=s.condition, mouse=s.mouse, cohort=s.cohort, animal=_animal(cfg, s), seed=s.seed,
                 **measure(cfg, s, o, facts, windows)) for s, o in zip(specs, outputs)]
    if cfg["nwb"]:  # the simulated runs' spike trains and population rates (one file per call: circuitsim.nwb)
        nwb.write(nwb.path(workdir, cfg), cfg, list(zip(rows, outputs)), attrs.get("config", ""))
    rows = _select(exp["conditions"], rows)
    return Results.from_rows(rows, list(exp["conditions"]), list(exp["cohorts"]), n_mice, attrs)


def plan(cfg: dict, parameters: dict, windows: dict) -> list[RunSpec]:
    """One RunSpec per (cohort, simulated condition, mouse): jittered parameters, the cohort's steps, the stage,
    then the protocol's and the condition's steps. ``windows``: every epoch by name (``cfg['windows']``)."""
    exp = cfg["experiment"]
    n_mice = int(cfg["n_mice"])
    sd = float(cfg["mice"]["jitter_sd"])
    module = circuit_module(cfg["circuit"]["name"])
    simulated = {c: spec for c, spec in exp["conditions"].items() if "select" not in spec}
    fresh = cfg["mice"]["noise"] == "fresh"
    specs = []
    for k, (cohort, cohort_steps) in enumerate(exp["cohorts"].items()):
        for condition, spec in simulated.items():
            stream = _stream(cfg, condition, k)
            steps = list(exp["protocol"]) + list(spec["steps"])
            stage_spec = condition_stage(exp, condition)
            for mouse in range(n_mice):
                seq = lambda purpose: np.random.SeedSequence([int(cfg["seed"]), stream, mouse, purpose])  # noqa: E731
                values = {}
                jitter_rng = np.random.default_rng(seq(_JITTER))
                for name, par in parameters.items():
                    default = par.fresh_default()
                    if par.jitter and sd > 0:  # log-normal, mean 1, so weights stay positive
                        default = default * float(np.exp(sd * jitter_rng.standard_normal() - sd**2 / 2))
                    values[name] = default
                ctx = interventions.Context(np.random.default_rng(seq(_MANIPULATION)), parameters, windows, cohort)
                values = interventions.apply(values, cohort_steps, ctx)
                stage = {}
                if stage_spec:
                    stage_ctx = interventions.Context(np.random.default_rng(seq(_STAGE)), parameters, windows, cohort)
                    out = module.stage(cfg["circuit"], stage_spec, values, stage_ctx)
                    stage = {"measures": dict(out.measures), "series": dict(out.series)}
                values = interventions.apply(values, steps, ctx)
                for name, par in parameters.items():  # mirrors follow their source (virtual-slice weights)
                    if par.mirror_of:
                        values[name] = par.mirrored(values)
                check_bounds(values, parameters)  # e.g. a stage's synapse density above the built maximum
                brian_seed = int(seq(_BRIAN_SEED).generate_state(1)[0] % (2**31 - 1))
                noise_seed = None
                if fresh:  # the same animal meets new input noise in every condition
                    noise = np.random.SeedSequence([int(cfg["seed"]), stream, mouse, _NOISE, list(simulated).index(condition)])
                    noise_seed = int(noise.generate_state(1)[0] % (2**31 - 1))
                specs.append(RunSpec(condition, k * n_mice + mouse, brian_seed, values, cohort, stage, noise_seed))
    return specs


def _run_key(spec: RunSpec) -> str:
    h = hashlib.sha256(f"{spec.seed} {spec.noise_seed}".encode())
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
            "loop_median": float(np.median(loops)) if loops else None, "loop_total": float(np.sum(loops)),
            "run_over_loop": float(np.median(np.array(runs) / np.array(loops))) if loops else None}


def check_activity(spec: RunSpec, out, cfg: dict) -> None:
    """Stop on a numerical blow-up or runaway activity, naming the population or group, condition and mouse."""
    where = f"condition {spec.condition!r}, mouse {spec.mouse}"
    for name, ok in out.finite.items():
        if not ok:
            raise BlowUp(f"numerical blow-up in {name} ({where}): its state is NaN/inf; "
                         "lower sim.dt or check the weights")
    sim = cfg["sim"]
    for key, rate in rates(out.spikes, out.sizes, (sim["transient"], sim["duration"])).items():
        if rate > sim["max_rate"]:
            raise BlowUp(f"runaway activity in population {key[5:]} ({where}): {rate:.0f} Hz mean rate exceeds "
                         f"sim.max_rate={sim['max_rate']:g} Hz; check the weights")


def measure(cfg: dict, spec: RunSpec, out, facts, windows: dict) -> dict:
    """Every readout of the circuit config for one run (per epoch where a readout is), and its time series."""
    circuit = cfg["circuit"]
    m, kept = {}, {}
    for epoch, window in windows.items():
        view = readouts.View(out.spikes, out.sizes, window, out.conductances, facts.reversal, spec.values, circuit,
                             windows, {}, out.slices, out.traces, out.counts)
        for _, readout, rspec in readouts.instances(circuit):
            if epoch == ANALYSED or readout.per_epoch:
                view.measures.update(readout.compute(rspec, view))
            if epoch == ANALYSED and readout.series is not None:
                kept.update(readout.series(rspec, view))
        m.update(view.measures if epoch == ANALYSED else {f"{k}@{epoch}": v for k, v in view.measures.items()})
    m.update(spec.stage.get("measures", {}))
    t, binned = binned_rates(out.spikes, out.sizes, cfg["sim"]["duration"], cfg["sim"]["rate_bin"])
    series = {f"rate_{p}": ("time", t, r) for p, r in binned.items()}
    series.update({f"{name.replace('.', '_')}": (f"time_{name.split('.')[0]}", tt, y)
                   for name, (tt, y) in out.traces.items()})
    series.update({f"stage_{name}": ("day", d, y) for name, (d, y) in spec.stage.get("series", {}).items()})
    series.update({name: (f"time_{name}", t, y) for name, (t, y) in kept.items()})
    m["_series"] = series
    return m


def _stream(cfg: dict, condition: str, cohort: int) -> int:
    """Which animals a simulated condition of a cohort holds: one stream per cohort in a within design, else
    one per (cohort, condition)."""
    simulated = [c for c, s in cfg["experiment"]["conditions"].items() if "select" not in s]
    if cfg["experiment"].get("design", "between") == "within":
        return cohort
    return cohort * len(simulated) + simulated.index(condition)


def _animal(cfg: dict, spec: RunSpec) -> int:
    k = list(cfg["experiment"]["cohorts"]).index(spec.cohort)
    return _stream(cfg, spec.condition, k) * 1_000_000 + spec.mouse % int(cfg["n_mice"])


def _select(conditions: dict, rows: list[dict]) -> list[dict]:
    """Add the rows of selected conditions, in config order (a selection may use an earlier one)."""
    by_condition: dict[str, list[dict]] = {}
    for r in rows:
        by_condition.setdefault(r["condition"], []).append(r)
    for name, spec in conditions.items():
        sel = spec.get("select")
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
