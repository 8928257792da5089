"""FabFlee's validation suite: one parameter set for the ``flee`` model, searched on the training cases
and scored by leave-one-out (docs/flee.md, "A better model, earned").

    python -m migrasim.flee_suite search -o out/flee_search.jsonl --candidates 60 --seed 2
    python -m migrasim.flee_suite refine out/flee_search.jsonl --perturbations 6 --seed 3
    python -m migrasim.flee_suite select out/flee_search.jsonl -o docs/flee_loo.json
    python -m migrasim.flee_suite score docs/flee_loo.json --seeds 5

``search`` draws parameter sets at random from the space below (the suite's own settings first), each with
the values FIXED gives by argument, and scores each on every training case (one seed, the case's hasten), a
line of JSON per set. ``refine`` then, for each case left out, perturbs the best set on the other five (and,
for the in-sample set, the best on all six) and scores the perturbations likewise. ``select`` chooses, for
each case left out, the set with the lowest loss on the other five among the random sets and that case's
own refinements (never a set found by looking at the case), and the set with the lowest loss on all six
(in-sample). The loss of a set on some cases is the mean, over those cases and both scores, of the log of
its score over Flee's (log(ARD / Flee's ARD), log(rescaled ARD / Flee's rescaled ARD)): below 0 means
better than Flee on average (``worst``, the largest ratio, is recorded too: below 1 means better on every
one). Flee's figures are fixed references measured with Flee itself, not data.
``score`` runs each chosen set on its left-out case (and the in-sample set on every case) for ``seeds``
seeds and prints the table; ``tests/python/test_flee_cases.py`` asserts it.

The suite's cases are in ``$MIGRASIM_FLEE_DATA/fabflee_validation`` (default ``../shared/data/flee`` beside
the checkout).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile

import numpy as np

from . import api

# The six training cases and the hasten Flee was run with; Flee's ARD (normal, rescaled) measured with
# Flee itself at the suite's simsetting.yml (../shared/data/flee/fabflee_validation/README.md).
HASTEN = {"burundi2015": 1, "mali2012": 1, "mali2017_adm1": 10, "nigeria2016": 10, "ssudan2016": 10,
          "ukraine2022": 100}
FLEE = {"burundi2015": (0.519, 0.464), "mali2012": (0.347, 0.316), "mali2017_adm1": (0.677, 0.696),
        "nigeria2016": (0.260, 0.216), "ssudan2016": (0.412, 0.480), "ukraine2022": (0.593, 0.717)}

# Values set by argument, not searched: the observed series are UNHCR's registered counts, and someone
# registered at a camp stays in its count until a verification exercise removes them, whether or not they
# have left; within a case's span (1 to 5 years) the count a camp reports loses almost no one who moves on.
# The model's camp population is compared with that count, so its camps keep their residents
# (camp_movechance 0, not Flee's 0.001 a day: 31 % a year). docs/flee.md, "A better model, earned?".
FIXED = {"move_rules.camp_movechance": 0.0}

# The search space: the variant (full-day travel or Flee's stops), how far people look ahead (awareness),
# how readily they leave towns, and what draws them (camps, conflict, distance).
SPACE = {
    "variant": ("choice", ["flee", "improved"]),
    "move_rules.awareness_level": ("integer", 1, 3),
    "move_rules.default_movechance": ("uniform", 0.1, 0.9),
    "move_rules.camp_weight": ("log", 0.5, 10.0),
    "move_rules.conflict_weight": ("uniform", 0.05, 1.0),
    "move_rules.distance_power": ("uniform", 0.4, 1.6),
}


def suite_folder() -> pathlib.Path:
    root = pathlib.Path(__file__).resolve().parents[2]
    data = pathlib.Path(os.environ.get("MIGRASIM_FLEE_DATA", root.parent / "shared" / "data" / "flee"))
    return data / "fabflee_validation"


def draw(rng: np.random.Generator) -> dict:
    """One parameter set from SPACE, with FIXED's values (keys under behaviour.flee)."""
    out = dict(FIXED)
    for key, (kind, *args) in SPACE.items():
        if kind == "choice":
            out[key] = str(rng.choice(args[0]))
        elif kind == "integer":
            out[key] = int(rng.integers(args[0], args[1] + 1))
        elif kind == "uniform":
            out[key] = float("%.3g" % rng.uniform(*args))
        else:
            out[key] = float("%.3g" % np.exp(rng.uniform(np.log(args[0]), np.log(args[1]))))
    return out


