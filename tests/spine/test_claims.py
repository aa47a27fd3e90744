"""Claim traceability (circuitsim.claims): every claim of every seed sheet is tested by a prediction or declared
untested, every prediction names claims its sheet has, seeds/CLAIMS.md is what the configs, stored tables and tests
give, and a broken link or a bad ``claims`` value is one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from circuitsim import claims
from circuitsim.config import ConfigError
from circuitsim.predictions import EXTENSION

from conftest import REPO, prepared


@pytest.fixture(scope="module")
def books():
    return claims.sheets(REPO)


@pytest.fixture(scope="module")
def configs():
    return claims.experiments()


def test_every_sheet_has_numbered_claims(books):
    assert {"000_grik4", "001_nvc_bla", "002_vhpc_iron", "003_mea_mpoa"} <= set(books)
    for sheet in books.values():
        assert list(sheet.claims) == list(range(1, len(sheet.claims) + 1)), sheet.name
        assert all(text.strip() for text in sheet.claims.values()), sheet.name


def test_every_claim_is_tested_or_declared_untested(books, configs):
    linked = claims.links(books, configs)
    for name, sheet in books.items():
        for n in sheet.claims:
            tested = linked[name]["claims"][n]
            assert bool(tested) != (n in sheet.untested), f"{name} claim {n}: tested by {tested}, " \
                                                          f"declared untested: {sheet.untested.get(n)}"
            assert n not in sheet.untested or sheet.untested[n].strip(), f"{name} claim {n}: untested without a reason"


def test_every_prediction_names_existing_claims(books, configs):
    for name, c in configs.items():
        exp = c["experiment"]
        assert exp["seed_sheet"] in books, name
        for spec in exp["predictions"]:
            named = spec.get("claims")
            assert named == EXTENSION or (named and set(named) <= set(books[exp["seed_sheet"]].claims)), \
                f"{spec['id']} ({name}): claims={named!r}"


def test_claims_md_is_up_to_date(capsys):
    """The committed seeds/CLAIMS.md is what ``python -m circuitsim.claims`` writes now."""
    code = claims.main(["--check", "--root", str(REPO)])
    assert code == 0, capsys.readouterr().err


@pytest.mark.parametrize("value", ["[0]", "[]", "[1,1]", "[1.5]", "three", "[true]", "2"])
def test_bad_claims_value_is_a_one_line_config_error(value):
    with pytest.raises(ConfigError) as info:
        prepared("grik4_rescue", [f"experiment.predictions.0.claims={value}"])
    text = str(info.value)
    assert "\n" not in text and "G1a_bla_pn_rate: claims=" in text


@pytest.mark.parametrize("override, message", [
    ("experiment.seed_sheet=null", "needs experiment.seed_sheet"),
    ("experiment.seed_sheet=../000_grik4", "experiment.seed_sheet='../000_grik4' must name a claim sheet"),
])
def test_bad_seed_sheet_is_a_one_line_config_error(override, message):
    with pytest.raises(ConfigError) as info:
        prepared("grik4_rescue", [override])
    assert "\n" not in str(info.value) and message in str(info.value)


def _sheet(tmp_path, untested: str = "") -> dict:
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "900_toy.md").write_text(
        "# Seed 900: toy\n\n## The study's claims, in our words\n\n1. First claim,\n   on two lines.\n"
        "2. Second claim.\n\n## Other\n\n3. not a claim\n" + untested)
    return claims.sheets(tmp_path)


def _experiment(*specs) -> dict:
    return {"toy": {"experiment": {"name": "toy", "seed_sheet": "900_toy", "predictions": list(specs)}}}


def test_a_sheet_is_read_with_its_untested_claims(tmp_path):
    sheet = _sheet(tmp_path, "\n## Claims without a prediction\n\n- 2: not modelled,\n  no readout.\n")["900_toy"]
    assert sheet.title == "Seed 900: toy"
    assert sheet.claims == {1: "First claim, on two lines.", 2: "Second claim."}
    assert sheet.untested == {2: "not modelled, no readout."}


@pytest.mark.parametrize("untested, specs, message", [
    ("", [{"id": "P1", "claims": [1]}], "claim 2 has no prediction and is not declared untested"),
    ("\n## Claims without a prediction\n\n- 2: no readout\n", [{"id": "P1", "claims": [1, 2]}],
     "claim 2 is declared untested but P1 test it"),
    ("\n## Claims without a prediction\n\n- 4: no readout\n", [{"id": "P1", "claims": [1, 2]}],
     "declares claim 4 untested, but it has no claim 4"),
    ("", [{"id": "P1", "claims": [1, 2]}, {"id": "P2", "claims": [3]}], "P2 (toy): claim 3 is not a claim"),
    ("", [{"id": "P1", "claims": [1, 2]}, {"id": "P2"}], "P2 (toy): no claims"),
], ids=["untested_undeclared", "declared_but_tested", "declared_unknown", "unknown_claim", "no_claims"])
def test_broken_links_are_one_line(tmp_path, untested, specs, message):
    with pytest.raises(claims.ClaimsError) as info:
        claims.links(_sheet(tmp_path, untested), _experiment(*specs))
    assert "\n" not in str(info.value) and message in str(info.value)


def test_links_keep_extensions_apart(tmp_path):
    linked = claims.links(_sheet(tmp_path), _experiment({"id": "P1", "claims": [1, 2]}, {"id": "P2", "claims": [2]},
                                                        {"id": "X", "claims": EXTENSION}))["900_toy"]
    assert [s["id"] for _, s in linked["claims"][2]] == ["P1", "P2"]
    assert [s["id"] for _, s in linked["extensions"]] == ["X"]


def test_tested_as_reads_each_kind():
    assert claims.tested_as({"kind": "greater", "measure": "m", "a": "x", "b": "y"}) == "m: x > y"
    assert claims.tested_as({"kind": "similar", "measure": "m", "a": "x", "b": "y", "margin": 0.1,
                             "each_cohort": True}) == "m: x ≈ y (±10%), each cohort"
    assert claims.tested_as({"kind": "less", "measure": "m", "a": ["x", "y"], "b": ["u", "v"]}) == \
        "m: (x − y) < (u − v)"
    assert claims.tested_as({"kind": "greater", "measure": "m@test", "measure_b": "m@base", "a": "x", "b": "x"}) == \
        "x: m@test > m@base"
    assert claims.tested_as({"kind": "toward", "measure": "m", "a": "r", "b": "oe", "target": "wt"}) == \
        "m: r toward wt from oe"


def test_a_stale_file_fails_the_check(tmp_path, monkeypatch, capsys):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "CLAIMS.md").write_text("old\n")
    monkeypatch.setattr(claims, "generate", lambda root: "new\n")
    assert claims.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "out of date" in err[0]
    assert claims.main(["--root", str(tmp_path)]) == 0
    assert (tmp_path / "seeds" / "CLAIMS.md").read_text() == "new\n"
    assert claims.main(["--check", "--root", str(tmp_path)]) == 0


def test_no_seeds_folder_is_one_line_from_the_command_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "circuitsim.claims", "--check", "--root", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("circuitsim: error: no seeds/ folder"), proc.stderr
