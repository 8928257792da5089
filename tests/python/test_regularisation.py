"""Legal status and regularisation: the reference programmes against published outcomes, the policy
variants and `migrasim compare`, and bad input."""
import csv
import pathlib

import pytest
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGETS = ROOT / "scenarios" / "targets_regularisation_programmes.csv"


def targets(programme):
    with TARGETS.open(newline="") as f:
        return {row["metric"]: float(row["value"]) for row in csv.DictReader(f) if row["programme"] == programme}


def outcomes(path, programme):
    ds = xr.open_dataset(path, engine="h5netcdf")
    d = ds["programme_decisions"].sel(programme=programme).sum("time")
    apps, inadmissible = int(d.sel(outcome="application")), int(d.sel(outcome="inadmissible"))
    approved, rejected, absent = (int(d.sel(outcome=o)) for o in ("approved", "rejected", "absent"))
    admissible = apps - inadmissible
    return {
        "applications": apps,
        "admissible_applications": admissible,
        "regularised": approved,
        "approved": approved,
        "rejected": rejected,
        "archived_applicant_absent": absent,
        "still_pending": int(ds["programme_queue"].sel(programme=programme).isel(time=-1)),
        # Decided by the report date over admissible (docs/models/legal_status.md explains the reading).
        "share_processed_within_one_year": (approved + rejected + absent) / admissible,
    }


@pytest.mark.parametrize(
    "programme,metrics",
    [
        ("italy_2002", ["applications", "admissible_applications", "regularised", "rejected",
                        "archived_applicant_absent", "still_pending", "share_processed_within_one_year"]),
        ("spain_2005", ["applications", "approved"]),
    ],
)
def test_reference_programmes_within_10_percent(cli, tmp_path, programme, metrics):
    out = tmp_path / f"{programme}.h5"
    r = cli("run", ROOT / "scenarios" / f"{programme}.yaml", "-o", out, "-q", "--threads", 2)
    assert r.returncode == 0, r.stderr
    sim, published = outcomes(out, programme), targets(programme)
    for m in metrics:
        print(f"{programme} {m}: simulated {sim[m]:.4g}, published {published[m]:.4g}")
        assert sim[m] == pytest.approx(published[m], rel=0.10), m


def test_policy_variants_and_compare(cli, tmp_path):
    files = []
    for variant in ("no_programme", "one_off", "permanent_3y"):
        out = tmp_path / f"{variant}.h5"
        r = cli("run", ROOT / "scenarios" / "regularisation" / f"{variant}.yaml", "-o", out, "-q", "--threads", 2)
        assert r.returncode == 0, r.stderr
        files.append(out)
    png = tmp_path / "compare.png"
    r = cli("compare", *files, "-o", png)
    assert r.returncode == 0, r.stderr
    lines = {line[:34].strip(): line[34:].split() for line in r.stdout.splitlines()[1:10]}
    irregular = [int(x) for x in lines["irregular residents at end"][:1]] + [
        int(lines["irregular residents at end"][k]) for k in (1, 3)
    ]
    # Both programmes leave fewer irregular residents than no programme.
    assert irregular[1] < irregular[0] and irregular[2] < irregular[0]
    # Applications to programmes and pathways: the demo's H-2B pathway in every variant, and the one-off
    # programme's on top of it.
    assert 0 < int(lines["applications"][0]) < int(lines["applications"][1])
    assert png.exists() and png.read_bytes()[:4] == b"\x89PNG"
    # Legal states and transitions are in the file, readable by xarray.
    ds = xr.open_dataset(files[1], engine="h5netcdf")
    assert {"applicant", "regularised", "detained", "returned"} <= set(ds["legal_status"].values)
    assert ds["transitions"].dims == ("time", "country", "transition")
    assert int(ds["transitions"].sel(transition="regularised").sum()) > 0


BAD = [
    ("window: [2002-09-09, 2002-11-11]", "window: [2002-11-11, 2002-09-09]",
     "window: the window closes (2002-09-09) before it opens (2002-11-11)"),
    ("processing_per_day: 1330", "processing_per_day: -5",
     "processing_per_day: got '-5', expected an integer in [0, 2147483647] (decisions/day)"),
    ("rejection: 0.0392", "rejection: 1.3", "rejection: got '1.3', expected a share in [0, 1]"),
    ("        country: ITA\n", "        country: ITX\n", "country: got 'ITX', expected a country code listed in world.countries"),
]


@pytest.mark.parametrize("old,new,message", BAD, ids=[b[2][:25] for b in BAD])
def test_contradictory_policies_exit_2(bad_scenario, old, new, message):
    text = (ROOT / "scenarios" / "italy_2002.yaml").read_text()
    assert old in text
    bad_scenario(text.replace(old, new, 1), message)


def test_compare_rejects_non_output_files(cli, tmp_path):
    r = cli("compare", TARGETS)
    assert r.returncode == 2 and "not a migrasim output file" in r.stderr


