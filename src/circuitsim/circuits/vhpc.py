"""Ventral CA1 under social isolation, with a dorsal CA1 control, of Study 002 (Wang Zhuo et al., Cell Metab 2026).

Model card (numbers and sources: configs/circuit/vhpc.yaml; science: BRIEF §3; claims: seeds/002_vhpc_iron.md;
experiments: experiments/isolation_iron.md, experiments/iron_necessity.md).

Two time scales, joined one way:

* **Slow molecular layer** over days (:mod:`.vhpc_molecular`, integrated with scipy per virtual mouse): isolation or
  a glucocorticoid drive -> TfR1 -> iron -> alpha-synuclein -> spine density ``sigma`` and release probability ``U``.
  A condition's stage spec is its arm's schedule (windows in days) and the snapshot ``day``.
* **Network snapshot** (Brian2) at that day: ventral CA1 pyramidal cells (30% tagged as projecting to the lateral
  hypothalamus), PV and SOM/OLM interneurons and CA3/EC Poisson fibres; the CA3/EC -> pyramidal and pyramidal ->
  pyramidal synapses are Tsodyks-Markram synapses whose number (``density``) and release fraction (``U``) are run
  parameters the stage sets from ``sigma`` and ``U``: every day, arm and mouse runs on one build. A dorsal CA1 copy
  (dorsal pyramidal cells, its own fibres) gets its own slow layer with no TfR1 induction.

Only pyramidal-cell synapses carry the change (interneurons and their synapses are never written by the stage).
Measured vs assumed: the directions are the paper's; every time constant, gain, cell count and the behaviour map
are assumptions [A].
"""

from __future__ import annotations

import numpy as np

from ..parts.network import Circuit, assemble
from ..parts.units import DAY
from ..stage import StageOutput
from . import vhpc_molecular as molecular

REGIONS = {"v": ("aff_vca1", "pn_pn_v"), "d": ("aff_dca1", "pn_pn_d")}  # region -> the synapses the stage sets
TIMES = ("tau_T", "tau_Fe", "tau_alpha", "tau_sigma")
GAINS = ("k_T", "c_D", "k_alpha", "k_sigma", "k_U", "oe", "dorsal_k_T")
TREATMENTS = ("dfo", "aso", "fer1")  # intranasal: they reach both regions
SPEC_KEYS = ("day", *molecular.INTERVENTIONS, "dorsal_cort")
OWN_KEYS = {"step", *TIMES, *GAINS, "eta", "U_max", "jitter", "normal_within"}  # molecular: U0 is the synapses' stp.U

UNITS = {f"molecular.{k}": "day" for k in ("step", *TIMES)}
UNITS.update({f"molecular.{k}": "1" for k in OWN_KEYS - {"step", *TIMES}})
STAGE_UNITS = {"day": "day", **{f"{k}.{i}": "day" for k in SPEC_KEYS[1:] for i in (0, 1)}}
STAGE_MEASURES = {  # name: (unit, label)
    "tfr1_v": ("1", "vHip TfR1 (x group-housed)"),
    "iron_v": ("1", "vHip iron (x group-housed)"),
    "asyn_v": ("1", "vHip alpha-Syn (x group-housed)"),
    "spines_v": ("1", "vHip spine density (x group-housed)"),
    "release_v": ("1", "vHip release probability U"),
    "iron_d": ("1", "dHip iron (x group-housed)"),
    "asyn_d": ("1", "dHip alpha-Syn (x group-housed)"),
    "days_to_normal": ("day", "days to normal (alpha-Syn, U, spines)"),
}


def build(circuit_cfg: dict, library: dict, sim: dict) -> Circuit:
    """Every population, fibre group, projection and slice is in the config: the shared assembly builds them."""
    return assemble("vhpc", circuit_cfg, library["cells"], library["receptors"], sim)


def check(circuit_cfg: dict) -> None:
    """The synapses the stage writes share one short-term plasticity (its U is the slow layer's U0) and have a
    density; the molecular section has exactly its keys."""
    stp = []
    for names in REGIONS.values():
        for name in names:
            con = circuit_cfg["connections"].get(name) or {}
            if not con.get("stp") or not con.get("density"):
                raise ValueError(f"circuit.connections.{name}: the vhpc stage sets its U and density; it needs stp "
                                 "and density")
            stp.append(str(con["stp"]["U"]))
    if len(set(stp)) != 1:
        raise ValueError(f"circuit.connections: {', '.join(n for r in REGIONS.values() for n in r)} must share one "
                         f"stp.U (the slow layer's group-housed release probability), got {stp}")
    keys = set(circuit_cfg.get("molecular") or {})
    if keys != OWN_KEYS:
        raise ValueError(f"circuit.molecular: missing {sorted(OWN_KEYS - keys)}, unknown {sorted(keys - OWN_KEYS)}")


