"""Turn a composed Hydra config into the plain, checked dict every other module reads.

Everything is checked before any simulation: types, ranges, units, names (experiments, circuits, manipulations,
conditions, cohorts, epochs, measures). Units are parsed once, here: every ``"<number> <unit>"`` string becomes
a Brian2 Quantity checked against the unit declared for its key (:data:`UNITS`, a circuit module's ``UNITS``, a
readout's and an intervention step's); ``sim`` times and epochs become floats in seconds. Each problem raises
:class:`ConfigError` with one line naming the key, the value and what is allowed. Checks that belong to one study
live in its circuit module (``check``).
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import re
import tempfile
from pathlib import Path

from brian2 import have_same_dimensions
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from . import interventions, readouts, robustness
from .circuits import module as circuit_module
from .parts.background import sources as background_sources
from .parts.light import FIBER_UNITS
from .parts.neurons import CELL_UNITS
from .parts.opsin import UNITS as OPSIN_UNITS
from .parts.signals import unit_of
from .parts.units import UnitError, parse_tree, quantity
from .readouts.bold import UNITS as BOLD_UNITS
from .parts.astrocytes import UNITS as ASTROCYTE_UNITS
from .predictions import BASES, EXTENSION, KINDS
from .stage import condition_stage

TOP_LEVEL = {"cells", "receptors", "opsins", "hemodynamics", "astrocytes", "circuit", "sim", "experiment", "seed", "n_mice", "mice", "stats", "figure",
             "replicates", "robustness", "nwb"}
SECTION_KEYS = {
    "sim": {"device", "dt", "duration", "transient", "scale", "n_jobs", "build_cache", "max_rate", "rate_bin"},
    "mice": {"jitter_sd", "noise"},
    "stats": {"n_boot"},
    "robustness": {"world", "jitter"},
    "experiment": {"name", "title", "circuit", "seed_sheet", "design", "cohorts", "conditions", "protocol", "stage",
                   "epochs", "predictions", "similarity_margin", "figure"},
}
RUN_FLAGS = {"-m", "--multirun"}
DEVICES = ("cpp_standalone", "runtime")
SELECT_KEYS = {"from", "by", "top", "mice_of", "not_mice_of"}
TEXT = {"claim", "title", "name", "id", "label"}  # free text: never parsed as a quantity
# The unit every shared config key must carry (dotted paths, * for any one part).
UNITS = {
    **{f"cells.*.{k}": unit for k, unit in CELL_UNITS.items()},
    "receptors.*.tau_rise": "ms", "receptors.*.tau_decay": "ms", "receptors.*.E_rev": "mV",
    **{f"opsins.*.{k}": unit for k, unit in {**OPSIN_UNITS, **FIBER_UNITS}.items()},
    **{f"hemodynamics.*.{k}": unit for k, unit in BOLD_UNITS.items()},
    **{f"astrocytes.*.{k}": unit for k, unit in ASTROCYTE_UNITS.items()},
    "circuit.mg": "mM",
    "circuit.populations.*.background.rate": "Hz",
    "circuit.populations.*.background.weights.*": "nS",
    "circuit.populations.*.background.*.rate": "Hz",  # named background sources (parts.background.sources)
    "circuit.populations.*.background.*.weights.*": "nS",
    "circuit.populations.*.inputs.*.default": "pA",
    "circuit.connections.*.delay": "ms",
    "circuit.connections.*.weights.*": "nS",
    "circuit.connections.*.stp.U": "1", "circuit.connections.*.stp.tau_rec": "ms",
    "circuit.connections.*.stp.tau_fac": "ms", "circuit.connections.*.density.max": "1",
    "circuit.afferents.*.rate": "Hz", "circuit.populations.*.subsets.*.fraction": "1",
    "circuit.signals.*.dt": "ms",
    "circuit.slices.*.before_end": "ms", "circuit.slices.*.hold": "mV", "circuit.slices.*.interval": "ms",
    "sim.dt": "second", "sim.duration": "second", "sim.transient": "second", "sim.max_rate": "Hz",
    "sim.rate_bin": "second",
    "experiment.epochs.*.0": "second", "experiment.epochs.*.1": "second",
}


class ConfigError(ValueError):
    """A config value that is not allowed; the message is one line for the user."""


def prepare(cfg: DictConfig) -> dict:
    """Resolve, check and normalise units. Raises ConfigError."""
    circuit = cfg.get("circuit") or {}
    try:
        module = circuit_module(str(circuit.get("name")))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if hasattr(module, "check"):  # the study's own checks, before interpolations that depend on them resolve
        try:
            module.check(circuit)
        except ValueError as exc:
            raise ConfigError(str(exc).splitlines()[0]) from None
    try:
        raw = OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"cannot resolve config: {str(exc).splitlines()[0]}") from None
    try:
        return _check(raw, module)
    except UnitError as exc:
        raise ConfigError(str(exc)) from None
    except KeyError as exc:
        raise ConfigError(f"missing config key {exc}") from None


def experiment_names() -> list[str]:
    """Every experiment the package defines (``configs/experiment/<name>.yaml``), in name order."""
    from importlib.resources import files

    folder = files("circuitsim.configs") / "experiment"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def prepare_experiment(name: str, overrides: list[str] = ()) -> dict:
    """The checked config of experiment ``name`` with ``overrides``, as the command line prepares it."""
    from hydra import compose, initialize_config_module

    with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
        return prepare(compose("config", overrides=[f"experiment={name}", *overrides]))


def check_overrides(args: list[str]) -> None:
    """Compose and check a command line's overrides as the run will, before Hydra makes an output folder.

    Every value of a sweep (``key=a,b``) is checked. Keys added with ``+`` are refused (every setting
    already exists). Hydra's own flags other than ``-m`` are left to Hydra.
    """
    from hydra import compose, initialize_config_module
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    if any(a.startswith("-") and a not in RUN_FLAGS for a in args):
        return
    texts = [a for a in args if a not in RUN_FLAGS]
    try:
        parsed = OverridesParser.create().parse_overrides(texts)
    except HydraException as exc:
        raise ConfigError(f"cannot read override: {_one_line(exc)}") from None
    plain, sweeps, outdirs = [], [], []
    for text, o in zip(texts, parsed):
        key = o.get_key_element()
        if key.startswith("hydra"):
            if key in ("hydra.run.dir", "hydra.sweep.dir"):
                outdirs.append(o.value())
            continue
        if o.is_add() or o.is_force_add():
            raise ConfigError(f"{text!r}: new keys cannot be added with '+'; "
                              f"set an existing key as {key.lstrip('+')}=<value>")
        if o.is_sweep_override():
            sweeps.append([f"{key}={v}" for v in o.sweep_string_iterator()])
        else:
            plain.append(text)
    variants = [plain + [s[0] for s in sweeps]]
    for k, sweep in enumerate(sweeps):
        for value in sweep[1:]:
            variants.append(plain + [s[0] for s in sweeps[:k]] + [value] + [s[0] for s in sweeps[k + 1:]])
    for variant in variants:
        try:
            with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
                cfg = compose("config", overrides=variant)
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise ConfigError(_one_line(exc)) from None
        prepare(cfg)
    for folder in outdirs or ["outputs"]:
        _check_writable(Path(str(folder)))


def _check_writable(folder: Path) -> None:
    """The nearest existing ancestor of ``folder`` must be a directory we can create files in."""
    folder = folder.absolute()
    ancestor = next(p for p in itertools.chain([folder], folder.parents) if p.exists())
    if not ancestor.is_dir():
        raise ConfigError(f"output folder {folder}: {ancestor} exists and is not a folder")
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise ConfigError(f"output folder {folder}: cannot write in {ancestor} ({exc.strerror})") from None


def _one_line(exc: Exception) -> str:
    text = f"{exc}\n{exc.__cause__ or ''}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[0]
    if text.startswith("Could not override") and any("is not in struct" in ln for ln in lines):
        key = text.split("'")[1] if "'" in text else text
        return f"unknown config key {key!r} (python -m circuitsim experiment=<name> --cfg job shows every key)"
    if any(ln.startswith("Available options") for ln in lines):
        start = next(k for k, ln in enumerate(lines) if ln.startswith("Available options"))
        options = [ln for ln in lines[start + 1:] if not ln.startswith("Config search path")]
        options = options[: next((k for k, ln in enumerate(options) if ":" in ln), len(options))]
        text += f" (available: {', '.join(options)})"
    return text


def _check(c: dict, module) -> dict:
    unknown = sorted(set(c) - TOP_LEVEL)
    if unknown:
        raise ConfigError(f"unknown top-level key(s) {unknown}; allowed: {', '.join(sorted(TOP_LEVEL))}")
    if not (c.get("experiment") or {}).get("name"):
        raise ConfigError("no experiment chosen: add experiment=<name> (python -m circuitsim --help lists them)")
    for section, allowed in SECTION_KEYS.items():
        if not isinstance(c.get(section), dict):
            raise ConfigError(f"{section} must be a mapping, got {c.get(section)!r}")
        extra = sorted(set(c[section]) - allowed)
        if extra:
            raise ConfigError(f"unknown key(s) {[f'{section}.{k}' for k in extra]}; allowed: {', '.join(sorted(allowed))}")
    exp, circuit = c["experiment"], c["circuit"]
    if not exp.get("circuit"):
        raise ConfigError(f"experiment {exp['name']!r}: name its circuit in experiment.circuit (and select it with "
                          "defaults: [override /circuit: <name>])")
    if exp["circuit"] != circuit["name"]:
        raise ConfigError(f"experiment {exp.get('name')!r} runs on circuit {exp['circuit']!r}, but circuit "
                          f"{circuit['name']!r} is loaded (drop the circuit=... override)")
    _int(c, "seed", c["seed"], 0)
    _int(c, "n_mice", c["n_mice"], 2)
    _number("mice.jitter_sd", c["mice"]["jitter_sd"], 0.0, 1.0)
    if c["mice"].get("noise") not in ("fresh", "frozen"):
        raise ConfigError(f"mice.noise={c['mice'].get('noise')!r} is not one of fresh, frozen")
    _int(c, "replicates", c.get("replicates", 1), 1)
    _int(c, "stats.n_boot", c["stats"]["n_boot"], 100)
    _nwb(c)

    declared = dict(UNITS)
    declared.update({f"circuit.{k}": u for k, u in getattr(module, "UNITS", {}).items()})
    for k, u in getattr(module, "STAGE_UNITS", {}).items():
        declared.update({f"experiment.stage.{k}": u, f"experiment.conditions.*.stage.{k}": u})
    for name, readout, _ in _readouts(circuit):
        declared.update({f"circuit.readouts.{name}.{k}": u for k, u in readout.units.items()})
    c = parse_tree(c, declared, parse=lambda path: path.split(".")[-1] not in TEXT)
    _world(c)
    exp, circuit = c["experiment"], c["circuit"]

    sim = c["sim"]
    if sim["device"] not in DEVICES:
        raise ConfigError(f"sim.device={sim['device']!r} is not one of {', '.join(DEVICES)}")
    for key in ("dt", "duration", "transient"):
        sim[key] = float(quantity(sim[key], "second", f"sim.{key}"))
    fastest = _fastest_time_constant(c)
    if not 0 < sim["dt"] <= fastest / 5:
        raise ConfigError(f"sim.dt={sim['dt'] * 1e3:g} ms: must be > 0 and <= {fastest / 5 * 1e3:g} ms "
                          f"(a fifth of the fastest time constant in the circuit, {fastest * 1e3:g} ms)")
    sim["max_rate"] = float(sim.get("max_rate", 300.0))
    _number("sim.max_rate (Hz)", sim["max_rate"], 1.0, 1e4)
    sim["rate_bin"] = float(sim.get("rate_bin", 0.01))
    if not sim["dt"] <= sim["rate_bin"] <= sim["duration"] or not _divides(sim["rate_bin"], sim["duration"]):
        raise ConfigError(f"sim.rate_bin={sim['rate_bin']:g} s must lie between sim.dt and sim.duration and "
                          f"divide sim.duration ({sim['duration']:g} s)")
    if not 0 <= sim["transient"] < sim["duration"]:
        raise ConfigError(f"sim.transient={sim['transient']:g} s must be >= 0 and shorter than "
                          f"sim.duration={sim['duration']:g} s")
    if sim["duration"] - sim["transient"] < 0.2:
        raise ConfigError(f"sim.duration - sim.transient = {sim['duration'] - sim['transient']:g} s: "
                          "at least 0.2 s must be analysed")
    _number("sim.scale", sim["scale"], 1e-3, 1.0)
    _int(c, "sim.n_jobs", sim["n_jobs"], 1)

    _check_circuit(c, circuit)
    _check_experiment(c, exp, circuit, module)
    return c


def _nwb(c: dict) -> None:
    """``nwb``: a bool; true needs the optional pynwb (circuitsim.nwb), found here without importing it."""
    c["nwb"] = c.get("nwb", False)
    if not isinstance(c["nwb"], bool):
        raise ConfigError(f"nwb={c['nwb']!r} must be true or false")
    if c["nwb"] and importlib.util.find_spec("pynwb") is None:
        raise ConfigError("nwb=true needs pynwb: pip install 'circuitsim[nwb]'")


def _world(c: dict) -> None:
    """A robustness world (``robustness.world=<int>``): jitter the circuit before it is checked, so a world whose
    parameters break a rule fails with that rule's message. Records {path: factor} in ``robustness.factors``."""
    spec = c["robustness"]
    _number("robustness.jitter", spec["jitter"], 0.0, 0.9)
    spec["factors"] = {}
    if spec["world"] is not None:
        _int(c, "robustness.world", spec["world"], 0)
        spec["factors"] = robustness.jitter(c, spec["world"], float(spec["jitter"]))


