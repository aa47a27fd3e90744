"""BOLD signal as an observation model: the Balloon-Windkessel model (Buxton, Wong & Frank 1998; Friston et al. 2000)
driven by a flow-inducing input, read out with the classic (Friston et al. 2003) or the revised (Stephan et al. 2007)
coefficients. It takes activity in and never changes a circuit; any circuit can use it.

    ds/dt = u(t) - s/tau_s - (f - 1)/tau_f                 vasodilatory signal
    df/dt = s                                             inflow
    tau_0 dv/dt = f - v**(1/alpha)                        venous volume
    tau_0 dq/dt = f*(1 - (1 - E0)**(1/f))/E0 - v**(1/alpha)*q/v     deoxyhaemoglobin
    BOLD (%) = V0*(k1*(1 - q) + k2*(1 - q/v) + k3*(1 - v))

    classic:  k1 = 7 E0,            k2 = 2,                  k3 = 2 E0 - 0.2
    revised:  k1 = 4.3 nu0 E0 TE,   k2 = epsilon r0 E0 TE,   k3 = 1 - epsilon

Parameter sets live in ``configs/hemodynamics/library.yaml``. A time scale ``time_scale`` (mouse haemodynamics
are faster, BRIEF §2: 2-2.5) divides tau_s, tau_f and tau_0. Integrated with Heun's method at the input's step from
rest (s = 0, f = v = q = 1), the input held over each step as TVB's ``BalloonModel`` does.

Readout ``bold`` (config: ``{type: bold, population: bla_pn, reference: 2 Hz, gain: 1, model:
${hemodynamics.friston2003}, time_scale: 2.2, dt: 10 ms}``): the population rate in bins of ``dt`` drives
``u = gain*(r/reference - 1)`` from the end of the transient on (0 before, so the vessel starts at rest). A circuit
that simulates its own blood flow (a vessel group whose inflow ``f`` feeds back on neurons) gives ``flow:
<group>.<variable>`` instead: that recorded trace is the inflow, and only the venous balloon (v, q) is integrated
(:func:`windkessel`). Measures ``<name>`` (mean BOLD over the window, %) and ``<name>_peak`` (its largest value in the
window, %).
"""

from __future__ import annotations

import numpy as np

MODEL_KEYS = {"classic": {"tau_s", "tau_f", "tau_0", "alpha", "E0", "V0"},
              "revised": {"tau_s", "tau_f", "tau_0", "alpha", "E0", "V0", "TE", "epsilon", "nu0", "r0"}}
UNITS = {"tau_s": "second", "tau_f": "second", "tau_0": "second", "alpha": "1", "E0": "1", "V0": "1", "TE": "second",
         "epsilon": "1", "nu0": "Hz", "r0": "Hz"}


def coefficients(model: dict) -> tuple[float, float, float]:
    """(k1, k2, k3) of the model's output equation."""
    E0 = float(model["E0"])
    if model["output"] == "classic":
        return 7.0 * E0, 2.0, 2.0 * E0 - 0.2
    TE, eps = float(model["TE"]), float(model["epsilon"])
    return 4.3 * float(model["nu0"]) * E0 * TE, eps * float(model["r0"]) * E0 * TE, 1.0 - eps


def _venous(v, q, f, tau_0: float, alpha: float, E0: float):
    """dv/dt and dq/dt of the venous balloon at inflow ``f``."""
    outflow = v ** (1 / alpha)
    return (f - outflow) / tau_0, (f * (1.0 - (1.0 - E0) ** (1.0 / f)) / E0 - outflow * q / v) / tau_0


def _signal(v, q, model: dict):
    """BOLD (%) from venous volume and deoxyhaemoglobin."""
    k1, k2, k3 = coefficients(model)
    return float(model["V0"]) * (k1 * (1 - q) + k2 * (1 - q / v) + k3 * (1 - v))


def balloon(u, dt: float, model: dict, time_scale: float = 1.0) -> dict:
    """Integrate the model for input samples ``u`` (one per step of ``dt`` s); returns s, f, v, q and bold (%), one
    value per sample (the state after that sample's step; the first sample is the rest state)."""
    u = np.asarray(u, dtype=float)
    tau_s, tau_f, tau_0 = (float(model[k]) / time_scale for k in ("tau_s", "tau_f", "tau_0"))
    alpha, E0 = float(model["alpha"]), float(model["E0"])

    def rhs(x, drive):
        s, f, v, q = x
        return np.array([drive - s / tau_s - (f - 1.0) / tau_f, s, *_venous(v, q, f, tau_0, alpha, E0)])

    out = np.empty((len(u), 4))
    x = np.array([0.0, 1.0, 1.0, 1.0])
    out[0] = x
    for k in range(1, len(u)):
        d1 = rhs(x, u[k])
        d2 = rhs(x + dt * d1, u[k])
        x = x + 0.5 * dt * (d1 + d2)
        out[k] = x
    s, f, v, q = out.T
    return {"s": s, "f": f, "v": v, "q": q, "bold": _signal(v, q, model)}


