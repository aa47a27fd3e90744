"""The Grik4 experiments as a user runs them, and their verdicts.

``python -m circuitsim experiment=<name>`` with the default config (seed 0): every prediction holds except the
declared known misses, which must not hold. Over five replicate cohorts (seeds 0-4) each of these verdicts was the
same in 5 of 5 cohorts (experiments/*.md): not a single lucky seed. Not marked slow: CI runs them
(about 30 s each with a warm build; the first compiles the default circuit, ~60 s).
"""

from __future__ import annotations

import json

import pytest

from conftest import run_cli


@pytest.mark.parametrize("name", ["grik4_rescue", "grik4_high_anxiety"])
def test_default_run_verdicts(tmp_path, name):
    out = tmp_path / "default"
    proc = run_cli(f"experiment={name}", "figure=false", f"hydra.run.dir={out}", timeout=1200)
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = json.loads((out / "predictions.json").read_text())
    wrong = [r["id"] for r in records if r["held"] == bool(r["known_miss"])]
    assert not wrong, f"verdicts other than declared: {wrong}"
    assert {r["basis"] for r in records} == {"simulated", "construction"}
    if name == "grik4_rescue":
        assert any(r["known_miss"] for r in records)