def _check_circuit(c: dict, circuit: dict) -> None:
    signals = circuit.get("signals") or {}
    for name, spec in signals.items():
        if not c["sim"]["dt"] <= float(spec["dt"]) <= c["sim"]["duration"] or not _divides(c["sim"]["dt"], float(spec["dt"])):
            raise ConfigError(f"circuit.signals.{name}.dt={spec['dt']}: must be a multiple of sim.dt and at most "
                              "sim.duration")
    for name, pop in circuit["populations"].items():
        _int(c, f"circuit.populations.{name}.n", pop["n"], 1)
        try:
            bg_sources = background_sources(pop.get("background"))
        except (ValueError, AttributeError) as exc:
            raise ConfigError(f"circuit.populations.{name}.background: {exc}") from None
        for suffix, src in bg_sources.items():
            where = f"circuit.populations.{name}.background{suffix.replace('_', '.', 1)}"
            if not isinstance(src, dict) or not {"n_inputs", "rate", "weights"} <= set(src):
                raise ConfigError(f"{where}: a background source needs n_inputs, rate and weights")
            if src.get("gate") is not None and src["gate"] not in signals:
                raise ConfigError(f"{where}.gate={src['gate']!r} is not one of circuit.signals "
                                  f"({', '.join(signals) or 'none'})")
            for ch, w in (src.get("weights") or {}).items():
                _nonnegative(f"{where}.weights.{ch}", w)
                if ch not in pop.get("receptors", {}):
                    raise ConfigError(f"{where}.weights.{ch}: {name} has no receptor channel {ch!r}")
        bad = sorted(set(pop.get("vary") or []) - set(CELL_UNITS))
        if bad:
            raise ConfigError(f"circuit.populations.{name}.vary: {bad} are not cell parameters "
                              f"({', '.join(CELL_UNITS)})")
        for slot, spec in (pop.get("inputs") or {}).items():
            spec = spec or {}
            if not slot.startswith("I_") or not slot[2:].isidentifier():
                raise ConfigError(f"circuit.populations.{name}.inputs.{slot}: an input slot is named I_<name>")
            if spec.get("signal") is not None and spec["signal"] not in signals:
                raise ConfigError(f"circuit.populations.{name}.inputs.{slot}.signal={spec['signal']!r} is not one "
                                  f"of circuit.signals ({', '.join(signals) or 'none'})")
            if spec.get("opsin") is not None:
                if spec["opsin"] not in (c.get("opsins") or {}):
                    raise ConfigError(f"circuit.populations.{name}.inputs.{slot}.opsin={spec['opsin']!r} is not in the "
                                      f"opsin library ({', '.join(c.get('opsins') or {}) or 'none'})")
                light, mw_mm2 = unit_of(signals.get(spec.get("signal")) or {}), quantity("1 mW/mm**2")
                if light is None or not (have_same_dimensions(light, mw_mm2) and abs(float(light / mw_mm2) - 1) < 1e-12):
                    raise ConfigError(f"circuit.populations.{name}.inputs.{slot}: an opsin slot needs a light signal "
                                      "counted in mW/mm**2 (circuit.signals.<name>.unit)")
    for name, con in circuit["connections"].items():
        _number(f"circuit.connections.{name}.p", con["p"], 0.0, 1.0)
        for ch, w in con["weights"].items():
            _nonnegative(f"circuit.connections.{name}.weights.{ch}", w)
        where = f"circuit.connections.{name}"
        if con.get("stp") is not None:
            stp = con["stp"]
            if not isinstance(stp, dict) or not {"U", "tau_rec"} <= set(stp) or set(stp) - {"U", "tau_rec", "tau_fac"}:
                raise ConfigError(f"{where}.stp: needs U and tau_rec (and optionally tau_fac)")
            _number(f"{where}.stp.U", stp["U"], 1e-6, 1.0)
            for key in ("tau_rec", "tau_fac"):
                if stp.get(key) is not None and not float(stp[key]) > 0:
                    raise ConfigError(f"{where}.stp.{key}={stp[key]} must be > 0")
        if con.get("density") is not None:
            dens = con["density"]
            if not isinstance(dens, dict) or set(dens) != {"max"}:
                raise ConfigError(f"{where}.density: needs exactly max (the largest synapse density a run may set)")
            _number(f"{where}.density.max", dens["max"], 1.0, 1e3)
            drawn = float(con["p"]) * float(dens["max"]) / c["sim"]["scale"]
            if drawn > 1.0:
                raise ConfigError(f"{where}: p x density.max / sim.scale = {drawn:g} exceeds 1 (lower density.max)")
        if con.get("post_subset") is not None:
            subsets = circuit["populations"].get(con.get("post"), {}).get("subsets") or {}
            if con["post_subset"] not in subsets:
                raise ConfigError(f"{where}.post_subset={con['post_subset']!r} is not a subset of {con.get('post')} "
                                  f"({', '.join(subsets) or 'none'})")
        if con.get("count") is not None and not str(con["count"]).isidentifier():
            raise ConfigError(f"{where}.count={con['count']!r} must be a name (the counter on {con.get('post')})")
    for name, aff in (circuit.get("afferents") or {}).items():
        _int(c, f"circuit.afferents.{name}.n", aff.get("n"), 1)
        _nonnegative(f"circuit.afferents.{name}.rate", aff.get("rate"))
        if name in circuit["populations"]:
            raise ConfigError(f"circuit.afferents.{name}: a population has that name too")
        if aff.get("gate") is not None and aff["gate"] not in signals:
            raise ConfigError(f"circuit.afferents.{name}.gate={aff['gate']!r} is not one of circuit.signals "
                              f"({', '.join(signals) or 'none'})")
    for name, pop in circuit["populations"].items():
        for sub, spec in (pop.get("subsets") or {}).items():
            if not isinstance(spec, dict) or "fraction" not in spec:
                raise ConfigError(f"circuit.populations.{name}.subsets.{sub}: needs a fraction (and optionally a label)")
            _number(f"circuit.populations.{name}.subsets.{sub}.fraction", spec["fraction"], 1e-6, 1.0)
    for name, spec in (circuit.get("slices") or {}).items():
        where = f"circuit.slices.{name}"
        if spec.get("connection") not in circuit["connections"]:
            raise ConfigError(f"{where}.connection={spec.get('connection')!r} is not a connection")
        _int(c, f"{where}.n_cells", spec["n_cells"], 1)
        _number(f"{where}.stim_fraction", spec["stim_fraction"], 0.0, 1.0)
        at = c["sim"]["duration"] - float(spec["before_end"])
        if not c["sim"]["transient"] < at < c["sim"]["duration"] or not _divides(1e-3, at):
            raise ConfigError(f"{where}.before_end={spec['before_end']}: the volley must fall after the transient, "
                              "before the end of the run, on a whole millisecond")
        if int(spec.get("pulses", 1)) not in (1, 2):
            raise ConfigError(f"{where}.pulses={spec.get('pulses')!r}: one pulse, or two (paired pulses)")
        if int(spec.get("pulses", 1)) == 2:
            con = circuit["connections"][spec["connection"]]
            kinds = [circuit["populations"][con["post"]]["receptors"][ch] for ch in con["weights"]]
            rise = max(float(quantity(c["receptors"][k]["tau_rise"], "ms")) for k in kinds)
            decay = max(float(quantity(c["receptors"][k]["tau_decay"], "ms")) for k in kinds)
            interval, delay = float(spec.get("interval", 0.0)), float(con["delay"])
            second = at + interval
            if (not _divides(1e-3, second) or interval < delay + 5 * rise
                    or second + delay + 5 * decay > c["sim"]["duration"]):
                raise ConfigError(f"{where}.interval={spec.get('interval')}: the first response must peak before the "
                                  "second pulse (interval >= delay + 5 rise times) and the second must decay before "
                                  "the end of the run (5 decay times), on a whole millisecond")
    recorded = circuit.get("record_conductances") or []
    if not isinstance(recorded, list) or set(recorded) - set(circuit["populations"]):
        raise ConfigError(f"circuit.record_conductances={recorded!r}: must be a list of populations "
                          f"({', '.join(circuit['populations'])})")


