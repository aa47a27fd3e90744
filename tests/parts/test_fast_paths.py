"""The fast paths of the simulation: Poisson background by geometric countdown (parts.background), conductance
integrals over the analysed window (parts.recording) and a deterministic order of clock starts in the
generated standalone code (simulate._sort_clock_starts).

Statistical tolerances are 5 standard errors of the statistic under the claimed distribution, computed from
the sample size (never tuned to the seed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import brian2 as b2
import numpy as np
import pytest
from brian2 import Hz, ms, nS, second

from circuitsim.parts import background
from circuitsim.parts.background import poisson_background, truncated_poisson_pmf
from circuitsim.parts.neurons import make_population
from circuitsim.parts.recording import WINDOW_START, time_means
from circuitsim.simulate import standalone_device

from test_parts import one_cell_type, receptors_from

Z = 5.0  # tolerance in standard errors

# ---------------------------------------------------------------------------------- Poisson background

BG_N, BG_RECORDED = 4000, 200  # neurons; neurons whose per-step counts are recorded
BG_INPUTS, BG_RATE, BG_DT, BG_DURATION = 100, 5 * Hz, 0.1 * ms, 1 * second
BG_MU = BG_INPUTS * float(BG_RATE * BG_DT)  # expected count per neuron and step (0.05)
BG_STEPS = int(round(float(BG_DURATION / BG_DT)))


def _background_network(name: str):
    """A group whose x_ampa only counts background events (no decay): x / 1 nS is the number of events."""
    g = b2.NeuronGroup(BG_N, "x_ampa : siemens\ngain_ampa : 1\nbg_w_ampa : siemens (shared)\n" + background.COUNTDOWN,
                       name=name)
    g.gain_ampa = 1.0
    g.bg_w_ampa = 1 * nS
    op = poisson_background(types.SimpleNamespace(name=name, group=g), BG_INPUTS, BG_RATE, ["ampa"])
    mon = b2.StateMonitor(g, "x_ampa", record=np.arange(BG_RECORDED))  # 'start' slot: before the operation
    return g, op, mon


def _counts(g, mon):
    """Per-step counts of the recorded neurons (recording k is x before step k) and per-neuron totals."""
    x = np.asarray(mon.x_ampa / nS)
    assert x.shape == (BG_RECORDED, BG_STEPS)
    steps = np.diff(x, axis=1)  # counts of steps 0 .. BG_STEPS-2
    per_step = np.rint(steps)
    assert np.max(np.abs(steps - per_step)) < 1e-6, "x must grow by whole multiples of bg_w"
    total = np.asarray(g.x_ampa / nS)
    totals = np.rint(total)
    assert np.max(np.abs(total - totals)) < 1e-6
    return per_step.astype(np.int64), totals.astype(np.int64)


def _fano_se(lam: float, n: int) -> float:
    """Standard error of the sample Fano factor of n Poisson(lam) counts: Var(s^2) ~ (lam + 2 lam^2)/n."""
    return float(np.sqrt((1.0 / lam + 2.0) / n))


def _assert_poisson(per_step: np.ndarray, totals: np.ndarray, mu: float):
    # per neuron and step: k ~ Poisson(mu)
    k = per_step.ravel()
    n = k.size
    assert k.min() >= 0
    assert abs(k.mean() - mu) < Z * np.sqrt(mu / n), (k.mean(), mu)
    fano = k.var(ddof=1) / k.mean()
    assert abs(fano - 1.0) < Z * _fano_se(mu, n), fano
    p2 = 1.0 - np.exp(-mu) * (1.0 + mu)
    frac2 = float(np.mean(k >= 2))
    assert abs(frac2 - p2) < Z * np.sqrt(p2 * (1 - p2) / n), (frac2, p2)
    # shape of k >= 1: P(k = 1 | k >= 1) from truncated_poisson_pmf
    events = k[k >= 1]
    p1 = float(truncated_poisson_pmf(mu, 1)[0])
    assert abs(np.mean(events == 1) - p1) < Z * np.sqrt(p1 * (1 - p1) / events.size)

    # independent across steps: no lag-1 correlation of one neuron's counts ...
    a, b = per_step[:, :-1].ravel(), per_step[:, 1:].ravel()
    r1 = np.corrcoef(a, b)[0, 1]
    assert abs(r1) < Z / np.sqrt(a.size), r1
    # ... and the sum over the whole run (every lag at once) is Poisson(steps*mu) across all neurons
    lam = BG_STEPS * mu
    assert abs(totals.mean() - lam) < Z * np.sqrt(lam / totals.size), (totals.mean(), lam)
    fano_total = totals.var(ddof=1) / totals.mean()
    assert abs(fano_total - 1.0) < Z * _fano_se(lam, totals.size), fano_total


def test_background_counts_are_poisson_numpy(brian_runtime):
    b2.defaultclock.dt = BG_DT
    b2.seed(20240611)
    g, op, mon = _background_network("bg_numpy")
    # stationary start: the countdown to the first event is geometric with p = P(k >= 1) = 1 - exp(-mu)
    countdown = np.asarray(g.bg_countdown[:])
    p = -np.expm1(-BG_MU)
    assert countdown.min() >= 1
    assert abs(np.mean(countdown == 1) - p) < Z * np.sqrt(p * (1 - p) / BG_N)
    assert abs(countdown.mean() - 1 / p) < Z * np.sqrt((1 - p) / p**2 / BG_N), (countdown.mean(), 1 / p)
    b2.Network(g, op, mon).run(BG_DURATION, namespace={})
    _assert_poisson(*_counts(g, mon), BG_MU)


def test_background_counts_are_poisson_cpp_standalone(tmp_path):
    with standalone_device(tmp_path / "build"):
        b2.defaultclock.dt = BG_DT  # the standalone device's own default clock
        b2.seed(20240611)
        g, op, mon = _background_network("bg_cpp")
        b2.Network(g, op, mon).run(BG_DURATION, namespace={})
        b2.device.build(directory=str(tmp_path / "build"), compile=True, run=True, with_output=False)
        counts = _counts(g, mon)
    assert isinstance(b2.get_device(), b2.devices.RuntimeDevice)
    _assert_poisson(*counts, BG_MU)


@pytest.mark.parametrize("n_inputs, rate", [(100, 0 * Hz), (0, 5 * Hz)])
def test_background_refuses_no_drive(brian_runtime, n_inputs, rate):
    g = b2.NeuronGroup(2, "x_ampa : siemens\ngain_ampa : 1\nbg_w_ampa : siemens (shared)\n" + background.COUNTDOWN,
                       name="bg_none")
    with pytest.raises(ValueError, match="bg_none"):
        poisson_background(types.SimpleNamespace(name="bg_none", group=g), n_inputs, rate, ["ampa"])


# ------------------------------------------------------------------------------- conductance integrals

# every kind of channel: bi-exponential (ampa, kar, gaba), Mg-blocked (nmda), single exponential (exc)
REC_CHANNELS = {"ampa": "ampa", "nmda": "nmda", "kar": "kar", "gaba": "gaba_bla", "exc": "coba_exc"}


def test_conductance_integrals_equal_mean_of_every_step(brian_runtime, receptor_library, cell_library):
    dt, record_from, window = 0.1 * ms, 20 * ms, 50 * ms
    b2.defaultclock.dt = dt
    b2.seed(7)
    rec = receptors_from(receptor_library, REC_CHANNELS)
    pop = make_population("recpop", 4, one_cell_type(cell_library, "bla_pn_adapting"), rec, mg_mM=1.0,
                          record_from=record_from)
    g = pop.group
    assert g.namespace[WINDOW_START] == record_from
    for c in rec:
        setattr(g, f"x_{c}", 2 * nS)  # non-zero from the start: the window must cut it off
    # random presynaptic-like increments, in the synapses slot as synapses and the background write them
    drive = g.run_regularly("\n".join(f"x_{c} += 3*nS*int(rand() < 0.02)" for c in rec), when="synapses")
    variables = [f"g_{c}" for c in rec] + ["mg_block"]
    mon = b2.StateMonitor(g, variables, record=True)  # every step, 'start' slot: the state the update sees
    net = b2.Network(g, drive, mon)

    net.run(record_from, namespace={})
    for c in rec:
        assert np.all(getattr(mon, f"g_{c}")[:, -1] > 0 * nS), f"g_{c} must be non-zero before the window"
        assert np.all(getattr(g, f"g_{c}_integral")[:] == 0), f"g_{c} integrated before record_from"
    net.run(window, namespace={})

    t = np.asarray(mon.t / second)
    inside = t >= float(record_from / second)
    assert inside.sum() == int(round(float(window / dt)))
    means = time_means(g, rec, float(window / second))
    for c, r in rec.items():
        trace = np.asarray(getattr(mon, f"g_{c}") / b2.siemens)
        if r.mg_block:
            trace = trace * np.asarray(mon.mg_block)
        expected = trace[:, inside].mean(axis=1)
        assert np.all(expected > 0)
        np.testing.assert_allclose(means[c], expected, rtol=1e-9, atol=0, err_msg=c)
    # the block matters: the NMDA mean is not the mean of the unblocked conductance
    assert not np.allclose(means["nmda"], np.asarray(mon.g_nmda / b2.siemens)[:, inside].mean(axis=1), rtol=1e-3)


def test_background_share_is_counted_exactly_enough(brian_runtime, receptor_library, cell_library):
    """Cells driven by background alone: the counted background share of each channel equals the integrated
    total (what is left, the recurrent share, is zero) in the population mean to 1e-3 (single cells: a few 1e-3,
    see time_means)."""
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(5)
    rec = receptors_from(receptor_library, {"ampa": "ampa", "kar": "kar"})
    pop = make_population("bgpop", 200, one_cell_type(cell_library, "bla_pn_adapting"), rec, mg_mM=1.0,
                          background_channels=["ampa", "kar"], record_from=0.5 * second)
    bg = poisson_background(pop, 100, 5 * Hz, ["ampa", "kar"])
    pop.group.bg_w_ampa, pop.group.bg_w_kar = 0.9 * nS, 0.054 * nS
    b2.Network(pop.group, bg).run(3 * second, namespace={})
    means = time_means(pop.group, rec, 2.5, ["ampa", "kar"])
    for c in rec:
        assert means[f"{c}@background"].mean() > 0
        np.testing.assert_allclose(means[f"{c}@background"].mean(), means[c].mean(), rtol=1e-3, err_msg=c)


# ---------------------------------------------------------------------------------- clock start order

# Generates a small standalone network with two clocks (a NeuronGroup on the default clock, a StateMonitor
# at 1 ms) in a fresh process. Brian2 writes the clock starts in the iteration order of a set of Clock objects
# (by address); the script regenerates the network (allocating a little in between, which moves the next
# clocks) until that natural order is the one asked for, builds it unsorted into OUT/raw, then calls
# _sort_clock_starts and builds it into OUT/sorted. compile=False: code generation only.
CLOCK_SCRIPT = r"""
import json, sys
from pathlib import Path
import brian2 as b2
from circuitsim.simulate import _sort_clock_starts, standalone_device

