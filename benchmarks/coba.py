#!/usr/bin/env python
"""COBA benchmark: circuitsim against NEST and a hand-written C loop (the hardware floor).

The network is Brette et al. 2007 benchmark 1 (the COBA network of Brian2's benchmark script), as
configs/circuit/coba.yaml describes it and src/circuitsim/circuits/coba.py assembles it from circuitsim's parts.

    python benchmarks/coba.py [--duration 10] [--skip-nest] [--out benchmarks/results]

Writes <out>/coba.md (table) and <out>/coba.json (every number). See benchmarks/README.md for what each number
means. Everything runs one process at a time, single-threaded (Brian2 cpp_standalone without OpenMP, NEST with
one thread, C single-threaded).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
FLOOR_SOURCE = Path(__file__).resolve().parent / "floor" / "coba_floor.c"
NE, NI = 3200, 800

# NEST equivalent of configs/cells coba_exc/coba_inh and configs/receptors coba_exc/coba_inh (units: pF, nS, mV,
# ms, pA). Kept literal here so that the NEST side does not depend on circuitsim; checked against the
# configs in check_nest_matches_config().
NEST_NEURON = {"C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
               "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 200.0}
NEST_WEIGHTS = {"exc": 6.0, "inh": -67.0}  # nS; iaf_cond_exp takes the sign for the inhibitory channel
NEST_DELAY_MS = 0.1  # NEST's smallest delay at 0.1 ms resolution (circuitsim and C: delivered next step)
P_CONNECT = 0.02


# --------------------------------------------------------------------------------------------- config


def coba_config(duration: float, out: Path, seed: int) -> dict:
    """The plain config dict ``circuitsim.simulate`` reads, for the COBA circuit."""
    from omegaconf import OmegaConf

    def load(rel: str) -> dict:
        return OmegaConf.to_container(OmegaConf.load(CONFIGS / rel), resolve=True)

    circuit = OmegaConf.to_container(OmegaConf.create({"circuit": OmegaConf.load(CONFIGS / "circuit" / "coba.yaml")}),
                                     resolve=True)["circuit"]
    from circuitsim.config import UNITS
    from circuitsim.parts.units import parse_tree

    sim = {"device": "cpp_standalone", "dt": 1e-4, "duration": float(duration), "transient": 0.0, "scale": 1.0,
           "n_jobs": 1, "max_rate": 300.0, "rate_bin": 0.01, "build_cache": str((out / "cache").resolve())}
    cfg = {"cells": load("cells/library.yaml"), "receptors": load("receptors/library.yaml"), "circuit": circuit}
    return {**parse_tree(cfg, UNITS), "sim": sim, "seed": seed}  # units parsed as circuitsim.config does


def check_nest_matches_config(cfg: dict) -> None:
    """The NEST parameters above are the circuitsim config's values (fails loudly if either drifts)."""
    from circuitsim.parts.units import quantity

    def value(text, unit, scale):
        return float(quantity(text, unit)) / scale

    def same(what, got, want):
        if abs(got - want) > 1e-9 * max(1.0, abs(want)):
            raise SystemExit(f"NEST parameter {what}: config gives {got:g}, NEST_NEURON has {want:g}")

    circuit = cfg["circuit"]
    for pop in circuit["populations"].values():
        for cell in pop["subtypes"]:
            c = cfg["cells"][cell]
            for nest_key, key, unit, scale in (("C_m", "C", "pF", 1e-12), ("g_L", "gL", "nS", 1e-9),
                                               ("E_L", "EL", "mV", 1e-3), ("V_th", "VT", "mV", 1e-3),
                                               ("V_reset", "Vr", "mV", 1e-3), ("t_ref", "t_ref", "ms", 1e-3)):
                same(f"{cell}.{key}", value(c[key], unit, scale), NEST_NEURON[nest_key])
            same(f"{cell}.DeltaT", value(c["DeltaT"], "mV", 1e-3), 0.0)
        for ch, tau_key, e_key in (("ampa", "tau_syn_ex", "E_ex"), ("gaba", "tau_syn_in", "E_in")):
            kind = pop["receptors"][ch]
            r = cfg["receptors"][kind]
            same(f"{kind}.tau_rise", value(r["tau_rise"], "ms", 1e-3), 0.0)
            same(f"{kind}.tau_decay", value(r["tau_decay"], "ms", 1e-3), NEST_NEURON[tau_key])
            same(f"{kind}.E_rev", value(r["E_rev"], "mV", 1e-3), NEST_NEURON[e_key])
    for name, pop in circuit["populations"].items():
        same(f"{name}.I_drive", value(pop["inputs"]["I_drive"]["default"], "pA", 1e-12), NEST_NEURON["I_e"])
    for name, conn in circuit["connections"].items():
        same(f"{name}.p", float(conn["p"]), P_CONNECT)
        for ch, w in conn["weights"].items():
            same(f"{name}.{ch}", value(w, "nS", 1e-9), abs(NEST_WEIGHTS["exc" if ch == "ampa" else "inh"]))


