"""Scenario studies: ensembles of seeds and sweeps over parameter values, run in this process, in a local
process pool or on a Dask cluster (sensitivity analysis: migrasim.sensitivity; calibration:
migrasim.calibration, both on the runners here).

A member is one run of (scenario, seed): a function of those two only, so a study gives the same numbers
whatever the number of workers or the threads each member uses. Members are collected in the order of
their seeds, never in the order they finish.

    >>> ens = migrasim.ensemble("scenarios/italy_2002.yaml", seeds=range(8), workers=2)
    >>> ens["population"].sum("location").quantile([0.05, 0.5, 0.95], dim="seed")
    >>> ens.migrasim.save("out/italy_ensemble.h5")
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import multiprocessing
import os
import sys
import time
from typing import Iterable

import numpy as np

from . import api

# The scenario a pool worker loaded once, for all the members it runs (set by _start_worker).
_worker_scenario = None


def _start_worker(path: str, overrides: tuple) -> None:
    global _worker_scenario
    _worker_scenario = api.load_scenario(path, *overrides)


# On a Dask worker: the scenarios loaded so far, by (path, overrides), so that each is loaded once.
_loaded = {}


def _run_member_on_cluster(path: str, overrides: tuple, assignments: tuple, seed: int, threads: int):
    scenario = _loaded.get((path, overrides))
    if scenario is None:
        scenario = _loaded[(path, overrides)] = api.load_scenario(path, *overrides)
    return _run_member(assignments, seed, threads, scenario)


def _run_member(assignments: tuple, seed: int, threads: int, scenario=None):
    """One member: the base scenario with ``assignments`` applied, run with ``seed``; its dataset and the
    seconds its run took (loading and collecting not counted)."""
    scenario = scenario or _worker_scenario
    if assignments:
        scenario = scenario.with_overrides(*assignments)
    start = time.perf_counter()
    ds = api.run(scenario, seed=seed, threads=threads).dataset
    return ds, time.perf_counter() - start


class _Runner:
    """Runs members on ``workers`` processes (1: this process) or on a Dask cluster, keeping the pool open
    across calls (a study that proposes members in rounds, such as calibration, starts its workers once)."""

    def __init__(self, scenario: api.Scenario, workers: int, threads: int, cluster=None):
        self.scenario, self.workers, self.threads, self.cluster = scenario, workers, threads, cluster
        self.pool = self.client = None
        self.own_client = False

    def __enter__(self):
        if self.cluster is not None:
            from distributed import Client

            if isinstance(self.cluster, Client):
                self.client = self.cluster
            elif isinstance(self.cluster, str):
                self.client, self.own_client = Client(self.cluster), True
            else:
                raise ValueError(f"cluster: got {self.cluster!r}, expected a scheduler address "
                                 "('tcp://host:8786') or a dask.distributed.Client")
        elif self.workers > 1:
            context = multiprocessing.get_context("spawn")
            self.pool = cf.ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                               initargs=(os.path.abspath(self.scenario.path),
                                                         self.scenario.overrides))
        return self

    def __exit__(self, *exc):
        if self.own_client:
            self.client.close()
        self.client = None
        if self.pool is not None:
            # On an error, do not run the members still queued.
            self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
            self.pool = None
        return False

    def run(self, tasks: list, bar=None, reduce=None):
        """Runs ``tasks``, a list of (assignments, seed); returns the members' datasets (or what ``reduce``
        makes of each, as it arrives) in the order of the tasks, and the seconds each member's run took."""
        out = [None] * len(tasks)

        def keep(k, member):
            ds, seconds = member
            out[k] = (reduce(ds) if reduce else ds, seconds)
            if bar is not None:
                bar.update(1)

        if self.client is not None:
            from distributed import as_completed

            path, overrides = os.path.abspath(self.scenario.path), self.scenario.overrides
            futures = [self.client.submit(_run_member_on_cluster, path, overrides, assignments, seed, self.threads,
                                          pure=False) for assignments, seed in tasks]
            index = {f.key: k for k, f in enumerate(futures)}
            try:
                for future, member in as_completed(futures, with_results=True):
                    keep(index[future.key], member)
            except BaseException:
                self.client.cancel(futures)
                raise
        elif self.pool is None:
            for k, (assignments, seed) in enumerate(tasks):
                keep(k, _run_member(assignments, seed, self.threads, self.scenario))
        else:
            futures = {self.pool.submit(_run_member, assignments, seed, self.threads): k
                       for k, (assignments, seed) in enumerate(tasks)}
            try:
                for future in cf.as_completed(futures):
                    keep(futures[future], future.result())
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return [v for v, _ in out], [seconds for _, seconds in out]


