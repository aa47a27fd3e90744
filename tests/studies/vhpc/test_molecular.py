"""Study 002's slow molecular layer (circuitsim.circuits.vhpc_molecular) against the numbers BRIEF §3 reports from
its own scipy run of the same equations with parameter set B4.

Tolerance: levels within 2 % (``LEVEL``), days within 2 % (``DAYS``; the brief quotes one decimal, and a day found on
the 0.05-day grid is within one sample of it). Each test integrates at most a few 70-day runs (well under 1 s).
"During treatment" times (DFO, ASO) are read over the treatment window: isolation continues after the treatment
stops, so alpha-Syn rises again after day 42 and no day "for the rest of" a 70-day run exists.
"""

from __future__ import annotations

import numpy as np
import pytest

from circuitsim.circuits.vhpc_molecular import INTERVENTIONS, STATE, normalised_day, trajectories

B4 = dict(tau_T=7.0, k_T=0.5, tau_Fe=8.5, c_D=0.55, tau_alpha=2.5, k_alpha=1.25, eta=0.375, tau_sigma=5.0,
          k_sigma=0.5, U0=0.25, k_U=0.6, U_max=0.8, oe=0.5)
LEVEL = 0.02
DAYS = 0.02
FINE = 0.05  # step (days) for the times to normal
ISOLATED = {"isolation": [[0, 70]]}
REFERENCE = {"A": 1.0, "sigma": 1.0, "U": B4["U0"]}  # U is normalised to the group-housed U0


def at(days, y, day):
    return float(y[np.argmin(np.abs(days - day))])


def all_normal_day(days, x, after):
    """The day from which A, U and sigma are all within 10 % of their group-housed values."""
    return max(normalised_day(days, x[k], ref, after) for k, ref in REFERENCE.items())


def window(days, x, stop):
    keep = days <= stop + 1e-9
    return days[keep], {k: v[keep] for k, v in x.items()}


def test_grid_and_group_housed_steady_state():
    for schedule in ({}, {"isolation": []}, {"fer1": [[0, 20]]}):
        days, x = trajectories(B4, schedule, 30)
        assert np.allclose(days, np.arange(0, 30.125, 0.25))
        assert set(x) == set(STATE) | {"U"}
        for k in STATE:
            assert np.allclose(x[k], 1.0, atol=1e-9), k
        assert np.allclose(x["U"], B4["U0"], atol=1e-12)


def test_isolation_day_28():
    days, x = trajectories(B4, {"isolation": [[0, 28]]}, 28)
    for key, brief in (("Fe", 1.44), ("A", 1.52), ("sigma", 1.22), ("U", 0.328)):
        assert at(days, x[key], 28) == pytest.approx(brief, rel=LEVEL), key


def test_dfo_during_isolation():
    days, x = trajectories(B4, dict(ISOLATED, dfo=[[28, 42]]), 70, FINE)
    d, w = window(days, x, 42)
    assert all_normal_day(d, w, 28) == pytest.approx(40.7, rel=DAYS)
    assert at(days, x["Fe"], 42) == pytest.approx(1.00, rel=LEVEL)
    # isolation continues: once DFO stops, alpha-Syn climbs back
    assert np.isnan(normalised_day(days, x["A"], 1.0, 28))


def test_aso_during_isolation():
    days, x = trajectories(B4, dict(ISOLATED, aso=[[28, 42]]), 70, FINE)
    d, w = window(days, x, 42)
    assert all_normal_day(d, w, 28) == pytest.approx(34.9, rel=DAYS)
    assert at(days, x["Fe"], 42) == pytest.approx(1.49, rel=LEVEL)  # iron untouched by antisense


def test_resocialisation():
    days, x = trajectories(B4, {"isolation": [[0, 28]]}, 70, FINE)
    assert normalised_day(days, x["A"], 1.0, 28) - 28 == pytest.approx(27.8, rel=DAYS)
    assert normalised_day(days, x["U"], B4["U0"], 28) - 28 == pytest.approx(22.3, rel=DAYS)


