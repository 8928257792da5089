"""The user-facing Python API over migrasim._core."""
from __future__ import annotations

import atexit
import io
import json
import os
import pathlib
import shutil
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from . import _core


class ScenarioWarning(UserWarning):
    """Input that loads but that the reader doubts (the CLI's ``migrasim: warning: FILE:LINE:COLUMN: ...``
    lines; docs/reliability.md, "Warnings"). Issued by :func:`load_scenario` and :func:`import_flee`, one
    per doubt; the same lines are in ``Scenario.warnings`` and in a run's provenance."""


def _warn(lines, stacklevel: int) -> None:
    """Each line as a ScenarioWarning attributed to the frame ``stacklevel`` levels above _warn's caller
    (1: the caller itself)."""
    for line in lines:
        warnings.warn(line, ScenarioWarning, stacklevel=stacklevel + 1)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the file it came from plus the overrides applied to it.

    Attributes:
        path: the scenario file.
        overrides: ``"key.path=value"`` assignments, as ``migrasim run --set`` takes them.
        spec: the resolved scenario (``_core.ScenarioSpec``): days, seed, start_date, place_names, ...
    """

    path: str
    overrides: tuple = ()
    spec: object = field(default=None, repr=False, compare=False)

    def with_overrides(self, *assignments: str) -> "Scenario":
        """A copy with more overrides applied (validated at once)."""
        return load_scenario(self.path, *self.overrides, *assignments)

    def __reduce__(self):
        # Pickles as its file and overrides (the resolved spec is the C++ object): the copy loads the file
        # again, by its absolute path, so that a worker in another folder finds it.
        return (load_scenario, (os.path.abspath(self.path), *self.overrides))

    @property
    def days(self) -> int:
        return self.spec.days

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def start_date(self) -> str:
        return self.spec.start_date

    @property
    def warnings(self) -> tuple:
        """The reader's warnings, as ``migrasim run`` prints them (``FILE:LINE:COLUMN: ...``)."""
        return tuple(self.spec.warnings)


def _partial(path) -> str:
    """The name an output is written under until it is complete (as io::partial_path in C++)."""
    return f"{os.fspath(path)}.partial-{os.getpid()}"


def _assignment(key: str, value) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"{key}={value}"


def load_scenario(path: str | os.PathLike, *assignments: str, **overrides) -> Scenario:
    """Load and validate a scenario file.

    Overrides come as ``"run.days=30"`` strings or as keywords with ``__`` for dots
    (``run__days=30``). A string may pick a list entry by index or by its ``name:``, as
    ``migrasim run --set`` does: ``"events[closure].date=2024-01-09"``, ``"events[0].date=..."``.
    Raises :class:`migrasim.ScenarioError` on bad input (also for an unknown name or index); issues a
    :class:`migrasim.ScenarioWarning` for each warning of the reader (also in ``Scenario.warnings``).
    """
    sets = list(assignments) + [_assignment(k.replace("__", "."), v) for k, v in overrides.items()]
    return _load(path, sets, stacklevel=2)


def _load(path, sets: list, stacklevel: int) -> Scenario:
    """The scenario; its warnings are attributed to the frame ``stacklevel`` levels above _load (1: its
    caller)."""
    spec = _core.load_scenario(os.fspath(path), sets)
    _warn(spec.warnings, stacklevel=stacklevel + 1)
    return Scenario(os.fspath(path), tuple(sets), spec)


