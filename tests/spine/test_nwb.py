"""NWB export (circuitsim.nwb): a run with nwb=true writes <experiment>.nwb that reads back with pynwb, holds every
simulated neuron of every run and the population rates, and passes the NWB validator; bad values fail up front."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, SMALL_RUN, prepared, run_cli

pynwb = pytest.importorskip("pynwb")

RUN = ["experiment=grik4_rescue", *SMALL_RUN, "n_mice=2", "figure=false"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One tiny run through the command line with nwb=true: (its config, the NWB file)."""
    out = tmp_path_factory.mktemp("nwb") / "run"
    proc = run_cli(*RUN, "nwb=true", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return prepared("grik4_rescue", RUN[1:]), out / "grik4_rescue.nwb"


def _runs(cfg):
    """(condition, mouse) of every simulated run of the config."""
    conditions = [c for c, spec in cfg["experiment"]["conditions"].items() if "select" not in spec]
    mice = range(int(cfg["n_mice"]) * len(cfg["experiment"]["cohorts"]))
    return {(c, m) for c in conditions for m in mice}


def test_units_hold_every_neuron_of_every_run(written):
    from circuitsim.parts.network import population_size

    cfg, path = written
    sizes = {p: population_size(spec, cfg["sim"]["scale"]) for p, spec in cfg["circuit"]["populations"].items()}
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        units = f.units.to_dataframe()
        assert f.subject.species == "Mus musculus" and "virtual" in f.subject.description
        assert f.session_start_time.year == 2000 and f.session_description
    assert len(units) == sum(sizes.values()) * len(_runs(cfg))
    per_run = units.groupby(["condition", "mouse", "population"]).size()
    assert {(c, m) for c, m, _ in per_run.index} == _runs(cfg)
    assert all(per_run.loc[(c, m, p)] == n for c, m in _runs(cfg) for p, n in sizes.items())
    assert {"cohort", "seed", "neuron", "animal"} <= set(units.columns)
    times = np.concatenate(units["spike_times"].to_numpy())
    assert times.size > 0 and times.min() >= 0 and times.max() <= cfg["sim"]["duration"]
    assert all(np.all(np.diff(t) >= 0) for t in units["spike_times"])
    assert units.groupby(["condition", "mouse"])["seed"].nunique().eq(1).all()  # one seed per run


def test_rates_series_per_run_and_population_match_the_spikes(written):
    cfg, path = written
    sim = cfg["sim"]
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        series = f.processing["population_rates"].data_interfaces
        units = f.units.to_dataframe()
        for c, m in _runs(cfg):
            for p in cfg["circuit"]["populations"]:
                ts = series[f"{c}_mouse{m}_{p}"]
                assert ts.unit == "Hz" and ts.rate == pytest.approx(1 / sim["rate_bin"])
                assert len(ts.data) == round(sim["duration"] / sim["rate_bin"])
                cells = units[(units.condition == c) & (units["mouse"] == m) & (units.population == p)]
                spikes = sum(len(t) for t in cells["spike_times"])
                assert np.sum(ts.data[:]) * sim["rate_bin"] * len(cells) == pytest.approx(spikes)


def test_file_passes_the_nwb_validator(written):
    _, path = written
    assert pynwb.validate(path=str(path)) == []


def test_not_a_bool_is_one_line_and_exit_2(tmp_path):
    proc = run_cli(*RUN, "nwb=maybe", f"hydra.run.dir={tmp_path / 'out'}")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "nwb='maybe' must be true or false" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_missing_pynwb_fails_before_simulating(tmp_path):
    """Without pynwb (hidden from the import system), nwb=true stops at the config check: one line, exit 2."""
    code = ("import sys; sys.modules['pynwb'] = None; sys.argv = ['circuitsim', *sys.argv[1:]]; "
            "from circuitsim.__main__ import main; main()")
    proc = subprocess.run([sys.executable, "-c", code, *RUN, "nwb=true", f"hydra.run.dir={tmp_path / 'out'}"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "circuitsim: error: nwb=true needs pynwb: pip install 'circuitsim[nwb]'"
    assert not (tmp_path / "out").exists()


def test_one_file_per_replicate(tmp_path):
    from circuitsim import nwb

    one = {"experiment": {"name": "x"}, "seed": 4, "replicates": 1}
    assert nwb.path(tmp_path, one) == tmp_path / "x.nwb"
    names = {nwb.path(tmp_path, {**one, "replicates": 3, "seed": s}).name for s in (4, 5, 6)}
    assert names == {"x_seed4.nwb", "x_seed5.nwb", "x_seed6.nwb"}