def default_values(cfg: dict) -> dict:
    """Every run parameter at its config value (weights from coba.yaml, gains 1), as experiment.plan makes them."""
    from circuitsim.parts.network import run_parameters

    return {name: p.fresh_default() for name, p in run_parameters(cfg["circuit"], cfg["sim"]).items()}


def simulate(cfg: dict, specs: list) -> tuple[list, object]:
    """Run specs through circuitsim's session (build or cached binary, then runs), as an experiment does."""
    from circuitsim.simulate import session

    with session(cfg) as s:
        return s.run(specs), s.facts


# ------------------------------------------------------------------------------------------ circuitsim


def circuitsim_loop(cfg: dict, repeats: int, build_dir: Path) -> dict:
    """Build the circuit from circuitsim's parts into a fresh cpp_standalone project, compile it (cold),
    run the binary ``repeats`` times with the config's run parameters; the loop time is Brian2's own
    measurement of the simulation loop (``device._last_run_time``)."""
    import brian2 as b2

    from circuitsim.circuits import builder
    from circuitsim.simulate import standalone_device

    duration = cfg["sim"]["duration"]
    shutil.rmtree(build_dir, ignore_errors=True)
    with standalone_device(build_dir):
        b2.seed(int(cfg["seed"]))  # compiled in: every repeat simulates the same network
        t0 = time.perf_counter()
        b2.defaultclock.dt = cfg["sim"]["dt"] * b2.second
        library = {"cells": cfg["cells"], "receptors": cfg["receptors"]}
        circuit = builder(cfg["circuit"]["name"])(cfg["circuit"], library, cfg["sim"])
        circuit.network.run(duration * b2.second, namespace={})
        t1 = time.perf_counter()
        b2.device.build(directory=str(build_dir), compile=True, run=False, with_output=False, clean=False)
        t2 = time.perf_counter()
        values = default_values(cfg)
        circuit.check_values(values)
        run_args = {circuit.variable_view(name): circuit.parameters[name].with_unit(np.asarray(value, dtype=float))
                    for name, value in values.items()}
        runs = []
        for k in range(repeats):
            w0 = time.perf_counter()
            b2.device.run(directory=str(build_dir), results_directory=f"results/repeat{k}", with_output=False,
                          run_args=run_args)
            wall = time.perf_counter() - w0
            counts = {p: int(m.num_spikes) for p, m in circuit.spike_monitors.items()}
            sizes = {p: len(pop.group) for p, pop in circuit.populations.items()}
            runs.append({"loop_s": float(b2.device._last_run_time), "binary_wall_s": wall,
                         "rate_exc_hz": counts["exc"] / sizes["exc"] / duration,
                         "rate_inh_hz": counts["inh"] / sizes["inh"] / duration,
                         "synapses": int(sum(len(s) for s in circuit.synapses.values()))})
            print(f"  circuitsim repeat {k + 1}/{repeats}: loop {runs[-1]['loop_s']:.3f} s, "
                  f"E {runs[-1]['rate_exc_hz']:.2f} Hz, I {runs[-1]['rate_inh_hz']:.2f} Hz", flush=True)
    return {"python_build_s": t1 - t0, "codegen_compile_s": t2 - t1, "runs": runs, **_summary(runs)}