def check_stage(circuit_cfg: dict, spec: dict) -> None:
    """A stage spec (units parsed): known keys, a snapshot day on the sampling grid, every window ``[start, stop]``
    with 0 <= start < stop; and the molecular parameters in range."""
    mol = circuit_cfg["molecular"]
    step = float(mol["step"]) / DAY
    if not step > 0 or any(not float(mol[k]) / DAY >= step for k in TIMES):
        raise ValueError(f"circuit.molecular: step must be > 0 and every time constant ({', '.join(TIMES)}) >= it")
    if any(float(mol[k]) < 0 for k in GAINS) or not 0 <= float(mol["eta"]) < 1 or not 0 <= float(mol["jitter"]) <= 1:
        raise ValueError(f"circuit.molecular: gains ({', '.join(GAINS)}) must be >= 0, eta in [0, 1), jitter in [0, 1]")
    if not 0 < float(mol["normal_within"]) < 1:
        raise ValueError("circuit.molecular.normal_within must lie in (0, 1)")
    unknown = sorted(set(spec) - set(SPEC_KEYS))
    if unknown:
        raise ValueError(f"stage: unknown key(s) {unknown}; allowed: {', '.join(SPEC_KEYS)}")
    day = float(spec.get("day", 0.0)) / DAY
    if not day > 0 or abs(day / step - round(day / step)) > 1e-9:
        raise ValueError(f"stage.day: needs a snapshot day > 0 on the {step:g}-day sampling grid (e.g. day: 28 day)")
    for key in SPEC_KEYS[1:]:
        window = spec.get(key)
        if window is None:
            continue
        if not isinstance(window, (list, tuple)) or len(window) != 2:
            raise ValueError(f"stage.{key}: a window is [start, stop], e.g. [28 day, 42 day]")
        if not 0 <= float(window[0]) < float(window[1]):
            shown = ", ".join(f"{float(v) / DAY:g} day" for v in window)
            raise ValueError(f"stage.{key}=[{shown}]: a window is [start, stop] with 0 <= start < stop")


def stage(circuit_cfg: dict, spec: dict, values: dict, ctx) -> StageOutput:
    """Integrate the slow layer of one mouse up to ``spec['day']`` and set the snapshot's synapses from it."""
    check_stage(circuit_cfg, spec)
    mol = circuit_cfg["molecular"]
    params = {k: float(mol[k]) / (DAY if k in TIMES else 1.0) for k in molecular.PARAMS if k != "U0"}
    params["U0"] = float(circuit_cfg["connections"][REGIONS["v"][0]]["stp"]["U"])
    sd = float(mol["jitter"])
    for k in ("k_T", "k_alpha"):  # log-normal, mean 1: mice differ in how strongly each step responds
        params[k] *= float(np.exp(sd * ctx.rng.standard_normal() - sd**2 / 2))
    day, step = float(spec["day"]) / DAY, float(mol["step"]) / DAY
    windows = {k: [[float(spec[k][0]) / DAY, float(spec[k][1]) / DAY]] for k in SPEC_KEYS[1:] if spec.get(k)}
    ventral = {k: w for k, w in windows.items() if k in molecular.INTERVENTIONS}
    dorsal = {k: w for k, w in windows.items() if k in TREATMENTS or k == "isolation"}
    if "dorsal_cort" in windows:
        dorsal["cort"] = windows["dorsal_cort"]
    days, v = molecular.trajectories(params, ventral, day, step)
    _, d = molecular.trajectories({**params, "k_T": float(mol["dorsal_k_T"])}, dorsal, day, step)
    for region, traj in (("v", v), ("d", d)):
        for name in REGIONS[region]:
            values[f"{name}.U"] = float(traj["U"][-1])
            values[f"{name}.density"] = float(traj["sigma"][-1])
    band = float(mol["normal_within"])
    measures = {"tfr1_v": v["T"][-1], "iron_v": v["Fe"][-1], "asyn_v": v["A"][-1], "spines_v": v["sigma"][-1],
                "release_v": v["U"][-1], "iron_d": d["Fe"][-1], "asyn_d": d["A"][-1],
                "days_to_normal": _days_to_normal(days, v, params["U0"], windows, band)}
    series = {"tfr1_v": v["T"], "iron_v": v["Fe"], "asyn_v": v["A"], "spines_v": v["sigma"], "release_v": v["U"],
              "iron_d": d["Fe"], "asyn_d": d["A"]}
    return StageOutput({k: float(x) for k, x in measures.items()}, {k: (days, y) for k, y in series.items()})


def _days_to_normal(days, traj: dict, U0: float, windows: dict, band: float) -> float:
    """Days from the start of recovery (a treatment's first day, or regrouping: the end of isolation before the
    snapshot) until alpha-Syn, U and spine density are all within ``band`` of group-housed and stay so up to the
    snapshot; nan for an arm with no recovery or one not normal by then (censored: the mean of a group holding such
    a mouse is undefined)."""
    starts = [w[0][0] for k, w in windows.items() if k in TREATMENTS]
    if "isolation" in windows and windows["isolation"][0][1] <= days[-1]:
        starts.append(windows["isolation"][0][1])
    if not starts:
        return float("nan")
    start = min(starts)
    when = [molecular.normalised_day(days, y, ref, start, band)
            for y, ref in ((traj["A"], 1.0), (traj["U"], U0), (traj["sigma"], 1.0))]
    return float(max(when) - start)
