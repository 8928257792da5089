"""Scenario studies (migrasim.studies): ensembles, pickling, worker independence, bad input."""
import pickle
import threading

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import migrasim


def test_an_ensemble_has_a_seed_dimension_and_equals_the_single_runs(mini):
    ens = migrasim.ensemble(mini, seeds=[3, 4, 5], workers=1, threads=1)
    assert list(ens["seed"].values) == [3, 4, 5]
    for name in ("population", "stranded", "on_route", "flow", "spawned"):
        assert ens[name].dims[0] == "seed", name
    one = migrasim.run(mini, seed=4, threads=2).dataset
    xr.testing.assert_equal(ens["population"].sel(seed=4, drop=True), one["population"])
    xr.testing.assert_equal(ens["spawned"].sel(seed=4, drop=True), one["spawned"])
    # Different seeds, different members; the static coordinates are not repeated per member.
    assert not ens["population"].sel(seed=3).equals(ens["population"].sel(seed=4))
    assert ens["location_country"].dims == ("location",)
    bands = ens["population"].sum(("location", "legal_status")).quantile([0.1, 0.5, 0.9], dim="seed")
    assert bands.dims == ("quantile", "time")
    assert (bands.sel(quantile=0.1) <= bands.sel(quantile=0.9)).all()


def test_a_count_of_seeds_starts_at_the_scenario_seed(mini):
    ens = migrasim.ensemble(migrasim.load_scenario(mini, run__days=5), seeds=2, workers=1)
    assert list(ens["seed"].values) == [7, 8]
    assert ens.sizes["time"] == 5
    numpy_seeds = migrasim.ensemble(migrasim.load_scenario(mini, run__days=5), seeds=np.arange(7, 9), workers=1)
    xr.testing.assert_identical(numpy_seeds, ens)


def test_the_ensemble_does_not_depend_on_workers_or_threads(mini):
    scenario = migrasim.load_scenario(mini, run__days=12)
    serial = migrasim.ensemble(scenario, seeds=range(4), workers=1, threads=2)
    pooled = migrasim.ensemble(scenario, seeds=range(4), workers=2, threads=1)
    xr.testing.assert_identical(serial, pooled)


def test_an_ensemble_saves_to_one_netcdf_file_and_opens_again(mini, tmp_path):
    ens = migrasim.ensemble(mini, seeds=[1, 2], workers=1)
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "ens.h5"
    ens.migrasim.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["ens.h5"]  # no partial file left
    back = migrasim.open_ensemble(path)
    xr.testing.assert_equal(back["population"], ens["population"])
    assert back.attrs["members"] == 2
    assert "emigration_rate_per_day" in back.attrs["resolved_scenario"]


def test_bad_study_arguments_name_the_argument_and_the_expectation(mini):
    for seeds, message in [(0, "expected a count >= 1"), ([1, 1], "given twice"), ([-1], "whole numbers >= 0"),
                           ([], "no seeds"), ("abc", "whole numbers >= 0"), (True, "expected a count")]:
        with pytest.raises(ValueError, match=message):
            migrasim.ensemble(mini, seeds=seeds, workers=1)
    for workers in (0, -2, 2.5, 10**6):
        with pytest.raises(ValueError, match=r"workers: got .*expected a whole number in \[1, 1024\]"):
            migrasim.ensemble(mini, seeds=2, workers=workers)
    for threads in (0, -1, 5000, 1.5):
        with pytest.raises(ValueError, match=r"threads: got .*expected a whole number in \[1, 1024\]"):
            migrasim.run(mini, threads=threads)


def test_scenarios_and_results_pickle(mini, tmp_path):
    s = migrasim.load_scenario(mini, run__days=6)
    copy = pickle.loads(pickle.dumps(s))
    assert copy.days == 6 and copy.overrides == s.overrides
    assert copy.spec.resolved_yaml == s.spec.resolved_yaml
    r = migrasim.run(s, seed=2, threads=1)
    back = pickle.loads(pickle.dumps(r))
    xr.testing.assert_identical(back.dataset, r.dataset)
    assert back.events.equals(r.events)
    r.save(tmp_path / "a.h5")
    back.save(tmp_path / "b.h5")  # the copy carries the run's file
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()


