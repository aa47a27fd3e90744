"""The command line as a user runs it: outputs contract, reproducibility, runtime device, sweeps."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import xarray as xr

from conftest import SMALL_RUN, run_cli

REQUIRED = {"id", "claim", "held", "effect", "ci_low", "ci_high", "n", "kind", "measure", "basis", "known_miss",
            "derived_from", "detail"}


def small_run(tmp_path, name, *extra):
    out = tmp_path / name
    proc = run_cli("experiment=grik4_rescue", *SMALL_RUN, "n_mice=3", f"hydra.run.dir={out}", *extra)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc


def test_outputs_contract(tmp_path):
    out, proc = small_run(tmp_path, "a")
    assert "prediction" in proc.stdout and "held" in proc.stdout
    records = json.loads((out / "predictions.json").read_text())
    assert records and all(REQUIRED <= set(r) for r in records)
    assert {r["basis"] for r in records} == {"simulated", "construction"}
    assert "simulated predictions held" in proc.stdout and "construction checks pass" in proc.stdout
    assert {r["id"] for r in records} >= {"G2a_cem_output", "G8a_object_oe", "G10_dose_response"}
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert set(ds.condition.values) >= {"wt", "oe", "oe_rescue", "oe_gfp"}
        assert ds.sizes["mouse"] == 3
        for var in ("rate_bla_pn", "rate_cel_rf", "rate_cel_lf", "rate_cem", "ei_bla_pn", "syn_bla_rf",
                    "syn_bla_lf", "open_arm_pct", "social_pref", "immobility_pct", "object_di", "seed"):
            assert var in ds
        assert "experiment" in ds.attrs["config"] and "brian2" in ds.attrs["versions"]
    assert (out / "grik4_rescue.png").stat().st_size > 0 and (out / "grik4_rescue.svg").stat().st_size > 0
    assert (out / "COMPLETE").exists()
    assert not list(out.glob("*.nwb"))  # NWB only with nwb=true (tests/spine/test_nwb.py)


def test_same_seed_same_results_other_seed_other_mice(tmp_path):
    first, _ = small_run(tmp_path, "first", "seed=5", "figure=false")
    again, _ = small_run(tmp_path, "again", "seed=5", "figure=false")
    other, _ = small_run(tmp_path, "other", "seed=6", "figure=false")
    assert (first / "predictions.json").read_text() == (again / "predictions.json").read_text()
    with xr.open_dataset(first / "results.nc", engine="h5netcdf") as a, \
            xr.open_dataset(again / "results.nc", engine="h5netcdf") as b, \
            xr.open_dataset(other / "results.nc", engine="h5netcdf") as c:
        assert a["rate_cem"].equals(b["rate_cem"]) and a["seed"].equals(b["seed"])
        assert not a["rate_cem"].equals(c["rate_cem"])
        assert not set(a["seed"].values.ravel()) & set(c["seed"].values.ravel())


def test_runtime_device_runs_the_same_pipeline(tmp_path):
    out = tmp_path / "runtime"
    proc = run_cli("experiment=grik4_rescue", "sim=runtime", "sim.scale=0.1", "sim.duration=0.5s",
                   "sim.transient=0.2s", "n_mice=2", "figure=false", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(json.loads((out / "predictions.json").read_text())) > 0


def test_replicates_report_share_held(tmp_path):
    out = tmp_path / "replicates"
    proc = run_cli("experiment=grik4_rescue", *SMALL_RUN, "n_mice=3", "replicates=2", "figure=false",
                   f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads((out / "replicates.json").read_text())
    assert rows and all(r["replicates"] == 2 and 0 <= r["held"] <= 2 for r in rows)
    assert "held in" in proc.stdout
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert ds.sizes["mouse"] == 6 and sorted(set(ds["replicate"].values.tolist())) == [0, 1]


@pytest.mark.slow
def test_sweep_runs_each_point(tmp_path):
    """A multirun over the Grik4 gain: one complete output folder per point, and the sweep's table at its root."""
    proc = run_cli("-m", "experiment=grik4_rescue", *SMALL_RUN, "n_mice=2", "figure=false",
                   "circuit.grik4_gain=1.2,2.0", f"hydra.sweep.dir={tmp_path / 'sweep'}", timeout=3000)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list((tmp_path / "sweep").glob("*/COMPLETE"))) == 2
    assert (tmp_path / "sweep" / "sweep.csv").exists() and "2/2 done (2 complete, 0 failed)" in proc.stdout


def test_runs_started_together_get_their_own_folders(tmp_path):
    """Two runs launched at the same moment from one folder write to two different output folders."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "circuitsim", "experiment=grik4_rescue", *SMALL_RUN, "n_mice=2", "figure=false"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        assert proc.wait(timeout=600) == 0, proc.stderr.read()[-2000:]
    finished = sorted((tmp_path / "outputs" / "grik4_rescue").glob("*/COMPLETE"))
    assert len(finished) == 2 and finished[0].parent != finished[1].parent


def test_cluster_path_with_a_failing_point(tmp_path):
    """The SLURM path's launcher (hydra-submitit-launcher) on submitit's local executor: each point is its own
    submitted process. One point fails (a rate ceiling of 1 Hz makes every run a 'blow-up'): the other completes,
    the table is gathered with the reason, and the sweep exits non-zero."""
    root = tmp_path / "sweep"
    proc = run_cli("-m", "hydra/launcher=local_processes", "experiment=grik4_rescue", *SMALL_RUN, "n_mice=2",
                   "figure=false", "sim.max_rate=1Hz,300Hz", f"hydra.sweep.dir={root}", timeout=900)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "1 point(s) failed" in proc.stderr
    points = pd.read_csv(root / "sweep_points.csv").set_index("sim.max_rate")
    assert points.loc["300Hz", "status"] == "complete" and points.loc["1Hz", "status"] == "failed"
    assert "blow-up" in points.loc["1Hz", "reason"] or "Hz" in points.loc["1Hz", "reason"]
    assert (root / "sweep.csv").exists() and (root / "sweep.nc").exists()
    assert "2/2 done (1 complete, 1 failed)" in proc.stdout