out, want = Path(sys.argv[1]), sys.argv[2]

def clock_order():
    starts = {f"_array_{c.name}_t" for c in b2.device.clocks}
    return [e[1][0] for e in b2.device.main_queue if e[0] == "set_by_single_value" and e[1][0] in starts]

class Pad:
    pass

padding, natural = [], None
for attempt in range(200):
    with standalone_device(out / "raw"):
        g = b2.NeuronGroup(3, "dv/dt = -v/(10*ms) : 1", method="euler", name="cells")
        mon = b2.StateMonitor(g, "v", record=True, dt=1*b2.ms, name="slow_monitor")
        b2.Network(g, mon).run(5*b2.ms, namespace={})
        natural = clock_order()
        if natural == sorted(natural, reverse=(want == "descending")):
            b2.device.build(directory=str(out / "raw"), compile=False, run=False)
            _sort_clock_starts(b2.device)
            b2.device.build(directory=str(out / "sorted"), compile=False, run=False)
            print(json.dumps({"natural": natural, "attempts": attempt + 1}))
            break
    del g, mon
    padding.append(Pad())
else:
    sys.exit(f"natural clock order {want} not seen in 200 attempts")
"""


def _sources(directory: Path) -> dict[str, bytes]:
    """Every generated source file (the build's inputs), by relative path."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and "results" not in p.relative_to(directory).parts}


@pytest.fixture(scope="module")
def clock_builds(tmp_path_factory):
    """Two processes, one whose natural clock order is ascending by name and one descending."""
    root = tmp_path_factory.mktemp("clock_order")
    procs = {want: subprocess.Popen([sys.executable, "-c", CLOCK_SCRIPT, str(root / want), want], cwd=root,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for want in ("ascending", "descending")}
    reports = {}
    for want, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr[-3000:]
        reports[want] = json.loads(stdout.strip().splitlines()[-1])
    return root, reports


def test_sorted_clock_starts_give_identical_code_across_processes(clock_builds):
    root, reports = clock_builds
    # the two processes really saw the two different orders
    assert reports["ascending"]["natural"] == list(reversed(reports["descending"]["natural"]))
    a, b = root / "ascending" / "sorted", root / "descending" / "sorted"
    assert (a / "main.cpp").read_bytes() == (b / "main.cpp").read_bytes()
    sources_a, sources_b = _sources(a), _sources(b)
    assert sources_a.keys() == sources_b.keys()
    assert [k for k in sources_a if sources_a[k] != sources_b[k]] == []  # nothing to recompile or relink


def test_unsorted_clock_starts_differ_between_processes(clock_builds):
    """Without the sort, the two natural orders give different main.cpp files, and only the clock starts
    differ (deterministic: each process waited for its order)."""
    root, _ = clock_builds
    a = (root / "ascending" / "raw" / "main.cpp").read_text().splitlines()
    b = (root / "descending" / "raw" / "main.cpp").read_text().splitlines()
    assert a != b
    assert sorted(a) == sorted(b)  # same lines, other order
    moved = {line.strip() for line, other in zip(a, b) if line != other}
    assert moved and all(line.startswith("_array_") and "clock" in line for line in moved), moved
