"""The data behind ``migrasim report``: one output file read with h5py into the compact, JSON-ready tables the
page draws (places and routes for the map, per-frame values for the day slider, the time series of the charts,
the headline indicators of a comparison and the run's provenance).

A *frame* is one day, or one week when the run is long (see :func:`frame_step`): counts made during a day
(route entries, crossings, deaths, departures) are summed over the frame's days, counts at the end of a day
(population, stranded, shelter occupancy, queues) are those of the frame's last day, and prices are averaged
over the days that have one. Reading needs h5py and numpy only (not the compiled module), so a report can be
made by any Python that has them.
"""
from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass

import numpy as np

# Days up to which a report keeps one frame per day; longer runs are shown by week (or coarser when the
# embedded data would exceed the budget, see report.MAX_DATA_BYTES).
DAILY_FRAMES_UP_TO = 400

# Legal statuses counted as "irregular" for the colour of a place (share of the people there).
IRREGULAR_STATUSES = ("irregular", "overstayer")
# Statuses of people who are no longer anywhere on the map (not drawn as presence at a place).
GONE_STATUSES = ("dead", "missing")


class NotAnOutput(ValueError):
    """The file is missing, unreadable or not a migrasim output; the message names it and what was expected."""


def _labels(f, name: str) -> list[str]:
    values = f[name][()]
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


def _attr(obj, name: str, default=None):
    v = obj.attrs.get(name, default)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return v.item()
    return v


@dataclass(frozen=True)
class Frames:
    """Which days each frame covers: frame k is days [first[k], last[k]] (inclusive)."""

    step: int
    first: np.ndarray
    last: np.ndarray

    @classmethod
    def of(cls, days: int, step: int) -> "Frames":
        first = np.arange(0, days, step, dtype=np.int64)
        last = np.minimum(first + step - 1, days - 1)
        return cls(step, first, last)

    def __len__(self) -> int:
        return len(self.first)

    def at_end(self, daily: np.ndarray) -> np.ndarray:
        """A stock (end-of-day count): its value on each frame's last day."""
        return daily[self.last]

    def summed(self, daily: np.ndarray) -> np.ndarray:
        """A flow (count during the day): its sum over each frame's days."""
        if self.step == 1:
            return daily
        return np.add.reduceat(daily, self.first, axis=0)

    def mean_where_set(self, daily: np.ndarray) -> np.ndarray:
        """A price: its mean over each frame's days where it is positive (0 where none is)."""
        if self.step == 1:
            return daily
        positive = daily > 0
        total = np.add.reduceat(np.where(positive, daily, 0), self.first, axis=0)
        count = np.add.reduceat(positive.astype(np.int64), self.first, axis=0)
        return np.where(count > 0, np.round(total / np.maximum(count, 1)), 0).astype(np.int64)


def frame_step(days: int) -> int:
    """One frame per day up to DAILY_FRAMES_UP_TO days, else one per week."""
    return 1 if days <= DAILY_FRAMES_UP_TO else 7


