"""One module per circuit; each exposes ``build(circuit_cfg, library, sim) -> Circuit``.

``circuit.name`` in the config names the module, so adding a circuit is adding a module and a config file.
A module lists in ``STRUCTURAL_KEYS`` the config keys of its own that ``build`` compiles in (a stimulus
protocol, a constant drive): together with populations and connections they key the build cache.
"""

from __future__ import annotations

import importlib


def module(name: str):
    """The module ``circuitsim.circuits.<name>``."""
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        raise ValueError(f"circuit.name: no circuit module named {name!r}") from exc


def builder(name: str):
    """The ``build`` function of ``circuitsim.circuits.<name>``."""
    return module(name).build