def _check_experiment(c: dict, exp: dict, circuit: dict, module) -> None:
    conditions = exp.get("conditions") or {}
    if not conditions:
        raise ConfigError(f"experiment {exp.get('name')!r} has no conditions")
    if exp.get("design", "between") not in ("between", "within"):
        raise ConfigError(f"experiment.design={exp.get('design')!r} is not one of between, within")
    windows = _epochs(c, exp, circuit, module)
    c["windows"] = windows
    library = circuit.get("manipulations") or {}
    expand = lambda entries, where: _expand(library, entries, where, circuit, windows)  # noqa: E731
    exp["protocol"] = expand(exp.get("protocol") or [], "experiment.protocol")
    cohorts = exp.get("cohorts") or {"all": []}
    exp["cohorts"] = {k: expand(v or [], f"experiment.cohorts.{k}") for k, v in cohorts.items()}
    stage = exp.get("stage")
    seen = []
    for name, spec in list(conditions.items()):
        spec = dict(spec or {})
        conditions[name] = spec
        sel = spec.get("select")
        if sel:
            bad = sorted(set(sel) - SELECT_KEYS)
            if bad or sel.get("from") not in seen:
                raise ConfigError(f"experiment.conditions.{name}.select: needs 'from' an earlier condition "
                                  f"and keys from {sorted(SELECT_KEYS)}")
            if "top" in sel:
                _number(f"experiment.conditions.{name}.select.top", sel["top"], 0.0, 1.0)
        else:
            spec["steps"] = expand(spec.get("manipulations", []), f"experiment.conditions.{name}")
            if (stage or spec.get("stage")) and not hasattr(module, "stage"):
                raise ConfigError(f"experiment.conditions.{name}: a stage is given but circuit "
                                  f"{circuit['name']!r} has none")
            if hasattr(module, "check_stage") and (stage or spec.get("stage")):
                try:
                    module.check_stage(circuit, condition_stage(exp, name))
                except (ValueError, TypeError) as exc:
                    raise ConfigError(f"experiment.conditions.{name}.{str(exc).splitlines()[0]}") from None
        seen.append(name)
    extra = getattr(module, "STAGE_MEASURES", {}) if hasattr(module, "stage") else {}
    try:
        measures = readouts.catalogue(circuit, [w for w in windows if w], extra)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    c["measures"] = measures
    for name in (exp.get("figure") or {}).get("series") or []:
        if name.startswith("rate_") and name[5:] not in circuit["populations"]:
            raise ConfigError(f"experiment.figure.series: {name!r} names no population")
    for m in (exp.get("figure") or {}).get("measures") or []:
        if m not in measures:
            raise ConfigError(f"experiment.figure.measures: {m!r} is not a measure")
    _check_timeline((exp.get("figure") or {}).get("timeline"), conditions, measures)
    _check_interaction((exp.get("figure") or {}).get("interaction"), conditions, measures)
    _check_chain((exp.get("figure") or {}).get("chain"), windows)
    _check_summary((exp.get("figure") or {}).get("summary"), conditions, measures, circuit)
    for name, spec in conditions.items():
        by = (spec.get("select") or {}).get("by")
        if by is not None and by not in measures:
            raise ConfigError(f"experiment.conditions.{name}.select.by={by!r} is not a measure")
    sheet = exp.get("seed_sheet")
    if sheet is not None and not (isinstance(sheet, str) and re.fullmatch(r"[A-Za-z0-9_-]+", sheet)):
        raise ConfigError(f"experiment.seed_sheet={sheet!r} must name a claim sheet in seeds/ by its stem "
                          "(e.g. 000_grik4)")
    for spec in exp.get("predictions", []):
        pid = spec.get("id", "?")
        _check_claims(pid, spec.get("claims"), sheet)
        if spec.get("kind") not in KINDS:
            raise ConfigError(f"prediction {pid}: kind={spec.get('kind')!r} is not one of {', '.join(KINDS)}")
        if spec.get("basis") not in BASES:
            raise ConfigError(f"prediction {pid}: basis={spec.get('basis')!r} is not one of {', '.join(BASES)} "
                              "(does it emerge from the dynamics, or follow from how the model is defined?)")
        if spec.get("known_miss") is not None and not (isinstance(spec["known_miss"], str) and spec["known_miss"]):
            raise ConfigError(f"prediction {pid}: known_miss must be the reason, in words")
        ids = [p.get("id") for p in exp.get("predictions", [])]
        if spec.get("derived_from") is not None and spec["derived_from"] not in ids:
            raise ConfigError(f"prediction {pid}: derived_from={spec['derived_from']!r} is not a prediction id")
        for key in ("measure", "measure_b") if "measure_b" in spec else ("measure",):
            if spec.get(key) not in measures:
                raise ConfigError(f"prediction {pid}: {key}={spec.get(key)!r} is not one of "
                                  f"{', '.join(sorted(measures))}")
        if "measure_b" in spec and spec.get("kind") not in ("greater", "less", "differs", "similar", "correlates"):
            raise ConfigError(f"prediction {pid}: measure_b (b's measure) is for greater, less, differs, similar and "
                              "correlates")
        if spec["kind"] == "correlates" and ("measure_b" not in spec or spec.get("direction") not in
                                             ("positive", "negative") or "b" in spec):
            raise ConfigError(f"prediction {pid}: correlates needs a (one condition), measure, measure_b and direction "
                              "(positive or negative)")
        if spec["kind"] == "similar":  # its margin, or the experiment's default (experiment.similarity_margin)
            spec["margin"] = spec.get("margin", exp.get("similarity_margin"))
            _number(f"prediction {pid}: margin", spec["margin"], 1e-6, 10.0)
        if spec.get("at_least") is not None:
            if spec["kind"] not in ("greater", "less"):
                raise ConfigError(f"prediction {pid}: at_least (a relative size) is for greater and less")
            _number(f"prediction {pid}: at_least", spec["at_least"], 1e-6, 10.0)
        named = list(spec.get("levels", {}))
        for key in ("a", "b", "target"):
            value = spec.get(key)
            if isinstance(value, (list, tuple)):
                if key == "target" or len(value) != 2 or spec["kind"] not in ("greater", "less", "differs", "similar"):
                    raise ConfigError(f"prediction {pid}: {key}={list(value)} - a contrast is a pair [x, y] of "
                                      "conditions, for a or b of greater, less, differs and similar")
                if exp.get("design") != "within":
                    raise ConfigError(f"prediction {pid}: the contrast {key}={list(value)} needs the same animals in "
                                      "both conditions (experiment.design: within)")
                named += list(value)
            elif key in spec:
                named.append(value)
        for cond in named:
            if cond not in conditions:
                raise ConfigError(f"prediction {pid}: condition {cond!r} is not one of {', '.join(conditions)}")


