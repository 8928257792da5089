"""Properties of every valid scenario, on random ones (python3-hypothesis): people are conserved every
day (spawned = at places, the dead and missing included, + stranded + on routes) and results do not depend
on the thread count. Two families: random small worlds (towns, border crossings, shelters, destinations; a
connected route graph) with the economic model and, at random, relatives joining their diaspora, the
legal-status model (residents, enforcement, a regularisation), a smuggling market on a route, a hurricane
displacing people from towns, dated route closures, entry rules and route risks; and random Flee cases
(Flee's files with its optional rules drawn at random, run through `migrasim run --flee`). The search is
derandomized so that CI sees the same scenarios on every run."""
import json
import pathlib
import tempfile

import h5py
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="python3-hypothesis is not installed (./run.sh installs it)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

KINDS = ["town", "transit_hub", "border_crossing", "shelter", "destination"]
DAYS = 30


@st.composite
def scenarios(draw):
    n_countries = draw(st.integers(2, 3))
    countries = [f"C{i}" for i in range(n_countries)]
    n = draw(st.integers(3, 9))
    places = []
    for i in range(n):
        kind = "town" if i == 0 else ("destination" if i == n - 1 else draw(st.sampled_from(KINDS)))
        place = {"name": f"P{i}", "country": countries[min(i * n_countries // n, n_countries - 1)], "kind": kind,
                 "lat": round(draw(st.floats(-10, 10)), 3), "lon": round(draw(st.floats(-10, 10)), 3)}
        if kind == "town":
            place["population"] = draw(st.integers(0, 200_000))
        if kind == "shelter":
            place["capacity"] = draw(st.integers(0, 500))
        places.append(place)
    places[0]["population"] = max(places[0].get("population", 0), 10_000)
    # A spanning tree, then a few extra routes.
    pairs = {(draw(st.integers(0, i - 1)), i) for i in range(1, n)}
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    routes = [{"from": f"P{a}", "to": f"P{b}", "distance_km": draw(st.integers(5, 600)),
               "mode": draw(st.sampled_from(["road", "foot", "sea"]))} for a, b in sorted(pairs)]
    destinations = [p["name"] for p in places if p["kind"] == "destination"]
    economic = {
        "emigration_rate_per_day": {c: draw(st.sampled_from([0, 1e-5, 1e-4, 1e-3])) for c in countries},
        "destinations": {d: {"attractiveness": draw(st.integers(1, 5))} for d in destinations},
        "visa_share": {c: draw(st.sampled_from([0, 0.3])) for c in countries},
        "speed_km_per_day": {"road": 200, "foot": 30, "sea": 150},
        "patience_days": draw(st.integers(1, 5)),
    }
    economic["emigration_rate_per_day"][countries[0]] = 1e-3  # someone leaves
    scenario = {"run": {"start_date": "2024-01-01", "days": DAYS, "seed": draw(st.integers(0, 2**31))},
                "world": {"countries": [{"code": c} for c in countries], "locations": places, "routes": routes},
                "behaviour": {"model": "economic", "economic": economic},
                "output": {"record": ["population", "stranded", "on_route", "flow"]}}
    route_list = [[r["from"], r["to"]] for r in routes]
    events = []
    for _ in range(draw(st.integers(0, 3))):
        r = draw(st.sampled_from(route_list))
        day = draw(st.integers(1, DAYS - 1))
        events.append({"date": f"2024-01-{day + 1:02d}", "action": draw(st.sampled_from(["close_route", "open_route"])),
                       "from": r[0], "to": r[1]})
    if events:
        scenario["events"] = events
    if draw(st.booleans()):
        scenario["behaviour"]["route_risks"] = {
            "risks": [{"route": draw(st.sampled_from(route_list)), "death": draw(st.sampled_from([0.01, 0.2, 1.0]))}],
            "recorded_share": draw(st.sampled_from([0.5, 1.0]))}
    dest_country = next(p["country"] for p in places if p["name"] == destinations[-1])
    if draw(st.booleans()):  # relatives joining their diaspora, a second driver
        scenario["behaviour"]["family"] = {
            "join_rate_per_day": {countries[0]: draw(st.sampled_from([1e-4, 1e-3]))},
            "destinations": {d: {"diaspora": {countries[0]: draw(st.integers(0, 20_000))}} for d in destinations},
            "permit_share": {dest_country: draw(st.sampled_from([0, 0.5]))}}
    if draw(st.booleans()):  # legal status: residents, enforcement, a one-off regularisation
        scenario["behaviour"]["legal"] = {
            "residents": [{"place": destinations[-1], "origin": "P0", "count": draw(st.integers(0, 5000)),
                           "status": draw(st.sampled_from(["irregular", "regular"])), "resident_years": [0, 5]}],
            "enforcement": [{"country": dest_country, "apprehension_per_day": draw(st.sampled_from([0, 1e-3])),
                             "detention_days": 10, "removal_share": 0.5}],
            "programmes": [{"name": "amnesty", "country": dest_country, "kind": "one_off",
                            "window": ["2024-01-10", "2024-01-20"], "cutoff_date": "2024-01-05",
                            "processing_per_day": draw(st.integers(0, 100)),
                            "statuses": draw(st.sampled_from([["irregular"], ["irregular", "regular"]]))}]}
    if draw(st.booleans()):  # a smuggling market at a place on the way, with a smuggler and crossing alone
        a, b = draw(st.sampled_from([(r["from"], r["to"]) for r in routes]))
        choice = {"price_sensitivity": 0.3, "risk_aversion": 5, "alone_penalty": 1,
                  "wait_utility": draw(st.sampled_from([-2, 0]))}
        if draw(st.booleans()):  # looking for another destination (drawn by the economic/family driver)
            choice["another_destination_utility"] = draw(st.sampled_from([-1, 3]))
        scenario["behaviour"]["smuggling"] = {
            "crossing_points": [a],
            "choice": choice,
            "services": [
                {"name": "boat", "from": a, "to": b, "seats_per_day": draw(st.integers(0, 200)),
                 "price_usd": draw(st.integers(0, 5000)), "interception": draw(st.sampled_from([0, 0.3])),
                 "death": draw(st.sampled_from([0, 0.01, 0.5]))},
                {"name": "alone", "kind": "alone", "from": a, "to": b, "interception": 0.4,
                 "death": draw(st.sampled_from([0, 0.05]))}]}
    towns = [p["name"] for p in places if p["kind"] == "town" and p.get("population", 0) > 0]
    if draw(st.booleans()):  # a hurricane displacing people from some towns (shelters, kin, abroad)
        hit = draw(st.lists(st.sampled_from(towns), min_size=1, max_size=3, unique=True))
        scenario["behaviour"]["disasters"] = {
            "curves": {"hurricane": {"max_share": draw(st.sampled_from([0.05, 0.3])), "midpoint": 0.5,
                                     "steepness": 8}},
            "split": {"shelter": 0.3, "kin": 0.6, "abroad": 0.1},
            "kin_max_km": 400,
            "return": {"rate_per_day": draw(st.sampled_from([0, 0.05])), "recovery_days": 10},
            "events": [{"name": "storm", "kind": "hurricane", "onset": f"2024-01-{draw(st.integers(2, 20)):02d}",
                        "duration_days": 2,
                        "footprint": {"places": {t: draw(st.sampled_from([0.5, 1.0])) for t in hit}}}]}
    if draw(st.booleans()):
        scenario["behaviour"]["entry"] = {"rules": [{
            "from": "2024-01-05", "route": draw(st.sampled_from(route_list)),
            "rule": "permeability", "permeability": draw(st.sampled_from([0.0, 0.5]))}]}
    return scenario


def _run(cli, path, out, threads):
    r = cli("run", path, "-q", "-o", out, "--threads", threads)
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        data = {k: v[()] for k, v in f.items() if isinstance(v, h5py.Dataset)}
    return data


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_random_scenarios_conserve_people_and_do_not_depend_on_threads(cli, tmp_path, scenario):
    path = tmp_path / "random.yaml"
    path.write_text(json.dumps(scenario))  # JSON is YAML
    one = _run(cli, path, tmp_path / "t1.h5", 1)
    three = _run(cli, path, tmp_path / "t3.h5", 3)
    present = one["population"].sum(axis=(1, 2)) + one["stranded"].sum(axis=1) + one["on_route"].sum(axis=1)
    np.testing.assert_array_equal(present, np.cumsum(one["spawned"]))
    assert one["spawned"].sum() > 0  # the first town's country has departures
    assert one.keys() == three.keys()
    for name in one:
        np.testing.assert_array_equal(one[name], three[name], err_msg=name)


# Random small Flee cases, written as Flee's files (locations, routes, closures, conflicts, the period, the
# observed camp counts and a simsetting.yml with Flee's optional rules drawn at random), run through
# `migrasim run --flee`: the same two properties.
FLEE_DAYS = 25


@st.composite
def flee_cases(draw):
    n = draw(st.integers(3, 8))
    countries = ["Home", "HostA", "HostB"][:draw(st.integers(2, 3))]
    rows, camps = [], []
    for i in range(n):
        if i == 0:
            kind, country = "conflict_zone", "Home"
        else:
            kind = draw(st.sampled_from(["town", "conflict_zone", "camp", "forward", "marker", "town"]))
            country = draw(st.sampled_from(countries))
            if kind == "camp" and country == "Home":
                kind = "idpcamp"
        conflict_date = "0" if i == 0 else (str(draw(st.integers(0, FLEE_DAYS))) if kind == "conflict_zone" else "")
        size = draw(st.integers(0, 5000)) if "camp" in kind else draw(st.integers(0, 60_000))
        if i == 0:
            size = max(size, 5000)
        rows.append([f"L{i}", "R", country, f"{draw(st.floats(-10, 10)):.3f}", f"{draw(st.floats(-10, 10)):.3f}",
                     kind, conflict_date, str(size)])
        if "camp" in kind:
            camps.append(f"L{i}")
    if not camps:  # the observed data need a camp
        rows[-1][5], rows[-1][2] = "camp", countries[-1]
        camps.append(rows[-1][0])
    initial = draw(st.booleans())
    header = ("#name,region,country,lat,lon,location_type,conflict_date,pop/cap,deactivation_probability"
              + (",initial_idps" if initial else ""))
    lines = [header] + [",".join(r + [draw(st.sampled_from(["", "0.1", "1"]))]
                                 + ([str(draw(st.integers(0, 50)))] if initial else [])) for r in rows]
    pairs = {(draw(st.integers(0, i - 1)), i) for i in range(1, n)}
    for _ in range(draw(st.integers(0, n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    routes = [f"L{a},L{b},{draw(st.integers(5, 600))}" for a, b in sorted(pairs)]
    if draw(st.booleans()):  # a route listed twice, reversed: two links in Flee
        a, b = sorted(pairs)[0]
        routes.append(f"L{b},L{a},{draw(st.integers(5, 600))}")
    closures = ["#closure_type,name1,name2,closure_start,closure_end"]
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(st.sampled_from(sorted(pairs)))
        start = draw(st.integers(0, FLEE_DAYS - 1))
        end = draw(st.sampled_from([-1, start + draw(st.integers(1, 10))]))
        closures.append(draw(st.sampled_from([f"link,L{a},L{b},{start},{end}", f"location,L{b},,{start},{end}",
                                              f"camp,{draw(st.sampled_from(camps))},,{start},{end}"])))
    conflict_zones = [r[0] for r in rows if r[5] == "conflict_zone"]
    conflicts = None
    if draw(st.booleans()):
        conflicts = ["#Day," + ",".join(conflict_zones)]
        for day in sorted({0, *draw(st.lists(st.integers(1, FLEE_DAYS - 1), max_size=3))}):
            conflicts.append(f"{day}," + ",".join(draw(st.sampled_from(["0", "0.5", "1"])) for _ in conflict_zones))
    observed = {}
    for c in camps + ["total"]:
        points = sorted(draw(st.lists(st.integers(0, FLEE_DAYS + 5), min_size=1, max_size=3, unique=True)))
        observed[c] = [(d, draw(st.integers(0, 3000))) for d in points]
    spawn = {"insert_day0": draw(st.booleans()), "take_from_population": draw(st.booleans()),
             "sum_from_camps": draw(st.booleans()), "empty_camps_on_day0": draw(st.booleans()),
             "conflict_spawn_decay": draw(st.sampled_from([[1.0], [1.0, 0.5, 0.1]])),
             "conflict_spawn_decay_interval": draw(st.integers(1, 30)), "camps_are_sicks": draw(st.booleans())}
    mode = draw(st.sampled_from([None, "constant", "pop_ratio", "Poisson"]))
    if mode:
        spawn["conflict_driven_spawning"] = {
            "spawn_mode": mode, "displaced_per_conflict_day": 0.005 if mode == "pop_ratio" else draw(st.integers(0, 300))}
    move = {"max_move_speed": draw(st.sampled_from([50.0, 200.0, 400.0])),
            "default_movechance": draw(st.sampled_from([0.0, 0.3, 1.0])),
            "camp_movechance": draw(st.sampled_from([0.0, 0.001, 0.5])),
            "awareness_level": draw(st.sampled_from([-1, 0, 1, 2, 3])),
            "avoid_short_stints": draw(st.booleans()), "start_on_foot": draw(st.booleans()),
            "capacity_scaling": draw(st.sampled_from([0.5, 1.0, 1.25])),
            "stay_close_to_home": draw(st.booleans()), "use_pop_for_loc_weight": draw(st.booleans()),
            "movechance_pop_scale_factor": draw(st.sampled_from([0.0, 0.2])),
            "use_v1_rules": draw(st.booleans())}
    return {"locations": lines, "routes": routes, "closures": closures, "conflicts": conflicts,
            "observed": observed, "simsetting": {"spawn_rules": spawn, "move_rules": move,
                                                  "optimisations": {"hasten": draw(st.sampled_from([1, 2]))}},
            "seed": draw(st.integers(0, 2**31)), "variant": draw(st.sampled_from(["flee", "improved"]))}


def _write_flee_case(case, folder):
    inp, val = folder / "input", folder / "validation"
    inp.mkdir(parents=True)
    val.mkdir()
    (inp / "locations.csv").write_text("\n".join(case["locations"]) + "\n")
    (inp / "routes.csv").write_text("#name1,name2,distance\n" + "\n".join(case["routes"]) + "\n")
    (inp / "closures.csv").write_text("\n".join(case["closures"]) + "\n")
    if case["conflicts"]:
        (inp / "conflicts.csv").write_text("\n".join(case["conflicts"]) + "\n")
    (inp / "sim_period.csv").write_text(f"StartDate,2020-01-01\nLength,{FLEE_DAYS}\n")
    layout = []
    for name, points in case["observed"].items():
        file = "refugees.csv" if name == "total" else f"{name}.csv"
        layout.append(f"{name},{file}")
        (val / file).write_text("".join(f"2020-01-{1 + d:02d},{v}\n" if d < 31 else f"2020-02-{d - 30:02d},{v}\n"
                                        for d, v in points))
    (val / "data_layout.csv").write_text("\n".join(layout) + "\n")
    (folder / "simsetting.yml").write_text(json.dumps(case["simsetting"]))  # JSON is YAML


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=flee_cases())
def test_random_flee_cases_conserve_people_and_do_not_depend_on_threads(cli, tmp_path, case):
    tmp_path = pathlib.Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per example
    folder = tmp_path / "case"
    _write_flee_case(case, folder)

    def run(out, threads):
        r = cli("run", "--flee", folder, "-q", "-o", out, "--threads", threads, "--seed", case["seed"],
                "--set", f"behaviour.flee.variant={case['variant']}")
        assert r.returncode == 0, r.stderr
        with h5py.File(out, "r") as f:
            return {k: v[()] for k, v in f.items() if isinstance(v, h5py.Dataset)}

    one = run(tmp_path / "t1.h5", 1)
    three = run(tmp_path / "t3.h5", 3)
    present = one["population"].sum(axis=(1, 2)) + one["stranded"].sum(axis=1) + one["on_route"].sum(axis=1)
    np.testing.assert_array_equal(present, np.cumsum(one["spawned"]))
    assert one.keys() == three.keys()
    for name in one:
        np.testing.assert_array_equal(one[name], three[name], err_msg=name)
