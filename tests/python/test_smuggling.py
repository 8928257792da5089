"""Smuggling markets: the Central Mediterranean reference scenario against published figures, a crackdown
compared with no crackdown, determinism, bad input."""
import csv
import pathlib

import numpy as np
import pytest
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "central_mediterranean.yaml"


def targets(metric):
    with (ROOT / "scenarios" / "targets_smuggling.csv").open(newline="") as f:
        return {row["year"]: float(row["value"]) for row in csv.DictReader(f) if row["metric"] == metric}


def yearly(path):
    ds = xr.open_dataset(path, engine="h5netcdf")
    arrivals = ds["smuggling"].sel(service="libya_italy_sea", quantity="arrivals")
    out = {}
    for year in ("2016", "2017", "2018"):
        a = int(arrivals.sel(time=year).sum())
        d = int(ds["deaths_recorded"].sel(time=year).sum())
        out[year] = (a, a / max(d, 1))
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory, migrasim_bin):
    import subprocess

    out = tmp_path_factory.mktemp("cm") / "cm.h5"
    r = subprocess.run([migrasim_bin, "run", str(SCENARIO), "-o", str(out), "-q", "--threads", "2"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_arrivals_in_italy_within_25_percent(reference):
    sim, published = yearly(reference), targets("sea_arrivals_italy")
    for year, target in published.items():
        print(f"{year}: simulated arrivals {sim[year][0]}, published {target:.0f}")
        assert sim[year][0] == pytest.approx(target, rel=0.25), year


def test_deaths_per_arrival_rise_within_25_percent_of_iom(reference):
    sim, published = yearly(reference), targets("arrivals_per_recorded_death")
    for year, target in published.items():
        print(f"{year}: simulated arrivals per recorded death {sim[year][1]:.1f}, IOM {target:.0f}")
        assert sim[year][1] == pytest.approx(target, rel=0.25), year
    assert sim["2018"][1] < sim["2017"][1]  # deaths per arrival rise


def test_crackdown_against_no_crackdown(cli, tmp_path, reference):
    none = tmp_path / "none.h5"
    r = cli("run", SCENARIO, "-o", none, "-q", "--set", "behaviour.smuggling.enforcement=[]")
    assert r.returncode == 0, r.stderr
    r = cli("compare", none, reference, "-o", tmp_path / "c.png")
    assert r.returncode == 0, r.stderr
    rows = {line[:34].strip(): line[34:].split() for line in r.stdout.splitlines()[1:]}
    for name in ("smuggled crossings (arrived)", "deaths on routes", "mean smuggling price (USD)",
                 "smugglers' revenue (USD)"):
        assert name in rows
    crossings_none, crossings_crackdown = int(rows["smuggled crossings (arrived)"][0]), int(rows["smuggled crossings (arrived)"][1])
    assert crossings_crackdown < crossings_none
    # Interception raises the risk premium: prices go up.
    assert int(rows["mean smuggling price (USD)"][1]) > int(rows["mean smuggling price (USD)"][0])


def test_smuggling_is_thread_independent(cli, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    assert cli("run", SCENARIO, "-o", a, "-q", "--threads", 1, "--days", 200).returncode == 0
    assert cli("run", SCENARIO, "-o", b, "-q", "--threads", 2, "--days", 200).returncode == 0
    xa, xb = xr.open_dataset(a, engine="h5netcdf"), xr.open_dataset(b, engine="h5netcdf")
    for var in ("smuggling", "deaths", "population"):
        np.testing.assert_array_equal(xa[var].values, xb[var].values)
    # Seats used never exceed the day's seats.
    s = xa["smuggling"].sel(service="libya_italy_sea")
    assert (s.sel(quantity="seats_used") <= s.sel(quantity="seats")).all()


BAD = [
    ("        to: Lampedusa\n", "        to: Malta\n", "got 'Malta', expected a place listed in world.locations"),
    ("        price_usd: 1200", "        price_usd: -5", "price_usd: got '-5', expected a price in USD >= 0"),
    ("        death: 0.016", "        death: 1.6", "death: got '1.6', expected a probability in [0, 1]"),
    ("        from: Libyan coast\n        to: Lampedusa", "        from: Agadez\n        to: Lampedusa",
     "no route joins 'Agadez' and 'Lampedusa'"),
]


@pytest.mark.parametrize("old,new,message", BAD, ids=[b[2][:25] for b in BAD])
def test_bad_smuggling_input_exits_2(bad_scenario, old, new, message):
    text = SCENARIO.read_text()
    assert old in text
    bad_scenario(text.replace(old, new, 1), message)
