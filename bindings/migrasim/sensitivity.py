"""Sensitivity analysis: Morris elementary effects and Sobol indices, for any function or a scenario.

The estimators work on the unit cube and any vectorised function; :func:`morris` and :func:`sobol` at the
bottom run a scenario at the design's points (through :mod:`migrasim.studies`, so in a process pool and
with results that do not depend on the workers).

Formulas (written from their published descriptions):
- Morris (1991), "Factorial sampling plans for preliminary computational experiments", Technometrics 33:
  r trajectories of k + 1 points on a p-level grid, one factor moved by delta = p / (2 (p - 1)) per step;
  elementary effect EE_i = (y(x + delta e_i) - y(x)) / delta on the unit scale (that is, per whole range).
  mu = mean EE_i, sigma = its standard deviation, mu* = mean |EE_i| (Campolongo, Cariboni and Saltelli
  2007, Environmental Modelling & Software 22).
- Sobol indices with Saltelli sampling: matrices A, B (n rows, the two halves of a scrambled Sobol
  sequence in 2k dimensions, scipy.stats.qmc) and AB_i (A with column i from B); first order
  S_i = mean(f(B) (f(AB_i) - f(A))) / V (Saltelli et al. 2010, Computer Physics Communications 181, table 2,
  estimator b), total ST_i = mean((f(A) - f(AB_i))^2) / (2 V) (Jansen 1999, estimator f of the same table),
  V the variance of f over A and B together. Confidence intervals: percentile bootstrap over the n rows.
"""
from __future__ import annotations

import json
import math

import numpy as np

from . import api, studies


# ------------------------------------------------------------------------------------------- estimators
def morris_sample(k: int, trajectories: int, levels: int = 4, seed: int = 0):
    """A Morris design on [0, 1]^k: ``trajectories`` x (k + 1) points, and for each trajectory the factor
    moved at each step and its direction (+1 or -1). Returns (X, factors, directions)."""
    if k < 1 or trajectories < 2 or levels < 2 or levels % 2:
        raise ValueError(f"morris: got k={k}, trajectories={trajectories}, levels={levels}; expected k >= 1, "
                         "trajectories >= 2 and an even number of levels >= 2")
    rng = np.random.default_rng(seed)
    delta = levels / (2 * (levels - 1))
    grid = np.arange(levels // 2) / (levels - 1)  # base values whose + delta stays in [0, 1]
    X = np.empty((trajectories, k + 1, k))
    factors = np.empty((trajectories, k), dtype=int)
    directions = np.empty((trajectories, k))
    for t in range(trajectories):
        x = rng.choice(grid, size=k)
        d = rng.choice([-1.0, 1.0], size=k)
        x = np.where(d < 0, x + delta, x)
        order = rng.permutation(k)
        X[t, 0] = x
        for step, i in enumerate(order):
            x = x.copy()
            x[i] += d[i] * delta
            X[t, step + 1] = x
        factors[t] = order
        directions[t] = d[order]
    return X.reshape(-1, k), factors, directions * delta


def morris_analyze(Y, factors, steps, bootstrap: int = 200, confidence: float = 0.95, seed: int = 0) -> dict:
    """mu, mu*, sigma and a bootstrap interval of mu* per factor from the outputs of :func:`morris_sample`'s
    design (``steps``: its signed steps, direction x delta)."""
    trajectories, k = factors.shape
    Y = np.asarray(Y, dtype=float).reshape(trajectories, k + 1)
    ee = np.empty((trajectories, k))
    for t in range(trajectories):
        ee[t, factors[t]] = np.diff(Y[t]) / steps[t]
    rng = np.random.default_rng(seed)
    boot = np.abs(ee[rng.integers(0, trajectories, size=(bootstrap, trajectories))]).mean(axis=1)
    lo, hi = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2], axis=0)
    return {"mu": ee.mean(axis=0), "mu_star": np.abs(ee).mean(axis=0), "sigma": ee.std(axis=0, ddof=1),
            "mu_star_low": lo, "mu_star_high": hi}


def saltelli_sample(k: int, n: int, seed: int = 0):
    """The Saltelli design on [0, 1]^k: rows [A; B; AB_1; ...; AB_k], n each, so n (k + 2) in all."""
    from scipy.stats import qmc

    if k < 1 or n < 2:
        raise ValueError(f"sobol: got k={k}, n={n}; expected k >= 1 and n >= 2 (a power of 2 is best)")
    base = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(n)
    A, B = base[:, :k], base[:, k:]
    blocks = [A, B]
    for i in range(k):
        AB = A.copy()
        AB[:, i] = B[:, i]
        blocks.append(AB)
    return np.vstack(blocks)


def _sobol_from(fA, fB, fAB):
    V = np.var(np.concatenate([fA, fB]))
    if not V > 0:
        raise ValueError("sobol: the outcome does not vary over the design; the indices are undefined")
    S1 = np.mean(fB[:, None] * (fAB - fA[:, None]), axis=0) / V
    ST = 0.5 * np.mean((fA[:, None] - fAB) ** 2, axis=0) / V
    return S1, ST


