"""Gathering a sweep (circuitsim.sweep): a synthetic multirun folder with complete, failed and running points."""

from __future__ import annotations

import json

import pandas as pd
import xarray as xr

from circuitsim import sweep


def _point(root, k, overrides, outcomes=None, log=""):
    folder = root / str(k)
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in ["experiment=toy", *overrides]))
    (folder / "__main__.log").write_text(log)
    if outcomes is not None:
        (folder / "predictions.json").write_text(json.dumps(outcomes))
        (folder / "COMPLETE").write_text("1.0 s\n")


def _outcome(pid, held, effect):
    return {"id": pid, "held": held, "effect": effect, "ci_low": effect - 1, "ci_high": effect + 1, "n": 10,
            "basis": "simulated", "known_miss": None}


def test_gather_one_parameter(tmp_path):
    for k, g in enumerate((1.0, 1.5, 2.0)):
        _point(tmp_path, k, [f"circuit.gain={g}", "seed=0"], [_outcome("P1", g > 1.2, g), _outcome("P2", True, -g)])
    _point(tmp_path, 3, ["circuit.gain=2.5", "seed=0"], log="[x][circuitsim][ERROR] - circuitsim: error: blew up\n")
    _point(tmp_path, 4, ["circuit.gain=3.0", "seed=0"], log="[x][numexpr][INFO] - started\n")
    paths = sweep.gather(tmp_path)
    points = pd.read_csv(paths["points"])
    assert list(points["status"]) == ["complete"] * 3 + ["failed", "running"]
    assert "blew up" in points.loc[3, "reason"]
    assert sweep.swept_keys(points) == ["circuit.gain"]  # seed is the same everywhere
    table = pd.read_csv(paths["table"])
    p1 = table[table["prediction"] == "P1"].sort_values("circuit.gain")
    assert list(p1["held"]) == [False, True, True] and list(p1["effect"]) == [1.0, 1.5, 2.0]
    with xr.open_dataset(paths["netcdf"], engine="h5netcdf") as ds:
        assert ds["effect"].sizes == {"point": 5, "prediction": 2}
        assert list(ds["status"].values) == ["complete"] * 3 + ["failed", "running"]
    assert paths["figure"].exists()


def test_gather_two_parameters_draws_a_verdict_grid(tmp_path):
    k = 0
    for a in (1, 2):
        for b in ("x", "y"):
            _point(tmp_path, k, [f"a={a}", f"b={b}"], [_outcome("P", a == 2, a)])
            k += 1
    paths = sweep.gather(tmp_path)
    assert sweep.swept_keys(pd.read_csv(paths["points"])) == ["a", "b"]
    assert paths["figure"].exists()


def test_command_line_refuses_a_folder_without_points(tmp_path, capsys):
    assert sweep.main([str(tmp_path)]) == 2
    assert "no sweep points" in capsys.readouterr().err


def test_a_point_is_skipped_only_when_complete_with_the_same_overrides(tmp_path):
    from circuitsim.__main__ import _already_done

    overrides = ["experiment=toy", "circuit.gain=1.5"]
    assert not _already_done(tmp_path, overrides)  # no marker
    (tmp_path / "COMPLETE").write_text("1.0 s\n")
    assert not _already_done(tmp_path, overrides)  # an old marker without overrides: recompute
    (tmp_path / "COMPLETE").write_text(f"1.0 s\n{json.dumps(sorted(overrides))}\n")
    assert _already_done(tmp_path, list(reversed(overrides)))
    assert not _already_done(tmp_path, ["experiment=toy", "circuit.gain=2.0"])


def test_a_failed_marker_gives_the_reason(tmp_path):
    _point(tmp_path, 0, ["a=1"], [_outcome("P", True, 1.0)])
    _point(tmp_path, 1, ["a=2"])
    (tmp_path / "1" / "FAILED").write_text("runaway activity in population cem\n")
    points = pd.read_csv(sweep.gather(tmp_path)["points"])
    assert list(points["status"]) == ["complete", "failed"] and "runaway" in points.loc[1, "reason"]


def test_progress_counts_points_and_estimates_the_time_left(tmp_path):
    assert sweep.planned(["experiment=toy", "a=1,2,3", "robustness.world=range(4)", "b=1"]) == 12
    (tmp_path / "sweep.json").write_text(json.dumps({"points": 6, "started": 0.0}))
    _point(tmp_path, 0, ["a=1"], [_outcome("P", True, 1.0)])
    _point(tmp_path, 1, ["a=2"], log="circuitsim: error: x\n")
    _point(tmp_path, 2, ["a=3"])
    line = sweep.progress(tmp_path)
    assert "2/6 done (1 complete, 1 failed), 1 running, 4 left, about" in line
    (tmp_path / "sweep.json").write_text(json.dumps({"points": 6, "started": 0.0, "done_before": 2}))
    assert "left, about" not in sweep.progress(tmp_path)  # a resumed sweep: no estimate until it finishes a point


def test_a_robustness_sweep_reports_the_share_of_worlds(tmp_path):
    for w in range(5):  # P holds in 4 of 5 worlds (robust), Q in 3 (fragile)
        _point(tmp_path, w, [f"robustness.world={w}"], [_outcome("P", w != 0, 1.0 + w), _outcome("Q", w < 3, -w)])
        (tmp_path / str(w) / "world.json").write_text(json.dumps({"world": w, "jitter": 0.2, "factors": {}}))
    paths = sweep.gather(tmp_path)
    shares = pd.read_csv(paths["robustness"]).set_index("prediction")
    assert shares.loc["P", ["worlds", "held"]].tolist() == [5, 4] and not shares.loc["P", "fragile"]
    assert shares.loc["Q", "share"] == 0.6 and shares.loc["Q", "fragile"]
    assert paths["robustness_figure"].exists() and "figure" not in paths  # worlds are not an axis to plot against
