"""Sensitivity analysis (migrasim.sensitivity): the estimators against analytic indices, and on a scenario."""
import math

import numpy as np
import pytest

import migrasim
from migrasim import sensitivity as sa


def ishigami(X, a=7.0, b=0.1):
    x = -math.pi + 2 * math.pi * np.asarray(X)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a=7.0, b=0.1):
    """Analytic first-order and total indices (Ishigami and Homma 1990; e.g. Saltelli et al. 2008, 4.6)."""
    pi4, pi8 = math.pi ** 4, math.pi ** 8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi8 * 8 / 225
    v = v1 + v2 + v13
    return np.array([v1, v2, 0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_estimators_recover_the_ishigami_indices():
    s1, st = ishigami_indices()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)  # the published values
    X = sa.saltelli_sample(3, 2 ** 14, seed=1)
    assert X.shape == (2 ** 14 * 5, 3)
    r = sa.sobol_analyze(ishigami(X), 3, bootstrap=100, seed=2)
    np.testing.assert_allclose(r["S1"], s1, atol=0.02)
    np.testing.assert_allclose(r["ST"], st, atol=0.02)
    assert np.all(r["S1_low"] <= r["S1"]) and np.all(r["S1"] <= r["S1_high"])
    assert np.all(r["ST_high"] - r["ST_low"] < 0.1)


def test_morris_ranks_the_ishigami_factors_and_finds_the_inert_one():
    X, factors, steps = sa.morris_sample(4, trajectories=200, levels=6, seed=3)
    assert X.shape == (200 * 5, 4)
    assert np.all((X >= 0) & (X <= 1))
    # Each step moves exactly one factor.
    moves = np.abs(np.diff(X.reshape(200, 5, 4), axis=1)) > 1e-12
    assert np.all(moves.sum(axis=2) == 1)
    Y = ishigami(X[:, :3])  # the fourth factor does nothing
    r = sa.morris_analyze(Y, factors, steps, seed=4)
    assert r["mu_star"][3] == 0 and r["sigma"][3] == 0
    assert r["mu_star"][0] > r["mu_star"][2] > 0
    # x3 acts only through its interaction with x1: large sigma relative to mu.
    assert abs(r["mu"][2]) < 0.5 * r["sigma"][2]
    # A linear function: mu = mu* = the slope over the whole range, sigma = 0.
    lin = sa.morris_analyze(X @ np.array([1.0, -2.0, 0.5, 0.0]), factors, steps)
    np.testing.assert_allclose(lin["mu"], [1.0, -2.0, 0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(lin["sigma"], 0, atol=1e-9)


def test_sensitivity_of_a_scenario_finds_the_parameter_that_drives_departures(mini):
    scenario = migrasim.load_scenario(mini, run__days=8)
    params = {"behaviour.economic.emigration_rate_per_day.ORI": (2e-4, 2e-3),
              "behaviour.economic.patience_days": (1, 9),
              "behaviour.economic.gravity.distance_exponent": (0.5, 2.0)}
    m = migrasim.morris(scenario, params, outcome="sum:spawned", trajectories=4, workers=1)
    assert list(m.index)[0] == "behaviour.economic.emigration_rate_per_day.ORI"
    assert m.loc["behaviour.economic.patience_days", "mu_star"] < 0.05 * m["mu_star"].iloc[0]
    assert len(m.attrs["design"]) == 4 * 4
    s = migrasim.sobol(scenario, params, outcome="sum:spawned", n=16, workers=2)
    assert s.loc["behaviour.economic.emigration_rate_per_day.ORI", "S1"] > 0.8
    assert s.loc["behaviour.economic.emigration_rate_per_day.ORI", "ST"] > 0.8
    assert abs(s.loc["behaviour.economic.patience_days", "ST"]) < 0.1
    again = migrasim.sobol(scenario, params, outcome="sum:spawned", n=16, workers=1)
    assert again.equals(s)  # the same whatever the workers


def test_ranges_come_from_the_tables_and_bad_parameters_are_named(mini):
    keys, lows, highs, whole = sa._ranges(["behaviour.economic.gravity.distance_exponent",
                                           "behaviour.economic.patience_days"])
    assert list(lows) == [0, 0] and list(highs) == [10, 65535] and list(whole) == [False, True]
    with pytest.raises(ValueError, match="no parameter 'behaviour.economic.speeed' in the parameter tables"):
        migrasim.morris(mini, ["behaviour.economic.speeed"])
    with pytest.raises(ValueError, match=r"range \(0.5, 2.0\) leaves the table's \[0, 1\]"):
        migrasim.sobol(mini, {"behaviour.economic.visa_share.DST": (0.5, 2.0)})
    with pytest.raises(ValueError, match="a per_country_series parameter"):
        migrasim.sobol(mini, ["behaviour.economic.push_index.ORI"])
    with pytest.raises(ValueError, match=r"expected finite low < high"):
        migrasim.sobol(mini, {"behaviour.economic.patience_days": (5, 5)})
