"""Calibration by approximate Bayesian computation (ABC) against observed series, with a held-out check.

    >>> cal = migrasim.calibrate(scenario, {"behaviour.economic.emigration_rate_per_day.ORI": (1e-4, 3e-3)},
    ...                          observed=obs, simulate=lambda ds: ds["spawned"].values, fit=slice(0, 60),
    ...                          distance="rmse", method="smc", particles=100, generations=4)
    >>> cal.summary(); cal.holdout

Methods (written from their published descriptions):
- rejection: draw from the uniform prior over the ranges, keep the ``accept`` share closest to the data
  (Pritchard et al. 1999, Molecular Biology and Evolution 16).
- smc: sequential Monte Carlo (Toni et al. 2009, J. R. Soc. Interface 6; the weights and the Gaussian
  kernel with twice the weighted covariance of the previous population: Beaumont et al. 2009, Biometrika
  96). Each generation's tolerance is the ``accept`` quantile of the previous generation's distances.

Every run uses its own seed (the scenario's seed plus the candidate's index), so the posterior carries the
model's noise; candidates are proposed in batches from a seeded generator and accepted in the order they
were proposed, so the result does not depend on the workers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import api, sensitivity, studies


# -------------------------------------------------------------------------------------------- distances
def rmse(sim, obs) -> float:
    """Root mean square error over every value."""
    sim, obs = np.asarray(sim, dtype=float), np.asarray(obs, dtype=float)
    return float(np.sqrt(np.mean((sim - obs) ** 2)))


def ard(sim, obs) -> float:
    """Flee's averaged relative difference (docs/flee.md): the mean over days (rows) of
    sum_c |sim - obs| / max(sum_c obs, 1) over the series (columns)."""
    sim, obs = _2d(sim), _2d(obs)
    return float(np.mean(np.abs(sim - obs).sum(axis=1) / np.maximum(obs.sum(axis=1), 1)))


def ard_rescaled(sim, obs) -> float:
    """ARD with each day's simulated values rescaled to the observed total of that day (Flee's rescaled
    ARD: the spread among the series, not the total)."""
    sim, obs = _2d(sim), _2d(obs)
    total = sim.sum(axis=1, keepdims=True)
    scaled = np.where(total > 0, np.floor(sim * obs.sum(axis=1, keepdims=True) / np.where(total > 0, total, 1)),
                      sim)
    return ard(scaled, obs)


def relative(sim, obs) -> float:
    """Mean relative error over named targets (values): mean |sim - obs| / max(|obs|, 1)."""
    sim, obs = np.asarray(sim, dtype=float).ravel(), np.asarray(obs, dtype=float).ravel()
    return float(np.mean(np.abs(sim - obs) / np.maximum(np.abs(obs), 1)))


DISTANCES = {"rmse": rmse, "ard": ard, "ard_rescaled": ard_rescaled, "relative": relative}


def _2d(a):
    a = np.asarray(a, dtype=float)
    return a.reshape(-1, 1) if a.ndim == 1 else a.reshape(a.shape[0], -1)


def _distance(distance):
    if callable(distance):
        return distance
    if distance not in DISTANCES:
        raise ValueError(f"distance: got {distance!r}, expected one of {', '.join(DISTANCES)} or a callable "
                         "(simulated, observed) -> number")
    return DISTANCES[distance]


# ------------------------------------------------------------------------------------------------ result
@dataclass
class Calibration:
    """What :func:`calibrate` found.

    Attributes:
        samples: a pandas DataFrame of the accepted parameter values with ``distance`` and ``weight``
            (weights sum to 1).
        generations: a pandas DataFrame per generation: ``tolerance``, ``runs``, ``accepted``.
        runs: simulations run in all.
        fit_error, holdout: the distance of the posterior-mean parameters' simulation (mean over
            ``check_seeds`` seeds) on the fitted part of the data and on the held-out part (None when
            nothing was held out).
        check: a pandas DataFrame of the observed and the posterior-mean simulated values, with a ``part``
            column (fit / held out).
    """

    samples: object
    generations: object
    runs: int
    fit_error: float
    holdout: float | None
    check: object

    def summary(self):
        """Weighted mean, standard deviation and 5 %, 50 %, 95 % quantiles of each parameter."""
        import pandas as pd

        w = self.samples["weight"].to_numpy()
        rows = {}
        for key in self.samples.columns[:-2]:
            x = self.samples[key].to_numpy(dtype=float)
            mean = float(np.sum(w * x))
            order = np.argsort(x)
            cum = np.cumsum(w[order])
            q = [float(x[order][min(np.searchsorted(cum, p), len(x) - 1)]) for p in (0.05, 0.5, 0.95)]
            rows[key] = {"mean": mean, "sd": float(np.sqrt(np.sum(w * (x - mean) ** 2))), "q05": q[0],
                         "median": q[1], "q95": q[2]}
        return pd.DataFrame(rows).T

    def mean(self) -> dict:
        """The posterior mean of each parameter."""
        return self.summary()["mean"].to_dict()


# ---------------------------------------------------------------------------------------------- calibrate
def _mask(fit, n: int):
    if fit is None:
        return np.ones(n, dtype=bool)
    m = np.zeros(n, dtype=bool)
    if isinstance(fit, slice):
        m[fit] = True
    else:
        fit = np.asarray(fit)
        if fit.dtype == bool:
            if fit.shape != (n,):
                raise ValueError(f"fit: a mask of {fit.shape[0]} values, expected one per observed row ({n})")
            m = fit.copy()
        else:
            m[fit.astype(int)] = True
    if not m.any():
        raise ValueError("fit: selects no observed row; expected at least one")
    return m


def calibrate(scenario, params: dict, observed, simulate, fit=None, distance="rmse", method: str = "smc",
              particles: int = 100, generations: int = 4, accept: float = 0.3, seed: int = 0,
              check_seeds: int = 5, max_runs: int = 100000, workers=None, threads=None, cluster=None):
    """Fit parameters of a scenario to observed series by ABC and check them on data the fit did not see.

    Args:
        params: ``{key path: (low, high)}``: a uniform prior over each range (as for :func:`migrasim.sobol`;
            a list of keys takes the parameter tables' ranges).
        observed: the data, an array (rows: days or targets; columns: series) or a pandas object.
        simulate: a callable taking a member's ``xarray.Dataset`` and returning values shaped as
            ``observed``.
        fit: the rows fitted (a slice, indices or a boolean mask); the others are held out and only
            scored at the end. ``None``: all rows (then there is no held-out check).
        distance: ``"rmse"``, ``"ard"`` (Flee's), ``"ard_rescaled"``, ``"relative"`` or a callable
            (simulated, observed) -> number.
        method: ``"rejection"`` (``particles / accept`` prior draws, the closest ``accept`` share kept) or
            ``"smc"`` (``generations`` populations of ``particles``).
        accept: the share kept (rejection) or the quantile that sets the next tolerance (smc).
        seed: draws the candidates; run k uses the scenario's seed + k.
        check_seeds: seeds of the posterior-mean check.
        max_runs: a bound on the simulations (a RuntimeError when reached).
        workers, threads, cluster: as for :func:`migrasim.ensemble`.
    """
    scenario = api._as_scenario(scenario)
    keys, lows, highs, whole = sensitivity._ranges(params)
    obs_all = _2d(observed.to_numpy() if hasattr(observed, "to_numpy") else observed)
    mask = _mask(fit, obs_all.shape[0])
    dist = _distance(distance)
    if method not in ("rejection", "smc"):
        raise ValueError(f"method: got {method!r}, expected 'rejection' or 'smc'")
    if not (isinstance(particles, int) and particles >= 2):
        raise ValueError(f"particles: got {particles!r}, expected a whole number >= 2")
    if not 0 < accept < 1:
        raise ValueError(f"accept: got {accept!r}, expected a share in (0, 1)")
    rng = np.random.default_rng(seed)
    k = len(keys)
    n_workers, per_member = studies._plan(workers, threads, particles, cluster)
    state = {"runs": 0}
    sensitivity._validate_corners(scenario, keys, lows, highs, whole)
    simulated = _shaped(simulate, obs_all.shape)

    def evaluate(thetas, seeds):
        """Distances on the fitted rows of candidates ``thetas`` run with ``seeds``."""
        if state["runs"] + len(thetas) > max_runs:
            raise RuntimeError(f"calibrate: max_runs ({max_runs}) reached; widen the tolerance (accept) or "
                               "give a larger max_runs")
        tasks = [(sensitivity._assignments(keys, theta, whole), int(s)) for theta, s in zip(thetas, seeds)]
        out, _ = runner.run(tasks, reduce=lambda ds: dist(simulated(ds)[mask], obs_all[mask]))
        state["runs"] += len(thetas)
        return np.asarray(out, dtype=float)

    def draw_prior(n):
        u = rng.random((n, k))
        theta = lows + u * (highs - lows)
        return np.where(whole, np.round(theta), theta)

    base_seed = scenario.seed
    history = []
    with studies._Runner(scenario, n_workers, per_member, cluster) as runner:
        theta, d, w = _abc(method, particles, generations, accept, rng, lows, highs, whole, k, draw_prior,
                           evaluate, base_seed, state, history)
        mean = np.sum(w[:, None] * theta, axis=0)
        check = _check(runner, sensitivity._assignments(keys, mean, whole), base_seed, check_seeds, simulated)
        state["runs"] += check_seeds
    return _result(keys, whole, theta, d, w, history, state, check, dist, obs_all, mask)


def _abc(method, particles, generations, accept, rng, lows, highs, whole, k, draw_prior, evaluate, base_seed,
         state, history):
    """The accepted particles, their distances and weights."""
    if method == "rejection":
        n = int(np.ceil(particles / accept))
        theta = draw_prior(n)
        d = evaluate(theta, base_seed + np.arange(n))
        keep = np.argsort(d, kind="stable")[:particles]
        theta, d, w = theta[keep], d[keep], np.full(particles, 1.0 / particles)
        history.append({"tolerance": float(d.max()), "runs": n, "accepted": particles})
    else:
        theta = draw_prior(particles)
        d = evaluate(theta, base_seed + np.arange(particles))
        w = np.full(particles, 1.0 / particles)
        history.append({"tolerance": float("inf"), "runs": particles, "accepted": particles})
        for _ in range(1, generations):
            tol = float(np.quantile(d, accept))
            cov = 2 * np.atleast_2d(np.cov(theta.T, aweights=w)) + 1e-12 * np.diag((highs - lows) ** 2)
            chol = np.linalg.cholesky(cov)
            new_t, new_d, runs = [], [], 0
            while len(new_t) < particles:
                batch = max(1, particles // 2)  # not the workers: the draws must not depend on them
                parents = rng.choice(particles, size=batch, p=w)
                cand = theta[parents] + rng.standard_normal((batch, k)) @ chol.T
                cand = np.where(whole, np.round(cand), cand)
                inside = np.all((cand >= lows) & (cand <= highs), axis=1)
                cand = cand[inside]
                if len(cand) == 0:
                    continue
                dc = evaluate(cand, base_seed + state["runs"] + np.arange(len(cand)))
                runs += len(cand)
                for c, dd in zip(cand, dc):
                    if dd <= tol and len(new_t) < particles:
                        new_t.append(c)
                        new_d.append(dd)
            new_t, new_d = np.array(new_t), np.array(new_d)
            # Weights: uniform prior over the box / the kernel mixture of the previous population.
            inv = np.linalg.inv(cov)
            diff = new_t[:, None, :] - theta[None, :, :]
            kern = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
            new_w = 1.0 / (kern @ w)
            theta, d, w = new_t, new_d, new_w / new_w.sum()
            history.append({"tolerance": tol, "runs": runs, "accepted": particles})
    return theta, d, w


def _shaped(simulate, shape):
    """``simulate`` checked to return values of the observed shape."""
    def simulated(ds):
        values = _2d(simulate(ds))
        if values.shape != shape:
            raise ValueError(f"simulate: returned values of shape {values.shape}, expected the observed "
                             f"shape {shape}")
        return values
    return simulated


def check_seeds_of(base_seed, check_seeds):
    """The seeds of the checks of a point (the posterior mean, the scenario as given): fresh ones, not those
    of the fit's runs."""
    return [base_seed + 10 ** 6 + s for s in range(check_seeds)]


def _check(runner, assignments, base_seed, check_seeds, simulated):
    """The simulation of one point, mean over the check seeds."""
    sims, _ = runner.run([(assignments, seed) for seed in check_seeds_of(base_seed, check_seeds)],
                         reduce=simulated)
    return np.mean(np.stack(sims), axis=0)


def _scored(sim_mean, obs_all, mask, dist):
    """The distance on the fitted rows, on the held-out rows (None when none), and both series side by side."""
    import pandas as pd

    fit_error = float(dist(sim_mean[mask], obs_all[mask]))
    holdout = float(dist(sim_mean[~mask], obs_all[~mask])) if (~mask).any() else None
    check = pd.DataFrame({"row": np.repeat(np.arange(obs_all.shape[0]), obs_all.shape[1]),
                          "series": np.tile(np.arange(obs_all.shape[1]), obs_all.shape[0]),
                          "observed": obs_all.ravel(), "simulated": sim_mean.ravel(),
                          "part": np.repeat(np.where(mask, "fit", "held out"), obs_all.shape[1])})
    return fit_error, holdout, check


def _result(keys, whole, theta, d, w, history, state, sim_mean, dist, obs_all, mask):
    import pandas as pd

    samples = pd.DataFrame(theta, columns=keys)
    for key, wh in zip(keys, whole):
        if wh:
            samples[key] = samples[key].round().astype(int)
    samples["distance"] = d
    samples["weight"] = w
    generations_table = pd.DataFrame(history)
    generations_table.index.name = "generation"

    fit_error, holdout, check = _scored(sim_mean, obs_all, mask, dist)
    return Calibration(samples, generations_table, state["runs"], fit_error, holdout, check)


# -------------------------------------------------------------------------------------- history matching
@dataclass
class HistoryMatch:
    """What :func:`history_match` found.

    Attributes:
        waves: a pandas DataFrame per wave: ``runs``, ``nroy_share`` (the share of the wave's input space
            that is not ruled out yet, estimated on the candidate sample) and ``max_emulator_sd`` (relative).
        runs: a pandas DataFrame of every simulation: the parameters, ``wave``, ``max_implausibility`` of
            its simulated outputs against the data, ``distance`` (on the fitted rows).
        nroy: a pandas DataFrame of candidate points not ruled out after the last wave.
        fit_error, holdout, check: as for :class:`Calibration`, for the run with the smallest distance
            among the last wave's runs re-run with ``check_seeds`` fresh seeds.
    """

    waves: object
    runs: object
    nroy: object
    fit_error: float
    holdout: float | None
    check: object
    best: dict


def history_match(scenario, params, observed, simulate, fit=None, distance="rmse", waves: int = 3,
                  runs_per_wave: int = 30, outputs: int = 12, cutoff: float = 3.0, observation_sd: float = 0.1,
                  discrepancy_sd: float = 0.0, candidates: int = 20000, seed: int = 0, check_seeds: int = 5,
                  workers=None, threads=None, cluster=None):
    """History matching with Gaussian-process emulators (scikit-learn), wave after wave.

    The fitted rows of ``observed`` are thinned to at most ``outputs`` evenly spaced rows (all series). The
    first wave runs ``runs_per_wave`` members on a Latin hypercube of the whole box, each later wave on a
    random sample of the candidates not yet ruled out; after each wave one emulator per output (RBF kernel
    with a noise term, on the unit cube) is fitted to every run so far, and the candidates whose
    largest implausibility I = |z - E[f]| / sqrt(Var_emulator + Var_observation + Var_discrepancy) exceeds
    ``cutoff`` (3: Pukelsheim's three-sigma rule). Observation and discrepancy standard deviations are
    ``observation_sd`` x |z| + 1 and ``discrepancy_sd`` x |z| (relative; say where they come from).
    Written from Vernon, Goldstein and Bower (2010, Bayesian Analysis 5) and Andrianakis et al. (2015, PLoS
    Comput. Biol. 11). Arguments otherwise as for :func:`calibrate`.
    """
    import pandas as pd
    from scipy.stats import qmc
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    scenario = api._as_scenario(scenario)
    keys, lows, highs, whole = sensitivity._ranges(params)
    obs_all = _2d(observed.to_numpy() if hasattr(observed, "to_numpy") else observed)
    mask = _mask(fit, obs_all.shape[0])
    dist = _distance(distance)
    for name, v, lo in (("waves", waves, 1), ("runs_per_wave", runs_per_wave, 4), ("outputs", outputs, 1),
                        ("candidates", candidates, 100)):
        if not (isinstance(v, int) and v >= lo):
            raise ValueError(f"{name}: got {v!r}, expected a whole number >= {lo}")
    if not cutoff > 0 or not observation_sd >= 0 or not discrepancy_sd >= 0:
        raise ValueError("cutoff must be > 0, observation_sd and discrepancy_sd >= 0")
    k = len(keys)
    fitted_rows = np.flatnonzero(mask)
    rows = fitted_rows[np.unique(np.linspace(0, len(fitted_rows) - 1, min(outputs, len(fitted_rows))).round()
                                 .astype(int))]
    z = obs_all[rows].ravel()
    var_fixed = (observation_sd * np.abs(z) + 1) ** 2 + (discrepancy_sd * np.abs(z)) ** 2
    n_workers, per_member = studies._plan(workers, threads, runs_per_wave, cluster)
    rng = np.random.default_rng(seed)
    sensitivity._validate_corners(scenario, keys, lows, highs, whole)
    simulated = _shaped(simulate, obs_all.shape)

    def to_theta(u):
        theta = lows + u * (highs - lows)
        return np.where(whole, np.round(theta), theta)

    cand = rng.random((candidates, k))  # unit cube; shrinks to the space not ruled out
    design_u, outputs_y, all_runs, wave_rows = [], [], [], []
    run_index = 0
    with studies._Runner(scenario, n_workers, per_member, cluster) as runner:
        for wave in range(waves):
            pick = cand[rng.choice(len(cand), size=min(runs_per_wave, len(cand)), replace=False)] \
                if wave else qmc.LatinHypercube(d=k, seed=rng).random(runs_per_wave)
            theta = to_theta(pick)
            tasks = [(sensitivity._assignments(keys, t, whole), scenario.seed + run_index + i)
                     for i, t in enumerate(theta)]
            run_index += len(tasks)
            sims, _ = runner.run(tasks, reduce=simulated)
            y = np.array([sm[rows].ravel() for sm in sims])
            for t, sm, yy in zip(theta, sims, y):
                imp = np.max(np.abs(z - yy) / np.sqrt(var_fixed))
                all_runs.append(dict(zip(keys, t), wave=wave, max_implausibility=float(imp),
                                     distance=float(dist(sm[mask], obs_all[mask]))))
            design_u.append((theta - lows) / (highs - lows))
            outputs_y.append(y)
            X, Y = np.vstack(design_u), np.vstack(outputs_y)
            # One emulator per output, trained on every run so far; implausibility of the candidates.
            gps, rel_sd = [], 0.0
            for j in range(len(z)):
                kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(k, 0.3), (1e-2, 1e2)) + \
                    WhiteKernel(1e-2, (1e-6, 1e0))
                gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=0, n_restarts_optimizer=1)
                gps.append(gp.fit(X, Y[:, j]))

            def implausibility(points):
                worst, sd_max = np.zeros(len(points)), 0.0
                for j, gp in enumerate(gps):
                    m, sd = gp.predict(points, return_std=True)
                    worst = np.maximum(worst, np.abs(z[j] - m) / np.sqrt(sd ** 2 + var_fixed[j]))
                    sd_max = max(sd_max, float(np.max(sd)) / max(float(np.std(Y[:, j])), 1e-12))
                return worst, sd_max

            imp, rel_sd = implausibility(cand)
            keep = imp <= cutoff
            share = float(keep.mean()) * (wave_rows[-1]["nroy_share"] if wave_rows else 1.0)
            wave_rows.append({"runs": len(tasks), "nroy_share": share, "max_emulator_sd": rel_sd})
            if not keep.any():
                raise RuntimeError(f"history_match: wave {wave} rules out every candidate; the model cannot "
                                   "match these data within the cutoff (or the errors are too small)")
            cand = cand[keep]
            if wave + 1 < waves and len(cand) < candidates:
                # Refill inside the box of what is left, keeping only points these emulators do not rule out.
                lo_u, hi_u = cand.min(axis=0), cand.max(axis=0)
                fresh = lo_u + rng.random((candidates, k)) * (hi_u - lo_u)
                fresh = fresh[implausibility(fresh)[0] <= cutoff]
                cand = np.vstack([cand, fresh])[:candidates]
        runs = pd.DataFrame(all_runs)
        last = runs[runs["wave"] == waves - 1]
        best = last.loc[last["distance"].idxmin(), keys].to_dict()
        sim_mean = _check(runner, sensitivity._assignments(keys, [best[key] for key in keys], whole),
                          scenario.seed, check_seeds, simulated)
    fit_error, holdout, check = _scored(sim_mean, obs_all, mask, dist)
    waves_table = pd.DataFrame(wave_rows)
    waves_table.index.name = "wave"
    nroy = pd.DataFrame(to_theta(cand), columns=keys)
    return HistoryMatch(waves_table, runs, nroy, fit_error, holdout, check, best)
