"""Calibration (migrasim.calibration): distances, ABC rejection and SMC, the held-out check."""
import numpy as np
import pytest

import migrasim
from migrasim import calibration as cal

RATE = "behaviour.economic.emigration_rate_per_day.ORI"


def test_distances_follow_their_definitions():
    obs = np.array([[10.0, 30.0], [0.0, 0.0], [5.0, 5.0]])
    sim = np.array([[20.0, 20.0], [3.0, 0.0], [5.0, 15.0]])
    # ARD: mean over days of sum |sim - obs| / max(sum obs, 1) = (20/40 + 3/1 + 10/10) / 3.
    assert cal.ard(sim, obs) == pytest.approx((0.5 + 3.0 + 1.0) / 3)
    # Rescaled: day 0 already sums to 40; day 1 scales to the observed 0; day 2 -> floor(5 x 10/20),
    # floor(15 x 10/20) = 2, 7.
    assert cal.ard_rescaled(sim, obs) == pytest.approx((0.5 + 0.0 + (3 + 2) / 10) / 3)
    assert cal.rmse(sim, obs) == pytest.approx(np.sqrt(np.mean((sim - obs) ** 2)))
    assert cal.relative([110, 50], [100, 0]) == pytest.approx((0.1 + 50) / 2)


def observed_run(mini, rate=1e-3, seed=99):
    scenario = migrasim.load_scenario(mini, f"{RATE}={rate}", "events=[]")
    return scenario, migrasim.run(scenario, seed=seed, threads=1).spawned.values


def test_smc_recovers_a_known_rate_and_is_checked_on_days_it_did_not_see(mini):
    scenario, obs = observed_run(mini)
    fit = slice(0, 10)  # days 0-9 fitted, 10-19 held out
    c = migrasim.calibrate(scenario, {RATE: (2e-4, 4e-3)}, obs, lambda ds: ds["spawned"].values, fit=fit,
                           method="smc", particles=20, generations=3, accept=0.4, seed=1, workers=1)
    mean = c.mean()[RATE]
    assert 0.85e-3 < mean < 1.15e-3
    s = c.summary().loc[RATE]
    assert s["q05"] < 1e-3 < s["q95"]
    assert list(c.generations["tolerance"])[1:] == sorted(list(c.generations["tolerance"])[1:], reverse=True)
    assert c.samples["weight"].sum() == pytest.approx(1)
    # Held out: the fitted rate predicts the later days about as well as it fits the first ones.
    assert c.holdout is not None and c.holdout < 0.1 * obs[10:].mean()
    assert set(c.check["part"]) == {"fit", "held out"}
    assert c.runs == len(c.samples) + c.generations["runs"].iloc[1:].sum() + 5


def test_rejection_and_workers(mini):
    scenario, obs = observed_run(mini, rate=2e-3)
    kwargs = dict(fit=np.arange(20) % 2 == 0, method="rejection", particles=10, accept=0.25, seed=3)
    one = migrasim.calibrate(scenario, {RATE: (2e-4, 4e-3)}, obs, lambda ds: ds["spawned"].values, workers=1,
                             **kwargs)
    two = migrasim.calibrate(scenario, {RATE: (2e-4, 4e-3)}, obs, lambda ds: ds["spawned"].values, workers=2,
                             **kwargs)
    assert one.samples.equals(two.samples)
    assert one.runs == 40 + 5
    assert abs(one.mean()[RATE] - 2e-3) < 0.4e-3


def test_bad_calibrations_are_refused_before_running(mini):
    scenario, obs = observed_run(mini)
    sim = lambda ds: ds["spawned"].values  # noqa: E731
    with pytest.raises(ValueError, match="distance: got 'mse', expected one of rmse, ard, ard_rescaled"):
        migrasim.calibrate(scenario, {RATE: (1e-4, 1e-3)}, obs, sim, distance="mse")
    with pytest.raises(ValueError, match="method: got 'mcmc'"):
        migrasim.calibrate(scenario, {RATE: (1e-4, 1e-3)}, obs, sim, method="mcmc")
    with pytest.raises(ValueError, match="fit: selects no observed row"):
        migrasim.calibrate(scenario, {RATE: (1e-4, 1e-3)}, obs, sim, fit=slice(30, 40))
    with pytest.raises(ValueError, match=r"simulate: returned values of shape \(20, 1\), expected the observed "
                                         r"shape \(10, 1\)"):
        migrasim.calibrate(scenario, {RATE: (1e-4, 1e-3)}, obs[:10], sim, particles=2, workers=1,
                           method="rejection", accept=0.5)
    with pytest.raises(RuntimeError, match=r"max_runs \(30\) reached"):
        migrasim.calibrate(scenario, {RATE: (1e-4, 1e-3)}, obs, sim, particles=20, max_runs=30, workers=1)