def sobol_analyze(Y, k: int, bootstrap: int = 200, confidence: float = 0.95, seed: int = 0) -> dict:
    """First-order and total indices with percentile bootstrap intervals from the outputs of
    :func:`saltelli_sample`'s design."""
    Y = np.asarray(Y, dtype=float)
    n = Y.size // (k + 2)
    if Y.size != n * (k + 2):
        raise ValueError(f"sobol: {Y.size} outputs, expected n x (k + 2) with k = {k}")
    fA, fB = Y[:n], Y[n:2 * n]
    fAB = Y[2 * n:].reshape(k, n).T
    S1, ST = _sobol_from(fA, fB, fAB)
    rng = np.random.default_rng(seed)
    b1, bT = np.empty((bootstrap, k)), np.empty((bootstrap, k))
    for b in range(bootstrap):
        j = rng.integers(0, n, size=n)
        b1[b], bT[b] = _sobol_from(fA[j], fB[j], fAB[j])
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    (l1, h1), (lT, hT) = np.quantile(b1, q, axis=0), np.quantile(bT, q, axis=0)
    return {"S1": S1, "S1_low": l1, "S1_high": h1, "ST": ST, "ST_low": lT, "ST_high": hT}


# ------------------------------------------------------------------------------- parameters of a scenario
def _table_entries() -> dict:
    """Every parameter of the tables as {key pattern parts: entry}; '*' stands for a country, place or entry."""
    out = {}

    def walk(prefix, params):
        for p in params:
            parts = prefix + p["key"].split(".")
            kind = p["kind"]
            if kind.startswith("per_"):
                out[tuple(parts + ["*"])] = p
            elif kind == "records" and "fields" in p:
                walk(parts[:-1] + [parts[-1] + "[]"], p["fields"])
            elif kind == "keyed_records" and "fields" in p:
                walk(parts + ["*"], p["fields"])
            out[tuple(parts)] = p

    for section in json.loads(api._core.params_json())["sections"]:
        walk(section["path"].split("."), section["parameters"])
    return out


def _entry(key: str, entries: dict):
    import re

    parts = re.sub(r"\[[^\]]*\]", "[]", key).split(".")
    for pattern, p in entries.items():
        if len(pattern) == len(parts) and all(a == "*" or a == b for a, b in zip(pattern, parts)):
            return p
    return None


def _ranges(params) -> tuple:
    """The keys, their (low, high) ranges and whether each is a whole number."""
    if isinstance(params, dict):
        keys = list(params)
    elif isinstance(params, (list, tuple)):
        keys = list(params)
    else:
        raise ValueError(f"params: got {params!r}, expected a list of key paths or a dict key -> (low, high)")
    if not keys or len(set(keys)) != len(keys):
        raise ValueError("params: expected at least one key path, each once")
    entries = _table_entries()
    lows, highs, whole = [], [], []
    for key in keys:
        p = _entry(key, entries)
        if p is None:
            raise ValueError(f"params: no parameter {key!r} in the parameter tables (see `migrasim params`)")
        if p["kind"] not in ("number", "integer", "share", "per_country", "per_place"):
            raise ValueError(f"params[{key!r}]: a {p['kind']} parameter; expected a number, integer, share or a "
                             "per-country / per-place value")
        given = params[key] if isinstance(params, dict) else None
        if given is None:
            lo, hi = p.get("min"), p.get("max")
            if lo is None or hi is None:
                raise ValueError(f"params[{key!r}]: the table gives no range; give (low, high)")
        else:
            try:
                lo, hi = (float(v) for v in given)
            except (TypeError, ValueError):
                raise ValueError(f"params[{key!r}]: got {given!r}, expected (low, high)")
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"params[{key!r}]: range ({lo}, {hi}); expected finite low < high")
        tmin, tmax = p.get("min"), p.get("max")
        if (tmin is not None and lo < tmin) or (tmax is not None and hi > tmax):
            raise ValueError(f"params[{key!r}]: range ({lo}, {hi}) leaves the table's [{tmin}, {tmax}]")
        lows.append(float(lo))
        highs.append(float(hi))
        whole.append(p["kind"] == "integer")
    return keys, np.array(lows), np.array(highs), np.array(whole)


def _assignments(keys, values, whole) -> tuple:
    """``key=value`` overrides for one point (whole-number parameters written as integers)."""
    return tuple(f"{k}={int(round(v))}" if w else f"{k}={float(v)!r}" for k, v, w in zip(keys, values, whole))


def _validate_corners(scenario, keys, lows, highs, whole) -> None:
    """Loads the scenario at both corners of the ranges: a bad key or value raises ScenarioError at once
    (the points of a design stay inside the corners)."""
    for row in (lows, highs):
        scenario.with_overrides(*_assignments(keys, row, whole))


