"""Turn a composed Hydra config into the plain, checked dict every other module reads.

Everything is checked before any simulation: types, ranges, units, names (experiments, hypotheses,
manipulations, conditions, measures). Each problem raises :class:`ConfigError` with one line naming the
key, the value and what is allowed.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .parts.units import UnitError, quantity
from .predictions import KINDS

TOP_LEVEL = {"cells", "receptors", "circuit", "sim", "experiment", "seed", "n_mice", "mice", "stats", "figure"}
SECTION_KEYS = {
    "sim": {"device", "dt", "duration", "transient", "scale", "n_jobs", "build_cache", "max_rate"},
    "mice": {"jitter_sd"},
    "stats": {"n_boot"},
    "experiment": {"name", "title", "design", "conditions", "predictions", "similarity_margin", "figure"},
}
RUN_FLAGS = {"-m", "--multirun"}
DEVICES = ("cpp_standalone", "runtime")
SELECT_KEYS = {"from", "by", "top", "mice_of", "not_mice_of"}


class ConfigError(ValueError):
    """A config value that is not allowed; the message is one line for the user."""


def prepare(cfg: DictConfig) -> dict:
    """Resolve, check and normalise units (times in seconds as floats). Raises ConfigError."""
    circuit = cfg.get("circuit") or {}
    hypotheses = circuit.get("hypotheses")
    if hypotheses is not None and circuit.get("hypothesis") not in hypotheses:
        raise ConfigError(f"circuit.hypothesis={circuit.get('hypothesis')!r} is not one of {', '.join(hypotheses)}")
    try:
        raw = OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"cannot resolve config: {str(exc).splitlines()[0]}") from None
    try:
        return _check(raw)
    except UnitError as exc:
        raise ConfigError(str(exc)) from None
    except KeyError as exc:
        raise ConfigError(f"missing config key {exc}") from None


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


def _check(c: dict) -> dict:
    unknown = sorted(set(c) - TOP_LEVEL)
    if unknown:
        raise ConfigError(f"unknown top-level key(s) {unknown}; allowed: {', '.join(sorted(TOP_LEVEL))}")
    if not c.get("experiment"):
        raise ConfigError("no experiment chosen: add experiment=<name> (python -m circuitsim --help lists them)")
    for section, allowed in SECTION_KEYS.items():
        if not isinstance(c.get(section), dict):
            raise ConfigError(f"{section} must be a mapping, got {c.get(section)!r}")
        extra = sorted(set(c[section]) - allowed)
        if extra:
            raise ConfigError(f"unknown key(s) {[f'{section}.{k}' for k in extra]}; allowed: {', '.join(sorted(allowed))}")
    _int(c, "seed", c["seed"], 0)
    _int(c, "n_mice", c["n_mice"], 2)
    _number("mice.jitter_sd", c["mice"]["jitter_sd"], 0.0, 1.0)
    _int(c, "stats.n_boot", c["stats"]["n_boot"], 100)

    sim = c["sim"]
    if sim["device"] not in DEVICES:
        raise ConfigError(f"sim.device={sim['device']!r} is not one of {', '.join(DEVICES)}")
    for key in ("dt", "duration", "transient"):
        sim[key] = float(quantity(sim[key], "second", f"sim.{key}"))
    fastest = _fastest_time_constant(c)
    if not 0 < sim["dt"] <= fastest / 5:
        raise ConfigError(f"sim.dt={sim['dt'] * 1e3:g} ms: must be > 0 and <= {fastest / 5 * 1e3:g} ms "
                          f"(a fifth of the fastest time constant in the circuit, {fastest * 1e3:g} ms)")
    sim["max_rate"] = float(quantity(sim.get("max_rate", "300 Hz"), "Hz", "sim.max_rate"))
    _number("sim.max_rate (Hz)", sim["max_rate"], 1.0, 1e4)
    if not 0 <= sim["transient"] < sim["duration"]:
        raise ConfigError(f"sim.transient={sim['transient']:g} s must be >= 0 and shorter than "
                          f"sim.duration={sim['duration']:g} s")
    if sim["duration"] - sim["transient"] < 0.2:
        raise ConfigError(f"sim.duration - sim.transient = {sim['duration'] - sim['transient']:g} s: "
                          "at least 0.2 s must be analysed")
    _number("sim.scale", sim["scale"], 1e-3, 1.0)
    _int(c, "sim.n_jobs", sim["n_jobs"], 1)

    circuit = c["circuit"]
    for key in ("grik4_gain",):
        if key in circuit:
            _number(f"circuit.{key}", circuit[key], 0.0, 10.0)
    if "transduced_fraction" in circuit:
        _number("circuit.transduced_fraction", circuit["transduced_fraction"], 0.0, 1.0)
    for name, pop in circuit["populations"].items():
        _int(c, f"circuit.populations.{name}.n", pop["n"], 1)
        for ch, w in ((pop.get("background") or {}).get("weights") or {}).items():
            key = f"circuit.populations.{name}.background.weights.{ch}"
            _nonnegative(key, quantity(w, "nS", key))
    for name, con in circuit["connections"].items():
        _number(f"circuit.connections.{name}.p", con["p"], 0.0, 1.0)
        for ch, w in con["weights"].items():
            key = f"circuit.connections.{name}.weights.{ch}"
            _nonnegative(key, quantity(w, "nS", key))
    recorded = circuit.get("record_conductances") or []
    if not isinstance(recorded, list) or set(recorded) - set(circuit["populations"]):
        raise ConfigError(f"circuit.record_conductances={recorded!r}: must be a list of populations "
                          f"({', '.join(circuit['populations'])})")
    ei = circuit["readouts"].get("ei")
    if ei and ei not in recorded:
        raise ConfigError(f"circuit.readouts.ei={ei!r}: the E/I readout needs that population in "
                          "circuit.record_conductances")
    beh = circuit["readouts"].get("behaviour")
    if beh:
        beh["D50_hz"] = float(quantity(beh["D50"], "Hz", "circuit.readouts.behaviour.D50"))
        beh["k_hz"] = float(quantity(beh["k"], "Hz", "circuit.readouts.behaviour.k"))
        if beh["k_hz"] <= 0:
            raise ConfigError(f"circuit.readouts.behaviour.k={beh['k']!r} must be > 0")
    _check_experiment(c["experiment"], circuit)
    return c


def _check_experiment(exp: dict, circuit: dict) -> None:
    conditions = exp.get("conditions") or {}
    if not conditions:
        raise ConfigError(f"experiment {exp.get('name')!r} has no conditions")
    if exp.get("design", "between") not in ("between", "within"):
        raise ConfigError(f"experiment.design={exp.get('design')!r} is not one of between, within")
    library = circuit.get("manipulations") or {}
    seen = []
    for name, spec in conditions.items():
        spec = spec or {}
        sel = spec.get("select")
        if sel:
            bad = sorted(set(sel) - SELECT_KEYS)
            if bad or sel.get("from") not in seen:
                raise ConfigError(f"experiment.conditions.{name}.select: needs 'from' an earlier condition "
                                  f"and keys from {sorted(SELECT_KEYS)}")
            if "top" in sel:
                _number(f"experiment.conditions.{name}.select.top", sel["top"], 0.0, 1.0)
        for entry in spec.get("manipulations", []):
            key = entry if isinstance(entry, str) else next(iter(entry))
            if key not in library:
                raise ConfigError(f"experiment.conditions.{name}: unknown manipulation {key!r} "
                                  f"(known: {', '.join(sorted(library))})")
        seen.append(name)
    measures = known_measures(circuit)
    for spec in exp.get("predictions", []):
        pid = spec.get("id", "?")
        if spec.get("kind") not in KINDS:
            raise ConfigError(f"prediction {pid}: kind={spec.get('kind')!r} is not one of {', '.join(KINDS)}")
        if spec.get("measure") not in measures:
            raise ConfigError(f"prediction {pid}: measure={spec.get('measure')!r} is not one of "
                              f"{', '.join(sorted(measures))}")
        named = list(spec.get("levels", {})) + [spec[k] for k in ("a", "b", "target") if k in spec]
        for cond in named:
            if cond not in conditions:
                raise ConfigError(f"prediction {pid}: condition {cond!r} is not one of {', '.join(conditions)}")


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
            rise = float(quantity(spec["tau_rise"], "ms", f"receptors.{kind}.tau_rise"))
            if rise < 0:
                raise ConfigError(f"receptors.{kind}.tau_rise={spec['tau_rise']!r} must be >= 0 (0 = instant rise)")
            taus += [t for t in (rise, float(quantity(spec["tau_decay"], "ms", f"receptors.{kind}.tau_decay"))) if t]
        for cell in pop["subtypes"]:
            if cell not in c["cells"]:
                raise ConfigError(f"circuit.populations.{name}.subtypes: unknown cell {cell!r} "
                                  f"(known: {', '.join(sorted(c['cells']))})")
            spec = c["cells"][cell]
            taus.append(float(quantity(spec["C"], "pF", f"cells.{cell}.C") / quantity(spec["gL"], "nS", f"cells.{cell}.gL")))
    if any(t <= 0 for t in taus):
        raise ConfigError("every receptor and membrane time constant must be > 0")
    return min(taus)


def known_measures(circuit: dict) -> set[str]:
    """Every measure the circuit's readouts produce (see circuitsim.experiment.measure)."""
    ro = circuit.get("readouts") or {}
    names = {f"rate_{p}" for p in circuit["populations"]}
    if ro.get("ei"):
        names.add(f"ei_{ro['ei']}")
    names |= {f"syn_{p}" for p in (ro.get("pathways") or {})}
    if ro.get("anxiety_drive"):
        names |= {"anxiety_drive", "open_arm_pct", "social_pref", "immobility_pct"}
    if ro.get("object_recognition"):
        names |= {"object_di", "object_overlap"}
    return names


def _int(c, key, value, low):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}={value!r} must be an integer >= {low}")


def _number(key, value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f"{key}={value!r} must be a number in [{low:g}, {high:g}]")


def _nonnegative(key, value):
    if float(value) < 0:
        raise ConfigError(f"{key}={value!r} must be >= 0 (a conductance)")