def test_ru486_blocks_the_rise():
    days, x = trajectories(B4, {"isolation": [[0, 28]], "ru486": [[0, 28]]}, 28)
    for k in STATE:
        assert np.allclose(x[k], 1.0, atol=1e-9), k


def test_fer1_does_nothing():
    _, vehicle = trajectories(B4, ISOLATED, 70)
    _, fer1 = trajectories(B4, dict(ISOLATED, fer1=[[28, 42]]), 70)
    for k in vehicle:
        assert np.array_equal(vehicle[k], fer1[k]), k


def test_overexpression_in_group_housed():
    days, x = trajectories(B4, {"oe": [[0, 70]]}, 70)
    assert x["A"][-1] == pytest.approx(1.5, rel=LEVEL)
    assert np.allclose(x["Fe"], 1.0, atol=1e-9)  # upstream of alpha-Syn unchanged


def test_tfr1_knockdown_prevents_iron_rise():
    _, x = trajectories(B4, {"isolation": [[0, 28]], "tfr1_kd": [[0, 28]]}, 28)
    assert np.allclose(x["T"], 1.0, atol=1e-9)  # basal TfR1 kept
    assert np.allclose(x["Fe"], 1.0, atol=1e-9)


def test_local_cort_raises_iron_like_isolation():
    _, iso = trajectories(B4, {"isolation": [[0, 28]]}, 28)
    _, cort = trajectories(B4, {"cort": [[0, 28]]}, 28)
    assert cort["Fe"][-1] > 1.3
    assert cort["Fe"][-1] == pytest.approx(iso["Fe"][-1], rel=1e-6)
    _, both = trajectories(B4, {"isolation": [[0, 28]], "cort": [[0, 28]]}, 28)  # the larger drive, not the sum
    assert both["Fe"][-1] == pytest.approx(iso["Fe"][-1], rel=1e-6)
    _, blocked = trajectories(B4, {"cort": [[0, 28]], "ru486": [[0, 28]]}, 28)
    assert np.allclose(blocked["Fe"], 1.0, atol=1e-9)


def test_release_probability_capped():
    params = dict(B4, U_max=0.3)
    _, x = trajectories(params, {"isolation": [[0, 28]]}, 28)
    assert x["U"].max() == pytest.approx(0.3)
    assert x["A"].max() > 1.4  # the uncapped U would be 0.25*(1 + 0.6*0.4+) > 0.3


def test_window_is_half_open():
    days, x = trajectories(B4, {"dfo": [[0, 1]], "isolation": [[1, 2]]}, 2)
    assert x["T"][days <= 1].max() == pytest.approx(1.0, abs=1e-9)  # isolation starts at day 1
    assert x["T"][-1] > 1.0


@pytest.mark.parametrize("schedule, words", [
    ({"stress": [[0, 1]]}, "stress"),
    ({"isolation": [[0, 1, 2]]}, "isolation"),
    ({"isolation": [[5, 5]]}, "isolation"),
    ({"dfo": [[3, 1]]}, "dfo"),
    ({"aso": [[-1, 2]]}, "aso"),
    ({"aso": [["0", 2]]}, "aso"),
    ({"oe": [7]}, "oe"),
])
def test_bad_schedules(schedule, words):
    with pytest.raises(ValueError) as info:
        trajectories(B4, schedule, 10)
    message = str(info.value)
    assert words in message and "\n" not in message
    if words == "stress":
        assert all(name in message for name in INTERVENTIONS)


def test_normalised_day():
    days = np.arange(0.0, 10.5, 0.5)
    y = np.where(days < 4, 2.0, 1.05)
    assert normalised_day(days, y, 1.0, 0.0) == 4.0
    assert normalised_day(days, y, 1.0, 6.0) == 6.0  # already within at "after"
    assert np.isnan(normalised_day(days, y * 2, 1.0, 0.0))
    assert np.isnan(normalised_day(days, y, 1.0, 20.0))
