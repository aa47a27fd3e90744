"""The Grik4 study's circuit config: its run parameters, its manipulations and its own config checks."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import nS
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from circuitsim.config import ConfigError, prepare
from circuitsim.interventions import apply
from circuitsim.parts.network import run_parameters

from conftest import parsed

SIM = {"scale": 1.0, "duration": 3.0, "transient": 0.5}


@pytest.fixture(scope="module")
def circuit_cfg() -> dict:
    """configs/circuit/bla_cel.yaml composed (with the shared BLA circuit it includes), resolved and with its units
    parsed, as prepare does."""
    with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
        composed = compose("config", overrides=["circuit=bla_cel"])
    return parsed("circuit", OmegaConf.to_container(composed, resolve=True)["circuit"])


def rng(seed):
    return np.random.default_rng(seed)


def _values(circuit_cfg):
    return {k: p.fresh_default() for k, p in run_parameters(circuit_cfg, SIM).items()}


def test_run_parameters_of_bla_cel(circuit_cfg):
    params = run_parameters(circuit_cfg, SIM)
    kar = params["bla_pn.gain_kar"]
    assert kar.size == 800 and not kar.jitter and kar.unit is None
    np.testing.assert_array_equal(kar.default, np.ones(800))
    w = params["bla_rf.w_ampa"]
    assert w.size is None and w.jitter
    assert w.default == pytest.approx(1e-9)
    assert float(w.with_unit(w.default) / nS) == pytest.approx(1.0)
    # background weights are shared, presynaptic gains per neuron
    assert params["bla_pn.bg_w_kar"].size is None
    assert params["bla_pn.bg_w_kar"].default == pytest.approx(0.054e-9)
    assert params["bla_pn.rf_gain"].size == 800
    # only populations with a KAR channel get a KAR dosage
    assert "hpc_pn.gain_kar" in params and "bla_pv.gain_kar" not in params
    small = run_parameters(circuit_cfg, {**SIM, "scale": 0.25})
    assert small["bla_pn.gain_kar"].size == 200
    assert small["bla_rf.w_ampa"].default == w.default, "scale changes sizes, not weights"
    assert set(small) == set(params)


def test_grik4_oe_and_rescue_from_config(circuit_cfg):
    lib = circuit_cfg["manipulations"]
    n = circuit_cfg["populations"]["bla_pn"]["n"]
    phi = circuit_cfg["transduced_fraction"]
    gain = circuit_cfg["grik4_gain"]
    values = _values(circuit_cfg)
    oe = apply(values, lib["grik4_oe"], rng(1))
    np.testing.assert_allclose(oe["bla_pn.gain_kar"], gain)
    np.testing.assert_allclose(oe["hpc_pn.gain_kar"], gain)

    rescued = apply(oe, lib["bla_aav_cre"], rng(7))
    changed = rescued["bla_pn.gain_kar"] != oe["bla_pn.gain_kar"]
    assert changed.sum() == round(phi * n)
    np.testing.assert_allclose(rescued["bla_pn.gain_kar"][changed], 1.0)
    np.testing.assert_allclose(rescued["bla_pn.gain_kar"][~changed], gain)
    # one virus, one set of transduced cells for every gene it acts on
    rf_changed = rescued["bla_pn.rf_gain"] != oe["bla_pn.rf_gain"]
    np.testing.assert_array_equal(rf_changed, changed)
    # BLA-only: the hippocampal dosage stays raised
    np.testing.assert_allclose(rescued["hpc_pn.gain_kar"], gain)

    again = apply(oe, lib["bla_aav_cre"], rng(7))
    np.testing.assert_array_equal(again["bla_pn.gain_kar"], rescued["bla_pn.gain_kar"])
    other = apply(oe, lib["bla_aav_cre"], rng(8))
    assert not np.array_equal(other["bla_pn.gain_kar"], rescued["bla_pn.gain_kar"])

    gfp = apply(oe, lib["bla_aav_gfp"], rng(7))
    for k in oe:
        np.testing.assert_array_equal(gfp[k], oe[k])




def prepared(*overrides: str) -> dict:
    with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
        return prepare(compose("config", overrides=["experiment=grik4_rescue", *overrides]))


def test_hypothesis_selects_gains():
    h1 = prepared()["circuit"]
    h2 = prepared("circuit.hypothesis=H2")["circuit"]

    def factor(circuit, target):
        return next(s["factor"] for s in circuit["manipulations"]["grik4_oe"] if s["target"] == target)

    for circuit in (h1, h2):
        hyp = circuit["hypotheses"][circuit["hypothesis"]]
        assert factor(circuit, "bla_pn.rf_gain") == pytest.approx(hyp["rf_gain"])
        assert factor(circuit, "bla_pn.lf_gain") == pytest.approx(hyp["lf_gain"])
    assert factor(h1, "bla_pn.rf_gain") != factor(h2, "bla_pn.rf_gain")


@pytest.mark.parametrize(
    "overrides, message",
    [
        (("circuit.hypothesis=H3",), "H3"),
        (("circuit.transduced_fraction=1.2",), "transduced_fraction"),
        (("circuit.grik4_gain=-1",), "grik4_gain"),
        (("circuit.readouts.ei.population=cem",), "readouts.ei"),
        (("circuit=coba",), "runs on circuit 'bla_cel'"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_study_checks_reject(overrides, message):
    with initialize_config_module(version_base="1.3", config_module="circuitsim.configs"):
        cfg = compose("config", overrides=["experiment=grik4_rescue", *overrides])
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        prepare(cfg)