def circuitsim_end_to_end(cfg: dict, out: Path) -> dict:
    """``circuitsim.simulate`` with one RunSpec (config weights), as an experiment calls it: first with an empty
    build cache (code generation + compile + run + collect), then again with the cached binary."""
    from circuitsim.simulate import RunSpec

    cache = Path(cfg["sim"]["build_cache"])
    shutil.rmtree(cache, ignore_errors=True)
    duration = cfg["sim"]["duration"]
    spec = RunSpec("coba", 0, int(cfg["seed"]), default_values(cfg))
    result = {}
    for label in ("cold", "warm"):
        gc.collect()
        t0 = time.perf_counter()
        outputs, _facts = simulate(cfg, [spec])
        wall = time.perf_counter() - t0
        spikes, sizes = outputs[0].spikes, outputs[0].sizes
        result[label] = {"wall_s": wall,
                         "rate_exc_hz": len(spikes["exc"][0]) / sizes["exc"] / duration,
                         "rate_inh_hz": len(spikes["inh"][0]) / sizes["inh"] / duration}
        print(f"  circuitsim simulate() {label} cache: {wall:.2f} s end to end", flush=True)
    return result


def brian2_reference(duration: float, repeats: int, seed: int, build_dir: Path) -> dict:
    """The same network written directly in Brian2, as the Brian2 COBA benchmark script writes it: one group,
    scalar parameters, two synapse objects (autapses allowed). Separates what Brian2 costs from what
    circuitsim's general parts (per-neuron parameters, adaptation variable, four projections) add."""
    import brian2 as b2
    from brian2 import mV, ms, nS, pA, pF

    from circuitsim.simulate import standalone_device

    shutil.rmtree(build_dir, ignore_errors=True)
    with standalone_device(build_dir):  # the same compiler settings as circuitsim
        b2.seed(seed)
        b2.defaultclock.dt = 0.1 * ms
        ns = {"C": NEST_NEURON["C_m"] * pF, "gL": NEST_NEURON["g_L"] * nS, "EL": NEST_NEURON["E_L"] * mV,
              "Vt": NEST_NEURON["V_th"] * mV, "Vr": NEST_NEURON["V_reset"] * mV, "Ee": NEST_NEURON["E_ex"] * mV,
              "Ei": NEST_NEURON["E_in"] * mV, "taue": NEST_NEURON["tau_syn_ex"] * ms,
              "taui": NEST_NEURON["tau_syn_in"] * ms, "I": NEST_NEURON["I_e"] * pA,
              "we": NEST_WEIGHTS["exc"] * nS, "wi": -NEST_WEIGHTS["inh"] * nS}
        eqs = """
        dv/dt = (gL*(EL - v) + ge*(Ee - v) + gi*(Ei - v) + I)/C : volt (unless refractory)
        dge/dt = -ge/taue : siemens
        dgi/dt = -gi/taui : siemens
        """
        group = b2.NeuronGroup(NE + NI, eqs, threshold="v > Vt", reset="v = Vr", method="euler",
                               refractory=NEST_NEURON["t_ref"] * ms, namespace=ns, name="P")
        group.v = "Vr + rand()*(Vt - Vr)"
        ce = b2.Synapses(group[:NE], group, on_pre="ge += we", namespace=ns, name="Ce")
        ci = b2.Synapses(group[NE:], group, on_pre="gi += wi", namespace=ns, name="Ci")
        ce.connect(p=P_CONNECT)
        ci.connect(p=P_CONNECT)
        mon = b2.SpikeMonitor(group, name="spikes_P")
        net = b2.Network(group, ce, ci, mon)
        net.run(duration * b2.second, namespace={})
        t0 = time.perf_counter()
        b2.device.build(directory=str(build_dir), compile=True, run=False, with_output=False, clean=False)
        compile_s = time.perf_counter() - t0
        runs = []
        for k in range(repeats):
            b2.device.run(directory=str(build_dir), results_directory=f"results/repeat{k}", with_output=False)
            i = np.asarray(mon.i[:])
            runs.append({"loop_s": float(b2.device._last_run_time),
                         "rate_exc_hz": np.sum(i < NE) / NE / duration, "rate_inh_hz": np.sum(i >= NE) / NI / duration})
            print(f"  plain Brian2 repeat {k + 1}/{repeats}: loop {runs[-1]['loop_s']:.3f} s, "
                  f"E {runs[-1]['rate_exc_hz']:.2f} Hz, I {runs[-1]['rate_inh_hz']:.2f} Hz", flush=True)
    return {"codegen_compile_s": compile_s, "runs": runs, **_summary(runs)}


