"""Mechanisms that run together in one simulation: each keeps its own agent columns (issue 11)."""
import re

import h5py
import numpy as np
import pytest


def _transitions(path):
    with h5py.File(path, "r") as f:
        names = [n.decode() for n in f["transition"][()]]
        totals = f["transitions"][()].sum(axis=(0, 1))
    return dict(zip(names, (int(v) for v in totals)))


def test_disaster_with_legal_records_no_permit_events_for_people_without_permits(cli, root, tmp_path):
    # Before the mechanisms declared their columns, the disaster model kept its return day in the legal
    # model's permit_until: this run recorded about 32,000 permit renewals and as many new overstayers
    # in 60 days, for people who never held a permit.
    out = tmp_path / "eta_legal.h5"
    r = cli("run", root / "scenarios" / "eta_iota_2020.yaml", "-q", "-o", out, "--days", "40",
            "--set", "behaviour.disasters.abroad_status=regular", "--set", "behaviour.legal={}")
    assert r.returncode == 0, r.stderr
    t = _transitions(out)
    assert t["permit_renewed"] == 0
    assert t["became_overstayer"] == 0
    with h5py.File(out, "r") as f:
        displaced = f["displacement"][()]
        measures = [m.decode() for m in f["measure"][()]]
    # The disaster still displaces people (the comparison is not vacuous).
    assert displaced[:, measures.index("displaced_today")].sum() > 10000


def test_every_mechanism_on_fits_in_64_bytes_per_agent(cli, root, tmp_path):
    r = cli("run", root / "scenarios" / "central_america_hurricane.yaml", "-q", "--verbose", "--days", "2",
            "-o", tmp_path / "all.h5", "--set", "behaviour.legal={}")
    assert r.returncode == 0, r.stderr
    rows = {}
    for line in r.stderr.splitlines():
        m = re.match(r"^(\S+)\s+(\S*)\s+(\d+)\s+(.*)$", line)
        if m:
            rows[m.group(1)] = (m.group(2), int(m.group(3)), m.group(4))
    assert rows["total"][1] <= 64
    assert rows["place"] == ("i32", 4, "kernel")
    # One column per meaning: the legal model's permit and programme, the disaster's return day and the
    # smuggling market's service are separate columns; savings are one column shared by three models.
    assert rows["permit_until"][2] == "legal"
    assert rows["return_day"][2] == "disaster"
    assert rows["service"][2] == "smuggling"
    assert rows["resources_usd"][2] == "economic, smuggling, legal"
    assert rows["holds_permit"][0] == "bit"
    assert sum(b for name, (_, b, _) in rows.items() if name != "total") == rows["total"][1]
    assert np.all([b >= 0 for _, b, _ in rows.values()])


def _run(cli, tmp_path, scenario, name, *args):
    out = tmp_path / f"{name}.h5"
    r = cli("run", scenario, "-q", "-o", out, *args)
    assert r.returncode == 0, r.stderr
    return out


def _conserved(path):
    """Every agent is somewhere every day: at a place (the dead under status dead, or missing when never
    recorded), stranded or on a route; the recorded dead are the smuggling market's recorded deaths."""
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        present = (ds["population"].sum(("location", "legal_status")) + ds["stranded"].sum("location")
                   + ds["on_route"].sum("edge")).values
        np.testing.assert_array_equal(present, np.cumsum(ds["spawned"].values))
        if "deaths" in ds:
            # The market's deaths, and every traveller's on risky routes (route_deaths) when the scenario has them.
            deaths = ds["deaths"].sum("edge").values
            recorded_deaths = ds["deaths_recorded"].sum("edge").values
            if "route_deaths" in ds:
                deaths = deaths + ds["route_deaths"].sum(("edge", "death_record")).values
                recorded_deaths = recorded_deaths + ds["route_deaths"].sel(death_record="recorded").sum("edge").values
            dead = ds["population"].sel(legal_status=["dead", "missing"]).sum(("location", "legal_status")).values
            np.testing.assert_array_equal(dead, np.cumsum(deaths))
            recorded = ds["population"].sel(legal_status="dead").sum("location").values
            np.testing.assert_array_equal(recorded, np.cumsum(recorded_deaths))


# Each pair that runs together: the scenario of the other mechanisms (without the legal-status model, which
# the demo's pathway brings into central_america_hurricane.yaml), then with the legal-status model added
# (no programme, pathway or enforcement, so that it changes nobody's movement).
# `arrivals`: whether its movers settle at a destination within the days compared, where the legal model
# records their arrival (displaced people stay displaced in the first 60 days of the Eta/Iota drill).
PAIRS = [
    ("disaster + legal", "eta_iota_2020.yaml", 60, "displacement", False),
    ("smuggling + legal", "aegean_2016.yaml", 120, "smuggling", True),
    ("economic + disaster + smuggling + legal", "central_america_hurricane.yaml", 120, "smuggling", True),
]


@pytest.mark.parametrize("label,scenario,days,own,arrivals", PAIRS, ids=[p[0] for p in PAIRS])
def test_legal_status_beside_other_mechanisms_conserves_people_and_leaves_their_counts(cli, root, tmp_path, label,
                                                                                        scenario, days, own,
                                                                                        arrivals):
    path = root / "scenarios" / scenario
    alone = _run(cli, tmp_path, path, "alone", "--days", str(days), "--set", "behaviour.legal=null")
    both = _run(cli, tmp_path, path, "both", "--days", str(days), "--set", "behaviour.legal={}")
    _conserved(alone)
    _conserved(both)
    with h5py.File(alone, "r") as a, h5py.File(both, "r") as b:
        assert int(np.asarray(a[own][()]).sum()) > 0  # the mechanism acts within the days compared
        # Every variable the other mechanisms write is what they produce without the legal model: it reads
        # their agents' statuses and columns it declared, and touches nothing else of theirs.
        for name, var in a.items():
            if isinstance(var, h5py.Dataset) and name in b and not name.startswith("provenance"):
                np.testing.assert_array_equal(var[()], b[name][()], err_msg=f"{label}: {name}")
        # The legal model records the arrivals of the other mechanisms' agents, and no permit event.
        t = _transitions(both)
        assert t["permit_renewed"] == 0 and t["became_overstayer"] == 0 and t["removed"] == 0
        if arrivals:
            assert t["arrived_irregular"] + t["arrived_regular"] > 0