def evaluate(params: dict, case: str, seeds: int = 1, threads: int | None = None, folder=None) -> tuple:
    """Mean overall (ARD, rescaled ARD) of the ``flee`` model with ``params`` (keys under behaviour.flee) on
    one training case at its hasten, over ``seeds`` seeds."""
    folder = pathlib.Path(folder) if folder else suite_folder()
    with tempfile.TemporaryDirectory(prefix="migrasim-suite-") as tmp:
        path = pathlib.Path(tmp) / f"{case}.yaml"
        api.import_flee(folder / case, path)
        sets = [f"behaviour.flee.{k}={v}" for k, v in params.items()]
        sets.append(f"behaviour.flee.hasten={HASTEN[case]}")
        v = api.validate(api.load_scenario(path, *sets), seeds=seeds, threads=threads)
    o = v.scores[v.scores["camp"] == "overall"]
    return float(o["ard"].mean()), float(o["ard_rescaled"].mean())


def loss(row: dict, cases) -> float:
    """The mean, over ``cases`` and both scores, of the log of the score over Flee's (below 0: better than
    Flee on average). Chosen, before any left-out score was seen, over the largest ratio (``worst``), which
    lets the one case a set fits worst decide alone and so picks sets for that case's own structure."""
    return float(np.mean([np.log(row[c][k] / FLEE[c][k]) for c in cases for k in (0, 1)]))


def worst(row: dict, cases) -> float:
    """The largest, over ``cases`` and both scores, of the score over Flee's (below 1: better than Flee on
    every one)."""
    return float(max(max(row[c][0] / FLEE[c][0], row[c][1] / FLEE[c][1]) for c in cases))


def _pool(rows: list, fold: str) -> list:
    """The sets a fold may choose from: the random ones and its own refinements."""
    return [r for r in rows if r.get("origin", "random") in ("random", f"refine:{fold}")]


def select(rows: list) -> dict:
    """The in-sample set (lowest loss on all six) and, per case, the set with the lowest loss on the others
    among the random sets and the case's own refinements."""
    cases = list(HASTEN)
    best = min(_pool(rows, "all"), key=lambda r: loss(r, cases))
    folds = {}
    for c in cases:
        others = [x for x in cases if x != c]
        chosen = min(_pool(rows, c), key=lambda r: loss(r, others))
        folds[c] = {"params": chosen["params"], "train_loss": round(loss(chosen, others), 4),
                    "train_worst": round(worst(chosen, others), 4)}
    return {"candidates": len(rows), "loss": "mean log ratio to Flee",
            "in_sample": {"params": best["params"], "loss": round(loss(best, cases), 4),
                          "worst": round(worst(best, cases), 4)},
            "left_out": folds}


def perturb(params: dict, rng: np.random.Generator, scale: float) -> dict:
    """A set near ``params``: each numeric value moved by a normal step of ``scale`` times its range (on a
    log scale for "log" entries), kept in range; the variant and awareness change with chance ``scale``;
    FIXED's values stay."""
    full = {**{k: None for k in SPACE}, **params}
    out = dict(FIXED)
    base = draw(rng)  # for entries the set leaves at the suite's value
    for key, (kind, *args) in SPACE.items():
        v = full[key] if full[key] is not None else base[key]
        if kind == "choice":
            out[key] = str(rng.choice(args[0])) if rng.random() < scale else v
        elif kind == "integer":
            out[key] = int(rng.integers(args[0], args[1] + 1)) if rng.random() < scale else int(v)
        elif kind == "uniform":
            out[key] = float("%.3g" % np.clip(v + rng.normal(0, scale * (args[1] - args[0])), *args))
        else:
            lo, hi = np.log(args[0]), np.log(args[1])
            out[key] = float("%.3g" % np.exp(np.clip(np.log(v) + rng.normal(0, scale * (hi - lo)), lo, hi)))
    return out


