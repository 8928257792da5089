#!/usr/bin/env python3
"""A hostile-input campaign against `migrasim run` (issue 14): mutate one file of a working input (a
scenario, an overlay, a CSV, a Flee case file), run the CLI on it and classify the outcome.

Good outcomes: exit 0 with the output file and nothing else in the output folder, or exit 2 with a message
on stderr and nothing in the output folder. Failures: exit 1 (an internal error), a signal (a crash), a run
past the time limit (a hang), a stray file (in the output folder, or a temporary folder left in TMPDIR), an
exit 2 without a message.

    tests/mutants/campaign.py --mutants 600 --seed 1 [--bin build/release/cli/migrasim] [--flee DIR]
        [--keep FOLDER] [--csv REPORT.csv]

Mutants are drawn from the seed (the same seed, the same mutants). Every run is short: `--days 5` and
`--max-agents 3000000`. Exit status 1 when any mutant fails. tests/python/test_mutants.py runs a small
campaign in CI; docs/reliability.md gives the figures of the large one.
"""
import argparse
import csv
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Values a number may become: limits, signs, non-numbers, overflow.
NASTY_NUMBERS = ["-1", "0", "-0", "1e308", "1e12", "9223372036854775808", "-2147483649", "nan", "inf", "-inf",
                 "0x10", "1e-320", "", "abc", "1,5", "2.", ".", "+", "1e", "99999999999999999999999"]
# Lines a file may gain: YAML aliases and tags, a document separator, control characters, long text.
NASTY_LINES = ["&a [*a, *a, *a, *a]", "!!binary AAAA", "---", "...", "\t\tkey: value", "key: [unclosed",
               "{a: 1, a: 2}", "? complex key", "\x00", "\ufeffname,x", "x" * 5000, ",,,,,,,,", '"quoted, field',
               "#comment", "- - - -", ": :", "%YAML 1.2", "*undefined_alias"]


def cases(flee_dir):
    """The inputs mutated: (name, folder to copy, relative path of the file run, extra arguments, files that
    may be mutated)."""
    out = [
        ("mini", ROOT / "tests" / "data", "mini.yaml", [], ["mini.yaml", "mini_locations.csv"]),
        ("mini_all", ROOT / "tests" / "data", "mini_all.yaml", [], ["mini_all.yaml", "mini.yaml"]),
        ("central_america", ROOT / "scenarios", "central_america.yaml", [],
         ["central_america.yaml", "central_america/locations.csv", "central_america/routes.csv"]),
        ("labour_pathway", ROOT / "scenarios", "regularisation/labour_pathway.yaml", [],
         ["regularisation/labour_pathway.yaml", "regularisation/base.yaml"]),
        ("italy_2002", ROOT / "scenarios", "italy_2002.yaml", [], ["italy_2002.yaml"]),
        ("aegean_2016", ROOT / "scenarios", "aegean_2016.yaml", [], ["aegean_2016.yaml"]),
        ("eta_iota_2020", ROOT / "scenarios", "eta_iota_2020.yaml", [],
         ["eta_iota_2020.yaml", "eta_iota_2020/locations.csv", "eta_iota_2020/routes.csv"]),
    ]
    if flee_dir and (flee_dir / "input" / "locations.csv").is_file():
        files = [str(p.relative_to(flee_dir)) for p in sorted(flee_dir.rglob("*"))
                 if p.is_file() and p.suffix in (".csv", ".yml", ".yaml")]
        out.append(("flee:" + flee_dir.name, flee_dir, ".", ["--flee"], files))
    return out


def mutate(text, rng):
    """One mutation of a text; returns (new text, description)."""
    lines = text.split("\n")
    op = rng.choice(["byte", "delete_line", "duplicate_line", "number", "number", "number", "truncate", "swap",
                     "insert", "empty", "crlf_bom", "field_count"])
    if op == "byte" and text:
        k = rng.randrange(len(text))
        c = rng.choice(["\x00", "\xff", "'", '"', ":", ",", "[", "{", "-", "#", "&", "*", "\n", " ", "9"])
        return text[:k] + c + text[k + 1:], f"byte {k} -> {c!r}"
    if op == "delete_line" and len(lines) > 1:
        k = rng.randrange(len(lines))
        return "\n".join(lines[:k] + lines[k + 1:]), f"delete line {k + 1}"
    if op == "duplicate_line" and lines:
        k = rng.randrange(len(lines))
        return "\n".join(lines[:k + 1] + [lines[k]] + lines[k + 1:]), f"duplicate line {k + 1}"
    if op == "number":
        spans = [m.span() for m in re.finditer(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text)]
        if spans:
            a, b = rng.choice(spans)
            v = rng.choice(NASTY_NUMBERS)
            return text[:a] + v + text[b:], f"number {text[a:b]!r} at {a} -> {v!r}"
    if op == "truncate" and text:
        k = rng.randrange(len(text))
        return text[:k], f"truncate at {k}"
    if op == "swap" and len(lines) > 2:
        i, j = rng.sample(range(len(lines)), 2)
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines), f"swap lines {i + 1} and {j + 1}"
    if op == "insert":
        k = rng.randrange(len(lines) + 1)
        v = rng.choice(NASTY_LINES)
        return "\n".join(lines[:k] + [v] + lines[k:]), f"insert {v[:20]!r} at line {k + 1}"
    if op == "empty":
        return "", "empty file"
    if op == "crlf_bom":
        return "\ufeff" + text.replace("\n", "\r\n"), "BOM and CRLF"
    if op == "field_count" and lines:
        k = rng.randrange(len(lines))
        return "\n".join(lines[:k] + [lines[k] + ",extra,1"] + lines[k + 1:]), f"extra fields on line {k + 1}"
    k = rng.randrange(len(text) + 1) if text else 0
    return text[:k] + "\x00" + text[k:], f"NUL at {k}"


