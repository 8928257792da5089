"""End-to-end tests of the `migrasim` command line: outputs, determinism, conservation, bad input."""
import re

import numpy as np
import pytest
import xarray as xr


def test_version_and_help(cli):
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("migrasim ")
    r = cli("run", "--help")
    assert r.returncode == 0
    for option in ("--output", "--days", "--seed", "--threads", "--set", "--quiet"):
        assert option in r.stdout
    for sub in ("run", "validate", "drill"):
        assert "KEY[NAME]" in " ".join(cli(sub, "--help").stdout.split())
    assert "Exit codes" in cli("--help").stdout
    assert cli("frobnicate").returncode == 2


def test_provenance_names_the_commit_the_binary_was_built_from(cli, mini, tmp_path, root):
    # The git description is taken at build time, so a binary built from this checkout names its HEAD
    # (not the commit the build was first configured at).
    import subprocess

    import h5py

    git = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=root, capture_output=True,
                         text=True)
    expected = git.stdout.strip() if git.returncode == 0 and git.stdout.strip() else "unknown"
    r = cli("--version")
    assert r.stdout.strip().endswith(f"({expected})"), (r.stdout, expected)
    out = tmp_path / "p.h5"
    assert cli("run", mini, "-o", out, "-q").returncode == 0
    with h5py.File(out) as f:
        assert f["provenance"].attrs["migrasim_git"] == expected


def test_run_writes_a_file_xarray_opens(cli, mini, tmp_path):
    out = tmp_path / "mini.h5"
    r = cli("run", mini, "-o", out, "--threads", 2)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "irregular" in r.stdout
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds["population"].dims == ("time", "location", "legal_status")
    assert ds.sizes["time"] == 20 and ds.sizes["location"] == 6
    assert str(ds["time"].values[0]).startswith("2024-01-01")
    assert "irregular" in list(ds["legal_status"].values)
    assert ds["flow"].dims == ("time", "edge")
    assert ds["stranded"].dims == ("time", "location")
    events = xr.open_dataset(out, engine="h5netcdf", group="events")
    assert list(events["name"].values) == ["closure", "open_border ORI-DST"]
    prov = xr.open_dataset(out, engine="h5netcdf", group="provenance")
    assert "A tiny scenario for tests" in str(prov["scenario_text"].values)
    assert int(prov.attrs["seed"]) == 7 and int(prov.attrs["threads"]) == 2
    assert "oneTBB" in prov.attrs["library_versions"] and "HDF5" in prov.attrs["library_versions"]
    info = cli("info", out)
    assert info.returncode == 0 and "spawned" in info.stdout


def test_people_are_conserved_every_day(cli, mini, tmp_path):
    out = tmp_path / "c.h5"
    assert cli("run", mini, "-o", out, "-q").returncode == 0
    ds = xr.open_dataset(out, engine="h5netcdf")
    present = ds["population"].sum(("location", "legal_status")) + ds["stranded"].sum("location") + ds[
        "on_route"
    ].sum("edge")
    np.testing.assert_array_equal(present.values, np.cumsum(ds["spawned"].values))
    # The closure (days 4-6) strands people at the border crossing.
    assert int(ds["stranded"].sel(location="B").isel(time=5)) > 0


@pytest.mark.parametrize("threads", [2, 8])
def test_thread_count_does_not_change_results(cli, mini, tmp_path, threads):
    ref, other = tmp_path / "t1.h5", tmp_path / f"t{threads}.h5"
    assert cli("run", mini, "-o", ref, "--threads", 1, "-q").returncode == 0
    assert cli("run", mini, "-o", other, "--threads", threads, "-q").returncode == 0
    a, b = xr.open_dataset(ref, engine="h5netcdf"), xr.open_dataset(other, engine="h5netcdf")
    for var in ("population", "stranded", "on_route", "flow", "spawned"):
        np.testing.assert_array_equal(a[var].values, b[var].values)
    assert a["population"].values.sum() > 0


def test_overrides_from_the_command_line(cli, mini, tmp_path):
    out = tmp_path / "o.h5"
    r = cli("run", mini, "-o", out, "--days", 9, "--seed", 3, "--set", "behaviour.economic.patience_days=1", "-q")
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(out, engine="h5netcdf")
    prov = xr.open_dataset(out, engine="h5netcdf", group="provenance")
    assert ds.sizes["time"] == 9
    assert int(prov.attrs["seed"]) == 3
    assert "patience_days: 1" in str(prov["resolved_scenario"].values)


def test_set_moves_a_named_event_of_a_shipped_scenario(cli, root, tmp_path):
    out = tmp_path / "ca.h5"
    # Day 24 (2021-01-25) in the file; the override moves the lifting of the roadblock to day 29.
    r = cli("run", root / "scenarios" / "central_america.yaml", "-o", out, "--days", 30, "-q",
            "--set", "events[Roadblock lifted (illustrative)].date=2021-01-30")
    assert r.returncode == 0, r.stderr
    events = xr.open_dataset(out, engine="h5netcdf", group="events")
    days = dict(zip(events["name"].values, events["day"].values))
    assert days["Roadblock lifted (illustrative)"] == 29
    assert days["Police roadblock against a migrant caravan near Vado Hondo (illustrative)"] == 15


