"""Poisson background drive: N independent afferents at a fixed rate onto each neuron.

The N afferents together are one Poisson process of rate N*rate, so the number of afferent spikes in a time
step is k ~ Poisson(mu), mu = N*rate*dt, independently per neuron and step. Every background channel then
receives ``k * bg_w_<channel> * gain_<channel>``: every channel of a population's background is driven by the
same afferents (e.g. AMPA and KAR of one glutamatergic input). The shared weight ``bg_w`` carries a virtual mouse's jitter, the
per-neuron ``gain`` a receptor dosage.

A population may have several independent sources, e.g. a balanced excitatory and inhibitory background: then
``background`` names them, ``{exc: {n_inputs, rate, weights: {ampa: ...}}, inh: {..., weights: {gaba: ...}}}``
(:func:`sources`), and a named source's weights are ``bg_<name>_w_<channel>``. A source may be gated by a protocol
signal (``gate: shock``): its events count only while the signal is on (times its value), e.g. footshock afferents.

Drawing k in every step costs one random number per neuron and step although k is 0 in ~95% of them. Instead
each neuron keeps a countdown ``bg_countdown`` of steps to its next step with k >= 1: the gap between such
steps is geometric, G = 1 + floor(-ln(U)/mu), and k in that step is Poisson(mu) conditioned on k >= 1. This is
the same process, exactly (steps are independent, so the gaps are geometric), at one integer decrement per
neuron and step and two random numbers per event step. Implemented as one named ``run_regularly``
operation per population (deterministic names keep the generated code identical between builds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import brian2 as b2
import numpy as np
from brian2.core.functions import DEFAULT_FUNCTIONS, Function

from . import recording

if TYPE_CHECKING:
    from .neurons import Population


def sources(spec: dict | None) -> dict[str, dict]:
    """A population's background sources by suffix: ``{"": spec}`` for the single form (it has ``weights``),
    ``{"_<name>": source}`` for named sources."""
    spec = spec or {}
    found = {"": spec} if "weights" in spec or not spec else {f"_{k}": v for k, v in spec.items()}
    return {k: v for k, v in found.items() if v}


def weight_name(suffix: str, channel: str) -> str:
    """The shared weight variable of one source's channel: ``bg_w_<c>`` (single form), ``bg_<name>_w_<c>``."""
    return f"bg{suffix}_w_{channel}"


def countdown(suffix: str = "") -> str:
    """The per-neuron countdown variable of one source (see the module docstring)."""
    return f"bg_countdown{suffix} : integer  # steps to this neuron's next background event (parts.background)\n"


COUNTDOWN = countdown()


def poisson_background(pop: Population, n_inputs: int, rate, channels: list[str], suffix: str = "",
                       gate: str | None = None):
    """One background operation onto every neuron of ``pop`` (runs in the synapses slot, like PoissonInput);
    ``suffix`` names a source of several (its countdown variable ``bg_countdown<suffix>``), ``gate`` a signal
    that scales its events."""
    mu = float(n_inputs * rate * pop.group.clock.dt)
    if not mu > 0:
        raise ValueError(f"population {pop.name}: background needs n_inputs > 0 and rate > 0 (got {n_inputs}, {rate})")
    base = f"{pop.name}_background{suffix}"
    events, gap, var = f"{base}_events", f"{base}_gap", f"bg_countdown{suffix}"
    pop.group.namespace[events] = _events_function(events, mu)
    pop.group.namespace[gap] = _gap_function(gap, mu)
    pop.group.namespace[f"{base}_mu"] = mu
    setattr(pop.group, var, f"1 + int(-log(1 - rand())/{base}_mu)")  # stationary start
    counted = "bg_count" in pop.group.variables  # the background's share of recorded conductances (recording)
    if gate:  # while the gate is off the countdown is held (shown as > 1: no event, no draw); exact, gaps are memoryless
        held = f"{var} + 2*int({gate}(t) <= 0)"
        code = (f"k_background = {events}({held})\n"
                f"{var} = {gap}({held}) - int({gate}(t) <= 0)\n")
    else:
        code = f"k_background = {events}({var})\n{var} = {gap}({var})\n"
    code = (code
            + "\n".join(f"x_{c} += k_background*{weight_name(suffix, c)}*gain_{c}{f'*{gate}(t)' if gate else ''}"
                        for c in channels)
            + (f"\nbg_count += k_background*int(t >= {recording.WINDOW_START})" if counted else ""))
    return pop.group.run_regularly(code, when="synapses", name=base)


def truncated_poisson_pmf(mu: float, k_max: int) -> np.ndarray:
    """P(k | k >= 1) for k = 1..k_max of a Poisson(mu) count."""
    k = np.arange(1, k_max + 1)
    log_p = k * np.log(mu) - mu - np.cumsum(np.log(k)) - np.log(-np.expm1(-mu))
    return np.exp(log_p)


# Each function takes the countdown: "events" is 0 unless the countdown is at this step (<= 1), "gap" counts
# down or, at an event step, draws the next gap. Random numbers are drawn only at event steps.
def _events_function(name: str, mu: float) -> Function:
    p1 = float(truncated_poisson_pmf(mu, 1)[0])
    cpp = f"""
    static inline int32_t {name}(const int32_t countdown, const int _vectorisation_idx)
    {{
        if (countdown > 1) return 0;
        double u = _rand(_vectorisation_idx), p = {p1!r}, cdf = p;
        int32_t k = 1;
        while (u > cdf && k < 10000) {{ k++; p *= {mu!r}/k; cdf += p; }}
        return k;
    }}
    """

    def numpy_events(countdown, _vectorisation_idx):
        countdown = np.asarray(countdown)
        k = np.zeros(countdown.shape, dtype=np.int32)
        fire = countdown <= 1
        u = np.random.rand(int(fire.sum()))
        pmf = truncated_poisson_pmf(mu, 64)
        k[fire] = 1 + np.searchsorted(np.cumsum(pmf), u)
        return k

    return _function(name, cpp, numpy_events)


def _gap_function(name: str, mu: float) -> Function:
    cpp = f"""
    static inline int32_t {name}(const int32_t countdown, const int _vectorisation_idx)
    {{
        if (countdown > 1) return countdown - 1;
        const double g = -logf((float)(1.0 - _rand(_vectorisation_idx)))/{mu!r};  // float log: ~2x faster
        return g < 1e9 ? 1 + (int32_t)g : 1000000000;
    }}
    """

    def numpy_gap(countdown, _vectorisation_idx):
        countdown = np.asarray(countdown)
        out = (countdown - 1).astype(np.int32)
        fire = countdown <= 1
        g = -np.log(1.0 - np.random.rand(int(fire.sum()))) / mu
        out[fire] = np.where(g < 1e9, 1 + np.minimum(g, 1e9).astype(np.int32), 1_000_000_000)
        return out

    return _function(name, cpp, numpy_gap)


def _function(name: str, cpp: str, numpy_impl) -> Function:
    f = Function(lambda countdown: numpy_impl(countdown, 1), arg_units=[1], return_unit=1,
                 arg_types=["integer"], return_type="integer", stateless=False, auto_vectorise=True)
    f.implementations.add_implementation("numpy", numpy_impl, name=name)
    f.implementations.add_implementation("cpp", {"support_code": cpp}, name=name,
                                         dependencies={"_rand": DEFAULT_FUNCTIONS["rand"]})
    return f
