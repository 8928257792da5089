"""The Python package: load, run, step, views, results, errors."""
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import migrasim


def test_load_scenario_with_overrides(mini):
    s = migrasim.load_scenario(mini, run__days=5)
    assert s.days == 5 and s.seed == 7
    assert s.start_date == "2024-01-01"
    assert "O1" in s.spec.place_names
    s2 = s.with_overrides("run.seed=99")
    assert s2.seed == 99 and s2.days == 5


def test_scenario_errors_are_value_errors_with_the_cli_message(mini):
    with pytest.raises(migrasim.ScenarioError) as err:
        migrasim.load_scenario(mini, run__days="many")
    assert isinstance(err.value, ValueError)
    assert "run.days: got 'many', expected a whole number of days" in str(err.value)
    mini.write_text(mini.read_text().replace("distance_km: 150", "distance_km: -1"))
    with pytest.raises(ValueError, match=r"mini\.yaml:13:38: world\.routes\[1\]\.distance_km"):
        migrasim.load_scenario(mini)


def test_the_readers_warnings_are_scenario_warnings_attributed_to_the_caller(mini):
    # The mini scenario without its reopening: the closure cuts off both destinations until the end, which
    # the CLI prints as two warnings (test_cli.py); Python issues them as ScenarioWarning, from this line.
    text = mini.read_text()
    reopen = "  - {date: 2024-01-08, action: open_border, countries: [ORI, DST]}\n"
    mini.write_text(text.replace(reopen, ""))
    with pytest.warns(migrasim.ScenarioWarning) as caught:
        s = migrasim.load_scenario(mini)
    assert len(caught) == 2 and all(w.filename == __file__ for w in caught)
    assert "mini.yaml:31:12: events[0]: after this closure no open route joins destination 'D1'" in str(
        caught[0].message)
    assert s.warnings == tuple(str(w.message) for w in caught)
    assert issubclass(migrasim.ScenarioWarning, UserWarning)
    mini.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert migrasim.load_scenario(mini).warnings == ()


def test_overrides_address_list_entries_by_index_and_name(mini):
    s = migrasim.load_scenario(mini, "events[closure].date=2024-01-03", "events[1].name=reopening")
    assert "date: 2024-01-03" in s.spec.resolved_yaml and "name: reopening" in s.spec.resolved_yaml
    with pytest.raises(migrasim.ScenarioError, match=r"no entry named 'flood' in events; names: closure"):
        migrasim.load_scenario(mini, "events[flood].date=2024-01-03")
    with pytest.raises(migrasim.ScenarioError, match=r"index 2 out of range: events has 2 entries \(0-1\)"):
        s.with_overrides("events[2].date=2024-01-03")


def test_run_returns_xarray_results(mini):
    r = migrasim.run(mini, seed=4, threads=2)
    pop = r.population
    assert isinstance(pop, xr.DataArray)
    assert pop.dims == ("time", "location", "legal_status")
    assert pop.sizes["time"] == 20
    assert r.flows.dims == ("time", "edge")
    total = pop.sum(("location", "legal_status")) + r.stranded.sum("location") + r.on_route.sum("edge")
    np.testing.assert_array_equal(total.values, np.cumsum(r.spawned.values))
    df = r.to_dataframe()
    assert set(df.columns) >= {"time", "location", "legal_status", "population"}
    assert df["population"].sum() == int(pop.sum())


def test_same_seed_same_result_any_threads(mini):
    a = migrasim.run(mini, seed=5, threads=1)
    b = migrasim.run(mini, seed=5, threads=2)
    c = migrasim.run(mini, seed=6, threads=2)
    xr.testing.assert_identical(a.dataset, b.dataset)
    assert not a.population.equals(c.population)


def test_stepping_with_numpy_views(mini):
    sim = migrasim.Simulation(mini, threads=2)
    view = sim.population_counts
    assert view.shape == (6, len(migrasim.LEGAL_STATUSES))
    assert not view.flags.writeable and not view.flags.owndata
    assert view.sum() == 0
    assert sim.step(3) == 3 and sim.day == 3
    # The same array object now shows day 2's counts: a view, not a copy.
    assert view.sum() + sim.stranded_counts.sum() + sim.on_route_counts.sum() == sim.agents
    sim.step(100)
    assert sim.finished and sim.day == 20
    result = sim.result()
    assert result.population.sizes["time"] == 20
    np.testing.assert_array_equal(result.population.isel(time=-1).values, view)