def windkessel(f, dt: float, model: dict, time_scale: float = 1.0) -> dict:
    """The venous balloon driven by an inflow time course ``f`` (one sample per step of ``dt`` s, 1 = rest): v, q and
    bold (%), integrated like :func:`balloon` (Heun, the inflow held at its sample over each step)."""
    f = np.asarray(f, dtype=float)
    tau_0 = float(model["tau_0"]) / time_scale
    alpha, E0 = float(model["alpha"]), float(model["E0"])

    v, q = np.ones(len(f)), np.ones(len(f))
    for k in range(1, len(f)):
        dv1, dq1 = _venous(v[k - 1], q[k - 1], f[k], tau_0, alpha, E0)
        dv2, dq2 = _venous(v[k - 1] + dt * dv1, q[k - 1] + dt * dq1, f[k], tau_0, alpha, E0)
        v[k], q[k] = v[k - 1] + 0.5 * dt * (dv1 + dv2), q[k - 1] + 0.5 * dt * (dq1 + dq2)
    return {"v": v, "q": q, "bold": _signal(v, q, model)}


def bold_measures(spec: dict, circuit: dict) -> dict:
    from . import Measure
    source = spec.get("flow") or circuit["populations"][spec["population"]].get("label", spec["population"])
    label = spec.get("label", f"BOLD ({source})")
    return {spec["_name"]: Measure("%", label), f"{spec['_name']}_peak": Measure("%", f"{label}, peak")}


def bold_check(spec: dict, circuit: dict, windows: list, earlier: dict) -> None:
    where = f"circuit.readouts.{spec['_name']}"
    if ("flow" in spec) == ("population" in spec):
        raise ValueError(f"{where}: give either population (a rate drives the vessel) or flow (a recorded inflow "
                         "trace <group>.<variable>)")
    if "population" in spec and spec["population"] not in circuit["populations"]:
        raise ValueError(f"{where}.population={spec.get('population')!r} is not a population")
    if "flow" in spec and (not isinstance(spec["flow"], str) or spec["flow"].count(".") != 1):
        raise ValueError(f"{where}.flow={spec['flow']!r}: name a recorded trace as <group>.<variable>")
    model = spec.get("model") or {}
    if model.get("output") not in MODEL_KEYS or not MODEL_KEYS[model["output"]] <= set(model):
        raise ValueError(f"{where}.model: a hemodynamics set (configs/hemodynamics) with output classic or revised "
                         "and its parameters")
    for key in ("reference", "time_scale", "dt"):
        if key in spec and not float(spec[key]) > 0:
            raise ValueError(f"{where}.{key} must be > 0")


def bold_series(spec: dict, view) -> dict:
    """The run's BOLD time course (%), from the start of the run: ``{<name>: (times in s, bold)}``."""
    scale = float(spec.get("time_scale", 1.0))
    if "flow" in spec:
        if spec["flow"] not in view.traces:
            raise ValueError(f"readout {spec['_name']}: the circuit records no trace {spec['flow']!r} "
                             f"(recorded: {', '.join(view.traces) or 'none'})")
        times, f = (np.asarray(x, dtype=float) for x in view.traces[spec["flow"]])
        return {spec["_name"]: (times, windkessel(f, float(times[1] - times[0]), spec["model"], scale)["bold"])}
    dt = float(spec.get("dt", 0.01))
    p = spec["population"]
    start = min(w[0] for w in view.epochs.values())  # the end of the transient: the analysed window's start
    stop = max(w[1] for w in view.epochs.values())
    edges = np.arange(0.0, stop + dt / 2, dt)
    _, t = view.spikes[p]
    rate = np.histogram(t, edges)[0] / (view.sizes[p] * dt)
    times = edges[:-1] + dt / 2
    u = np.where(times >= start, float(spec.get("gain", 1.0)) * (rate / float(spec["reference"]) - 1.0), 0.0)
    return {spec["_name"]: (times, balloon(u, dt, spec["model"], scale)["bold"])}


def bold_readout(spec: dict, view) -> dict:
    """Mean and peak of the run's BOLD time course over the view's window."""
    times, bold = bold_series(spec, view)[spec["_name"]]
    a, b = view.window
    inside = (times >= a) & (times < b)
    name = spec["_name"]
    return {name: float(np.mean(bold[inside])), f"{name}_peak": float(np.max(bold[inside]))}
