"""Run one circuit for many (condition, virtual mouse) runs: build once, vary run parameters and seeds.

Two devices:

* ``cpp_standalone`` (default): the circuit is generated and compiled once into a build directory keyed by
  its structure (sizes, probabilities, kinetics, duration; not weights, gains, inputs or signals), cached
  between invocations and guarded by a file lock. Each run executes the binary with ``run_args`` (every run
  parameter) and seeds read from environment variables by code inserted into ``main``: the animal's seed at the
  top (connectivity, initial state, and the input noise unless reseeded) and, where set, a noise seed just before
  the run loop (fresh Poisson input for the same animal). Runs execute in worker processes (fork),
  each with its own results folder (never shared between processes or invocations).
* ``runtime`` (numpy code generation): the circuit is rebuilt per run with ``brian2.seed`` (the animal's, then the
  noise seed before running); used by the fast tests.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import inspect
import json
import multiprocessing
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import brian2 as b2
import numpy as np

from .circuits import builder
from .circuits import module as circuit_module
from .parts.network import Circuit
from .parts.recording import time_means

SEED_ENV = "CIRCUITSIM_RUN_SEED"  # the animal: connectivity, initial state (and input noise unless reseeded)
NOISE_ENV = "CIRCUITSIM_NOISE_SEED"  # fresh input noise: reseeds every generator just before the run loop


def _seed_code(env: str) -> str:
    """C++ for ``main``: if ``env`` is set, seed every Brian2 random generator from it."""
    return f"""
{{
    const char* _circuitsim_seed = std::getenv("{env}");
    if (_circuitsim_seed != NULL) {{
        unsigned long _s = std::strtoul(_circuitsim_seed, NULL, 10);
        for (size_t _k = 0; _k < brian::_random_generators.size(); _k++)
            brian::_random_generators[_k].seed(_s + 7919UL * _k);
    }}
}}
"""


# gcc flags for the generated code: Brian2's defaults without -fno-finite-math-only, so that with -ffast-math
# glibc declares its vector exp/log and gcc vectorises the AdEx and Mg-block exponentials (the floating-point
# model is otherwise Brian2's: no code here tests for NaN/inf, blow-ups are detected from the results in
# Python), and enough run-time alias checks for gcc to vectorise state updates of many variables.
def compile_args(brian_defaults: list[str]) -> list[str]:
    return ([f for f in brian_defaults if f != "-fno-finite-math-only"]
            + ["--param=vect-max-version-for-alias-checks=1000"])


@dataclass
class RunSpec:
    """One simulation: a virtual mouse (of a cohort) in a condition."""

    condition: str
    mouse: int  # index over every cohort's mice
    seed: int  # Brian2 random seed of the animal: connectivity, initial state (and input noise if no noise_seed)
    values: dict  # every run parameter of the circuit
    cohort: str = "all"
    stage: dict = field(default_factory=dict)  # what a pre-network stage left: {"measures": {}, "series": {}}
    noise_seed: int | None = None  # fresh input noise: reseeds the generators after the network is set up


@dataclass
class RunOutput:
    """What one run leaves for the readouts: spikes, time-mean conductances and state traces."""

    spikes: dict  # population -> (neuron indices, spike times in s), whole run
    sizes: dict  # population -> number of neurons
    conductances: dict  # population -> {channel: per-neuron time-mean effective conductance (S)}, analysed window
    finite: dict  # population or group -> bool, last state (and conductance means) all finite
    traces: dict = field(default_factory=dict)  # "<group>.<variable>" -> (times in s, mean over elements)
    slices: dict = field(default_factory=dict)  # virtual slice -> peak evoked conductance (S), (cells, pulses)
    timing: dict = None  # seconds: "run" (whole run, reading results included), "loop" (simulation loop only)
    counts: dict = field(default_factory=dict)  # population -> {counter: per-neuron events in the analysed window}


@dataclass
class CircuitFacts:
    """Static facts about a built circuit that readouts may use (they never touch Brian2 objects)."""

    sizes: dict
    reversal: dict  # population -> {channel: reversal potential in V}
    info: dict


@contextlib.contextmanager
def session(cfg: dict):
    """Build the circuit once and yield a :class:`Session`: its run parameters and facts, and ``run(specs)``.

    ``cpp_standalone``: compiled into the build cache (under a file lock held while the session is open) and
    every run is a run of that binary. ``runtime``: the circuit built here serves the parameter registry; each run
    rebuilds it with its own seed.
    """
    sim = cfg["sim"]
    if sim["device"] == "cpp_standalone":
        with _standalone_session(cfg) as s:
            yield s
    elif sim["device"] == "runtime":
        b2.set_device("runtime")
        b2.prefs.codegen.target = "numpy"
        circuit = _build(cfg)
        yield Session(circuit.parameters, _facts(circuit), lambda runs, done=None: _runtime(cfg, runs, done))
    else:
        raise ValueError(f"sim.device: {sim['device']!r} is not one of cpp_standalone, runtime")


@dataclass
class Session:
    """A built circuit: what planning needs (run parameters, facts) and how to run specs on it."""

    parameters: dict
    facts: "CircuitFacts"
    run: object  # callable: (list[RunSpec], done=None) -> list[RunOutput] in order; done(spec) after each run


def _build(cfg: dict) -> Circuit:
    b2.defaultclock.dt = cfg["sim"]["dt"] * b2.second  # neurons share one clock (fixed code order)
    library = {"cells": cfg["cells"], "receptors": cfg["receptors"], "opsins": cfg.get("opsins") or {}}
    return builder(cfg["circuit"]["name"])(cfg["circuit"], library, cfg["sim"])


def _facts(circuit: Circuit) -> CircuitFacts:
    return CircuitFacts(
        sizes={p: len(pop.group) for p, pop in circuit.populations.items()},
        reversal={p: {c: float(r.E_rev) for c, r in pop.receptors.items()} for p, pop in circuit.populations.items()},
        info=dict(circuit.info),
    )


def _collect(circuit: Circuit, sim: dict) -> RunOutput:
    transient = sim["transient"]
    spikes, finite, conductances, traces = {}, {}, {}, {}
    for name, mon in circuit.spike_monitors.items():
        spikes[name] = (np.asarray(mon.i[:]).astype(np.int32), np.asarray(mon.t[:] / b2.second))
        v = np.asarray(circuit.populations[name].group.v[:] / b2.volt)
        finite[name] = bool(np.all(np.isfinite(v)))
    for name in circuit.recorded:
        pop = circuit.populations[name]
        background = [c for c in pop.receptors if f"bg_w_{c}" in pop.group.variables]
        conductances[name] = time_means(pop.group, pop.receptors, sim["duration"] - transient, background)
        finite[name] = finite.get(name, True) and all(np.all(np.isfinite(g)) for g in conductances[name].values())
    for name, group in circuit.groups.items():  # every non-neuron group, recorded or not
        finite[name] = all(bool(np.all(np.isfinite(np.asarray(getattr(group, var)[:], dtype=float))))
                           for var in group.equations.diff_eq_names)
    for group, (mon, variables) in circuit.state_monitors.items():
        t = np.asarray(mon.t[:] / b2.second)
        for var in variables:
            values = np.asarray(getattr(mon, var)[:], dtype=float)  # (elements, times), SI
            traces[f"{group}.{var}"] = (t, values.mean(axis=0) if values.size else np.zeros(len(t)))
            finite[group] = finite.get(group, True) and bool(np.all(np.isfinite(values)))
    slices = {name: np.column_stack([np.asarray(cells.g_peak[:] / b2.siemens), np.asarray(cells.g_peak2[:] / b2.siemens)])
              for name, cells in circuit.slices.items()}
    counts = {pop: {c: np.asarray(getattr(circuit.populations[pop].group, c)[:], dtype=float) for c in names}
              for pop, names in circuit.counters.items()}
    for name, peaks in slices.items():
        finite[name] = bool(np.all(np.isfinite(peaks)))
    return RunOutput(spikes, {p: len(pop.group) for p, pop in circuit.populations.items()}, conductances, finite,
                     traces, slices, counts=counts)


# --------------------------------------------------------------------------------------------- runtime
def _runtime(cfg: dict, runs: list[RunSpec], done=None) -> list[RunOutput]:
    return _map(_runtime_one, [(cfg, r) for r in runs], int(cfg["sim"]["n_jobs"]),
                done and (lambda item: done(item[1])))


def _runtime_one(args) -> RunOutput:
    cfg, run = args
    started = time.perf_counter()
    b2.seed(run.seed)
    circuit = _build(cfg)
    circuit.set_values(run.values)
    if run.noise_seed is not None:  # connectivity and initial state are the animal's; the input noise is fresh
        b2.seed(run.noise_seed)
    loop = time.perf_counter()
    circuit.network.run(cfg["sim"]["duration"] * b2.second, namespace={})
    loop = time.perf_counter() - loop
    out = _collect(circuit, cfg["sim"])
    out.timing = {"run": time.perf_counter() - started, "loop": loop}
    return out


# ------------------------------------------------------------------------------------------ standalone
_STANDALONE: dict = {}  # the built circuit, shared with forked workers


def build_key(cfg: dict) -> str:
    """Hash of everything compiled into the binary; run parameters (weights, gains) are left out."""
    def strip(node):
        if isinstance(node, dict):
            return {k: (sorted(v) if k in _RUN_TIME_KEYS else strip(v)) for k, v in node.items()
                    if k not in _PRESENTATION_KEYS}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    keys = ("name", "mg", "populations", "connections", "record_conductances", "signals", "slices", "afferents",
            *getattr(circuit_module(cfg["circuit"]["name"]), "STRUCTURAL_KEYS", ()))
    circuit = {k: v for k, v in cfg["circuit"].items() if k in keys}
    circuit = strip(circuit)
    for con in (circuit.get("connections") or {}).values():  # run parameters: a release fraction, a fibre rate
        (con.get("stp") or {}).pop("U", None)
    for fibres in (circuit.get("afferents") or {}).values():
        fibres.pop("rate", None)
    sim = {k: cfg["sim"][k] for k in ("dt", "duration", "transient", "scale")}
    payload = json.dumps({"circuit": circuit, "cells": cfg["cells"], "receptors": cfg["receptors"],
                          "opsins": cfg.get("opsins") or {}, "sim": sim,
                          "brian2": b2.__version__, "source": _source_digest(cfg["circuit"]["name"])},
                         sort_keys=True, default=str)
    return f"{cfg['circuit']['name']}-{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


_RUN_TIME_KEYS = {"weights"}  # connection and background weights: their channels are compiled in, values are not
_PRESENTATION_KEYS = {"default", "label"}  # input-slot defaults (run parameters), labels


def _source_digest(circuit: str) -> str:
    root = Path(__file__).parent
    h = hashlib.sha256()
    own = Path(inspect.getsourcefile(circuit_module(circuit)))  # a circuit module may live outside the package
    for path in sorted({root / "simulate.py", *(root / "parts").rglob("*.py"), *(root / "circuits").rglob("*.py"),
                        own}):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def standalone_device(build_dir: Path):
    """Brian2 ``cpp_standalone`` into ``build_dir`` with circuitsim's compiler settings (one make job per core,
    :func:`compile_args`); afterwards back to the runtime device with Brian2's preferences restored."""
    prefs = b2.prefs
    saved = (list(prefs.devices.cpp_standalone.extra_make_args_unix), list(prefs.codegen.cpp.extra_compile_args_gcc))
    b2.set_device("cpp_standalone", directory=str(build_dir), build_on_run=False)
    # Brian2's default "make -j" starts every compile job at once (~8 GB peak here); one per core instead
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
    prefs.codegen.cpp.extra_compile_args_gcc = compile_args(saved[1])
    try:
        yield
    finally:
        b2.device.reinit()
        b2.set_device("runtime")
        prefs.devices.cpp_standalone.extra_make_args_unix, prefs.codegen.cpp.extra_compile_args_gcc = saved
        gc.collect()  # free auto-generated object names: the next build in this process generates the same code