def test_labour_pathway_and_border_deterrence_against_no_programme(cli, tmp_path):
    """A regular pathway (quota, queue, approvals, giving up, circular return) and a border-deterrence
    policy, both against the same base without a programme."""
    files = {}
    for variant in ("no_programme", "labour_pathway", "border_deterrence"):
        files[variant] = tmp_path / f"{variant}.h5"
        r = cli("run", ROOT / "scenarios" / "regularisation" / f"{variant}.yaml", "-o", files[variant], "-q",
                "--threads", 2)
        assert r.returncode == 0, r.stderr
    base, pathway, border = (xr.open_dataset(files[v], engine="h5netcdf")
                             for v in ("no_programme", "labour_pathway", "border_deterrence"))
    usa = lambda ds, t: int(ds["transitions"].sel(country="USA", transition=t).sum())
    # The pathway: applications at origin, approvals within the monthly quota, a backlog, some give up.
    dec = pathway["programme_decisions"].sel(programme="circular_labour_usa")
    approvals_per_month = dec.sel(outcome="approved").resample(time="MS").sum()
    print("approvals per month:", approvals_per_month.values.tolist())
    assert int(approvals_per_month.max()) <= 6000 and int(approvals_per_month.sum()) > 0
    assert usa(pathway, "pathway_applied") == int(dec.sel(outcome="application").sum()) > 0
    assert usa(pathway, "gave_up_irregular") > 0 and usa(pathway, "pathway_rejected") > 0
    assert int(pathway["programme_queue"].sel(programme="circular_labour_usa").isel(time=-1)) > 0
    assert usa(pathway, "circular_return") > 0
    # People who would have gone irregularly went with a permit: fewer irregular, more regular in the US.
    pop = lambda ds, status: int(ds["population"].isel(time=-1).where(ds["location_country"] == "USA", 0)
                                 .sel(legal_status=status).sum())
    assert pop(pathway, "irregular") < pop(base, "irregular")
    assert pop(pathway, "regular") > pop(base, "regular")
    assert usa(pathway, "arrived_regular") > usa(base, "arrived_regular")
    assert usa(pathway, "arrived_irregular") < usa(base, "arrived_irregular")
    # Applicants wait at origin.
    assert int(pathway["population"].isel(time=-1).where(pathway["location_country"] != "USA", 0)
               .sel(legal_status="applicant").sum()) > 0
    # Border deterrence: fewer irregular arrivals, some go home; the base has voluntary returns,
    # re-emigration and a detention capacity.
    assert pop(border, "irregular") < pop(base, "irregular")
    assert int(border["population"].isel(time=-1).sel(legal_status="returned").sum()) > int(
        base["population"].isel(time=-1).sel(legal_status="returned").sum())
    assert usa(base, "voluntary_return") > 0
    mex = lambda t: int(base["transitions"].sel(country="MEX", transition=t).sum())
    assert mex("apprehended_at_crossing") > mex("released") > 0 and mex("removed") > 0
    assert int(base["transitions"].sel(transition="reemigrated").sum()) > 0
    r = cli("compare", files["no_programme"], files["labour_pathway"], files["border_deterrence"], "-o",
            tmp_path / "c.png")
    assert r.returncode == 0, r.stderr


PATHWAY = """    pathways:
      - name: seasonal
        permit_type: seasonal_labour
        country: ITA
        origins: [ROU]
        window: [2002-09-01, 2002-12-31]
        quota_per_month: 100
        processing_per_day: 10
        approval: 0.5
"""

BAD_PATHWAYS = [
    ("window: [2002-09-01, 2002-12-31]", "window: [2002-12-31, 2002-09-01]",
     "the window closes (2002-09-01) before it opens (2002-12-31)"),
    ("quota_per_month: 100", "quota_per_month: -100",
     "quota_per_month: got '-100', expected an integer in [0, 1000000000] (approvals/month)"),
    ("approval: 0.5", "approval: 1.5", "approval: got '1.5', expected a share in [0, 1]"),
    ("origins: [ROU]", "origins: [ROX]", "origins[0]: got 'ROX', expected a country code listed in world.countries"),
    ("permit_type: seasonal_labour", "permit_type: golden", "expected one of temporary_labour, seasonal_labour"),
]


@pytest.mark.parametrize("old,new,message", BAD_PATHWAYS, ids=[b[2][:25] for b in BAD_PATHWAYS])
def test_bad_pathways_exit_2(bad_scenario, cli, tmp_path, old, new, message):
    text = (ROOT / "scenarios" / "italy_2002.yaml").read_text().replace("  legal:\n", "  legal:\n" + PATHWAY, 1)
    good = tmp_path / "good.yaml"
    good.write_text(text)
    r = cli("run", good, "-o", tmp_path / "good.h5", "-q", "--days", 5)
    assert r.returncode == 0, r.stderr
    assert old in text
    bad_scenario(text.replace(old, new, 1), message)