def import_flee(case_dir: str | os.PathLike, output: str | os.PathLike | None = None,
                simsetting: str | os.PathLike | None = None) -> Scenario:
    """A Flee case as a scenario, as ``migrasim import-flee CASE_DIR -o OUTPUT`` writes it (every Flee
    parameter written out, from the case's ``simsetting.yml`` or ``simsetting``, else Flee's defaults).

    The YAML goes to ``output`` (its folder must exist; the case's folders are named relative to it), or,
    without one, to a new temporary folder kept until the process ends. It is loaded and validated before
    it is written under the requested name. Raises :class:`migrasim.ScenarioError` on a bad case; issues a
    :class:`migrasim.ScenarioWarning` for each warning, as ``import-flee`` prints them (a simsetting key
    Flee does not read, ignored as Flee ignores it; a row Flee skips).
    """
    if output is None:
        folder = pathlib.Path(tempfile.mkdtemp(prefix="migrasim-flee-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        output = folder / (pathlib.Path(case_dir).resolve().name + ".yaml")
    output = pathlib.Path(output)
    folder = output.parent if str(output.parent) else pathlib.Path(".")
    if not folder.is_dir():
        raise _core.ScenarioError(f"{output}: folder {folder} does not exist")
    text, ignored = _core.flee_case_yaml(os.fspath(case_dir), os.fspath(simsetting) if simsetting else "",
                                         os.fspath(folder))
    _warn(ignored, stacklevel=2)
    partial = pathlib.Path(_partial(output))
    partial.write_text(text)
    try:
        _core.load_scenario(os.fspath(partial), [])
        os.replace(partial, output)
    finally:
        if partial.exists():
            partial.unlink()
    return _load(output, [], stacklevel=2)


def _as_scenario(scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario)


MAX_THREADS = 1024  # as `migrasim run --threads`


def _threads(threads) -> int:
    """Worker threads: ``None`` for every core, else a whole number in [1, MAX_THREADS]."""
    if threads is None:
        return max(1, min(os.cpu_count() or 1, MAX_THREADS))
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= threads <= MAX_THREADS:
        raise ValueError(f"threads: got {threads!r}, expected a whole number in [1, {MAX_THREADS}] (or None: every core)")
    return int(threads)


class Simulation:
    """A simulation you can step day by day.

    ``population_counts`` (places x legal statuses), ``stranded_counts``, ``on_route_counts`` and
    ``flow_counts`` are read-only numpy views of the kernel's current counts: no copies, updated in place
    by :meth:`step`.

    Between steps: :meth:`checkpoint` saves it to a file that :meth:`resume` continues, :meth:`fork`
    makes an independent copy (run two policies from one shared history),
    :meth:`apply` gives a route or border event from the next day, :meth:`set` changes a parameter that the
    parameter tables mark changeable mid-run (:attr:`changeable`); each change is recorded in the events
    table (``result.events``). Setting an attribute (``sim.scenario = other``) raises. A simulation is
    stepped by one thread at a time: a second thread that steps it, or reads its record, while it steps
    gets a ``RuntimeError``.
    """

    __slots__ = ("_scenario", "_sim", "_busy")

    def __init__(self, scenario, threads: int | None = None, seed: int | None = None, days: int | None = None):
        scenario = _as_scenario(scenario)
        extra = []
        if seed is not None:
            extra.append(f"run.seed={int(seed)}")
        if days is not None:
            extra.append(f"run.days={int(days)}")
        if extra:
            scenario = scenario.with_overrides(*extra)
        object.__setattr__(self, "_scenario", scenario)
        object.__setattr__(self, "_sim", _core.Simulation(scenario.spec, _threads(threads)))
        object.__setattr__(self, "_busy", threading.Lock())

    def __setattr__(self, name, value):
        raise AttributeError(
            f"Simulation.{name} cannot be set: the scenario and its parameters are fixed when the simulation is "
            "made; load the changed scenario (migrasim.load_scenario(path, 'key=value')) and make a new Simulation")

    scenario = property(lambda self: self._scenario, doc="The scenario the simulation was made from.")

    def _exclusive(self, what: str):
        if not self._busy.acquire(blocking=False):
            raise RuntimeError(f"{what}: this Simulation is being stepped by another thread; step it from one "
                               "thread at a time (or make one Simulation per thread)")
        return self._busy

    def step(self, n: int = 1) -> int:
        """Run up to ``n`` days (fewer when the run ends first); returns the number run. The GIL is released
        meanwhile. A negative ``n``, or a step asked for after the last day, is a ``ValueError``."""
        n = int(n)
        if n < 0:
            raise ValueError(f"step: n must be >= 0, got {n}")
        if n > 0 and self._sim.day >= self._sim.days:
            raise ValueError(f"step: the run has ended (all {self._sim.days} days run); nothing left to step")
        lock = self._exclusive("step")
        try:
            return self._sim.step(n)
        finally:
            lock.release()

    def run(self) -> "Result":
        """Run the remaining days and return the result."""
        lock = self._exclusive("run")
        try:
            self._sim.step(self._sim.days - self._sim.day)
        finally:
            lock.release()
        return self.result()

    day = property(lambda self: self._sim.day, doc="The next day to run (0 before the first step).")
    days = property(lambda self: self._sim.days)
    finished = property(lambda self: self._sim.finished)
    agents = property(lambda self: self._sim.agents, doc="Agents created so far.")
    population_counts = property(lambda self: self._sim.population_counts)
    stranded_counts = property(lambda self: self._sim.stranded_counts)
    on_route_counts = property(lambda self: self._sim.on_route_counts)
    flow_counts = property(lambda self: self._sim.flow_counts)

    def fork(self, threads: int | None = None) -> "Simulation":
        """An independent copy of the simulation as it stands: agents, route state, every mechanism's state
        and the record so far. Stepped on, it gives exactly the numbers this one would (for any ``threads``;
        default: the same); changes made to one do not reach the other."""
        lock = self._exclusive("fork")
        try:
            core = self._sim.fork(0 if threads is None else _threads(threads))
        finally:
            lock.release()
        twin = object.__new__(Simulation)
        object.__setattr__(twin, "_scenario", self._scenario)
        object.__setattr__(twin, "_sim", core)
        object.__setattr__(twin, "_busy", threading.Lock())
        return twin

    def checkpoint(self, path: str | os.PathLike) -> None:
        """Write the simulation as it stands (between steps) to a checkpoint file: every agent, the route
        state, every mechanism's state and the record so far (docs/reliability.md). The file is written
        under a temporary name and renamed, so ``path`` always holds a whole checkpoint.
        :meth:`Simulation.resume` (or ``migrasim run --resume PATH``) continues it, and gives exactly the
        numbers this simulation gives. Raises ``ScenarioError`` after :meth:`set` (a checkpoint holds the
        scenario's parameters only) and for a mechanism that cannot save its state."""
        lock = self._exclusive("checkpoint")
        try:
            self._sim.checkpoint(os.fspath(path))
        finally:
            lock.release()

    @classmethod
    def resume(cls, path: str | os.PathLike, threads: int | None = None) -> "Simulation":
        """The simulation a checkpoint file holds (written by :meth:`checkpoint` or ``migrasim run
        --checkpoint-every``), on ``threads`` threads (results do not depend on it): its scenario is loaded
        again from its file with the same overrides, and a scenario that changed since is refused
        (``ScenarioError``), as is a checkpoint written by another build of migrasim."""
        scenario_path, sets, _ = _core.checkpoint_run(os.fspath(path))
        scenario = load_scenario(scenario_path, *sets)
        sim = object.__new__(cls)
        object.__setattr__(sim, "_scenario", scenario)
        object.__setattr__(sim, "_sim", _core.Simulation.resume(scenario.spec, os.fspath(path), _threads(threads)))
        object.__setattr__(sim, "_busy", threading.Lock())
        return sim

    def apply(self, event: dict) -> None:
        """A route or border event from the next day on, as an entry of the scenario's ``events`` list:
        ``{"action": "close_border", "countries": ["MEX", "USA"]}``, ``{"action": "set_route_capacity",
        "from": "A", "to": "B", "capacity": 100}``, ... (docs/scenario-format.md). ``date`` may be left out
        (the next day to run) or give a later day. Entry rules by nationality change through
        ``set("behaviour.entry.rules", [...])``. Bad events raise ``ScenarioError`` naming the key."""
        if not isinstance(event, dict):
            raise TypeError(f"apply: expected a dict in the form of an entry of the scenario's events list, "
                            f"got {type(event).__name__}")
        self._between_steps("apply")
        lock = self._exclusive("apply")
        try:
            self._sim.apply_event(json.dumps(event, default=str))
        finally:
            lock.release()

    def set(self, key: str, value) -> None:
        """Change a parameter from the next day on: ``key`` as for ``migrasim run --set`` (list entries by
        index or name: ``behaviour.legal.pathways[0].quota_per_month``), ``value`` a number, text, list or
        dict. Only the keys the parameter tables mark changeable mid-run may change (:attr:`changeable`;
        ``migrasim params`` says which); any other key raises ``ScenarioError`` with that list."""
        self._between_steps("set")
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        lock = self._exclusive("set")
        try:
            self._sim.set(f"{key}={text}")
        finally:
            lock.release()

    changeable = property(lambda self: list(self._sim.changeable_keys),
                          doc="The keys :meth:`set` accepts in this scenario (list entries shown as ``[]``).")

    def _between_steps(self, what: str):
        if self._sim.day >= self._sim.days:
            raise ValueError(f"{what}: the run has ended (all {self._sim.days} days run); nothing is left to change")

    def result(self) -> "Result":
        """Everything recorded so far, as a :class:`Result`."""
        lock = self._exclusive("result")
        try:
            return Result._from_simulation(self)
        finally:
            lock.release()


def run(scenario, seed: int | None = None, threads: int | None = None, days: int | None = None) -> "Result":
    """Run a scenario (a path or a :class:`Scenario`) to the end and return its :class:`Result`."""
    return Simulation(scenario, threads=threads, seed=seed, days=days).run()


# HDF5 attributes that describe the file's structure (dimension scales, netCDF bookkeeping), not the data.
_STRUCTURE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid", "_Netcdf4Coordinates",
                    "_nc3_strict"}


def _attr_value(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.dtype.kind == "O":
        return [x.decode("utf-8") if isinstance(x, bytes) else x for x in v]
    return v


def _read_root(file: bytes):
    """The root variables of a netCDF-4 file as an ``xarray.Dataset``, read with h5py and decoded by
    ``xarray.decode_cf``: what ``xr.open_dataset(..., engine="h5netcdf")`` gives (tested), four times
    faster, which matters when every member of a study is read back."""
    import h5py
    import xarray as xr

    with h5py.File(io.BytesIO(file), "r") as f:
        variables = {}
        for name, obj in f.items():
            if not isinstance(obj, h5py.Dataset):
                continue
            dims = (name,) if h5py.h5ds.is_scale(obj.id) else tuple(
                obj.dims[i][0].name.lstrip("/") for i in range(obj.ndim))
            data = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]
            if isinstance(data, np.ndarray) and data.dtype.kind in "OU":
                data = data.astype(object)
            attrs = {k: _attr_value(v) for k, v in obj.attrs.items() if k not in _STRUCTURE_ATTRS}
            variables[name] = xr.Variable(dims, data, attrs)
        attrs = {k: _attr_value(v) for k, v in f.attrs.items() if k not in _STRUCTURE_ATTRS}
    return xr.decode_cf(xr.Dataset(variables, attrs=attrs))


class Result:
    """The outcome of a run as an ``xarray.Dataset`` (``.dataset``) with convenient accessors.

    Variables: population(time, location, legal_status), stranded(time, location),
    on_route(time, edge), flow(time, edge), spawned(time), plus the models' own series (time, ...). A
    result made by :meth:`Simulation.result` is the file ``migrasim run`` would write, read back: one layout
    rule (the C++ writer's), the same coordinates, units, long names and attributes; ``events`` and
    ``provenance`` are that file's groups, and :meth:`save` writes that file as it was when the result was
    made, whatever the simulation did after.
    """

    def __init__(self, dataset, events=None, provenance=None, file: bytes | None = None):
        self.dataset = dataset
        self._events = events
        self._provenance = provenance
        self._file = file

    def __reduce__(self):
        return (Result, (self.dataset, self._events, self._provenance, self._file))

    @classmethod
    def _from_file(cls, path: str) -> "Result":
        file = pathlib.Path(path).read_bytes()
        return cls(_read_root(file), file=file)

    def _group(self, name: str):
        """A group of the result's file (read when first asked for), or None without a file."""
        import xarray as xr

        if self._file is None:
            return None
        with xr.open_dataset(io.BytesIO(self._file), engine="h5netcdf", group=name) as g:
            return g.load()

    @classmethod
    def _from_simulation(cls, simulation: Simulation) -> "Result":
        fd, tmp = tempfile.mkstemp(suffix=".h5", prefix="migrasim-result-")
        os.close(fd)
        try:
            simulation._sim.save(tmp, " ".join([sys.executable] + sys.argv))
            return cls._from_file(tmp)
        finally:
            os.remove(tmp)

    population = property(lambda self: self.dataset["population"], doc="People at places, not stranded.")
    stranded = property(lambda self: self.dataset["stranded"])
    on_route = property(lambda self: self.dataset["on_route"])
    flows = property(lambda self: self.dataset["flow"], doc="Entries into each route per day.")
    spawned = property(lambda self: self.dataset["spawned"])

    @property
    def events(self):
        """The events the run applied, a pandas DataFrame: day, date, name, action, target, value,
        routes_affected (the file's ``events`` group)."""
        import pandas as pd

        columns = ["day", "date", "name", "action", "target", "value", "routes_affected"]
        if self._events is None:
            self._events = self._group("events")
        if self._events is None:
            return pd.DataFrame(columns=columns)
        df = self._events.to_dataframe().reset_index(drop=True)
        df["date"] = self._dates(df["day"])
        return df[[c for c in columns if c in df.columns]]

    def _dates(self, days):
        """The calendar dates of simulation days (the run's start_date plus the day)."""
        import pandas as pd

        start = pd.Timestamp(self.dataset.attrs.get("start_date", "1970-01-01"))
        return start + pd.to_timedelta(days, unit="D")

    @property
    def agents(self):
        """The keyed random sample of agents' trajectories that ``output.agents: {sample: N, every: D}`` asks
        for, a pandas DataFrame with a row per sampled agent and recording day (every D days and the last):
        agent, day, date, location and edge (names; missing while on a route, or at a place), legal_status,
        nationality, sex, age_band (categoricals), weight (the agents each sampled one stands for) and, in an
        ensemble file, seed. Empty when the scenario asks for no sample. The file's ``agents`` group."""
        import h5py
        import pandas as pd

        columns = ["agent", "day", "date", "location", "edge", "legal_status", "nationality", "sex", "age_band",
                   "weight"]
        if self._file is None:
            return pd.DataFrame(columns=columns)
        with h5py.File(io.BytesIO(self._file), "r") as f:
            if "agents" not in f:
                return pd.DataFrame(columns=columns)
            g = f["agents"]
            df = pd.DataFrame({"agent": g["agent"][()], "day": g["day"][()]})
            df["date"] = self._dates(df["day"])
            for name, coord in (("location", "location"), ("edge", "edge")):
                names = [str(v) for v in self.dataset[coord].values] if coord in self.dataset.coords else []
                df[name] = pd.Categorical.from_codes(g[name][()].astype("int64"), categories=names)
            for name in ("legal_status", "nationality", "sex", "age_band"):
                meanings = g[name].attrs["flag_meanings"]
                meanings = meanings.decode() if isinstance(meanings, bytes) else str(meanings)
                df[name] = pd.Categorical.from_codes(g[name][()].astype("int64"), categories=meanings.split())
            df["weight"] = g["weight"][()]
            if "seed" in g:
                columns = ["seed"] + columns
                df["seed"] = g["seed"][()]
        return df[columns]

    def _attributes(self, dim: str, prefix: str):
        import pandas as pd

        ds = self.dataset
        names = [str(v) for v in ds[dim].values] if dim in ds.coords else []
        columns = {name[len(prefix):]: [str(v) for v in ds[name].values]
                   for name in ds.variables if name.startswith(prefix) and ds[name].dims == (dim,)}
        return pd.DataFrame(columns, index=pd.Index(names, name=dim), columns=list(columns), dtype=object)

    @property
    def location_attributes(self):
        """The scenario's attributes of its places (a Flee case's location attributes: the columns of
        ``locations.csv`` after the 8th), a pandas DataFrame of text indexed by place name, one column per
        attribute ('' where a place has none); no columns when there are none. The file's
        ``location_attribute_NAME(location)`` variables (docs/output.md)."""
        return self._attributes("location", "location_attribute_")

    @property
    def route_attributes(self):
        """The scenario's attributes of its routes (a Flee case's link attributes: the columns of
        ``routes.csv`` after ``forced_redirection``), a pandas DataFrame of text indexed by route name
        ``A--B`` (the ``edge`` coordinate, in route order: a route listed twice appears twice), one column per
        attribute. The file's ``edge_attribute_NAME(edge)`` variables."""
        return self._attributes("edge", "edge_attribute_")

    @property
    def provenance(self):
        """The file's ``provenance`` group (an ``xarray.Dataset``: scenario text, resolved scenario; attributes
        seed, threads, versions, command line, ...), or None for a dataset made otherwise."""
        if self._provenance is None:
            self._provenance = self._group("provenance")
        return self._provenance

    def to_dataframe(self):
        """Population in long form: one row per (time, location, legal_status) with a ``population`` column."""
        return self.population.to_dataframe().reset_index()

    def save(self, path: str | os.PathLike) -> None:
        """Write the result's HDF5 file (the layout and provenance of ``migrasim run``), as it was when the
        result was made; under a temporary name first, renamed when complete. A result without such a file
        (a dataset built otherwise) is written with ``to_netcdf``."""
        path = os.fspath(path)
        partial = _partial(path)
        try:
            if self._file is not None:
                with open(partial, "wb") as f:
                    f.write(self._file)
            else:
                self.dataset.to_netcdf(partial, engine="h5netcdf")
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise

    def __repr__(self) -> str:
        return f"<migrasim.Result\n{self.dataset!r}>"


def open_result(path: str | os.PathLike) -> Result:
    """Open an HDF5 output file written by ``migrasim run`` or :meth:`Result.save` (its events and
    provenance too; :meth:`Result.save` copies the file)."""
    return Result._from_file(os.fspath(path))


def drill(scenario, event: str | None = None, ensemble: int = 1, threads: int | None = None) -> dict:
    """Run a disaster drill: the planners' figures of ``migrasim drill`` for an ensemble of seeds.

    Returns a dict with the figures (each a {mean, min, max} over the ensemble, or None beyond the run),
    ``shelters`` and ``routes_cut`` as pandas DataFrames, ``series`` (a DataFrame of the ensemble-mean
    daily displaced, in_shelters, unsheltered and occupancy per shelter) and ``text`` (the CLI's report).
    """
    import pandas as pd

    scenario = _as_scenario(scenario)
    d = _core.drill(scenario.path, list(scenario.overrides), event or "", int(ensemble), _threads(threads))
    d["shelters"] = pd.DataFrame(d["shelters"])
    d["routes_cut"] = pd.DataFrame(d["routes_cut"], columns=["route", "closed_on", "days"])
    series = pd.DataFrame(
        {"displaced": d.pop("displaced"), "in_shelters": d.pop("in_shelters"), "unsheltered": d.pop("unsheltered")},
        index=pd.to_datetime(d.pop("dates")),
    )
    for name, occ in zip(d["shelters"]["shelter"] if len(d["shelters"]) else [], d.pop("occupancy")):
        series[f"shelter:{name}"] = occ
    d["series"] = series
    return d


@dataclass(frozen=True)
class Validation:
    """Scores of a scenario's camp populations against observed counts (``migrasim validate``).

    Attributes:
        scores: a pandas DataFrame, one row per camp and seed plus ``overall`` rows: ``camp``, ``seed``,
            ``ard``, ``ard_rescaled``, ``mase`` (the same as the CSV ``migrasim validate`` writes).
        daily: a pandas DataFrame indexed by (date, camp): ``observed`` (interpolated, registration
            corrections applied, divided by ``hasten``) and ``simulated_mean`` (mean over the seeds).
        seconds_per_run: wall time of one simulation, mean over the seeds.
    """

    scores: object
    daily: object
    seconds_per_run: float

    def summary(self):
        """Mean and standard deviation over the seeds of each score, per camp and ``overall``."""
        table = self.scores.groupby("camp", sort=False)[["ard", "ard_rescaled", "mase"]].agg(["mean", "std"])
        return table.fillna(0.0)


def validate(scenario, observed: str | os.PathLike | None = None, seeds: int = 5,
             threads: int | None = None) -> Validation:
    """Run a scenario for ``seeds`` seeds (run.seed, run.seed + 1, ...) and score its camps.

    ``observed`` is a folder with ``data_layout.csv`` and the camp series (Flee's validation folder); by
    default the scenario's ``flee_case.validation``. Scores are Flee's averaged relative difference (ARD),
    its rescaled form and the mean absolute scaled error (docs/flee.md). Raises
    :class:`migrasim.ScenarioError` on bad input.

        >>> v = migrasim.validate("burundi2015.yaml", seeds=5)
        >>> v.summary().loc["overall"]
    """
    import pandas as pd

    scenario = _as_scenario(scenario)
    d = _core.validate(scenario.path, list(scenario.overrides), os.fspath(observed) if observed else "",
                       int(seeds), _threads(threads))
    names = list(d["camps"]) + ["overall"]
    rows = []
    for k, seed in enumerate(d["seeds"]):
        for c, name in enumerate(names):
            rows.append({"camp": name, "seed": int(seed), "ard": d["ard"][k][c],
                         "ard_rescaled": d["ard_rescaled"][k][c], "mase": d["mase"][k][c]})
    scores = pd.DataFrame(rows, columns=["camp", "seed", "ard", "ard_rescaled", "mase"])
    dates = pd.to_datetime(d["dates"])
    index = pd.MultiIndex.from_product([dates, d["camps"]], names=["date", "camp"])
    daily = pd.DataFrame({
        "observed": np.asarray(d["observed"], dtype=float).T.reshape(-1),
        "simulated_mean": np.asarray(d["simulated_mean"], dtype=float).T.reshape(-1),
    }, index=index)
    return Validation(scores, daily, float(d["seconds_per_run"]))