class RunFile:
    """One output file, read into memory (the variables a report uses)."""

    def __init__(self, path: str | os.PathLike, label: str | None = None, data: bytes | None = None):
        import io

        import h5py

        self.path = os.fspath(path)
        self.label = label or os.path.basename(self.path)
        source = io.BytesIO(data) if data is not None else self.path
        if data is None:
            if not os.path.exists(self.path):
                raise NotAnOutput(f"{self.path}: no such file (expected a migrasim output file, HDF5)")
            if not os.path.isfile(self.path):
                raise NotAnOutput(f"{self.path}: not a regular file (expected a migrasim output file, HDF5)")
        try:
            f = h5py.File(source, "r")
        except OSError:
            raise NotAnOutput(f"{self.path}: not a migrasim output file (not HDF5; expected the file "
                              f"`migrasim run` writes)") from None
        with f:
            needed = ("population", "legal_status", "location", "location_lat", "location_lon", "edge", "flow")
            missing = [n for n in needed if n not in f]
            if missing:
                raise NotAnOutput(f"{self.path}: not a migrasim output file (no {', '.join(missing)}; expected "
                                  f"the file `migrasim run` writes, docs/output.md)")
            if f["population"].ndim != 3:
                what = ("an ensemble file (a seed dimension)" if "seed" in f
                        else "population is not (time, location, legal_status)")
                raise NotAnOutput(f"{self.path}: {what}; expected the output of one run (`migrasim run`)")
            self._read(f)

    def _read(self, f) -> None:
        self.start_date = str(_attr(f, "start_date", "1970-01-01"))
        self.places = _labels(f, "location")
        self.place_country = _labels(f, "location_country") if "location_country" in f else [""] * len(self.places)
        self.place_kind = _labels(f, "location_kind") if "location_kind" in f else [""] * len(self.places)
        self.lat = f["location_lat"][()].astype(float)
        self.lon = f["location_lon"][()].astype(float)
        self.routes = _labels(f, "edge")
        self.route_km = f["edge_distance_km"][()].astype(float) if "edge_distance_km" in f else np.zeros(
            len(self.routes))
        self.route_mode = _labels(f, "edge_mode") if "edge_mode" in f else [""] * len(self.routes)
        self.statuses = _labels(f, "legal_status")
        self.population = f["population"][()].astype(np.int64)
        self.days = self.population.shape[0]
        zeros_tp = np.zeros((self.days, len(self.places)), np.int64)
        zeros_tr = np.zeros((self.days, len(self.routes)), np.int64)
        self.stranded = f["stranded"][()].astype(np.int64) if "stranded" in f else zeros_tp
        self.flow = f["flow"][()].astype(np.int64)
        self.on_route = f["on_route"][()].astype(np.int64) if "on_route" in f else zeros_tr
        self.spawned = f["spawned"][()].astype(np.int64) if "spawned" in f else np.zeros(self.days, np.int64)
        self.series: dict[str, tuple[list[str], np.ndarray]] = {}
        for name in ("deaths", "route_deaths", "crossings", "apprehensions", "shelter_occupancy", "programme_queue",
                     "smuggling", "displacement"):
            if name in f:
                dims = [f[name].dims[i][0].name.lstrip("/") for i in range(f[name].ndim)]
                self.series[name] = (dims, f[name][()].astype(np.int64))
        self.labels = {d: _labels(f, d) for d in ("border_edge", "option", "shelter", "programme", "service",
                                                  "quantity", "measure", "death_record") if d in f}
        self.provenance = {}
        if "provenance" in f:
            g = f["provenance"]
            self.provenance = {k: _attr(g, k) for k in g.attrs}
            self.scenario_text = g["scenario_text"].asstr()[()] if "scenario_text" in g else ""
            self.resolved_scenario = g["resolved_scenario"].asstr()[()] if "resolved_scenario" in g else ""
        else:
            self.scenario_text = self.resolved_scenario = ""
        self.seed = _attr(f, "seed", self.provenance.get("seed"))
        self.capacity = self._shelter_capacity()

    # --- shelters --------------------------------------------------------------------------------------------
    def _shelter_capacity(self) -> dict[str, int]:
        """Shelter capacities by place name from the run's scenario (the file does not store them): its
        ``world.locations`` table, inline or a CSV beside the scenario file named in the provenance. Empty when
        the scenario or its table cannot be found (the page then says the capacity is unknown)."""
        if "shelter" not in self.place_kind or not self.resolved_scenario:
            return {}
        try:
            import yaml

            spec = yaml.safe_load(self.resolved_scenario)
            locations = spec["world"]["locations"]
        except Exception:  # an unreadable scenario only costs the capacities
            return {}
        rows = []
        if isinstance(locations, list):
            rows = [r for r in locations if isinstance(r, dict)]
        elif isinstance(locations, str):
            table = self._scenario_relative(locations)
            if table is None:
                return {}
            with open(table, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
        out = {}
        for r in rows:
            try:
                cap = int(float(r.get("capacity", -1)))
            except (TypeError, ValueError):
                continue
            if cap >= 0 and str(r.get("name")) in self.places:
                out[str(r["name"])] = cap
        return out

    def _scenario_relative(self, name: str) -> str | None:
        scenario = str(self.provenance.get("scenario_path", ""))
        if os.path.isabs(name):
            return name if os.path.isfile(name) else None
        bases = []
        if scenario:
            bases.append(os.path.dirname(scenario))  # relative to where the run was started: often the checkout
            bases.append(os.path.join(os.path.dirname(os.path.abspath(self.path)), os.path.dirname(scenario)))
        for base in bases:
            candidate = os.path.join(base, name)
            if os.path.isfile(candidate):
                return candidate
        return None

    # --- derived series --------------------------------------------------------------------------------------
    def series_total(self, name: str, keep: str) -> np.ndarray | None:
        """Series ``name`` summed over every dim but time and ``keep`` -> (time, len(keep))."""
        if name not in self.series:
            return None
        dims, values = self.series[name]
        axes = tuple(i for i, d in enumerate(dims) if i > 0 and d != keep)
        return values.sum(axis=axes) if axes else values

    def status_index(self, name: str) -> int:
        return self.statuses.index(name) if name in self.statuses else -1

    def headline(self) -> dict[str, float]:
        """Headline indicators (those of ``migrasim compare``, and the drill's where the run has shelters):
        final-day stocks and totals over the run."""
        last = self.days - 1
        pop_end = self.population[last]
        by_status = {s: int(pop_end[:, i].sum()) for i, s in enumerate(self.statuses)}
        out = {
            "departures (all days)": int(self.spawned.sum()),
            "people at places, end": int(pop_end.sum() - sum(by_status.get(s, 0) for s in GONE_STATUSES)),
            "irregular residents, end": sum(by_status.get(s, 0) for s in IRREGULAR_STATUSES),
            "regular, end": by_status.get("regular", 0),
            "regularised, end": by_status.get("regularised", 0),
            "returned, end": by_status.get("returned", 0),
            "dead, end": by_status.get("dead", 0),
            "missing, end": by_status.get("missing", 0),
            "stranded, end": int(self.stranded[last].sum()),
            "on routes, end": int(self.on_route[last].sum()),
        }
        crossings = self.series_total("crossings", "option")
        if crossings is not None:
            for k, option in enumerate(self.labels.get("option", [])):
                out[f"border crossings: {option}"] = int(crossings[:, k].sum())
        for name, label in (("deaths", "deaths on smuggling routes"), ("route_deaths", "deaths on routes")):
            if name in self.series:
                out[label] = int(self.series[name][1].sum())
        queue = self.series_total("programme_queue", "programme")
        if queue is not None:
            out["programme backlog, end"] = int(queue[last].sum())
        market = self.series_total("smuggling", "quantity")
        if market is not None:
            q = self.labels["quantity"]
            for name in ("arrivals", "revenue_usd"):
                if name in q:
                    out[f"smuggling {name.replace('_usd', ' (USD)')}"] = int(market[:, q.index(name)].sum())
        occupancy = self.series.get("shelter_occupancy")
        if occupancy is not None:
            out["shelter occupancy, peak"] = int(occupancy[1].sum(axis=1).max())
        disp = self.series_total("displacement", "measure")
        if disp is not None and "displaced" in self.labels["measure"]:
            out["displaced, peak"] = int(disp[:, self.labels["measure"].index("displaced")].max())
        return out


def _finite(x: float, digits: int) -> float:
    return round(float(x), digits) if math.isfinite(float(x)) else 0.0


def _route_ends(route: str, places: list[str]) -> tuple[int, int]:
    """Place indices of a route 'A--B' (-1 where a name is not a place)."""
    index = {p: i for i, p in enumerate(places)}
    parts = route.split("--")
    for cut in range(1, len(parts)):
        a, b = "--".join(parts[:cut]), "--".join(parts[cut:])
        if a in index and b in index:
            return index[a], index[b]
    return -1, -1


def _ints(matrix: np.ndarray) -> list:
    return np.asarray(matrix, dtype=np.int64).tolist()


def _chart(chart_id: str, title: str, unit: str, kind: str, names: list[str], matrix: np.ndarray,
           note: str = "") -> dict | None:
    """A chart of several series over frames; all-zero series are left out, and the chart when none is left.
    ``kind``: 'stock' (end of the frame's last day), 'flow' (summed over the frame's days) or 'price'."""
    matrix = np.asarray(matrix)
    keep = [k for k in range(len(names)) if np.any(matrix[:, k] != 0)]
    if not keep:
        return None
    return {"id": chart_id, "title": title, "unit": unit, "kind": kind, "note": note,
            "names": [names[k] for k in keep], "values": [_ints(matrix[:, k]) for k in keep]}


def _charts(run: RunFile, frames: Frames) -> list[dict]:
    charts = []
    by_status = run.population.sum(axis=1)
    charts.append(_chart("population", "Population by legal status", "people", "stock", run.statuses,
                         frames.at_end(by_status), "people at places (not stranded); dead and missing counted "
                                                       "where it happened"))
    charts.append(_chart("flows", "Departures and route entries", "people", "flow",
                         ["departures", "route entries"],
                         frames.summed(np.stack([run.spawned, run.flow.sum(axis=1)], axis=1))))
    charts.append(_chart("stranded", "Stranded and on routes", "people", "stock", ["stranded", "on routes"],
                         frames.at_end(np.stack([run.stranded.sum(axis=1), run.on_route.sum(axis=1)], axis=1))))
    occupancy = run.series_total("shelter_occupancy", "shelter")
    if occupancy is not None:
        names = run.labels["shelter"]
        caps = [run.capacity.get(n, -1) for n in names]
        note = ("capacity " + ", ".join(f"{n}: {c}" for n, c in zip(names, caps) if c >= 0)
                if run.capacity else "capacity unknown: the scenario's locations table was not found")
        charts.append(_chart("shelters", "Shelter occupancy", "people", "stock", names, frames.at_end(occupancy),
                             note))
    queue = run.series_total("programme_queue", "programme")
    if queue is not None:
        charts.append(_chart("queues", "Programme queues", "applications waiting", "stock",
                             run.labels["programme"], frames.at_end(queue)))
    market = run.series_total("smuggling", "quantity")
    if market is not None:
        q = run.labels["quantity"]
        shown = [n for n in ("demand", "seats_used", "arrivals", "intercepted", "abandoned") if n in q]
        charts.append(_chart("market", "Smuggling market", "people", "flow", shown,
                             frames.summed(market[:, [q.index(n) for n in shown]]), "summed over services"))
        if "price_usd" in q:
            values = run.series["smuggling"][1]
            prices = values[:, :, q.index("price_usd")]  # (time, service)
            set_ = prices > 0
            mean = np.where(set_.any(axis=1), np.round(np.where(set_, prices, 0).sum(axis=1)
                                                         / np.maximum(set_.sum(axis=1), 1)), 0)
            charts.append(_chart("prices", "Smuggling price", "USD", "price", ["mean price"],
                                 frames.mean_where_set(mean.astype(np.int64)[:, None]),
                                 "mean over the services that sell that day"))
    deaths_names, deaths_cols = [], []
    route_deaths = run.series_total("route_deaths", "death_record")
    if route_deaths is not None:
        for k, rec in enumerate(run.labels.get("death_record", [])):
            deaths_names.append(f"on routes ({rec})")
            deaths_cols.append(route_deaths[:, k])
    if "deaths" in run.series:
        deaths_names.append("on smuggling trips")
        deaths_cols.append(run.series["deaths"][1].sum(axis=1))
    if deaths_cols:
        charts.append(_chart("deaths", "Deaths", "people", "flow", deaths_names,
                             frames.summed(np.stack(deaths_cols, axis=1))))
    crossings = run.series_total("crossings", "option")
    if crossings is not None:
        names = [f"crossed: {o}" for o in run.labels["option"]]
        cols = [crossings]
        stopped = run.series.get("apprehensions")
        if stopped is not None:
            names.append("stopped (apprehensions)")
            cols.append(stopped[1].reshape(run.days, -1).sum(axis=1)[:, None])
        charts.append(_chart("crossings", "Border crossings by way", "people", "flow", names,
                             frames.summed(np.concatenate(cols, axis=1))))
    disp = run.series_total("displacement", "measure")
    if disp is not None:
        measures = run.labels["measure"]
        shown = [m for m in measures if not m.endswith("_today") and not m.endswith("_total")]
        charts.append(_chart("displacement", "Displacement", "people", "stock", shown,
                             frames.at_end(disp[:, [measures.index(m) for m in shown]])))
    return [c for c in charts if c is not None]


def payload(run: RunFile, frames: Frames) -> dict:
    """Everything the page shows of one run, as JSON-ready lists (ints where the file has counts)."""
    places, routes = run.places, run.routes
    kept = [i for i, s in enumerate(run.statuses) if np.any(run.population[:, :, i] != 0)]
    ends = [_route_ends(r, places) for r in routes]
    border = run.labels.get("border_edge", [])
    border_index = {b: k for k, b in enumerate(border)}
    pop = frames.at_end(run.population[:, :, kept])  # (frames, places, kept)
    map_data = {
        "population": _ints(pop.reshape(len(frames), -1)),
        "stranded": _ints(frames.at_end(run.stranded)),
        "flow": _ints(frames.summed(run.flow)),
        "on_route": _ints(frames.at_end(run.on_route)),
    }
    deaths = np.zeros((run.days, len(routes)), np.int64)
    has_deaths = False
    for name in ("deaths", "route_deaths"):
        total = run.series_total(name, "edge")
        if total is not None:
            deaths += total
            has_deaths = True
    if has_deaths:
        map_data["deaths"] = _ints(frames.summed(deaths))
    crossings = run.series.get("crossings")
    if crossings is not None and border:
        values = crossings[1]  # (time, border_edge, option, nationality)
        by_option = values.sum(axis=tuple(range(3, values.ndim)))
        map_data["crossings"] = _ints(frames.summed(by_option).reshape(len(frames), -1))
    occupancy = run.series.get("shelter_occupancy")
    if occupancy is not None:
        index = {p: i for i, p in enumerate(places)}
        at_place = np.zeros((run.days, len(places)), np.int64)
        for k, name in enumerate(run.labels["shelter"]):
            if name in index:
                at_place[:, index[name]] += occupancy[1][:, k]
        map_data["occupancy"] = _ints(frames.at_end(at_place))
    prov = dict(run.provenance)
    return {
        "label": run.label,
        "path": run.path,
        "start_date": run.start_date,
        "days": run.days,
        "frames": {"step": frames.step, "first": _ints(frames.first), "last": _ints(frames.last)},
        "places": {"name": places, "country": run.place_country, "kind": run.place_kind,
                   "lat": [_finite(v, 4) for v in run.lat], "lon": [_finite(v, 4) for v in run.lon],
                   "capacity": [run.capacity.get(p, -1) for p in places]},
        "routes": {"name": routes, "from": [a for a, _ in ends], "to": [b for _, b in ends],
                   "km": [_finite(v, 1) for v in run.route_km], "mode": run.route_mode,
                   "border": [border_index.get(r, -1) for r in routes]},
        "statuses": [run.statuses[i] for i in kept],
        "options": run.labels.get("option", []),
        "irregular": [run.statuses[i] in IRREGULAR_STATUSES for i in kept],
        "gone": [run.statuses[i] in GONE_STATUSES for i in kept],
        "map": map_data,
        "charts": _charts(run, frames),
        "headline": run.headline(),
        "provenance": {
            "scenario": prov.get("scenario_path", ""),
            "seed": run.seed,
            "version": prov.get("migrasim_version", ""),
            "git": prov.get("migrasim_git", ""),
            "wall_seconds": _finite(prov.get("wall_seconds", 0.0) or 0.0, 2),
            "threads": prov.get("threads", ""),
            "created_utc": prov.get("created_utc", ""),
            "command_line": prov.get("command_line", ""),
            "libraries": prov.get("library_versions", ""),
        },
        "shelter_capacity_known": bool(run.capacity),
    }
