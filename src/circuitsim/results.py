"""One Results table per experiment: measures over (condition, virtual mouse), with provenance.

Stored as NetCDF through xarray (engine h5netcdf). Attributes carry the resolved config (YAML), package
versions and the seeds. A condition that does not hold a mouse (a selected subset) has NaN there.
"""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path

import numpy as np
import xarray as xr


class Results:
    """Measures as an ``xarray.Dataset`` with dims (condition, mouse)."""

    def __init__(self, dataset: xr.Dataset):
        self.dataset = dataset

    @classmethod
    def from_rows(cls, rows: list[dict], conditions: list[str], n_mice: int, attrs: dict) -> "Results":
        measures = sorted({k for r in rows for k in r} - {"condition", "mouse", "animal", "seed"})
        shape = (len(conditions), n_mice)
        data = {m: np.full(shape, np.nan) for m in measures}
        animal = np.full(shape, -1, dtype=np.int64)
        seed = np.full(shape, -1, dtype=np.int64)
        index = {c: k for k, c in enumerate(conditions)}
        for r in rows:
            c, m = index[r["condition"]], r["mouse"]
            for key in measures:
                data[key][c, m] = r.get(key, np.nan)
            animal[c, m], seed[c, m] = r["animal"], r["seed"]
        ds = xr.Dataset(
            {**{m: (("condition", "mouse"), v) for m, v in data.items()},
             "animal": (("condition", "mouse"), animal), "seed": (("condition", "mouse"), seed)},
            coords={"condition": list(conditions), "mouse": np.arange(n_mice)},
            attrs=attrs,
        )
        return cls(ds)

    @property
    def conditions(self) -> list[str]:
        return [str(c) for c in self.dataset.condition.values]

    @property
    def measures(self) -> list[str]:
        return [str(v) for v in self.dataset.data_vars if v not in ("animal", "seed")]

    def values(self, condition: str, measure: str) -> np.ndarray:
        """The measure over the mice that condition holds, in mouse order."""
        if condition not in self.conditions:
            raise KeyError(f"condition {condition!r} not in results (have: {', '.join(self.conditions)})")
        if measure not in self.measures:
            raise KeyError(f"measure {measure!r} not in results (have: {', '.join(self.measures)})")
        held = self.dataset["animal"].sel(condition=condition).values >= 0
        return self.dataset[measure].sel(condition=condition).values[held]

    def animals(self, condition: str) -> np.ndarray:
        a = self.dataset["animal"].sel(condition=condition).values
        return a[a >= 0]

    def same_animals(self, a: str, b: str) -> bool:
        return np.array_equal(self.animals(a), self.animals(b))

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file renamed into place once complete."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        self.dataset.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "Results":
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return cls(ds.load())


def provenance(cfg_yaml: str, seed: int) -> dict:
    """Attributes stored with every result: config, versions, seed."""
    versions = {}
    for pkg in ("circuitsim", "brian2", "numpy", "scipy", "hydra-core", "xarray"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {"config": cfg_yaml, "versions": json.dumps(versions), "python": platform.python_version(),
            "seed": int(seed)}
