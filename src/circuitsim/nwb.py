"""Write the simulated runs of one experiment call as one NWB file: spike trains and population rates.

Neurodata Without Borders (NWB 2, written with pynwb; Rübel et al. 2022, eLife 11:e78362) is the field's file
format for neurophysiology, read by pynwb, MatNWB and the viewers and archives built on them (NWB Widgets,
Neurosift, DANDI).
Optional: pynwb is imported only here, when ``nwb: true`` (``pip install 'circuitsim[nwb]'``).

What the file holds:

* ``units``: one row per simulated neuron of every run, silent neurons included (so the rows of a run are its
  population sizes), with ``spike_times`` (s, whole run) and the columns ``population``, ``neuron`` (index in its
  population), ``condition``, ``cohort``, ``mouse`` (index over every cohort's mice, as in results.nc),
  ``animal`` (the same number for the same virtual animal across conditions in a within design) and ``seed``
  (the run's Brian2 seed).
* processing module ``population_rates``: one TimeSeries ``<condition>_mouse<mouse>_<population>`` per run and
  population, in Hz, sampled every ``sim.rate_bin`` from the first bin centre (the ``rate_*`` series of
  results.nc).
* ``subject``: virtual mice (species Mus musculus; the model's animals, not recorded ones).

Only simulated conditions are written; selected ones (``select:``) are subsets of these runs. The session starts
at the fixed :data:`SESSION_START` (the runs have no date) and the identifier is a hash of the resolved config
(kept in ``notes``) and seed, so the same config writes the same content (only ``file_create_date``, when the file
was written, differs).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .readouts.activity import binned_rates

SESSION_START = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a fixed date for reproducible files: no real session
MODULE = "population_rates"
SUBJECT = "virtual mouse, circuitsim model"


def path(workdir: Path, cfg: dict) -> Path:
    """``<workdir>/<experiment>.nwb``; with ``replicates`` > 1 one file per replicate cohort (each is one
    ``experiment.run`` call with its own seed): ``<experiment>_seed<seed>.nwb``."""
    name = cfg["experiment"]["name"]
    return Path(workdir) / (f"{name}.nwb" if int(cfg.get("replicates", 1)) == 1 else f"{name}_seed{cfg['seed']}.nwb")


def write(target: Path, cfg: dict, runs: list[tuple[dict, object]], config_text: str = "") -> Path:
    """Write ``runs`` — (run facts: condition, cohort, mouse, animal, seed; RunOutput) — to ``target``."""
    from hdmf.common import VectorData, VectorIndex
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.file import Subject
    from pynwb.misc import Units

    exp, sim = cfg["experiment"], cfg["sim"]
    digest = hashlib.sha256(f"{exp['name']} {cfg['seed']}\n{config_text}".encode()).hexdigest()[:16]
    nwbfile = NWBFile(
        session_description=exp.get("title") or exp["name"],
        identifier=f"circuitsim-{exp['name']}-seed{cfg['seed']}-{digest}",
        session_start_time=SESSION_START,
        experiment_description=f"circuitsim experiment {exp['name']} on circuit {cfg['circuit']['name']}: "
                               f"{cfg['n_mice']} virtual mice per condition and cohort, seed {cfg['seed']}",
        notes=config_text or None,
        keywords=["simulation", "spiking network", "circuitsim"],
    )
    nwbfile.subject = Subject(subject_id="virtual-mice", species="Mus musculus", description=SUBJECT)

    columns = {k: [] for k in ("population", "neuron", "condition", "cohort", "mouse", "animal", "seed")}
    times, ends = [], []
    for facts, out in runs:
        for pop, n in out.sizes.items():
            idx, t = out.spikes[pop]
            order = np.lexsort((t, idx))  # spikes grouped by neuron, in time order
            idx, t = np.asarray(idx)[order], np.asarray(t, dtype=float)[order]
            times.append(t)
            base = ends[-1] if ends else 0
            ends.extend(base + np.searchsorted(idx, np.arange(n), side="right"))
            columns["population"] += [pop] * n
            columns["neuron"].append(np.arange(n))
            for key in ("condition", "cohort"):
                columns[key] += [str(facts[key])] * n
            for key in ("mouse", "animal", "seed"):
                columns[key].append(np.full(n, int(facts[key]), dtype=np.int64))
    described = {
        "population": "population the neuron belongs to (circuit.populations)",
        "neuron": "index of the neuron in its population",
        "condition": "experiment condition of the run",
        "cohort": "cohort of the virtual mouse (experiment.cohorts)",
        "mouse": "index of the virtual mouse over every cohort's mice (results.nc coordinate mouse)",
        "animal": "virtual animal id: equal across conditions for the same animal (within design)",
        "seed": "Brian2 random seed of the run (connectivity, initial state)",
    }
    spike_times = VectorData(name="spike_times", description="spike times (s) from the start of the run",
                             data=np.concatenate(times) if times else np.zeros(0))
    table = [spike_times, VectorIndex(name="spike_times_index", data=np.asarray(ends, dtype=np.int64),
                                      target=spike_times)]
    for key, text in described.items():
        values = columns[key]
        data = np.concatenate(values) if values and isinstance(values[0], np.ndarray) else values
        table.append(VectorData(name=key, description=text, data=data))
    nwbfile.units = Units(name="units", id=np.arange(len(ends)), columns=table, resolution=float(sim["dt"]),
                          description="every simulated neuron of every run (silent ones included); "
                                      "spike_times in s over the whole run")

    module = nwbfile.create_processing_module(MODULE, f"population firing rates (Hz) in bins of "
                                                      f"{sim['rate_bin']:g} s, one series per run and population")
    for facts, out in runs:
        centres, binned = binned_rates(out.spikes, out.sizes, sim["duration"], sim["rate_bin"])
        for pop, r in binned.items():
            module.add(TimeSeries(
                name=f"{facts['condition']}_mouse{facts['mouse']}_{pop}", data=np.asarray(r, dtype=float), unit="Hz",
                starting_time=float(centres[0]), rate=1.0 / sim["rate_bin"],
                description=f"mean rate of population {pop} in bins of {sim['rate_bin']:g} s (sample time = "
                            f"bin centre); condition {facts['condition']}, cohort {facts['cohort']}, "
                            f"mouse {facts['mouse']}",
                comments=f"seed {facts['seed']}"))

    target = Path(target)
    with NWBHDF5IO(str(target), "w") as io:
        io.write(nwbfile)
    return target