def test_save_matches_the_cli_layout(mini, tmp_path, cli):
    r = migrasim.run(mini, threads=2)
    path = tmp_path / "py.h5"
    r.save(path)
    cli_out = tmp_path / "cli.h5"
    assert cli("run", mini, "-o", cli_out, "-q", "--threads", 1).returncode == 0
    a, b = migrasim.open_result(path), migrasim.open_result(cli_out)
    for var in ("population", "stranded", "on_route", "flow", "spawned"):
        np.testing.assert_array_equal(a.dataset[var].values, b.dataset[var].values)
    events = xr.open_dataset(path, engine="h5netcdf", group="events")
    assert events.sizes["event"] == 2


def test_a_result_is_the_file_layout_with_its_events_and_provenance(mini, tmp_path, cli):
    sim = migrasim.Simulation(mini, threads=1)
    sim.step(10)
    early = sim.result()
    sim.step(10)
    late = sim.result()
    # The same coordinates, units and long names as the file `migrasim run` writes.
    assert cli("run", mini, "-o", tmp_path / "cli.h5", "-q", "--threads", 1).returncode == 0
    with xr.open_dataset(tmp_path / "cli.h5", engine="h5netcdf") as on_disk:
        for name in ("population", "stranded", "flow", "spawned", "crossings"):
            assert late.dataset[name].attrs == on_disk[name].attrs, name
            assert late.dataset[name].dims == on_disk[name].dims, name
        assert set(late.dataset.coords) == set(on_disk.coords)
        np.testing.assert_array_equal(late.population.values, on_disk["population"].values)
    assert late.population.attrs["units"] == "persons"
    # Events and provenance are the file's groups.
    ev = late.events
    assert list(ev["action"]) == ["close_routes", "open_routes"]
    assert str(ev["date"].iloc[0].date()) == "2024-01-05"
    assert int(late.provenance.attrs["threads"]) == 1
    # save() writes the result as it was made, not what the simulation did after.
    early.save(tmp_path / "early.h5")
    assert migrasim.open_result(tmp_path / "early.h5").population.sizes["time"] == 10
    assert not any(p.name.startswith("early.h5.partial") for p in tmp_path.iterdir())


def test_model_series_reach_the_result_and_the_file(root, tmp_path):
    scenario = migrasim.load_scenario(root / "scenarios" / "italy_2002.yaml", run__days=150)
    result = migrasim.run(scenario, threads=2)
    decisions = result.dataset["programme_decisions"]
    assert decisions.dims == ("time", "programme", "outcome")
    apps = int(decisions.sel(programme="italy_2002", outcome="application").sum())
    assert apps > 100000
    assert result.dataset["transitions"].dims == ("time", "country", "transition")
    path = tmp_path / "it.h5"
    result.save(path)
    on_disk = xr.open_dataset(path, engine="h5netcdf")
    np.testing.assert_array_equal(on_disk["programme_decisions"].values, decisions.values)
    np.testing.assert_array_equal(on_disk["programme_queue"].values, result.dataset["programme_queue"].values)


def test_population_by_group_is_asked_for_in_output_record(mini, tmp_path):
    plain = migrasim.run(mini, threads=2)
    assert "population_by_group" not in plain.dataset
    scenario = migrasim.load_scenario(mini, output__record="[population, stranded, on_route, flow, population_by_group]")
    r = migrasim.run(scenario, threads=2)
    g = r.dataset["population_by_group"]
    assert g.dims == ("time", "location", "nationality", "sex", "age_band")
    assert list(g["sex"].values) == ["female", "male"]
    # Everyone at a place, stranded or not, is in one group.
    xr.testing.assert_equal(g.sum(("nationality", "sex", "age_band")),
                            r.population.sum("legal_status") + r.stranded)
    path = tmp_path / "groups.h5"
    r.save(path)
    on_disk = xr.open_dataset(path, engine="h5netcdf")
    np.testing.assert_array_equal(on_disk["population_by_group"].values, g.values)


def test_negative_steps_and_steps_past_the_end_are_errors(mini):
    sim = migrasim.Simulation(mini, threads=1)
    with pytest.raises(ValueError, match="n must be >= 0, got -5"):
        sim.step(-5)
    assert sim.day == 0
    assert sim.step(0) == 0
    assert sim.step(100) == 20 and sim.finished
    with pytest.raises(ValueError, match="the run has ended"):
        sim.step(1)
    assert sim.run().population.sizes["time"] == 20  # run() on a finished simulation returns its result