@contextlib.contextmanager
def _standalone_session(cfg: dict):
    cache = Path(os.path.expanduser(cfg["sim"]["build_cache"])).resolve()
    build_dir = cache / build_key(cfg)
    with _locked(build_dir.parent / f"{build_dir.name}.lock"), standalone_device(build_dir):
        try:
            started = time.perf_counter()
            b2.device.insert_code("main", _seed_code(SEED_ENV))
            circuit = _build(cfg)
            b2.device.insert_code("main", _seed_code(NOISE_ENV))  # after connectivity and initial values
            circuit.network.run(cfg["sim"]["duration"] * b2.second, namespace={})
            _sort_clock_starts(b2.device)
            b2.device.build(directory=str(build_dir), compile=True, run=False, with_output=False, clean=False)
            facts = _facts(circuit)
            facts.info["build_seconds"] = time.perf_counter() - started
            _STANDALONE.update(circuit=circuit, build_dir=build_dir, cfg=cfg, token=uuid.uuid4().hex[:12])
            yield Session(circuit.parameters, facts, lambda runs, done=None: _map(_standalone_one, runs,
                                                                                   int(cfg["sim"]["n_jobs"]), done))
        finally:
            for folder in (build_dir / "results").glob(f"{_STANDALONE.get('token')}-*"):
                shutil.rmtree(folder, ignore_errors=True)
            _STANDALONE.clear()
            circuit = None