def _check_claims(pid: str, claims, sheet) -> None:
    """A prediction's ``claims``: distinct claim numbers of the seed sheet, or ``extension`` (none: not yet traced;
    :mod:`circuitsim.claims` requires it of every experiment the package ships)."""
    if claims is None or claims == EXTENSION:
        return
    if not (isinstance(claims, list) and claims and len(set(claims)) == len(claims)
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in claims)):
        raise ConfigError(f"prediction {pid}: claims={claims!r} must be a list of distinct claim numbers of the seed "
                          f"sheet (e.g. [1, 3]) or {EXTENSION!r} (a prediction of the model's own)")
    if sheet is None:
        raise ConfigError(f"prediction {pid}: claims={claims} needs experiment.seed_sheet (the sheet they number)")


TIMELINE_KEYS = {"arms", "stage", "network", "control", "reference", "band", "shade"}


def _check_timeline(spec, conditions: dict, measures: dict) -> None:
    """``experiment.figure.timeline`` (plotting.timeline): arms of known conditions, known measures."""
    if not spec:
        return
    where = "experiment.figure.timeline"
    if not isinstance(spec, dict) or set(spec) - TIMELINE_KEYS or not isinstance(spec.get("arms"), dict):
        raise ConfigError(f"{where}: needs arms ({{arm: [conditions]}}) and keys from {sorted(TIMELINE_KEYS)}")
    named = [c for conds in spec["arms"].values() for c in conds] + ([spec["reference"]] if spec.get("reference") else [])
    unknown = sorted(set(named) - set(conditions))
    if unknown:
        raise ConfigError(f"{where}: {unknown} are not conditions")
    for key in ("stage", "network", "control"):
        bad = sorted(set(spec.get(key) or []) - set(measures))
        if bad:
            raise ConfigError(f"{where}.{key}: {bad} are not measures")