def _write_json(data: dict, path) -> None:
    """Under a temporary name first, renamed when complete: no half-written file under the name."""
    partial = pathlib.Path(api._partial(path))
    try:
        partial.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m migrasim.flee_suite", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("search", help="score random parameter sets on every training case (1 seed)")
    s.add_argument("-o", "--output", required=True, help="JSON lines, appended")
    s.add_argument("--candidates", type=int, default=60)
    s.add_argument("--seed", type=int, default=2)
    s.add_argument("--threads", type=int, default=None)
    f = sub.add_parser("refine", help="perturb each fold's best set (and the in-sample best), score them")
    f.add_argument("results", help="JSON lines written by search; the refinements are appended")
    f.add_argument("--perturbations", type=int, default=6)
    f.add_argument("--scale", type=float, default=0.1)
    f.add_argument("--seed", type=int, default=3)
    f.add_argument("--threads", type=int, default=None)
    c = sub.add_parser("select", help="choose the sets for leave-one-out and in-sample")
    c.add_argument("results", nargs="+", help="JSON lines written by search")
    c.add_argument("-o", "--output", required=True)
    r = sub.add_parser("score", help="score the chosen sets (several seeds) and print the table")
    r.add_argument("selection")
    r.add_argument("--seeds", type=int, default=5)
    r.add_argument("--threads", type=int, default=None)
    r.add_argument("--write", action="store_true", help="record the scores in the selection file")
    a = p.parse_args(argv)
    folder = suite_folder()
    if a.command in ("search", "refine", "score") and not (folder / "simsetting.yml").exists():
        print(f"migrasim.flee_suite: FabFlee validation suite not found at {folder}", file=sys.stderr)
        return 2
    if a.command == "search":
        rng = np.random.default_rng(a.seed)
        candidates = [dict(FIXED)] + [draw(rng) for _ in range(a.candidates)]
        with open(a.output, "a") as f:
            for k, params in enumerate(candidates):
                row = {"params": params}
                for case in HASTEN:
                    row[case] = evaluate(params, case, 1, a.threads, folder)
                f.write(json.dumps(row) + "\n")
                f.flush()
                print(k, {c: tuple(round(x, 3) for x in row[c]) for c in HASTEN}, flush=True)
        return 0
    if a.command == "refine":
        rows = [json.loads(line) for line in open(a.results) if line.strip()]
        rng = np.random.default_rng(a.seed)
        with open(a.results, "a") as out:
            for fold in list(HASTEN) + ["all"]:
                cases = [x for x in HASTEN if x != fold]
                start = min(_pool(rows, fold), key=lambda r: loss(r, cases))
                for k in range(a.perturbations):
                    params = perturb(start["params"], rng, a.scale)
                    row = {"params": params, "origin": f"refine:{fold}"}
                    for case in HASTEN:
                        row[case] = evaluate(params, case, 1, a.threads, folder)
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                    print(fold, k, round(loss(row, cases), 3), "from", round(loss(start, cases), 3), flush=True)
        return 0
    if a.command == "select":
        rows = [json.loads(line) for path in a.results for line in open(path) if line.strip()]
        out = select(rows)
        _write_json(out, a.output)
        print(f"wrote {a.output} ({len(rows)} candidates)")
        return 0
    chosen = json.loads(pathlib.Path(a.selection).read_text())
    print(f"{'case':14} {'Flee':>13} {'faithful':>13} {'in-sample':>13} {'left-out':>13}")
    fmt = lambda t: f"{t[0]:.3f}/{t[1]:.3f}"  # noqa: E731
    table = {}
    for case in HASTEN:
        faithful = evaluate({}, case, a.seeds, a.threads, folder)
        inside = evaluate(chosen["in_sample"]["params"], case, a.seeds, a.threads, folder)
        out = evaluate(chosen["left_out"][case]["params"], case, a.seeds, a.threads, folder)
        table[case] = {"flee": FLEE[case], "faithful": faithful, "in_sample": inside, "left_out": out}
        print(f"{case:14} {fmt(FLEE[case]):>13} {fmt(faithful):>13} {fmt(inside):>13} {fmt(out):>13}", flush=True)
    if a.write:
        chosen["scores"] = {"seeds": a.seeds, "cases": table}
        _write_json(chosen, a.selection)
        print(f"wrote the scores into {a.selection}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
