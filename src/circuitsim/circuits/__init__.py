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
  readouts and predictions can use them like the experiment's epochs;
* ``stage(circuit_cfg, spec, values, ctx) -> StageOutput``, ``STAGE_MEASURES`` (``{name: (unit, label)}``) and
  ``STAGE_UNITS``: a slow model run before the network (:mod:`circuitsim.stage`), the measures it returns and the
  units of its spec's keys; ``check_stage(circuit_cfg, spec)``: its check of each condition's stage spec (units
  parsed), before the build (raise ``ValueError``, one line).
"""

from __future__ import annotations

import importlib


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
