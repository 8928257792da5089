"""Ensemble speed-up and per-member overhead (issue 13): the same members on 1 worker and on W workers.

    .venv/bin/python bench/ensemble.py [SCENARIO] [--members 8] [--workers 2]

Each member runs single-threaded. Prints, for 1 and W workers, the wall time of the study (running the
members and collecting them into one dataset, as migrasim.ensemble does), the sum of the members' own run
times, and the overhead: study time over (members' time / workers) - 1, i.e. scheduling, loading the
scenario in the workers, moving results between processes and collecting them. Checks that both give the
same dataset. Targets: W=2 takes at most 0.6 of the time of 1 worker; overhead under 5 % of a member.
"""
import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "italy_2002.yaml"))
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()

    import xarray as xr

    import migrasim
    from migrasim import studies

    scenario = migrasim.load_scenario(a.scenario)
    seeds = list(range(scenario.seed, scenario.seed + a.members))
    results = {}
    for workers in (1, a.workers):
        start = time.perf_counter()
        members, seconds = studies._run_members(scenario, [((), seed) for seed in seeds], workers, 1)
        ds = studies._collect(scenario, seeds, members)
        wall = time.perf_counter() - start
        results[workers] = (ds, wall, sum(seconds))
        ideal = sum(seconds) / workers
        print(f"workers {workers}: study {wall:7.2f} s, members {sum(seconds):7.2f} s "
              f"(mean {sum(seconds) / len(seeds):.2f} s), overhead {100 * (wall / ideal - 1):+.1f} % of a member")
    xr.testing.assert_identical(results[1][0], results[a.workers][0])
    print(f"time on {a.workers} workers / on 1: {results[a.workers][1] / results[1][1]:.3f} (target <= 0.6); "
          "datasets identical")


if __name__ == "__main__":
    sys.exit(main())