def rates_over_seeds(cfg: dict, out: Path, seeds: list[int]) -> dict:
    """Mean rates of circuitsim (cached binary, through ``simulate``) and the C floor for several seeds: one
    10-s network realisation differs from another by ~1-2 Hz, so the rate check is better made on a mean."""
    from circuitsim.simulate import RunSpec

    duration = cfg["sim"]["duration"]
    values = default_values(cfg)
    outputs, _facts = simulate(cfg, [RunSpec("coba", k, s, values) for k, s in enumerate(seeds)])
    result = {"seeds": seeds, "circuitsim": {"exc": [], "inh": []}, "floor": {"exc": [], "inh": []}}
    for seed, o in zip(seeds, outputs):
        for p in ("exc", "inh"):
            result["circuitsim"][p].append(len(o.spikes[p][0]) / o.sizes[p] / duration)
        proc = subprocess.run([str(out / "coba_floor"), str(duration), str(seed)], capture_output=True, text=True,
                              check=True)
        c = json.loads(proc.stdout.strip().splitlines()[-1])
        result["floor"]["exc"].append(c["rate_exc_hz"])
        result["floor"]["inh"].append(c["rate_inh_hz"])
    for impl in ("circuitsim", "floor"):
        r = result[impl]
        print(f"  {impl} over seeds {seeds[0]}-{seeds[-1]}: E {np.mean(r['exc']):.2f} ± {np.std(r['exc'], ddof=1):.2f} Hz, "
              f"I {np.mean(r['inh']):.2f} ± {np.std(r['inh'], ddof=1):.2f} Hz", flush=True)
    return result


# ------------------------------------------------------------------------------------------------- NEST


def nest_worker(duration: float, seed: int) -> dict:
    """One NEST simulation (run in its own process); prints nothing but NEST's banner and one JSON line."""
    import nest

    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 1, "resolution": 0.1, "rng_seed": int(seed) + 1})
    t0 = time.perf_counter()
    exc = nest.Create("iaf_cond_exp", NE, params=NEST_NEURON)
    inh = nest.Create("iaf_cond_exp", NI, params=NEST_NEURON)
    for pop in (exc, inh):
        pop.V_m = nest.random.uniform(NEST_NEURON["V_reset"], NEST_NEURON["V_th"])
    for pre, post, kind in ((exc, exc, "exc"), (exc, inh, "exc"), (inh, exc, "inh"), (inh, inh, "inh")):
        nest.Connect(pre, post, {"rule": "pairwise_bernoulli", "p": P_CONNECT, "allow_autapses": pre is not post},
                     {"synapse_model": "static_synapse", "weight": NEST_WEIGHTS[kind], "delay": NEST_DELAY_MS})
    rec_e, rec_i = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(exc, rec_e)
    nest.Connect(inh, rec_i)
    t1 = time.perf_counter()
    nest.Prepare()
    t2 = time.perf_counter()
    nest.Run(duration * 1000.0)
    t3 = time.perf_counter()
    nest.Cleanup()
    return {"build_s": t1 - t0, "prepare_s": t2 - t1, "loop_s": t3 - t2, "duration_s": duration,
            "synapses": int(nest.GetKernelStatus("num_connections")) - NE - NI,
            "rate_exc_hz": rec_e.n_events / NE / duration, "rate_inh_hz": rec_i.n_events / NI / duration,
            "version": nest.__version__}