def test_a_simulation_refuses_new_attributes_and_a_second_stepping_thread(mini):
    sim = migrasim.Simulation(mini, threads=1)
    with pytest.raises(AttributeError, match="cannot be set: the scenario and its parameters are fixed"):
        sim.scenario = migrasim.load_scenario(mini, run__days=3)
    with pytest.raises(AttributeError):
        sim.unknown = 1
    # Hold the simulation's step lock as a running step would: another thread is refused, not let in.
    errors = []
    sim._busy.acquire()
    try:
        t = threading.Thread(target=lambda: errors.append(pytest.raises(RuntimeError, sim.step, 1)))
        t.start()
        t.join()
    finally:
        sim._busy.release()
    assert errors and "being stepped by another thread" in str(errors[0].value)
    assert sim.step(2) == 2  # free again
    np.testing.assert_array_equal(sim.population_counts.sum() + sim.stranded_counts.sum() + sim.on_route_counts.sum(),
                                  sim.agents)


def test_a_sweep_crosses_the_values_and_tabulates_the_outcomes(mini):
    table = migrasim.sweep(mini, {"behaviour.economic.emigration_rate_per_day.ORI": [5e-4, 1e-3],
                                  "behaviour.economic.patience_days": [1, 5]},
                           seeds=[1, 2], outcome=["sum:spawned", "population"], workers=1)
    assert list(table.columns) == ["behaviour.economic.emigration_rate_per_day.ORI",
                                   "behaviour.economic.patience_days", "seed", "sum:spawned", "population"]
    assert len(table) == 8
    assert list(table["seed"]) == [1, 2] * 4
    # Each row is the run of its point and seed.
    row = table.iloc[5]  # rate 1e-3, patience 1, seed 2
    assert (row.iloc[0], row.iloc[1], row["seed"]) == (1e-3, 1, 2)
    one = migrasim.run(migrasim.load_scenario(mini, "behaviour.economic.emigration_rate_per_day.ORI=0.001",
                                              "behaviour.economic.patience_days=1"), seed=2, threads=1)
    assert row["sum:spawned"] == int(one.spawned.sum())
    assert row["population"] == int(one.population.isel(time=-1).sum())
    # Twice the rate, about twice the movers.
    by_rate = table.groupby("behaviour.economic.emigration_rate_per_day.ORI")["sum:spawned"].mean()
    assert 1.8 < by_rate[1e-3] / by_rate[5e-4] < 2.2


def test_a_sweep_over_given_points_with_a_callable_outcome_does_not_depend_on_workers(mini):
    points = [{"events[closure].date": "2024-01-03"}, {"events[closure].date": "2024-01-12"}]

    def stranded_days(ds):
        return {"stranded_days": int(ds["stranded"].sum()), "last": int(ds["population"].isel(time=-1).sum())}

    serial = migrasim.sweep(mini, points=points, seeds=2, outcome=stranded_days, workers=1)
    pooled = migrasim.sweep(mini, points=points, seeds=2, outcome=stranded_days, workers=2)
    assert serial.equals(pooled)
    assert list(serial.columns) == ["events[closure].date", "seed", "stranded_days", "last"]
    assert serial["stranded_days"].iloc[0] != serial["stranded_days"].iloc[2]


def test_bad_sweeps_fail_before_any_run(mini):
    with pytest.raises(migrasim.ScenarioError, match="behaviour.economic.patience_days"):
        migrasim.sweep(mini, {"behaviour.economic.patience_days": [1, -4]}, workers=1)
    with pytest.raises(ValueError, match="give either vary"):
        migrasim.sweep(mini, workers=1)
    with pytest.raises(ValueError, match=r"vary\['run.days'\]: got 5, expected a list of values"):
        migrasim.sweep(mini, {"run.days": 5}, workers=1)
    with pytest.raises(ValueError, match=r"points\[1\]: keys \['run.seed'\], expected the keys of points\[0\]"):
        migrasim.sweep(mini, points=[{"run.days": 3}, {"run.seed": 4}], workers=1)
    with pytest.raises(ValueError, match="outcome 'populaton': no variable 'populaton' in the run; variables: "):
        migrasim.sweep(mini, {"run.days": [3]}, outcome=["populaton"], workers=1)