def run_one(binary, case, rng, work, keep):
    name, folder, target, extra, files = case
    case_dir = work / "case"
    shutil.rmtree(case_dir, ignore_errors=True)
    shutil.copytree(folder, case_dir, ignore=shutil.ignore_patterns("*.h5", "__pycache__"))
    victim = rng.choice(files)
    path = case_dir / victim
    data = path.read_bytes().decode("utf-8", errors="surrogateescape")
    new, what = mutate(data, rng)
    path.write_bytes(new.encode("utf-8", errors="surrogateescape"))
    out_dir = work / "out"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    tmp = work / "tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    args = [str(binary), "run"] + extra + [str(case_dir / target), "-o", str(out_dir / "res.h5"), "-q",
                                           "--days", "5", "--max-agents", "3000000", "--threads", "2"]
    env = dict(os.environ, TMPDIR=str(tmp))
    start = time.monotonic()
    try:
        r = subprocess.run(args, capture_output=True, text=True, errors="replace", env=env, timeout=120)
        rc, err = r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        rc, err = None, ""
    seconds = time.monotonic() - start
    left = sorted(p.name for p in out_dir.iterdir())
    stray_tmp = sorted(p.name for p in tmp.iterdir())
    if rc is None:
        verdict = "hang"
    elif rc < 0:
        verdict = "crash"
    elif rc == 1:
        verdict = "exit 1"
    elif rc == 0:
        verdict = "ok" if left == ["res.h5"] and not stray_tmp else "stray file"
    elif rc == 2:
        verdict = ("ok" if not left and not stray_tmp else "stray file") if err.strip() else "exit 2 silent"
    else:
        verdict = f"exit {rc}"
    if verdict != "ok" and keep:
        dest = keep / f"{name.replace(':', '_')}-{rng.random():.6f}"
        shutil.copytree(case_dir, dest)
        (dest / "MUTATION.txt").write_text(f"{victim}: {what}\nrc {rc}\n{err}\n")
    return {"case": name, "file": victim, "mutation": what, "rc": rc, "verdict": verdict,
            "seconds": round(seconds, 2), "stray": " ".join(left if rc != 0 else [x for x in left if x != "res.h5"]
                                                          + stray_tmp), "message": err.strip()[:300]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mutants", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", default=os.environ.get("MIGRASIM_BIN", str(ROOT / "build/release/cli/migrasim")))
    default_flee = os.environ.get("MIGRASIM_FLEE_DATA", str(ROOT.parent / "shared" / "data" / "flee"))
    ap.add_argument("--flee", default=str(pathlib.Path(default_flee) / "mali2012"),
                    help="a Flee case folder to mutate too (skipped when absent)")
    ap.add_argument("--keep", help="copy each failing mutant into this folder")
    ap.add_argument("--csv", help="write one row per mutant")
    a = ap.parse_args(argv)
    keep = pathlib.Path(a.keep) if a.keep else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.seed)
    all_cases = cases(pathlib.Path(a.flee))
    rows = []
    with tempfile.TemporaryDirectory(prefix="migrasim-mutants-") as w:
        work = pathlib.Path(w)
        for k in range(a.mutants):
            rows.append(run_one(a.bin, all_cases[k % len(all_cases)], rng, work, keep))
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=list(rows[0]))
            wr.writeheader()
            wr.writerows(rows)
    counts = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    exits = {}
    for r in rows:
        exits[r["rc"]] = exits.get(r["rc"], 0) + 1
    print(f"{len(rows)} mutants over {len(all_cases)} inputs (seed {a.seed}): "
          + ", ".join(f"{v} {n}" for v, n in sorted(counts.items())))
    print("exit codes: " + ", ".join(f"{k}: {n}" for k, n in sorted(exits.items(), key=lambda x: str(x[0]))))
    for r in rows:
        if r["verdict"] != "ok":
            print(f"  {r['verdict']}: {r['case']} {r['file']}: {r['mutation']} (rc {r['rc']}) {r['stray']} "
                  f"{r['message'][:160]!r}")
    return 0 if all(r["verdict"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