def nest_benchmark(duration: float, repeats: int, seed: int) -> dict:
    runs = []
    for k in range(repeats):
        proc = subprocess.run([sys.executable, __file__, "--nest-worker", "--duration", str(duration),
                               "--seed", str(seed)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"NEST worker failed:\n{proc.stderr[-3000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"  NEST repeat {k + 1}/{repeats}: Run {runs[-1]['loop_s']:.2f} s for {duration:g} s simulated, "
              f"E {runs[-1]['rate_exc_hz']:.2f} Hz, I {runs[-1]['rate_inh_hz']:.2f} Hz", flush=True)
    return {"runs": runs, "version": runs[0]["version"], "build_s": statistics.median(r["build_s"] for r in runs),
            **_summary(runs)}


# ----------------------------------------------------------------------------------------------- C floor


def floor_flags() -> str:
    """circuitsim's flags for generated C++ (``circuitsim.simulate.compile_args``, less -w and -std): the floor
    gets the same compiler freedom as circuitsim's code."""
    import brian2 as b2

    from circuitsim.simulate import compile_args

    args = compile_args(list(b2.prefs.codegen.cpp.extra_compile_args_gcc))
    return " ".join(a for a in args if a != "-w" and not a.startswith("-std="))


def floor_benchmark(duration: float, repeats: int, seed: int, out: Path, flags: str | None = None) -> dict:
    binary = out / "coba_floor"
    flags = (flags or floor_flags()).split()
    subprocess.run(["gcc", *flags, "-o", str(binary), str(FLOOR_SOURCE), "-lm"], check=True)
    runs = []
    for k in range(repeats):
        proc = subprocess.run([str(binary), str(duration), str(seed)], capture_output=True, text=True, check=True)
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"  C floor repeat {k + 1}/{repeats}: loop {runs[-1]['loop_s']:.3f} s, "
              f"E {runs[-1]['rate_exc_hz']:.2f} Hz, I {runs[-1]['rate_inh_hz']:.2f} Hz", flush=True)
    return {"flags": " ".join(flags), "runs": runs, **_summary(runs)}


def _summary(runs: list[dict]) -> dict:
    return {"loop_s": statistics.median(r["loop_s"] for r in runs),
            "rate_exc_hz": float(np.mean([r["rate_exc_hz"] for r in runs])),
            "rate_inh_hz": float(np.mean([r["rate_inh_hz"] for r in runs]))}


# ------------------------------------------------------------------------------------------------ report


def machine() -> dict:
    import brian2

    def cmd(args):
        try:
            return subprocess.run(args, capture_output=True, text=True, check=False).stdout
        except OSError:
            return ""

    model = next((ln.split(":", 1)[1].strip() for ln in cmd(["lscpu"]).splitlines()
                  if ln.startswith("Model name")), platform.processor())
    return {"nproc": cmd(["nproc"]).strip(), "cpu": model, "python": platform.python_version(),
            "brian2": brian2.__version__, "gcc": cmd(["gcc", "-dumpfullversion"]).strip(),
            "platform": platform.platform(), "load_average_start": os.getloadavg()}