def _run_members(scenario: api.Scenario, tasks: list, workers: int, threads: int, bar=None, reduce=None,
                 cluster=None):
    """One round of members on a pool of its own (see _Runner.run)."""
    with _Runner(scenario, workers, threads, cluster) as runner:
        return runner.run(tasks, bar, reduce)


def _seeds(scenario: api.Scenario, seeds) -> list:
    """``seeds`` as a list: an iterable of whole numbers >= 0, or a count n (the scenario's seed and the n - 1
    after it)."""
    if isinstance(seeds, bool):
        raise ValueError(f"seeds: got {seeds!r}, expected a count >= 1 or an iterable of whole numbers >= 0")
    if isinstance(seeds, (int, np.integer)):
        seeds = int(seeds)
        if seeds < 1:
            raise ValueError(f"seeds: got {seeds}, expected a count >= 1 or an iterable of whole numbers >= 0")
        seeds = range(scenario.seed, scenario.seed + seeds)
    try:
        out = list(seeds)
    except TypeError:
        raise ValueError(f"seeds: got {seeds!r}, expected a count >= 1 or an iterable of whole numbers >= 0")
    for s in out:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"seeds: got {s!r} among the seeds, expected whole numbers >= 0")
    out = [int(s) for s in out]
    if not out:
        raise ValueError("seeds: no seeds given, expected at least one")
    if len(set(out)) != len(out):
        raise ValueError("seeds: a seed is given twice; members would be identical")
    return out


def _plan(workers, threads, members: int, cluster=None) -> tuple:
    """Processes and threads per member: with a cluster its workers run the members (one thread each
    unless ``threads`` says otherwise); else ``workers`` local processes sharing the cores."""
    if cluster is not None:
        return 1, api._threads(threads) if threads is not None else 1
    n_workers = _workers(workers, members)
    return n_workers, api._threads(threads) if threads is not None else max(1, (os.cpu_count() or 1) // n_workers)


def _workers(workers, members: int) -> int:
    cores = os.cpu_count() or 1
    if workers is None:
        return max(1, min(members, cores))
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not 1 <= workers <= api.MAX_THREADS:
        raise ValueError(f"workers: got {workers!r}, expected a whole number in [1, {api.MAX_THREADS}] "
                         "(or None: one per core, at most one per member)")
    return min(int(workers), members)


def _progress(progress, total: int, what: str):
    """A tqdm bar when asked for, or by default when standard error is a terminal; else None."""
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit="member")


def ensemble(scenario, seeds: Iterable[int] | int = 20, workers: int | None = None, threads: int | None = None,
             progress: bool | None = None, cluster=None):
    """Run the scenario once per seed and return an ``xarray.Dataset`` with a ``seed`` dimension first on
    every variable of a run (population, stranded, on_route, flow, spawned and the models' series).

    Args:
        scenario: a path or a :class:`migrasim.Scenario` (its overrides apply to every member).
        seeds: the seeds, or a count n: the scenario's ``run.seed`` and the n - 1 after it.
        workers: processes running members at once; ``None``: one per core, at most one per member. With 1,
            members run in this process. A pool uses the "spawn" start method: a script that calls this
            needs the ``if __name__ == "__main__":`` guard.
        threads: threads per member; ``None``: the cores shared among the workers (1 when members
            outnumber cores).
        progress: a tqdm progress bar; ``None``: when standard error is a terminal.
        cluster: run the members on a Dask distributed cluster instead: a scheduler address
            (``"tcp://host:8786"``) or a ``dask.distributed.Client``; ``workers`` is then the cluster's.

    The result does not depend on ``workers`` or ``threads``. ``ds.quantile(q, dim="seed")`` gives bands;
    ``ds.migrasim.save(path)`` writes one netCDF-4 file (``migrasim.open_ensemble`` reads it back).
    """
    scenario = api._as_scenario(scenario)
    seeds = _seeds(scenario, seeds)
    n_workers, per_member = _plan(workers, threads, len(seeds), cluster)
    bar = _progress(progress, len(seeds), "ensemble")
    try:
        members, _ = _run_members(scenario, [((), seed) for seed in seeds], n_workers, per_member, bar,
                                  cluster=cluster)
    finally:
        if bar is not None:
            bar.close()
    return _collect(scenario, seeds, members)


