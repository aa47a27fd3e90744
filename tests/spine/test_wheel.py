"""Config discovery from an installed wheel, run from another directory (not the repo, not editable).

The wheel is built from a copy of the repo so that the build leaves no ``build/`` folder in the checkout.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

PIP_ENV = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INDEX": "1", "PIP_NO_INPUT": "1"}

CHECK = """
import pathlib, sys
import circuitsim, circuitsim.configs
site = pathlib.Path(sys.argv[1]).resolve()
for mod in (circuitsim, circuitsim.configs):
    assert site in pathlib.Path(mod.__file__).resolve().parents, mod.__file__
from hydra import compose, initialize_config_module
from circuitsim.config import prepare
with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
    cfg = compose("config", overrides=["experiment=grik4_rescue"])
prepare(cfg)
print(cfg.experiment.name)
"""


def _can_build_wheel() -> str | None:
    """Why ``pip wheel --no-build-isolation`` cannot work in this environment, or None if it can."""
    try:
        setuptools = tuple(int(p) for p in importlib.metadata.version("setuptools").split(".")[:2])
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed"
    if setuptools < (64, 0):
        return "setuptools < 64 (pyproject.toml needs >= 64)"
    # bdist_wheel moved into setuptools in 70.1; before that it comes from the 'wheel' package (< 0.46)
    if setuptools < (70, 1) and importlib.util.find_spec("wheel") is None:
        return "the 'wheel' package is missing (setuptools < 70.1 needs it for bdist_wheel): pip install 'wheel<0.46'"
    return None


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    reason = _can_build_wheel()
    if reason:
        pytest.skip(f"cannot build a wheel without build isolation: {reason}")
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "outputs", "multirun", ".venv",
        "venv", "*.nc", ".hydra"))
    env = {**os.environ, **PIP_ENV}
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(dist)],
         env=env)
    wheels = sorted(dist.glob("circuitsim-*.whl"))
    assert len(wheels) == 1, wheels
    site = tmp / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheels[0])], env=env)
    run_dir = tmp / "elsewhere"
    run_dir.mkdir()
    run_env = {**os.environ, "PYTHONPATH": str(site)}
    return {"wheel": wheels[0], "site": site, "cwd": run_dir, "env": run_env}


def test_wheel_contains_configs_and_styles(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for rel in ("configs/config.yaml", "configs/__init__.py"):
        assert f"circuitsim/{rel}" in names
    for path in REPO.joinpath("configs").rglob("*.yaml"):
        rel = path.relative_to(REPO / "configs").as_posix()
        assert f"circuitsim/configs/{rel}" in names, rel
    assert "circuitsim/styles/talk.mplstyle" in names


def test_installed_wheel_composes_experiment(installed):
    out = _run([sys.executable, "-c", CHECK, str(installed["site"])], cwd=installed["cwd"], env=installed["env"])
    assert out.stdout.strip().splitlines()[-1] == "grik4_rescue"


def test_installed_wheel_help(installed):
    out = _run([sys.executable, "-m", "circuitsim", "--help"], cwd=installed["cwd"], env=installed["env"])
    experiments = next(line for line in out.stdout.splitlines() if line.startswith("experiment:"))
    assert "grik4_rescue" in experiments
    assert not any(installed["cwd"].iterdir()), "--help writes nothing"