def report(res: dict, out: Path) -> str:
    base = res["circuitsim"]["loop_s"] / res["duration_s"]
    rows = [("circuitsim (Brian2 cpp_standalone, 1 thread)", res["duration_s"], res["circuitsim"]),
            ("C floor (gcc " + res["floor"]["flags"] + ", 1 thread)", res["duration_s"], res["floor"])]
    if res.get("brian2"):
        rows.append(("plain Brian2 COBA script (reference, 1 thread)", res["duration_s"], res["brian2"]))
    if res.get("nest"):
        rows.append((f"NEST {res['nest']['version']} iaf_cond_exp (1 thread)", res["nest_duration_s"], res["nest"]))
    m = res["machine"]
    lines = [
        "# COBA benchmark (Brette et al. 2007 benchmark 1)",
        "",
        f"Generated by `python benchmarks/coba.py --duration {res['duration_s']:g}` on {res['date']}. "
        f"Machine: {m['nproc']} CPUs, {m['cpu']}; Python {m['python']}, Brian2 {m['brian2']}, "
        f"NEST {res['nest']['version'] if res.get('nest') else 'not run'}, gcc {m['gcc']}. "
        f"Load average at start: {', '.join(f'{x:.2f}' for x in m['load_average_start'])} "
        "(the machine is shared: wall-clock times include any contention).",
        "",
        "4,000 LIF cells (3,200 E / 800 I), p = 0.02, exponential conductances (5 / 10 ms, 6 / 67 nS), "
        "200 pA drive, dt 0.1 ms, forward Euler (NEST: iaf_cond_exp, GSL adaptive RK45 within each 0.1 ms step, "
        "0.1 ms delay).",
        "",
        "| implementation | simulated s | loop s (median of n) | n | loop s per simulated s | ratio to circuitsim "
        "| E rate Hz | I rate Hz |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, sim_s, r in rows:
        per = r["loop_s"] / sim_s
        lines.append(f"| {name} | {sim_s:g} | {r['loop_s']:.3f} | {len(r['runs'])} | {per:.4f} | {per / base:.2f}× "
                     f"| {r['rate_exc_hz']:.2f} | {r['rate_inh_hz']:.2f} |")
    c = res["circuitsim"]
    lines += ["",
              "Ratio to circuitsim = (loop s per simulated s) / circuitsim's; > 1 means slower than circuitsim. "
              + ("NEST ran a shorter simulated time; its ratio is scaled by simulated time. "
                 if res.get("nest") and res["nest_duration_s"] != res["duration_s"] else ""),
              "",
              "circuitsim, other costs (one measurement each):",
              "",
              f"- Python build of the network + code generation and compile of a fresh project (cold): "
              f"{c['python_build_s']:.1f} s + {c['codegen_compile_s']:.1f} s",
              f"- one run of the compiled binary, wall (process start, synapse creation, loop, writing results): "
              f"{statistics.median(r['binary_wall_s'] for r in c['runs']):.2f} s (median)"]
    if res.get("end_to_end"):
        e = res["end_to_end"]
        lines += [f"- `circuitsim.simulate()`, one run, empty build cache (build + compile + run + collect): "
                  f"{e['cold']['wall_s']:.1f} s",
                  f"- `circuitsim.simulate()`, one run, cached binary: {e['warm']['wall_s']:.1f} s "
                  f"(E {e['warm']['rate_exc_hz']:.2f} Hz, I {e['warm']['rate_inh_hz']:.2f} Hz)"]
    if res.get("nest"):
        lines.append(f"- NEST network build (Create + Connect), excluded from its loop: {res['nest']['build_s']:.1f} s")
    t = res["targets"]
    lines += ["", "Targets (reported, not tuned):", ""]
    if "nest_over_circuitsim" in t:
        lines.append(f"- circuitsim ≥ 50× faster than NEST: {t['nest_over_circuitsim']:.0f}× — "
                     f"{'met' if t['nest_over_circuitsim'] >= 50 else 'not met'}")
    lines.append(f"- circuitsim within 2× of the C floor: {t['circuitsim_over_floor']:.2f}× — "
                 f"{'met' if t['circuitsim_over_floor'] <= 2 else 'not met'}")
    if "brian2_over_floor" in t:
        lines.append(f"- decomposition: plain Brian2 is {t['brian2_over_floor']:.2f}× the C floor; circuitsim's "
                     f"general parts cost {t['circuitsim_over_brian2']:.2f}× plain Brian2")
    if res.get("rate_seeds"):
        rs = res["rate_seeds"]
        seeds = f"{rs['seeds'][0]}–{rs['seeds'][-1]}"

        def fmt(impl, p):
            x = rs[impl][p]
            return f"{np.mean(x):.2f} ± {np.std(x, ddof=1):.2f}"
        lines.append(f"- rates as mean ± SD over seeds {seeds} ({res['duration_s']:g} s each): circuitsim E {fmt('circuitsim', 'exc')}, "
                     f"I {fmt('circuitsim', 'inh')} Hz; C floor E {fmt('floor', 'exc')}, I {fmt('floor', 'inh')} Hz")
    lines.append(f"- firing rates agree (each E and I rate within {int(RATE_TOLERANCE * 100)}% of circuitsim's): "
                 f"{'yes' if t['rates_match'] else 'NO'}")
    text = "\n".join(lines) + "\n"
    (out / "coba.md").write_text(text)
    return text


RATE_TOLERANCE = 0.15


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10.0, help="simulated seconds (circuitsim and C)")
    ap.add_argument("--nest-duration", type=float, default=None,
                    help="simulated seconds for NEST (default: --duration; NEST takes ~8 s per simulated s)")
    ap.add_argument("--repeats", type=int, default=3, help="loop repeats for circuitsim and C (median)")
    ap.add_argument("--nest-repeats", type=int, default=1, help="NEST repeats (median)")
    ap.add_argument("--skip-nest", action="store_true")
    ap.add_argument("--floor-flags", default=None, help="gcc flags for the C floor (default: circuitsim's own)")
    ap.add_argument("--skip-brian2", action="store_true", help="skip the plain-Brian2 reference row")
    ap.add_argument("--skip-end-to-end", action="store_true", help="skip the two circuitsim.simulate() timings")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate-seeds", type=int, default=5,
                    help="also compare circuitsim and C rates as means over this many seeds (1: skip)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    ap.add_argument("--nest-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.nest_worker:
        print(json.dumps(nest_worker(args.duration, args.seed)), flush=True)
        return 0

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    cfg = coba_config(args.duration, out, args.seed)
    check_nest_matches_config(cfg)
    res = {"date": time.strftime("%Y-%m-%d %H:%M"), "duration_s": args.duration, "machine": machine(),
           "seed": args.seed}

    print("C floor", flush=True)
    res["floor"] = floor_benchmark(args.duration, args.repeats, args.seed, out, args.floor_flags)
    print("circuitsim (parts -> cpp_standalone)", flush=True)
    res["circuitsim"] = circuitsim_loop(cfg, args.repeats, out / "build" / "coba")
    if not args.skip_brian2:
        print("plain Brian2 (same network, hand-written)", flush=True)
        res["brian2"] = brian2_reference(args.duration, args.repeats, args.seed, out / "build" / "brian2_coba")
    if not args.skip_end_to_end:
        res["end_to_end"] = circuitsim_end_to_end(cfg, out)
    if args.rate_seeds > 1:
        print(f"rates over {args.rate_seeds} seeds", flush=True)
        res["rate_seeds"] = rates_over_seeds(cfg, out, list(range(args.seed, args.seed + args.rate_seeds)))
    if not args.skip_nest:
        res["nest_duration_s"] = args.nest_duration or args.duration
        print(f"NEST ({res['nest_duration_s']:g} s simulated)", flush=True)
        res["nest"] = nest_benchmark(res["nest_duration_s"], args.nest_repeats, args.seed)

    per = {k: res[k]["loop_s"] / (res["nest_duration_s"] if k == "nest" else args.duration)
           for k in ("circuitsim", "floor", "brian2", "nest") if res.get(k)}
    targets = {"circuitsim_over_floor": per["circuitsim"] / per["floor"]}
    if "nest" in per:
        targets["nest_over_circuitsim"] = per["nest"] / per["circuitsim"]
    if "brian2" in per:
        targets["brian2_over_floor"] = per["brian2"] / per["floor"]
        targets["circuitsim_over_brian2"] = per["circuitsim"] / per["brian2"]
    ref = res["circuitsim"]
    targets["rates_match"] = all(
        abs(res[k][f"rate_{p}_hz"] - ref[f"rate_{p}_hz"]) <= RATE_TOLERANCE * ref[f"rate_{p}_hz"]
        for k in per for p in ("exc", "inh"))
    res["targets"] = targets
    res["machine"]["load_average_end"] = os.getloadavg()
    (out / "coba.json").write_text(json.dumps(res, indent=2, default=float))
    print()
    print(report(res, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