@pytest.mark.parametrize("threads", [70000, -3, 1025])
def test_thread_counts_out_of_range_are_value_errors(mini, threads):
    with pytest.raises(ValueError, match=r"threads: got .*, expected a whole number in \[1, 1024\]"):
        migrasim.Simulation(mini, threads=threads)
    assert migrasim.Simulation(mini, threads=1024).step(1) == 1


def test_results_read_their_file_as_xarray_opens_it(root, mini, tmp_path):
    # Result reads its file with h5py + xarray.decode_cf (faster); it must be what open_dataset gives.
    for scenario, days in ((mini, None), (root / "scenarios" / "central_america.yaml", 40),
                           (root / "scenarios" / "italy_2002.yaml", 30)):
        r = migrasim.run(migrasim.load_scenario(scenario, **({"run__days": days} if days else {})), threads=2)
        path = tmp_path / "r.h5"
        r.save(path)
        with xr.open_dataset(path, engine="h5netcdf") as on_disk:
            xr.testing.assert_identical(r.dataset, on_disk.load())


# ------------------------------------------------------------------------------ changes between steps
def _mini_all(root, tmp_path):
    for name in ("mini.yaml", "mini_all.yaml", "mini_locations.csv"):
        (tmp_path / name).write_bytes((root / "tests" / "data" / name).read_bytes())
    return tmp_path / "mini_all.yaml"


def _same(a, b):
    for name, var in a.dataset.data_vars.items():
        np.testing.assert_array_equal(var.values, b.dataset[name].values, err_msg=name)


def test_a_fork_runs_on_as_the_unforked_run_and_shares_nothing(root, tmp_path):
    scenario = _mini_all(root, tmp_path)  # economic, family, entry rules, route risks
    straight = migrasim.run(scenario)
    sim = migrasim.Simulation(scenario)
    sim.step(8)
    twin = sim.fork(threads=3)
    assert twin.day == 8 and twin.agents == sim.agents
    sim.set("behaviour.economic.emigration_rate_per_day", {"ORI": 0})  # changes the original only
    changed = sim.run()
    forked = twin.run()
    _same(forked, straight)
    assert changed.spawned.values[8:].sum() < straight.spawned.values[8:].sum()
    assert list(forked.events["name"]) == list(straight.events["name"])


def test_set_changes_a_changeable_parameter_from_the_next_day_and_records_it(mini):
    sim = migrasim.Simulation(mini)
    assert "behaviour.economic.emigration_rate_per_day" in sim.changeable
    sim.step(10)
    sim.set("behaviour.economic.emigration_rate_per_day.ORI", 0.0)  # one country of the map
    r = sim.run()
    assert r.spawned.values[:10].sum() > 0 and r.spawned.values[10:].sum() == 0
    ev = r.events[r.events["action"] == "set_parameter"]
    assert list(ev["day"]) == [10] and "emigration_rate_per_day" in ev["name"].iloc[0]


def test_set_refuses_keys_that_cannot_change_mid_run_with_the_list(mini):
    sim = migrasim.Simulation(mini)
    sim.step(2)
    with pytest.raises(migrasim.ScenarioError, match=r"'behaviour\.economic\.patience_days' cannot change "
                                                     r"mid-run.*emigration_rate_per_day"):
        sim.set("behaviour.economic.patience_days", 9)
    with pytest.raises(migrasim.ScenarioError, match="only mechanisms' parameters"):
        sim.set("run.days", 9)
    with pytest.raises(migrasim.ScenarioError, match="runs no mechanism 'legal'"):
        sim.set("behaviour.legal.pathways[0].quota_per_month", 9)
    with pytest.raises(migrasim.ScenarioError, match=r"rate per capita per day in \[0, 1\]"):
        sim.set("behaviour.economic.emigration_rate_per_day", {"ORI": 2})
    sim.run()  # the refused changes left the run as it was
    with pytest.raises(ValueError, match="the run has ended"):
        sim.set("behaviour.economic.emigration_rate_per_day", {"ORI": 0})


def test_apply_closes_a_border_from_the_next_day(mini):
    sim = migrasim.Simulation(mini, days=20)
    sim.step(10)
    sim.apply({"action": "close_border", "countries": ["ORI", "DST"], "name": "closed from Python"})
    r = sim.run()
    crossing = [i for i, e in enumerate(r.flows["edge"].values) if "B" in e and "X" in e][0]
    assert r.flows.values[:10, crossing].sum() > 0 and r.flows.values[10:, crossing].sum() == 0
    assert "closed from Python" in list(r.events["name"])
    late = migrasim.Simulation(mini)
    late.step(10)
    with pytest.raises(migrasim.ScenarioError, match=r"event\.date.*on or after the next day to run \(2024-01-11\)"):
        late.apply({"action": "close_border", "countries": ["ORI", "DST"], "date": "2024-01-02"})
    with pytest.raises(migrasim.ScenarioError, match=r"event\.countries\[1\].*country code"):
        late.apply({"action": "close_border", "countries": ["ORI", "XXX"]})


