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
    """Measures as an ``xarray.Dataset`` with dims (condition, mouse); time series as ``ts_<name>`` with a third
    dim (``time``, ``time_<group>`` in s, or ``day``). ``mouse`` runs over every cohort's mice and carries the
    ``cohort`` coordinate."""

    def __init__(self, dataset: xr.Dataset):
        self.dataset = dataset

    @classmethod
    def from_rows(cls, rows: list[dict], conditions: list[str], cohorts: list[str], n_mice: int,
                  attrs: dict) -> "Results":
        """``rows``: one dict per (condition, mouse) with its measures and optionally ``_series``
        ({name: (dim, coordinate values, values)})."""
        skip = {"condition", "mouse", "cohort", "animal", "seed", "_series"}
        measures = sorted({k for r in rows for k in r} - skip)
        shape = (len(conditions), n_mice * len(cohorts))
        data = {m: np.full(shape, np.nan) for m in measures}
        animal = np.full(shape, -1, dtype=np.int64)
        seed = np.full(shape, -1, dtype=np.int64)
        index = {c: k for k, c in enumerate(conditions)}
        for r in rows:
            c, m = index[r["condition"]], r["mouse"]
            for key in measures:
                data[key][c, m] = r.get(key, np.nan)
            animal[c, m], seed[c, m] = r["animal"], r["seed"]
        coords = {"condition": list(conditions), "mouse": np.arange(shape[1]),
                  "cohort": ("mouse", np.repeat(np.asarray(cohorts, dtype=str), n_mice))}
        series = _series(rows, index, shape, coords)
        ds = xr.Dataset(
            {**{m: (("condition", "mouse"), v) for m, v in data.items()},
             **{f"ts_{name}": (("condition", "mouse", dim), v) for name, (dim, v) in series.items()},
             "animal": (("condition", "mouse"), animal), "seed": (("condition", "mouse"), seed)},
            coords=coords,
            attrs=attrs,
        )
        return cls(ds)

    @classmethod
    def pool(cls, parts: list["Results"]) -> "Results":
        """Independent replicates side by side: their mice concatenated (coordinate ``replicate`` on ``mouse``),
        animal ids kept apart; attributes of the first, with every replicate's timing."""
        datasets = []
        for k, part in enumerate(parts):
            ds = part.dataset.assign_coords(replicate=("mouse", np.full(part.dataset.sizes["mouse"], k)))
            animal = ds["animal"].values
            ds["animal"] = (("condition", "mouse"), np.where(animal >= 0, animal + k * 10**10, -1))
            datasets.append(ds)
        pooled = xr.concat(datasets, dim="mouse", data_vars="minimal", coords="minimal", compat="override",
                           join="override", combine_attrs="override")
        pooled = pooled.assign_coords(mouse=np.arange(pooled.sizes["mouse"]))
        pooled.attrs["replicate_timing"] = json.dumps([p.dataset.attrs.get("timing") for p in parts])
        return cls(pooled)

    @property
    def conditions(self) -> list[str]:
        return [str(c) for c in self.dataset.condition.values]

    @property
    def measures(self) -> list[str]:
        return [str(v) for v, da in self.dataset.data_vars.items()
                if da.dims == ("condition", "mouse") and v not in ("animal", "seed")]

    @property
    def series(self) -> list[str]:
        """Names of the stored time series (``ts_<name>`` variables, without the prefix)."""
        return [str(v)[3:] for v in self.dataset.data_vars if str(v).startswith("ts_")]

    @property
    def cohorts(self) -> list[str]:
        return list(dict.fromkeys(str(c) for c in self.dataset["cohort"].values))

    def values(self, condition: str, measure: str, cohort: str | None = None) -> np.ndarray:
        """The measure over the mice that condition holds (of one cohort, or all), in mouse order."""
        if condition not in self.conditions:
            raise KeyError(f"condition {condition!r} not in results (have: {', '.join(self.conditions)})")
        if measure not in self.measures:
            raise KeyError(f"measure {measure!r} not in results (have: {', '.join(self.measures)})")
        return self.dataset[measure].sel(condition=condition).values[self._held(condition, cohort)]

    def animals(self, condition: str, cohort: str | None = None) -> np.ndarray:
        return self.dataset["animal"].sel(condition=condition).values[self._held(condition, cohort)]

    def _held(self, condition: str, cohort: str | None) -> np.ndarray:
        held = self.dataset["animal"].sel(condition=condition).values >= 0
        if cohort is not None:
            held &= self.dataset["cohort"].values == cohort
        return held

    def same_animals(self, a: str, b: str, cohort: str | None = None) -> bool:
        return np.array_equal(self.animals(a, cohort), self.animals(b, cohort))

    def cohort(self, name: str) -> "CohortView":
        """The same table restricted to one cohort's mice (for predictions asked per cohort)."""
        return CohortView(self, name)

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


def _series(rows: list[dict], index: dict, shape: tuple, coords: dict) -> dict:
    """Time series of every row on one coordinate per dimension: the longest grid seen; every other run's grid must
    be its beginning (runs of one experiment share their time grids; stage trajectories of different snapshot days
    are prefixes of the longest), the rest is NaN."""
    grids: dict = {}
    for r in rows:
        for name, (dim, coord, _) in (r.get("_series") or {}).items():
            if len(coord) > len(grids.get(dim, ())):
                grids[dim] = np.asarray(coord, dtype=float)
    series: dict = {}
    for r in rows:
        c, m = index[r["condition"]], r["mouse"]
        for name, (dim, coord, values) in (r.get("_series") or {}).items():
            grid = grids[dim]
            if not np.allclose(grid[:len(coord)], coord, rtol=0, atol=1e-9):
                raise ValueError(f"series {name}: the time grid of condition {r['condition']!r} is not the beginning "
                                 f"of the longest {dim!r} grid")
            if name not in series:
                series[name] = (dim, np.full(shape + (len(grid),), np.nan))
            series[name][1][c, m, :len(coord)] = values
    coords.update(grids)
    return series


class CohortView:
    """A Results table seen through one cohort: ``values`` and ``same_animals`` of that cohort's mice only."""

    def __init__(self, results: Results, cohort: str):
        self.results, self.name = results, cohort

    def values(self, condition: str, measure: str) -> np.ndarray:
        return self.results.values(condition, measure, self.name)

    def same_animals(self, a: str, b: str) -> bool:
        return self.results.same_animals(a, b, self.name)


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