def _sort_clock_starts(device) -> None:
    """Brian2 writes the start of each clock into ``main`` in the order of a set of Clock objects (by memory
    address), so a circuit with two clocks (e.g. a group or monitor with its own dt) generates a
    different ``main.cpp`` in every process and every cached build is relinked (~10 s). Sort each block of
    clock starts by name: they are independent assignments. With one clock there is nothing to sort."""
    starts = {f"_array_{clock.name}_{var}" for clock in device.clocks for var in ("timestep", "t")}
    queue = device.main_queue
    k = 0
    while k < len(queue):
        end = k
        while end < len(queue) and queue[end][0] == "set_by_single_value" and queue[end][1][0] in starts:
            end += 1
        if end > k:
            queue[k:end] = sorted(queue[k:end], key=lambda entry: entry[1][0])
        k = end + 1


def _standalone_one(run: RunSpec) -> RunOutput:
    circuit: Circuit = _STANDALONE["circuit"]
    build_dir: Path = _STANDALONE["build_dir"]
    circuit.check_values(run.values)
    run_args = {circuit.variable_view(name): circuit.parameters[name].with_unit(np.asarray(value, dtype=float))
                for name, value in run.values.items()}
    # One results folder per worker process, reused by its runs: every run rewrites every array file, and
    # overwriting files is much cheaper here than creating and deleting ~300 of them per run (ext4 inode
    # allocation). The token keeps folders of concurrent invocations apart; they are removed after the runs.
    results = build_dir / "results" / f"{_STANDALONE['token']}-{os.getpid()}"
    (results / "last_run_info.txt").unlink(missing_ok=True)  # a failed run cannot leave an old one behind
    os.environ[SEED_ENV] = str(int(run.seed))
    if run.noise_seed is None:
        os.environ.pop(NOISE_ENV, None)
    else:
        os.environ[NOISE_ENV] = str(int(run.noise_seed))
    started = time.perf_counter()
    b2.device.run(directory=str(build_dir), results_directory=str(results.relative_to(build_dir)),
                  with_output=False, run_args=run_args)
    out = _collect(circuit, _STANDALONE["cfg"]["sim"])
    out.timing = {"run": time.perf_counter() - started, "loop": float(b2.device._last_run_time)}
    return out


def _map(fn, items: list, n_jobs: int, done=None) -> list:
    """``fn`` over ``items`` in order, on ``n_jobs`` forked workers; ``done(item)`` after each one finishes."""
    if n_jobs <= 1 or len(items) <= 1:
        out = []
        for item in items:
            out.append(fn(item))
            if done:
                done(item)
        return out
    pool = multiprocessing.get_context("fork").Pool(min(n_jobs, len(items)))
    try:
        out = []
        for item, result in zip(items, pool.imap(fn, items, chunksize=1)):
            out.append(result)
            if done:
                done(item)
        return out
    finally:  # workers leave on their own: a cluster job (submitit) ignores the SIGTERM that terminate() would send
        pool.close()
        pool.join()