def _check_chain(spec, windows: dict) -> None:
    """``experiment.figure.chain`` (plotting.chain): series to draw, epochs to shade, axis labels."""
    if spec and (not isinstance(spec, dict) or set(spec) - {"series", "shade", "labels"} or not spec.get("series")
                 or set(spec.get("shade") or []) - set(windows)):
        raise ConfigError("experiment.figure.chain: needs series ([names of time series]) and optionally shade "
                          f"([epochs] from {', '.join(w for w in windows if w)}) and labels ({{series: axis label}})")


def _check_interaction(spec, conditions: dict, measures: dict) -> None:
    """``experiment.figure.interaction`` (plotting.chain): a measure, levels, and groups of one condition per level."""
    if not spec:
        return
    where = "experiment.figure.interaction"
    if not isinstance(spec, dict) or set(spec) != {"measure", "levels", "groups"} or not isinstance(spec["groups"], dict):
        raise ConfigError(f"{where}: needs measure, levels ([names]) and groups ({{group: [one condition per level]}})")
    if spec["measure"] not in measures:
        raise ConfigError(f"{where}.measure={spec['measure']!r} is not a measure")
    for group, conds in spec["groups"].items():
        if len(conds) != len(spec["levels"]) or set(conds) - set(conditions):
            raise ConfigError(f"{where}.groups.{group}: one known condition per level ({len(spec['levels'])})")


