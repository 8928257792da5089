"""Flee's validation cases (../shared/data/flee, or $MIGRASIM_FLEE_DATA): import, run, validate.

These need the Flee case data, which is not part of this repository (see docs/flee.md for where to get
it); without it the tests are skipped with a message.
"""
import csv
import os
import pathlib

import pytest
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("MIGRASIM_FLEE_DATA", ROOT.parent / "shared" / "data" / "flee"))

# ARD reported for Flee itself on exactly these inputs and settings (issue 3; ../shared/data/flee/README.md).
FLEE_ARD = {"burundi2015": (0.587, 0.536), "mali2012": (0.353, 0.306)}

needs_data = pytest.mark.skipif(
    not (DATA / "burundi2015" / "input" / "locations.csv").exists(),
    reason=f"Flee case data not found at {DATA} (set MIGRASIM_FLEE_DATA; see docs/flee.md)",
)


@needs_data
@pytest.mark.parametrize("case", sorted(FLEE_ARD))
def test_import_run_and_validate(cli, tmp_path, case):
    scenario = tmp_path / f"{case}.yaml"
    r = cli("import-flee", DATA / case, "-o", scenario)
    assert r.returncode == 0, r.stderr
    text = scenario.read_text()
    assert "model: flee" in text and "max_move_speed" in text

    out = tmp_path / f"{case}.h5"
    r = cli("run", "--flee", DATA / case, "-o", out, "--threads", 2, "-q")
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds["population"].sum() > 0

    scores = tmp_path / f"{case}_validation.csv"
    r = cli("validate", scenario, "--observed", DATA / case / "validation", "--seeds", 5, "-o", scores,
            "--threads", 2)
    assert r.returncode == 0, r.stderr
    rows = [row for row in csv.DictReader(scores.open()) if row["camp"] == "overall"]
    assert len(rows) == 5
    ard = sum(float(row["ard"]) for row in rows) / 5
    rescaled = sum(float(row["ard_rescaled"]) for row in rows) / 5
    print(f"{case}: ARD {ard:.3f}, rescaled {rescaled:.3f}")
    # Measured (docs/flee.md): the flee model scores lower (better) than Flee's own reported ARD on both
    # cases; it is not yet within 0.05 of Flee on burundi2015, so that is not asserted here.
    flee_normal, flee_rescaled = FLEE_ARD[case]
    assert ard < flee_normal
    assert rescaled < flee_rescaled
    daily = scores.with_name(f"{case}_validation_daily.csv")
    assert daily.exists()


@needs_data
def test_flee_runs_are_thread_independent(cli, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    assert cli("run", "--flee", DATA / "mali2012", "-o", a, "--threads", 1, "-q").returncode == 0
    assert cli("run", "--flee", DATA / "mali2012", "-o", b, "--threads", 2, "-q").returncode == 0
    xa, xb = xr.open_dataset(a, engine="h5netcdf"), xr.open_dataset(b, engine="h5netcdf")
    for var in ("population", "on_route", "flow", "spawned"):
        assert (xa[var].values == xb[var].values).all()


@needs_data
def test_bad_flee_input_exits_2_and_names_the_line(cli, tmp_path):
    case = tmp_path / "case"
    (case / "input").mkdir(parents=True)
    (case / "validation").mkdir()
    for name in os.listdir(DATA / "mali2012" / "input"):
        (case / "input" / name).write_bytes((DATA / "mali2012" / "input" / name).read_bytes())
    for name in os.listdir(DATA / "mali2012" / "validation"):
        src = DATA / "mali2012" / "validation" / name
        if src.is_file():
            (case / "validation" / name).write_bytes(src.read_bytes())
    routes = case / "input" / "routes.csv"
    routes.write_text(routes.read_text().replace("Douentza,Mentao,487,0", "Douentza,Atlantis,487,0"))
    out = tmp_path / "x.h5"
    r = cli("run", "--flee", case, "-o", out)
    assert r.returncode == 2
    assert "routes.csv:2:" in r.stderr and "unknown location 'Atlantis'" in r.stderr
    assert not out.exists()


def test_flee_data_missing_is_a_clear_error(cli, tmp_path):
    r = cli("run", "--flee", tmp_path)
    assert r.returncode == 2
    assert "expected a Flee case" in r.stderr