def test_history_matching_rules_out_rates_far_from_the_data(mini):
    pytest.importorskip("sklearn", reason="Debian python3-sklearn is not installed")
    scenario, obs = observed_run(mini)
    hm = migrasim.history_match(scenario, {RATE: (2e-4, 4e-3)}, obs, lambda ds: ds["spawned"].values,
                                fit=slice(0, 10), waves=2, runs_per_wave=10, outputs=5, candidates=2000,
                                seed=2, workers=1)
    assert list(hm.waves["runs"]) == [10, 10]
    assert hm.waves["nroy_share"].iloc[-1] < 0.3  # most of the prior is ruled out
    lo, hi = hm.nroy[RATE].min(), hm.nroy[RATE].max()
    assert lo < 1e-3 < hi  # the true rate is not
    assert abs(hm.best[RATE] - 1e-3) < 0.2e-3
    assert hm.holdout is not None and hm.holdout < 0.15 * obs[10:].mean()
    assert len(hm.runs) == 20 and set(hm.runs["wave"]) == {0, 1}
    with pytest.raises(ValueError, match="runs_per_wave: got 2, expected a whole number >= 4"):
        migrasim.history_match(scenario, {RATE: (2e-4, 4e-3)}, obs, lambda ds: ds["spawned"].values,
                               runs_per_wave=2)


# ------------------------------------------------------------------------------ the `migrasim calibrate` verb
def _observed_folder(scenario, folder, seed=99):
    """Flee's validation layout (data_layout.csv, a date,count CSV per place) with the counts at D1 and D2
    of one run of ``scenario``: the truth the verb must find."""
    import pandas as pd

    ds = migrasim.run(scenario, seed=seed, threads=1).dataset
    folder.mkdir()
    dates = pd.date_range(ds.attrs["start_date"], periods=ds.sizes["time"]).strftime("%Y-%m-%d")
    layout, total = ["total,total.csv"], 0
    for camp in ("D1", "D2"):
        n = (ds["population"].sel(location=camp).sum("legal_status") + ds["stranded"].sel(location=camp)).values
        pd.DataFrame({"Date": dates, "count": n}).to_csv(folder / f"{camp}.csv", index=False)
        layout.append(f"{camp},{camp}.csv")
        total = total + n
    pd.DataFrame({"Date": dates, "count": total}).to_csv(folder / "total.csv", index=False)
    (folder / "data_layout.csv").write_text("\n".join(layout) + "\n")
    return folder


def test_the_calibrate_verb_finds_a_known_rate_and_scores_the_held_out_days(cli, mini, tmp_path):
    import pandas as pd

    truth = migrasim.load_scenario(mini, f"{RATE}=1e-3", "events=[]")
    observed = _observed_folder(truth, tmp_path / "observed")
    out = tmp_path / "posterior.csv"
    # The scenario as given has twice the true rate; the fit sees days 0-9 only.
    r = cli("calibrate", mini, "--set", f"{RATE}=2e-3", "--set", "events=[]", "--observed", observed,
            "--param", f"{RATE}=2e-4:4e-3", "--particles", "12", "--generations", "3", "--seed", "1",
            "--workers", "1", "--check-seeds", "3", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "days 0-9 fitted, 10-19 held out" in r.stdout
    samples = pd.read_csv(out)
    assert list(samples.columns) == [RATE, "distance", "weight"]
    mean = float((samples[RATE] * samples["weight"]).sum())
    assert 0.8e-3 < mean < 1.2e-3
    scores = pd.read_csv(tmp_path / "posterior_scores.csv", index_col=0)
    assert list(scores.columns) == ["fitted_days", "held_out_days"]
    given, fitted = scores.loc["scenario as given"], scores.loc["calibrated (posterior mean)"]
    assert fitted["held_out_days"] < 0.5 * given["held_out_days"]  # predicts the days it did not see


def test_the_calibrate_verb_refuses_bad_input_with_exit_2_and_no_file(cli, mini, tmp_path):
    out = tmp_path / "p.csv"
    for args, message in (
        (["--param", f"{RATE}=1:0"], "expected finite low < high"),
        (["--param", f"{RATE}=0.1"], "expected KEY=LOW:HIGH"),
        (["--param", "behaviour.economic.nothing=0:1"], "no parameter 'behaviour.economic.nothing'"),
        (["--param", f"{RATE}=0:0.01", "--particles", "1"], "--particles: got 1"),
        (["--param", f"{RATE}=0:0.01", "--fit-share", "1"], "--fit-share: got 1.0"),
        (["--param", f"{RATE}=0:0.01", "--observed", tmp_path / "nowhere"], "not a folder"),
        (["--param", f"{RATE}=0:0.01"], "no observed data"),
    ):
        r = cli("calibrate", mini, *args, "-o", out)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)
        assert not out.exists()
    r = cli("calibrate", mini, "--param", f"{RATE}=0:0.01", "-o", tmp_path / "missing" / "p.csv")
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert "--fit-share" in cli("calibrate", "--help").stdout
