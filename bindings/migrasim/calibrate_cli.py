"""``migrasim calibrate``: the common calibration, a scenario's camps against observed counts, from the shell.

The C++ CLI hands the verb to ``$MIGRASIM_PYTHON -m migrasim.calibrate_cli ARGS`` (the study functions are
Python). The observed series are those ``migrasim validate`` compares with: the scenario's
``flee_case.validation`` folder, or ``--observed DIR`` (Flee's layout: data_layout.csv and a CSV per camp).
The first ``--fit-share`` of the days is fitted by ABC (:func:`migrasim.calibrate`); the rest is held out
and only scored at the end, for the posterior mean and for the scenario as given, on the same seeds.

Exit codes as the CLI's: 0 success, 2 bad input (a message naming the option or key), 1 internal error.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys

import numpy as np

USAGE_EXAMPLE = ("migrasim calibrate mali.yaml --param behaviour.flee.move_rules.default_movechance=0.05:0.6 "
                 "--param behaviour.flee.move_rules.camp_weight=0.5:10 --particles 20 --generations 3")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 already; say what the verb is
        self.exit(2, f"migrasim calibrate: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="migrasim calibrate", description=(
        "Fit scenario parameters to observed camp counts by ABC (SMC or rejection) on the first days and "
        "score the posterior mean, and the scenario as given, on the days held out."), epilog=USAGE_EXAMPLE)
    p.add_argument("scenario", help="scenario file (YAML), e.g. one written by import-flee")
    p.add_argument("--param", action="append", required=True, metavar="KEY[=LOW:HIGH]",
                   help="a parameter to fit, with a uniform prior on [LOW, HIGH] (repeatable); without a range, "
                        "the parameter table's")
    p.add_argument("--observed", help="folder with data_layout.csv and the camp series (default: the "
                                      "scenario's flee_case.validation)")
    p.add_argument("--fit-share", type=float, default=0.5,
                   help="share of the days fitted, from the first (the rest is held out; default 0.5)")
    p.add_argument("--distance", default="ard", choices=["ard", "ard_rescaled", "rmse"],
                   help="distance between simulated and observed camp counts (default ard, Flee's)")
    p.add_argument("--method", default="smc", choices=["smc", "rejection"], help="ABC method (default smc)")
    p.add_argument("--particles", type=int, default=20, help="accepted particles (default 20)")
    p.add_argument("--generations", type=int, default=3, help="SMC generations (default 3)")
    p.add_argument("--accept", type=float, default=0.4,
                   help="share kept (rejection) or quantile of the next tolerance (smc); default 0.4")
    p.add_argument("--seed", type=int, default=0, help="seed of the candidates' draws (default 0)")
    p.add_argument("--check-seeds", type=int, default=5,
                   help="seeds of the posterior-mean and baseline checks (default 5)")
    p.add_argument("--max-runs", type=int, default=100000, help="a bound on the simulations (default 100000)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    p.add_argument("--threads", type=int, default=None, help="threads per run")
    p.add_argument("--cluster", default=None, help="a Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override one scenario value (repeatable), as for migrasim run")
    p.add_argument("-o", "--output", help="posterior samples (CSV; default out/<scenario name>_calibration.csv); "
                                          "the scores beside it (<name>_scores.csv)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return p


def _param(text: str):
    """KEY or KEY=LOW:HIGH -> (key, None | (low, high))."""
    if "=" not in text:
        return text, None
    key, rng = text.split("=", 1)
    parts = rng.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"--param {text}: expected KEY=LOW:HIGH with two numbers, e.g. {key}=0.1:0.5") from None
    return key, (low, high)


def _check_ranges(args) -> None:
    def need(ok, what):
        if not ok:
            raise ValueError(what)
    need(0 < args.fit_share < 1, f"--fit-share: got {args.fit_share}, expected a share in (0, 1)")
    need(args.particles >= 2, f"--particles: got {args.particles}, expected a whole number >= 2")
    need(args.generations >= 1, f"--generations: got {args.generations}, expected a whole number >= 1")
    need(0 < args.accept < 1, f"--accept: got {args.accept}, expected a share in (0, 1)")
    need(1 <= args.check_seeds <= 1000, f"--check-seeds: got {args.check_seeds}, expected 1 to 1000")
    need(args.max_runs >= 1, f"--max-runs: got {args.max_runs}, expected a whole number >= 1")
    need(args.seed >= 0, f"--seed: got {args.seed}, expected a whole number >= 0")
    need(args.workers is None or args.workers >= 1, f"--workers: got {args.workers}, expected >= 1")


def run(argv) -> int:
    import pandas as pd

    import migrasim
    from migrasim import calibration

    args = _parser().parse_args(argv)
    try:
        _check_ranges(args)
        params = dict(_param(t) for t in args.param)
        if len(params) != len(args.param):
            raise ValueError("--param: each key once")
        calibration.sensitivity._ranges(params)  # keys and ranges, before any run
        scenario = migrasim.load_scenario(args.scenario, *args.set)
        out = pathlib.Path(args.output or pathlib.Path("out") / (pathlib.Path(args.scenario).stem + "_calibration.csv"))
        if args.output is None:
            out.parent.mkdir(parents=True, exist_ok=True)
        elif not out.parent.is_dir():
            raise ValueError(f"-o {args.output}: the folder {out.parent} does not exist")
        elif out.is_dir():
            raise ValueError(f"-o {args.output}: a folder; expected a CSV file name")
        observed_dir = args.observed
        if observed_dir is not None and not pathlib.Path(observed_dir).is_dir():
            raise ValueError(f"--observed {observed_dir}: not a folder (expected Flee's validation folder with "
                             "data_layout.csv)")
        # The observed camp series as `migrasim validate` reads them (interpolated, corrections applied).
        daily = migrasim.validate(scenario, observed=observed_dir, seeds=1, threads=args.threads).daily
        camps = list(daily.index.get_level_values("camp").unique())
        observed = daily["observed"].unstack("camp")[camps].to_numpy(dtype=float)
    except (ValueError, migrasim.ScenarioError) as e:
        print(f"migrasim calibrate: error: {e}", file=sys.stderr)
        return 2

    days = observed.shape[0]
    fitted = max(1, min(days - 1, int(round(days * args.fit_share))))
    fit = np.arange(days) < fitted

    def camp_counts(ds):
        # People at each camp, settled or waiting there (as `migrasim validate` counts them).
        return (ds["population"].sel(location=camps).sum("legal_status")
                + ds["stranded"].sel(location=camps)).to_numpy()

    try:
        cal = migrasim.calibrate(scenario, params, observed, camp_counts, fit=fit, distance=args.distance,
                                 method=args.method, particles=args.particles, generations=args.generations,
                                 accept=args.accept, seed=args.seed, check_seeds=args.check_seeds,
                                 max_runs=args.max_runs, workers=args.workers, threads=args.threads,
                                 cluster=args.cluster)
        # The scenario as given, on the same check seeds as the posterior mean.
        base = np.mean([camp_counts(migrasim.run(scenario, seed=seed, threads=args.threads).dataset)
                        for seed in calibration.check_seeds_of(scenario.seed, args.check_seeds)], axis=0)
    except (ValueError, migrasim.ScenarioError) as e:
        print(f"migrasim calibrate: error: {e}", file=sys.stderr)
        return 2
    dist = calibration._distance(args.distance)
    scores = pd.DataFrame({"fitted_days": [dist(base[fit], observed[fit]), cal.fit_error],
                           "held_out_days": [dist(base[~fit], observed[~fit]), cal.holdout]},
                          index=pd.Index(["scenario as given", "calibrated (posterior mean)"], name="parameters"))

    scores_path = out.with_name(out.stem + "_scores.csv")
    _write_csv(cal.samples, out, index=False)
    _write_csv(scores, scores_path, index=True)
    if not args.quiet:
        summary = cal.summary()
        print(f"{len(camps)} camps, {days} days: days 0-{fitted - 1} fitted, {fitted}-{days - 1} held out; "
              f"{cal.runs} runs ({args.method}, distance {args.distance})")
        print("posterior (weighted):")
        print(summary.to_string(float_format=lambda v: f"{v:.4g}"))
        print(f"{args.distance} of the mean over {args.check_seeds} seeds:")
        print(scores.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"wrote {out} and {scores_path}")
    return 0


def _write_csv(frame, path: pathlib.Path, index: bool) -> None:
    """Under a temporary name first, renamed when complete: no half-written file under the name."""
    from migrasim import api

    partial = pathlib.Path(api._partial(path))
    try:
        frame.to_csv(partial, index=index)
        os.replace(partial, path)
    except BaseException:
        if partial.exists():
            partial.unlink()
        raise


def main() -> None:
    try:
        code = run(sys.argv[1:])
    except OSError as e:
        print(f"migrasim calibrate: error: {e}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