SUMMARY_KEYS = {"activity", "behaviour", "conditions", "compare", "highlight", "schematic"}
SCHEMATIC_KEYS = {"layers", "labels", "links"}


def _check_summary(spec, conditions: dict, measures: dict, circuit: dict) -> None:
    """``experiment.figure.summary`` (plotting.summary): an activity and a behaviour measure, the conditions shown
    (default: all), pairs of them compared, manipulations or circuit parts highlighted in the schematic and its
    drawing hints (``schematic``: layers, labels, links). Fills in the defaults."""
    if not spec:
        return
    where = "experiment.figure.summary"
    if not isinstance(spec, dict) or set(spec) - SUMMARY_KEYS or not {"activity", "behaviour"} <= set(spec):
        raise ConfigError(f"{where}: needs activity and behaviour (measures) and keys from {sorted(SUMMARY_KEYS)}")
    for key in ("activity", "behaviour"):
        if spec[key] not in measures:
            raise ConfigError(f"{where}.{key}={spec[key]!r} is not a measure")
    for key, default in (("conditions", list(conditions)), ("compare", []), ("highlight", []), ("schematic", {})):
        spec[key] = default if spec.get(key) is None else spec[key]
    shown = spec["conditions"]
    if not isinstance(shown, list) or not shown or len(set(shown)) < len(shown) or set(shown) - set(conditions):
        raise ConfigError(f"{where}.conditions={shown!r}: a list of conditions, each once, from "
                          f"{', '.join(conditions)}")
    for pair in spec["compare"]:
        if not isinstance(pair, list) or len(pair) != 2 or pair[0] == pair[1] or set(pair) - set(shown):
            raise ConfigError(f"{where}.compare: {pair!r} is not a pair [a, b] of two shown conditions "
                              f"({', '.join(shown)})")
    library, groups = circuit.get("manipulations") or {}, circuit_groups(circuit)
    for name in spec["highlight"]:
        if name not in library and name not in groups and name not in circuit["connections"]:
            raise ConfigError(f"{where}.highlight: {name!r} is neither a manipulation ({', '.join(sorted(library))}) "
                              "nor a population, afferent group or connection of the circuit")
    hints = spec["schematic"] if isinstance(spec["schematic"], dict) else {"": None}  # not a mapping: refused below
    layers, labels, links = hints.get("layers") or [], hints.get("labels") or {}, hints.get("links") or []
    if (set(hints) - SCHEMATIC_KEYS or not isinstance(labels, dict) or any(not isinstance(x, list) for x in layers)
            or any(not isinstance(x, list) or len(x) != 2 for x in links)):
        raise ConfigError(f"{where}.schematic: keys from {sorted(SCHEMATIC_KEYS)}: layers [[groups], ...], "
                          "labels {group: text}, links [[from, to], ...]")
    bad = [n for n in [*(n for x in layers for n in x), *labels, *(n for x in links for n in x)] if n not in groups]
    if bad:
        raise ConfigError(f"{where}.schematic: {bad[0]!r} is not a group of the circuit ({', '.join(groups)})")