def test_a_dask_cluster_gives_the_same_ensemble_and_sweep(mini):
    distributed = pytest.importorskip("distributed", reason="Debian python3-distributed is not installed")
    scenario = migrasim.load_scenario(mini, run__days=10)
    local = migrasim.ensemble(scenario, seeds=range(3), workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_client = migrasim.ensemble(scenario, seeds=range(3), cluster=client)
            table = migrasim.sweep(scenario, {"behaviour.economic.patience_days": [1, 5]}, seeds=2,
                                   cluster=client)
        by_address = migrasim.ensemble(scenario, seeds=range(3), cluster=cluster.scheduler_address)
    xr.testing.assert_identical(local, on_client)
    xr.testing.assert_identical(local, by_address)
    assert table.equals(migrasim.sweep(scenario, {"behaviour.economic.patience_days": [1, 5]}, seeds=2,
                                       workers=1))
    with pytest.raises(ValueError, match="cluster: got 3, expected a scheduler address"):
        migrasim.ensemble(scenario, seeds=2, cluster=3)


def test_the_sweep_verb_writes_the_table_migrasim_sweep_gives(cli, mini, tmp_path):
    import pandas as pd

    out = tmp_path / "table.csv"
    r = cli("sweep", mini, "--vary", "behaviour.economic.emigration_rate_per_day.ORI=5.0e-4,1.0e-3",
            "--vary", "run.days=5,12", "--seeds", "2", "--outcome", "sum:spawned", "--outcome", "stranded",
            "--threads", "2", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "8 runs: 4 points x 2 seeds" in r.stdout
    from_cli = pd.read_csv(out)
    from_python = migrasim.sweep(mini, {"behaviour.economic.emigration_rate_per_day.ORI": [5e-4, 1e-3],
                                        "run.days": [5, 12]}, seeds=2, outcome=["sum:spawned", "stranded"],
                                 workers=1)
    assert list(from_cli.columns) == list(from_python.columns)
    np.testing.assert_array_equal(from_cli.to_numpy(dtype=float), from_python.to_numpy(dtype=float))
    bad = cli("sweep", mini, "--vary", "behaviour.economic.patience_days=1,-3", "-o", tmp_path / "bad.csv")
    assert bad.returncode == 2 and "got '-3', expected an integer in [0, 65535]" in bad.stderr
    assert not (tmp_path / "bad.csv").exists()
    bad = cli("sweep", mini, "--vary", "run.days=3", "--outcome", "populaton", "-o", tmp_path / "bad.csv")
    assert bad.returncode == 2 and "no variable 'populaton'" in bad.stderr
    assert not (tmp_path / "bad.csv").exists()


def test_the_ensemble_verb_writes_the_members_migrasim_ensemble_gives(cli, mini, tmp_path):
    out = tmp_path / "ens.h5"
    r = cli("ensemble", mini, "--seeds", "3", "--threads", "2", "--set", "run.days=15", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "3 members, seeds 7-9" in r.stdout
    from_cli = migrasim.open_ensemble(out)
    from_python = migrasim.ensemble(migrasim.load_scenario(mini, run__days=15), seeds=3, workers=1)
    assert list(from_cli["seed"].values) == [7, 8, 9]
    for name in from_python.data_vars:
        np.testing.assert_array_equal(from_cli[name].values, from_python[name].values, err_msg=name)
        assert from_cli[name].dims == from_python[name].dims, name
    np.testing.assert_array_equal(from_cli["time"].values, from_python["time"].values)
    info = cli("info", out)
    assert info.returncode == 0 and "members:      3 (seeds 7 8 9)" in info.stdout
    bad = cli("ensemble", mini, "--seeds", "2", "--set", "run.days=0", "-o", tmp_path / "bad.h5")
    assert bad.returncode == 2 and "run.days" in bad.stderr
    assert not any(p.name.startswith("bad.h5") for p in tmp_path.iterdir())


def test_an_ensemble_file_holds_each_members_agent_sample(cli, mini, tmp_path):
    out = tmp_path / "ens.h5"
    r = cli("ensemble", mini, "--seeds", "2", "--set", "run.days=10", "--set", "output.agents={sample: 15, every: 3}",
            "-o", out)
    assert r.returncode == 0, r.stderr
    agents = migrasim.open_result(out).agents
    assert list(agents.columns[:2]) == ["seed", "agent"]
    info = cli("info", out)
    assert f"agent sample: 15 agents every 3 days, {len(agents)} rows" in info.stdout
    for seed in (7, 8):  # each member's rows are that member's own run
        single = migrasim.run(migrasim.load_scenario(mini, run__days=10, run__seed=seed,
                                                     output__agents="{sample: 15, every: 3}")).agents
        member = agents[agents["seed"] == seed].drop(columns="seed").reset_index(drop=True)
        pd.testing.assert_frame_equal(member, single)