def test_an_entry_rule_set_mid_run_stops_the_crossing(root, tmp_path):
    scenario = _mini_all(root, tmp_path)
    sim = migrasim.Simulation(scenario)
    sim.step(10)
    sim.set("behaviour.entry.rules", [{"name": "closed", "from": "2024-01-11", "border": ["ORI", "DST"],
                                      "rule": "closed"}])
    r = sim.run()
    crossing = [i for i, e in enumerate(r.flows["edge"].values) if "B" in e and "X" in e][0]
    assert r.flows.values[:10, crossing].sum() > 0 and r.flows.values[10:, crossing].sum() == 0


# ------------------------------------------------------------------------------ per-agent samples
def test_output_agents_records_a_keyed_sample_of_trajectories(mini, tmp_path):
    scenario = migrasim.load_scenario(mini, output__agents="{sample: 2000, every: 4}")
    r = migrasim.run(scenario, threads=1)
    df = r.agents
    assert df["agent"].nunique() == 2000
    assert sorted(df["day"].unique()) == [0, 4, 8, 12, 16, 19]  # every 4 days and the last
    assert df.groupby("agent")["day"].apply(lambda d: d.is_monotonic_increasing).all()
    assert set(df["sex"].cat.categories) == {"female", "male"}
    assert set(df["legal_status"].cat.categories) == set(migrasim.LEGAL_STATUSES)
    # At a place or on a route, never both.
    assert (df["location"].isna() != df["edge"].isna()).all()
    # The weighted sample estimates the counts: on the last day, people at places and on routes.
    last = df[df["day"] == 19]
    weight = float(last["weight"].iloc[0])
    assert weight == pytest.approx(float(r.spawned.sum()) / 2000)
    at_places = float((r.population.sum("legal_status") + r.stranded).isel(time=-1).sum())
    on_routes = float(r.on_route.isel(time=-1).sum())
    total = at_places + on_routes
    for estimate, truth in ((last["location"].notna().sum() * weight, at_places),
                            (last["edge"].notna().sum() * weight, on_routes)):
        p = truth / total
        sd = weight * np.sqrt(2000 * p * (1 - p))
        assert abs(estimate - truth) < 5 * sd + weight
    # The same sample for any thread count, through save and open_result, and no group without the key.
    again = migrasim.run(scenario, threads=3).agents
    pd.testing.assert_frame_equal(again, df)
    path = tmp_path / "agents.h5"
    r.save(path)
    pd.testing.assert_frame_equal(migrasim.open_result(path).agents, df)
    assert migrasim.run(mini).agents.empty


def test_a_smuggling_enforcement_change_set_mid_run_acts_from_the_next_day(root):
    scenario = migrasim.load_scenario(root / "scenarios" / "central_mediterranean.yaml", run__days=60)
    sim = migrasim.Simulation(scenario)
    sim.step(30)
    twin = sim.fork()
    crackdown = {"date": "2016-01-31", "service": "libya_italy_sea", "seats": 0, "name": "boats seized"}
    old = [{"date": "2017-02-02", "service": "libya_italy_sea", "interception": 0.10, "name": "mou"}]
    twin.set("behaviour.smuggling.enforcement", old + [crackdown])
    assert "behaviour.smuggling.enforcement[]" in twin.changeable
    a, b = sim.run(), twin.run()
    seats = list(a.dataset["quantity"].values).index("seats_used")
    trips_a = a.dataset["smuggling"].sel(service="libya_italy_sea").values[:, seats]
    trips_b = b.dataset["smuggling"].sel(service="libya_italy_sea").values[:, seats]
    np.testing.assert_array_equal(trips_a[:30], trips_b[:30])
    assert trips_a[30:].sum() > 0 and trips_b[30:].sum() == 0
    assert "set behaviour.smuggling.enforcement" in " ".join(b.events["name"])
    # A change dated before the next day would never act: refused, naming it.
    late = migrasim.Simulation(scenario)
    late.step(30)
    with pytest.raises(migrasim.ScenarioError, match=r"enforcement\[1\] \('boats seized'\): dated day 10, expected "
                                                     r"a date on or after the next day to run \(day 30\)"):
        late.set("behaviour.smuggling.enforcement", old + [dict(crackdown, date="2016-01-11")])