def test_overlapping_enforcement_exits_2(bad_scenario, cli, tmp_path):
    entries = ("    enforcement:\n      - {country: ITA, apprehension_per_day: 1.0e-4}\n"
               "      - {country: ITA, from: 2003-01-01, apprehension_per_day: 2.0e-4}\n")
    text = (ROOT / "scenarios" / "italy_2002.yaml").read_text().replace("  legal:\n", "  legal:\n" + entries, 1)
    bad_scenario(text, "another enforcement entry for this country is in force on the same days")
    # The same entries one after the other are accepted.
    ok = tmp_path / "ok.yaml"
    ok.write_text(text.replace("apprehension_per_day: 1.0e-4}", "until: 2002-12-31, apprehension_per_day: 1.0e-4}"))
    r = cli("run", ok, "-o", tmp_path / "ok.h5", "-q", "--days", 5)
    assert r.returncode == 0, r.stderr


def test_bad_entry_rule_exits_2(bad_scenario):
    text = (ROOT / "scenarios" / "central_america.yaml").read_text()
    policy = ("  entry:\n    rules:\n      - {name: x, from: 2021-03-01, until: 2021-02-01, "
              "border: [GTM, MEX], permeability: 0.2}\n  economic:\n")
    bad = text.replace("  economic:\n", policy, 1).replace("central_america/", str(ROOT / "scenarios" / "central_america") + "/")
    bad_scenario(bad, "behaviour.entry.rules[0].until: the rule ends before it starts")
    bad_scenario(bad.replace("until: 2021-02-01", "until: 2021-04-01").replace("permeability: 0.2", "permeability: 2"),
                 "permeability: got '2', expected a probability per day in [0, 1]")


def test_pathway_variant_runs_from_python():
    import migrasim

    s = migrasim.load_scenario(ROOT / "scenarios" / "regularisation" / "labour_pathway.yaml", run__days=60)
    ds = migrasim.run(s, threads=2).dataset
    assert "circular_labour_usa" in list(ds["programme_queue"].programme.values)
    dec = ds["programme_decisions"].sel(programme="circular_labour_usa").sum("time")
    assert int(dec.sel(outcome="application")) > 0 and int(dec.sel(outcome="approved")) > 0
    assert int(ds["transitions"].sel(country="USA", transition="pathway_approved").sum()) == int(
        dec.sel(outcome="approved"))


def test_multi_stage_procedure_against_one_decision(cli, tmp_path):
    """scenarios/regularisation/staged.yaml: the one-off programme with pre-registration, biometrics (the
    bottleneck until its capacity doubles), decision and document delivery. The same applications; the
    backlog piles up before biometrics, the no-shows of the stages add up, and every application ends
    in a decision or still waits at some stage."""
    runs = {}
    for variant in ("one_off", "staged"):
        out = tmp_path / f"{variant}.h5"
        r = cli("run", ROOT / "scenarios" / "regularisation" / f"{variant}.yaml", "-o", out, "-q", "--threads", 2)
        assert r.returncode == 0, r.stderr
        runs[variant] = xr.open_dataset(out, engine="h5netcdf")
    one, staged = runs["one_off"], runs["staged"]
    assert "programme_stages" not in one
    stages = staged["programme_stages"]
    assert list(stages["stage"].values) == [f"one_off_2021: {s}" for s in
                                            ("pre_registration", "biometrics", "decision", "document_delivery")]
    decisions = {name: ds["programme_decisions"].sel(programme="one_off_2021").sum("time") for name, ds in runs.items()}
    # The stages do not change who applies (the same draws).
    assert int(decisions["staged"].sel(outcome="application")) == int(decisions["one_off"].sel(outcome="application"))
    # Biometrics hold the backlog: its queue peaks far above the one-decision queue's peak.
    waiting = stages.sel(stage_quantity="waiting")
    assert int(waiting.sel(stage="one_off_2021: biometrics").max()) > 3 * int(one["programme_queue"].max())
    # Its daily throughput follows the dated capacity (1,500, then 3,000 from 1 June 2021).
    handled = stages.sel(stage="one_off_2021: biometrics", stage_quantity=["passed", "absent", "rejected"]).sum(
        "stage_quantity")
    assert int(handled.sel(time=slice("2021-03-01", "2021-05-31")).max()) <= 1500
    assert 1500 < int(handled.sel(time=slice("2021-06-01", None)).max()) <= 3000
    # No-shows at three stages: more absent than with one decision.
    assert int(decisions["staged"].sel(outcome="absent")) > int(decisions["one_off"].sel(outcome="absent"))
    # Every admissible application is decided or waits at some stage at the end.
    d = decisions["staged"]
    ended = int(d.sel(outcome=["approved", "rejected", "absent"]).sum())
    left = int(waiting.isel(time=-1).sum())
    assert ended + left == int(d.sel(outcome="application")) - int(d.sel(outcome="inadmissible"))
    assert int(staged["programme_queue"].isel(time=-1).sum()) == left
