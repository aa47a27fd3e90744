"""The talk figures command (python -m circuitsim.figures): draws from stored tables, byte-identical SVGs."""

from __future__ import annotations

import hashlib
import shutil

from circuitsim import figures
from circuitsim.config import experiment_names
from conftest import REPO


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.svg"))}


def test_figures_redraw_from_stored_tables_identically(tmp_path, capsys):
    for name in ("grik4_rescue.csv",):
        shutil.copy(REPO / "figures" / name, tmp_path / name)
    assert figures.main(["--only", "grik4_rescue", "--folder", str(tmp_path)]) == 0
    first = _digests(tmp_path)
    assert set(first) == {"grik4_rescue.svg", "grik4_rescue_summary.svg"}
    assert "0 simulated" in capsys.readouterr().out
    assert figures.main(["--only", "grik4_rescue", "--folder", str(tmp_path)]) == 0
    assert _digests(tmp_path) == first


def test_every_curated_table_belongs_to_an_experiment():
    tables = {p.name[:-4] for p in (REPO / "figures").glob("*.csv") if p.name.count(".") == 1}
    assert tables and tables <= set(experiment_names())


def test_bad_arguments_are_one_line_errors(tmp_path, capsys):
    assert figures.main(["--only", "no_such_experiment", "--folder", str(tmp_path)]) == 2
    assert figures.main(["--folder", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("circuitsim: error:") for line in err)


def test_stored_stage_trajectories_come_back_for_the_timeline():
    """The timeline of a slow-stage experiment is drawn from ``<name>.stage.csv`` (drawing it takes ~15 s: the
    figures command draws it; here the table is read back)."""
    from circuitsim.plotting.talk import from_table

    results = from_table(REPO / "figures" / "isolation_iron.csv")
    stage = [s for s in results.series if s.startswith("stage_")]
    assert stage and results.dataset[f"ts_{stage[0]}"].dims[-1] == "day"
