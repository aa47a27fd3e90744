"""One module per circuit; each exposes ``build(circuit_cfg, library, sim) -> Circuit``.

``circuit.name`` in the config names the module, so adding a circuit is adding a module and a config file.
"""

from __future__ import annotations

import importlib


def builder(name: str):
    """The ``build`` function of ``circuitsim.circuits.<name>``."""
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        raise ValueError(f"circuit.name: no circuit module named {name!r}") from exc
    return module.build