def test_route_risks_kill_every_mechanisms_travellers_recorded_or_missing(cli, root, tmp_path):
    """Route risks beside the demo's economic migrants and smuggling market: the migrants walking across
    the Guatemala-Mexico border at El Ceibo (no crossing market there) die at the route's rate; the dead and
    missing in `population` are the market's deaths plus route_deaths; the run's summary lists the route."""
    import xarray as xr

    scenario = tmp_path / "risks.yaml"
    scenario.write_text(f"extends: {root / 'scenarios' / 'central_america.yaml'}\n"
                        "behaviour:\n  route_risks:\n    recorded_share: 0.6\n    risks:\n"
                        "      - {name: El Ceibo, route: [El Ceibo, Tenosique], death: 0.001}\n")
    out = tmp_path / "risks.h5"
    r = cli("run", scenario, "-o", out, "--threads", "2")
    assert r.returncode == 0, r.stderr
    assert "deaths by route" in r.stdout and "El Ceibo--Tenosique" in r.stdout
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        present = (ds["population"].sum(("location", "legal_status")) + ds["stranded"].sum("location")
                   + ds["on_route"].sum("edge")).values
        np.testing.assert_array_equal(present, np.cumsum(ds["spawned"].values))
        rd = ds["route_deaths"].sum("time")
        on_route = int(rd.sel(edge="El Ceibo--Tenosique").sum())
        alone = int(ds["crossings"].sel(border_edge="El Ceibo--Tenosique", option=["alone", "pathway"]).sum())
        assert on_route == int(rd.sum()) > 50
        assert on_route / (on_route + alone) == pytest.approx(0.001, rel=0.25)
        missing_share = int(rd.sel(death_record="missing").sum()) / on_route
        assert 0.25 < missing_share < 0.55
        final = ds["population"].isel(time=-1).sum("location")
        market = int(ds["deaths"].sum())
        assert int(final.sel(legal_status="dead") + final.sel(legal_status="missing")) == market + on_route


def test_the_demo_moves_one_population_through_push_closure_pathway_and_smugglers(cli, root, tmp_path):
    """The demo (issue 12, done when): economic push, the April closure, the FY2021 H-2B pathway and the
    smuggling markets act on one population. The pathway takes applications only in its window and approves
    at most its monthly quota; every application ends approved, refused, absent, given up or waiting (the
    summary's line); each approved person crosses into the US as `pathway` (against the same run without
    the legal model, the pathway crossings there rise by the approvals) instead of with a smuggler or alone;
    people are conserved."""
    import xarray as xr

    demo = root / "scenarios" / "central_america.yaml"
    with_pathway, without = tmp_path / "demo.h5", tmp_path / "no_legal.h5"
    r = cli("run", demo, "-o", with_pathway, "--threads", "2")
    assert r.returncode == 0, r.stderr
    assert cli("run", demo, "-q", "-o", without, "--threads", "2", "--set", "behaviour.legal=null").returncode == 0
    _conserved(with_pathway)
    line = next(s for s in r.stdout.splitlines() if s.strip().startswith("h2b_northern_triangle_2021"))
    applied, approved, refused, absent, gave_up, waiting = (int(x) for x in line.split()[1:])
    assert applied == approved + refused + absent + gave_up + waiting and approved > 1000
    assert "deaths by route" in r.stdout and "smuggler" in r.stdout

    us = ["Tijuana--San Diego", "Ciudad Juarez--El Paso", "Nogales--Tucson", "Piedras Negras--Eagle Pass",
          "Nuevo Laredo--Laredo", "Reynosa--McAllen", "Matamoros--Brownsville"]
    with xr.open_dataset(with_pathway, engine="h5netcdf") as a, xr.open_dataset(without, engine="h5netcdf") as b:
        decisions = a["programme_decisions"].sel(programme="h2b_northern_triangle_2021")
        applications = decisions.sel(outcome="application").to_series()
        days = applications[applications > 0].index
        assert str(days.min().date()) >= "2021-05-25" and str(days.max().date()) <= "2021-07-08"
        assert int(applications.sum()) == applied
        monthly = decisions.sel(outcome="approved").to_series().resample("MS").sum()
        assert int(monthly.sum()) == approved and int(monthly.max()) <= 1200
        crossed = (a["crossings"].sel(border_edge=us).sum(("time", "border_edge", "nationality"))
                   - b["crossings"].sel(border_edge=us).sum(("time", "border_edge", "nationality")))
        assert 0.95 * approved <= int(crossed.sel(option="pathway")) <= approved
        irregular = int(crossed.sel(option=["smuggler", "alone"]).sum())
        assert irregular < -0.8 * approved  # they no longer cross irregularly
        # The closure (5-25 April) shuts crossing alone into the US while smugglers work on.
        closed = a["crossings"].sel(border_edge=us, time=slice("2021-04-06", "2021-04-25")).sum(
            ("time", "border_edge", "nationality"))
        assert int(closed.sel(option="alone")) == 0 and int(closed.sel(option="smuggler")) > 0