def circuit_groups(circuit: dict) -> list[str]:
    """The groups a circuit config names, in order: afferent groups, populations, other groups its connections
    start or end at (made by the circuit module), and groups its manipulations act on (not signals, connections)."""
    names = [*(circuit.get("afferents") or {}), *circuit["populations"]]
    names += [spec[k] for spec in circuit["connections"].values() for k in ("pre", "post")]
    names += [owner for steps in (circuit.get("manipulations") or {}).values() for step in steps
              for owner, _ in interventions.touched(step)]
    skip = {interventions.SIGNAL_OWNER, *circuit["connections"]}
    return [n for n in dict.fromkeys(names) if n not in skip]


def _epochs(c: dict, exp: dict, circuit: dict, module) -> dict:
    """Check the experiment's epochs (floats in s afterwards); every window name, the circuit's included."""
    duration = c["sim"]["duration"]
    epochs = {}
    for name, window in (exp.get("epochs") or {}).items():
        where = f"experiment.epochs.{name}"
        if not isinstance(window, list) or len(window) != 2:
            raise ConfigError(f"{where}={window!r}: an epoch is [start, stop] with units, e.g. [2 s, 4 s]")
        start, stop = (float(quantity(v, "second", where)) for v in window)
        if not 0 <= start < stop <= duration + 1e-12:
            raise ConfigError(f"{where}=[{start:g} s, {stop:g} s]: needs 0 <= start < stop <= sim.duration "
                              f"({duration:g} s)")
        if not name.isidentifier():
            raise ConfigError(f"{where}: an epoch name is a plain identifier")
        epochs[name] = (start, stop)
    exp["epochs"] = epochs
    try:
        own = module.epochs(circuit, c["sim"]) if hasattr(module, "epochs") else {}
    except ValueError as exc:
        raise ConfigError(str(exc).splitlines()[0]) from None
    clash = sorted(set(own) & set(epochs))
    if clash:
        raise ConfigError(f"experiment.epochs: {clash} are the circuit's own windows (compiled into its protocol); "
                          "choose other names")
    return {"": (c["sim"]["transient"], duration), **own, **epochs}