def _value_text(value) -> str:
    """A Python value as the text of a ``key=value`` override (YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _points(vary, points) -> tuple:
    """The keys and the list of points (each a tuple of values, in the order of the keys)."""
    if (vary is None) == (points is None):
        raise ValueError("sweep: give either vary (a dict of key -> values, crossed) or points (a list of dicts)")
    if vary is not None:
        if not isinstance(vary, dict) or not vary:
            raise ValueError(f"vary: got {vary!r}, expected a non-empty dict of key path -> list of values")
        keys = list(vary)
        values = []
        for key in keys:
            v = vary[key]
            if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
                raise ValueError(f"vary[{key!r}]: got {v!r}, expected a list of values")
            v = list(v)
            if not v:
                raise ValueError(f"vary[{key!r}]: no values, expected at least one")
            values.append(v)
        return keys, list(itertools.product(*values))
    if isinstance(points, dict) or not hasattr(points, "__iter__"):
        raise ValueError(f"points: got {points!r}, expected a list of dicts of key path -> value")
    points = list(points)
    if not points or not all(isinstance(p, dict) for p in points):
        raise ValueError("points: expected a non-empty list of dicts of key path -> value")
    keys = list(points[0])
    for k, p in enumerate(points):
        if list(p) != keys:
            raise ValueError(f"points[{k}]: keys {list(p)}, expected the keys of points[0]: {keys}")
    return keys, [tuple(p[key] for key in keys) for p in points]


def _outcomes(outcome, ds) -> dict:
    """The outcome columns of one member: a callable's number or dict of numbers, or named totals."""
    if callable(outcome):
        value = outcome(ds)
        if isinstance(value, dict):
            return {str(k): _number(v, f"outcome()[{k!r}]") for k, v in value.items()}
        return {"outcome": _number(value, "outcome()")}
    out = {}
    for name in outcome:
        over_days = name.startswith("sum:")
        var = name[4:] if over_days else name
        if var not in ds.data_vars:
            raise ValueError(f"outcome {name!r}: no variable {var!r} in the run; variables: "
                             + ", ".join(sorted(ds.data_vars)))
        da = ds[var] if over_days else ds[var].isel(time=-1)
        out[name] = da.sum().item()
    return out


def _one_outcome(outcome) -> str:
    if not isinstance(outcome, str) or not outcome or outcome == "sum:":
        raise ValueError(f"outcome: got {outcome!r}, expected a variable name ('NAME' or 'sum:NAME') or a "
                         "callable returning a number")
    return outcome


def _number(value, what: str):
    try:
        return float(value) if not isinstance(value, (int, np.integer)) else int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: got {value!r}, expected a number")