def _evaluate(scenario, keys, lows, highs, whole, U, outcome, seeds, workers, threads, progress, what, cluster):
    """The outcome (mean over the seeds) at each row of the unit-cube design U; and the values used."""
    values = lows + U * (highs - lows)
    values = np.where(whole, np.round(values), values)
    _validate_corners(scenario, keys, lows, highs, whole)
    seeds = studies._seeds(scenario, seeds)
    if callable(outcome):
        def reduce(ds):
            return studies._number(outcome(ds), "outcome()")
    else:
        name = studies._one_outcome(outcome)

        def reduce(ds):
            return studies._outcomes([name], ds)[name]
    tasks = [(_assignments(keys, row, whole), seed) for row in values for seed in seeds]
    n_workers, per_member = studies._plan(workers, threads, len(tasks), cluster)
    bar = studies._progress(progress, len(tasks), what)
    try:
        out, _ = studies._run_members(scenario, tasks, n_workers, per_member, bar, reduce=reduce, cluster=cluster)
    finally:
        if bar is not None:
            bar.close()
    return np.asarray(out, dtype=float).reshape(len(values), len(seeds)).mean(axis=1), values


def morris(scenario, params, outcome="sum:spawned", trajectories: int = 10, levels: int = 4, seed: int = 0,
           seeds=1, workers=None, threads=None, progress=None, bootstrap: int = 200, confidence: float = 0.95,
           cluster=None):
    """Morris screening of a scenario's parameters.

    Args:
        params: key paths (ranges from the parameter tables) or ``{key: (low, high)}``.
        outcome: one name (``"NAME"``: the last day's total, ``"sum:NAME"``: over every day) or a callable
            taking a member's dataset and returning a number.
        trajectories, levels: the design (r (k + 1) runs); ``seed`` draws it.
        seeds: the runs' seeds at each point (the outcome is their mean); by default the scenario's own, the
            same at every point (common random numbers).
        workers, threads, progress, cluster: as for :func:`migrasim.ensemble`.

    Returns a ``pandas.DataFrame`` indexed by the keys: ``mu``, ``mu_star``, ``sigma`` (per whole range of the
    parameter, in the outcome's units), ``mu_star_low`` / ``mu_star_high`` (bootstrap interval), ``low``,
    ``high``; sorted by ``mu_star``, largest first. ``.attrs["design"]`` holds the points and outcomes.
    """
    import pandas as pd

    scenario = api._as_scenario(scenario)
    keys, lows, highs, whole = _ranges(params)
    U, factors, steps = morris_sample(len(keys), trajectories, levels, seed)
    Y, values = _evaluate(scenario, keys, lows, highs, whole, U, outcome, seeds, workers, threads, progress,
                          "morris", cluster)
    # Integer parameters are rounded: use the steps actually taken (in units of each range).
    real = (values - lows) / (highs - lows)
    actual = np.diff(real.reshape(trajectories, len(keys) + 1, len(keys)), axis=1)
    steps = np.array([[actual[t, s, factors[t, s]] for s in range(len(keys))] for t in range(trajectories)])
    if np.any(steps == 0):
        raise ValueError("morris: an integer parameter's range is too narrow for the grid (a step rounds to 0)")
    r = morris_analyze(Y, factors, steps, bootstrap, confidence, seed)
    table = pd.DataFrame(r, index=pd.Index(keys, name="parameter"))
    table["low"], table["high"] = lows, highs
    table = table.sort_values("mu_star", ascending=False)
    table.attrs["design"] = pd.DataFrame(values, columns=keys).assign(outcome=Y)
    return table


def sobol(scenario, params, outcome="sum:spawned", n: int = 64, seed: int = 0, seeds=1, workers=None,
          threads=None, progress=None, bootstrap: int = 200, confidence: float = 0.95, cluster=None):
    """Sobol first-order and total indices of a scenario's parameters (Saltelli sampling, n (k + 2) runs).

    Arguments as for :func:`morris`; ``n`` the rows of each Saltelli matrix (a power of 2 is best).
    Returns a ``pandas.DataFrame`` indexed by the keys: ``S1``, ``S1_low``, ``S1_high``, ``ST``, ``ST_low``,
    ``ST_high``, ``low``, ``high``; ``.attrs["design"]`` holds the points and outcomes.
    """
    import pandas as pd

    scenario = api._as_scenario(scenario)
    keys, lows, highs, whole = _ranges(params)
    U = saltelli_sample(len(keys), n, seed)
    Y, values = _evaluate(scenario, keys, lows, highs, whole, U, outcome, seeds, workers, threads, progress,
                          "sobol", cluster)
    r = sobol_analyze(Y, len(keys), bootstrap, confidence, seed)
    table = pd.DataFrame(r, index=pd.Index(keys, name="parameter"))
    table["low"], table["high"] = lows, highs
    table.attrs["design"] = pd.DataFrame(values, columns=keys).assign(outcome=Y)
    return table