def _divides(step: float, total: float) -> bool:
    """``total`` is a whole number of ``step`` (to 1e-6 of a step)."""
    return abs(total / step - round(total / step)) < 1e-6


def _expand(library: dict, entries: list, where: str, circuit: dict, windows: dict) -> list[dict]:
    """Manipulation names (with per-use overrides) -> their steps, each checked: type, arguments, units, the
    signal and epoch it names. (Targets are checked against the built circuit's run parameters when planned.)"""
    steps = []
    for entry in entries:
        name, overrides = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        if name not in library:
            raise ConfigError(f"{where}: unknown manipulation {name!r} (known: {', '.join(sorted(library))})")
        for k, step in enumerate(library[name]):
            step = {**step, **(overrides or {})}
            at = f"circuit.manipulations.{name}.{k}"
            kind = step.get("type")
            if kind not in interventions.STEPS:
                raise ConfigError(f"{at}: step type {kind!r} is not one of {', '.join(interventions.STEPS)}")
            try:
                inspect.signature(interventions.STEPS[kind]).bind(None, None, **{a: v for a, v in step.items()
                                                                               if a != "type"})
            except TypeError as exc:
                raise ConfigError(f"{at} ({kind}): {exc}") from None
            for key, unit in interventions.step_units(kind).items():
                if key in step and step[key] is not None:
                    step[key] = quantity(step[key], unit, f"{at}.{key}")
            if "signal" in step and step["signal"] not in (circuit.get("signals") or {}):
                raise ConfigError(f"{at}.signal={step['signal']!r} is not one of circuit.signals")
            for key in getattr(interventions.STEPS[kind], "SIGNAL_UNITS", ()):  # amounts in the signal's unit
                if key in step:
                    unit = (circuit["signals"][step["signal"]] or {}).get("unit")
                    quantity(step[key], unit or "1", f"{at}.{key}")
            if step.get("epoch") is not None and step["epoch"] not in windows:
                raise ConfigError(f"{at}.epoch={step['epoch']!r} is not an epoch ({', '.join(w for w in windows if w)})")
            steps.append(step)
    return steps


def _readouts(circuit: dict) -> list:
    try:
        return list(readouts.instances(circuit))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _fastest_time_constant(c: dict) -> float:
    """Shortest receptor time constant or membrane time constant C/gL used by the circuit (s); an instant rise
    (tau_rise 0) is not a time constant."""
    circuit = c["circuit"]
    taus = []
    for name, pop in circuit["populations"].items():
        for kind in pop["receptors"].values():
            if kind not in c["receptors"]:
                raise ConfigError(f"circuit.populations.{name}.receptors: unknown receptor {kind!r} "
                                  f"(known: {', '.join(sorted(c['receptors']))})")
            spec = c["receptors"][kind]
            rise = float(spec["tau_rise"])
            if rise < 0:
                raise ConfigError(f"receptors.{kind}.tau_rise={spec['tau_rise']!r} must be >= 0 (0 = instant rise)")
            taus += [t for t in (rise, float(spec["tau_decay"])) if t]
        for cell in pop["subtypes"]:
            if cell not in c["cells"]:
                raise ConfigError(f"circuit.populations.{name}.subtypes: unknown cell {cell!r} "
                                  f"(known: {', '.join(sorted(c['cells']))})")
            spec = c["cells"][cell]
            taus.append(float(spec["C"]) / float(spec["gL"]))
    if any(t <= 0 for t in taus):
        raise ConfigError("every receptor and membrane time constant must be > 0")
    return min(taus)


def _int(c, key, value, low):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}={value!r} must be an integer >= {low}")


def _number(key, value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f"{key}={value!r} must be a number in [{low:g}, {high:g}]")


def _nonnegative(key, value):
    if float(value) < 0:
        raise ConfigError(f"{key}={value!r} must be >= 0 (a conductance)")
