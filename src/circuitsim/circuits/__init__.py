"""One module per circuit. ``circuit.name`` in the config names it (``circuitsim.circuits.<name>``, or a dotted
module path for a circuit kept elsewhere, e.g. a test's), so adding a circuit is adding a module and a config.

A circuit module provides:

* ``build(circuit_cfg, library, sim) -> Circuit`` (required): calls :func:`circuitsim.parts.network.assemble`
  and adds what is special to the circuit (stimulus groups, non-neuron groups on their own clocks, their run
  parameters, traces to record, windows the circuit defines);
* ``STRUCTURAL_KEYS``: config keys of its own that ``build`` compiles in (with populations, connections and
  signals they key the build cache);
* ``UNITS``: the unit each of its own config keys must carry (dotted paths below ``circuit``, ``*`` wildcards);
* ``check(circuit_cfg)``: its own checks of the composed config, before interpolations are resolved (raise
  ``ValueError`` with one line);
* ``epochs(circuit_cfg, sim) -> {name: (start, stop)}``: windows (s) its build compiles in (a stimulus schedule);
  readouts and predictions can use them like the experiment's epochs (a ``session`` of named windows in the config:
  :func:`check_session`, :func:`session_epochs`, ``SESSION_UNITS``);
* ``stage(circuit_cfg, spec, values, ctx) -> StageOutput``, ``STAGE_MEASURES`` (``{name: (unit, label)}``) and
  ``STAGE_UNITS``: a slow model run before the network (:mod:`circuitsim.stage`), the measures it returns and the
  units of its spec's keys; ``check_stage(circuit_cfg, spec)``: its check of each condition's stage spec (units
  parsed), before the build (raise ``ValueError``, one line).
"""

from __future__ import annotations

import importlib

SESSION_UNITS = {"session.*.0": "second", "session.*.1": "second"}  # a circuit's session: {epoch: [start, stop]}


def module(name: str):
    """The module ``circuitsim.circuits.<name>`` (or ``name`` itself when it is a dotted path)."""
    target = name if "." in name else f"{__name__}.{name}"
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        raise ValueError(f"circuit.name: no circuit module named {name!r}") from exc


def builder(name: str):
    """The ``build`` function of the circuit module ``name``."""
    return module(name).build


def check_session(circuit) -> None:
    """A circuit's ``session`` (its protocol's named windows, compiled in) holds [start, stop] pairs (raw config)."""
    for name, window in (circuit.get("session") or {}).items():
        if isinstance(window, (str, int, float)) or len(window) != 2:
            raise ValueError(f"circuit.session.{name}={window!r}: an epoch is [start, stop], e.g. [2 s, 4 s]")


def session_epochs(circuit_cfg: dict, sim: dict, earliest: float = 0.0) -> dict:
    """The session's windows in s (units parsed), each within [``earliest``, ``sim.duration``] (a circuit's
    ``epochs``)."""
    out = {name: (float(a), float(b)) for name, (a, b) in circuit_cfg["session"].items()}
    for name, (a, b) in out.items():
        if not earliest <= a < b <= sim["duration"] + 1e-9:
            raise ValueError(f"circuit.session.{name}=[{a:g} s, {b:g} s] must lie within the run from {earliest:g} s "
                             f"to sim.duration {sim['duration']:g} s")
    return out
