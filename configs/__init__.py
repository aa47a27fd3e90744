"""Hydra config tree, mapped into the package as ``circuitsim.configs`` (see pyproject.toml)."""