def test_set_changes_one_programme_by_name_and_by_index(cli, root, tmp_path):
    out = tmp_path / "one_off.h5"
    r = cli("run", root / "scenarios" / "regularisation" / "one_off.yaml", "-o", out, "--days", 1, "-q",
            "--set", "behaviour.legal.programmes[one_off_2021].processing_per_day=150",
            "--set", "behaviour.legal.programmes[0].take_up=0.5")
    assert r.returncode == 0, r.stderr
    resolved = str(xr.open_dataset(out, engine="h5netcdf", group="provenance")["resolved_scenario"].values)
    assert "processing_per_day: 150" in resolved and "processing_per_day: 2500" not in resolved
    assert "take_up: 0.5" in resolved and "take_up: 0.75" not in resolved


@pytest.mark.parametrize("assignment,message", [
    ("events[Roadblock gone].date=2021-01-30",
     r"--set events\[Roadblock gone\]\.date=2021-01-30: no entry named 'Roadblock gone' in events; "
     r"names: Police roadblock .*, Roadblock lifted \(illustrative\), .* \(list at .*central_america\.yaml:188:3\)"),
    ("events[12].date=2021-01-30", r"index 12 out of range: events has 9 entries \(0-8\)"),
    ("run[0].days=3", r"run is a map, not a list, so it has no entry \[0\]"),
])
def test_set_on_a_missing_list_entry_exits_2(cli, root, tmp_path, assignment, message):
    out = tmp_path / "never.h5"
    r = cli("run", root / "scenarios" / "central_america.yaml", "-o", out, "-q", "--set", assignment)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("migrasim: error: ")
    assert re.search(message, r.stderr), r.stderr
    assert not out.exists()


BAD_INPUTS = [
    # (what is replaced, by what, message pattern)
    ("  days: 20", "  dayz: 20", r"mini\.yaml:4:3: run\.dayz: unknown key 'dayz'"),
    ("  days: 20", "  days: [20]", r"mini\.yaml:4:9: run\.days: got a list, expected a whole number of days"),
    ("distance_km: 150", "distance_km: -150", r"mini\.yaml:13:38: world\.routes\[1\]\.distance_km: got '-150', expected a distance in km > 0"),
    ("{from: O2, to: B,", "{from: Nowhere, to: B,", r"world\.routes\[1\]\.from: got 'Nowhere', expected a place listed in world\.locations"),
    ("date: 2024-01-08", "date: 2024-02-08", r"mini\.yaml:\d+:\d+: events\[1\]\.date: got '2024-02-08', expected a date within the run"),
    ("  model: economic", "  model: [economic", r"mini\.yaml:\d+:\d+: malformed YAML"),
]


@pytest.mark.parametrize("old,new,pattern", BAD_INPUTS, ids=[b[2][:30] for b in BAD_INPUTS])
def test_bad_scenarios_exit_2_with_a_message_and_no_file(cli, mini, tmp_path, old, new, pattern):
    text = mini.read_text()
    assert old in text
    mini.write_text(text.replace(old, new, 1))
    out = tmp_path / "never.h5"
    r = cli("run", mini, "-o", out)
    assert r.returncode == 2, r.stderr
    assert re.search(pattern, r.stderr), r.stderr
    assert r.stderr.startswith("migrasim: error: ")
    assert not out.exists()
    assert not list(tmp_path.glob("never.h5*"))


def test_malformed_csv_exits_2(cli, mini, tmp_path):
    csv = mini.parent / "mini_locations.csv"
    csv.write_text(csv.read_text() + 'D3,DST,destination,"13.0,-83.0,0,-1\n')
    out = tmp_path / "never.h5"
    r = cli("run", mini, "-o", out)
    assert r.returncode == 2
    assert re.search(r"mini_locations\.csv:8:20: unterminated quoted field", r.stderr), r.stderr
    assert not out.exists()


def test_unwritable_output_exits_2(cli, mini, tmp_path):
    r = cli("run", mini, "-o", tmp_path / "no" / "such" / "dir" / "x.h5")
    assert r.returncode == 2
    assert "x.h5" in r.stderr


def test_info_on_a_non_output_file_exits_2(cli, mini):
    r = cli("info", mini)
    assert r.returncode == 2
    assert "not a migrasim output file" in r.stderr


def test_plot_writes_a_png(cli, mini, tmp_path):
    import subprocess
    import sys

    out, png = tmp_path / "p.h5", tmp_path / "p.png"
    assert cli("run", mini, "-o", out, "-q").returncode == 0
    r = subprocess.run([sys.executable, "-m", "migrasim.plot", str(out), "-o", str(png)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = subprocess.run([sys.executable, "-m", "migrasim.plot", str(mini), "-o", str(tmp_path / "x.png")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "migrasim.plot: error" in bad.stderr