def sweep(scenario, vary: dict | None = None, seeds: Iterable[int] | int = 1, outcome=("sum:spawned",),
          points: list | None = None, workers: int | None = None, threads: int | None = None,
          progress: bool | None = None, cluster=None):
    """Run the scenario at each point of a design, for each seed, and tabulate the outcomes.

    Args:
        scenario: a path or a :class:`migrasim.Scenario`.
        vary: ``{"key.path": [values], ...}``: every combination (full factorial). Key paths are those of
            ``migrasim run --set``, list entries by index or name (``"behaviour.legal.programmes[0].quota"``).
        points: instead of ``vary``, a list of ``{"key.path": value, ...}`` (the same keys in each).
        seeds: the seeds of each point, or a count n (the scenario's ``run.seed`` and the n - 1 after it).
        outcome: a callable taking a member's ``xarray.Dataset`` and returning a number or a dict of
            numbers, or a list of names: ``"NAME"`` the variable's total on the last day, ``"sum:NAME"``
            its total over every day.
        workers, threads, progress, cluster: as for :func:`ensemble`.

    Returns a ``pandas.DataFrame`` with one row per (point, seed), in the order of the points, then of the
    seeds: the varied keys, ``seed``, then the outcome columns. Every point is validated before any run, so
    a bad value raises ``migrasim.ScenarioError`` at once, naming the key.
    """
    import pandas as pd

    scenario = api._as_scenario(scenario)
    keys, design = _points(vary, points)
    seeds = _seeds(scenario, seeds)
    if not callable(outcome):
        if isinstance(outcome, str):
            outcome = [outcome]
        outcome = list(outcome)
        if not outcome:
            raise ValueError("outcome: no names given, expected a callable or a list of variable names")
    assignments = [tuple(f"{k}={_value_text(v)}" for k, v in zip(keys, point)) for point in design]
    for a in assignments:
        scenario.with_overrides(*a)  # validates: raises ScenarioError naming the key and value
    tasks = [(a, seed) for a in assignments for seed in seeds]
    n_workers, per_member = _plan(workers, threads, len(tasks), cluster)
    bar = _progress(progress, len(tasks), "sweep")
    try:
        values, _ = _run_members(scenario, tasks, n_workers, per_member, bar,
                                 reduce=lambda ds: _outcomes(outcome, ds), cluster=cluster)
    finally:
        if bar is not None:
            bar.close()
    rows = []
    for (point, seed), value in zip([(p, s) for p in design for s in seeds], values):
        row = dict(zip(keys, point))
        row["seed"] = seed
        row.update(value)
        rows.append(row)
    return pd.DataFrame(rows)


def _collect(scenario: api.Scenario, seeds: list, members: list):
    """The members' datasets along a new first dimension ``seed``, with the study's provenance."""
    import pandas as pd
    import xarray as xr

    ds = xr.concat(members, dim=pd.Index(seeds, name="seed"), data_vars="all", coords="minimal",
                   compat="override", combine_attrs="drop_conflicts")
    ds.attrs.pop("seed", None)
    ds.attrs.update({"scenario": scenario.path, "overrides": "\n".join(scenario.overrides),
                     "resolved_scenario": scenario.spec.resolved_yaml, "members": len(seeds),
                     "software": f"migrasim {api._core.__version__}"})
    return ds


def open_ensemble(path: str | os.PathLike):
    """Open an ensemble written by ``ds.migrasim.save`` (an ``xarray.Dataset`` with its ``seed`` dimension)."""
    import xarray as xr

    return xr.open_dataset(os.fspath(path), engine="h5netcdf")


def _register_accessor():
    import xarray as xr

    if hasattr(xr.Dataset, "migrasim"):
        return

    @xr.register_dataset_accessor("migrasim")
    class _MigrasimAccessor:
        """``ds.migrasim.save(path)``: a study's dataset as one netCDF-4 file."""

        def __init__(self, ds):
            self._ds = ds

        def save(self, path: str | os.PathLike) -> None:
            """Write the dataset as netCDF-4 (h5netcdf), compressed. The file appears under ``path`` only once
            complete: it is written as ``path.partial-<pid>`` and renamed."""
            path = os.fspath(path)
            partial = api._partial(path)
            encoding = {name: {"compression": "gzip", "compression_opts": 4}
                        for name, v in self._ds.data_vars.items() if v.dtype.kind in "iuf" and v.ndim > 0}
            try:
                self._ds.to_netcdf(partial, engine="h5netcdf", encoding=encoding)
                os.replace(partial, path)
            except BaseException:
                if os.path.exists(partial):
                    os.remove(partial)
                raise


_register_accessor()
