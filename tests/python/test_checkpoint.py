"""Checkpoint and restart (docs/reliability.md, "Checkpoints"): a run resumed from a checkpoint writes the
output an uninterrupted run writes, for any thread counts, from the CLI and from Python.

Compared: every dataset of the output (values, dtype, shape) and every attribute outside the group
`provenance`; in `provenance`, the datasets (scenario text, resolved scenario, warnings) and the attributes
but command_line, threads, wall_seconds, created_utc and resumed_from, which record the run itself. A Flee
case run through --flee reads its files from a temporary folder named after the process, so that its
scenario_path and the provenance datasets naming it are left out too.
"""
import os
import pathlib
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FLEE_DATA = pathlib.Path(os.environ.get("MIGRASIM_FLEE_DATA", ROOT.parent / "shared" / "data" / "flee"))
RUN_ATTRIBUTES = {"command_line", "threads", "wall_seconds", "created_utc", "resumed_from"}


def _plain(value):
    """A value comparable with ==: text as it is, numbers as their bytes, object arrays as lists."""
    if isinstance(value, (str, bytes)):
        return value
    array = np.asarray(value)
    return (array.dtype.str, array.shape, array.tolist() if array.dtype.kind == "O" else array.tobytes())


def _items(path, flee=False):
    """Every dataset's values and every attribute, by name, less what records the run itself."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            in_provenance = name == "provenance" or name.startswith("provenance/")
            if isinstance(obj, h5py.Dataset) and not (flee and in_provenance):
                out[name] = (obj.dtype.str, obj.shape, _plain(obj[()]))
            for key, value in obj.attrs.items():
                if in_provenance and (key in RUN_ATTRIBUTES or (flee and key == "scenario_path")):
                    continue
                if key in ("DIMENSION_LIST", "REFERENCE_LIST"):
                    continue  # object references: positions in the file, not values
                out[f"{name}@{key}"] = _plain(value)
        f.visititems(visit)
        for key, value in f.attrs.items():
            out[f"@{key}"] = _plain(value)
    return out


def assert_same_output(a, b, flee=False):
    left, right = _items(a, flee), _items(b, flee)
    assert sorted(left) == sorted(right)
    differ = [k for k in left if left[k] != right[k]]
    assert not differ, f"{a} and {b} differ in {differ[:10]}"


CASES = [
    # scenario, days, checkpoint intervals (the last checkpoint is at the last multiple before the end)
    ("scenarios/central_america.yaml", 12, [5, 11], ["--set", "output.agents.sample=200"]),
    ("scenarios/italy_2002.yaml", 110, [51, 9], []),  # applications queued from day 100
    ("scenarios/eta_iota_2020.yaml", 15, [4, 7], []),
]


@pytest.mark.parametrize("scenario,days,intervals,extra", CASES, ids=[c[0].split("/")[1] for c in CASES])
def test_a_resumed_run_writes_the_output_of_an_uninterrupted_run(cli, tmp_path, scenario, days, intervals, extra):
    whole = tmp_path / "whole.h5"
    r = cli("run", ROOT / scenario, "--days", days, "--threads", 1, "-q", "-o", whole, *extra)
    assert r.returncode == 0, r.stderr
    for every in intervals:
        for before, after in ((2, 1), (1, 2)):
            part, ckpt, resumed = tmp_path / f"p{every}.h5", tmp_path / f"c{every}.ckpt", tmp_path / f"r{every}.h5"
            r = cli("run", ROOT / scenario, "--days", days, "--threads", before, "-q", "-o", part,
                    "--checkpoint-every", every, "--checkpoint", ckpt, *extra)
            assert r.returncode == 0, r.stderr
            assert ckpt.exists() and not list(tmp_path.glob("*.partial-*"))
            assert_same_output(whole, part)  # writing checkpoints changes nothing
            r = cli("run", "--resume", ckpt, "--threads", after, "-q", "-o", resumed)
            assert r.returncode == 0, r.stderr
            assert_same_output(whole, resumed)
            with h5py.File(resumed, "r") as f:
                day = (days - 1) // every * every
                assert f["provenance"].attrs["resumed_from"] == f"{ckpt} (day {day})"
            resumed.unlink()


@pytest.mark.skipif(not (FLEE_DATA / "mali2012").is_dir(),
                    reason=f"Flee case data not found at {FLEE_DATA} (set MIGRASIM_FLEE_DATA; see docs/flee.md)")
def test_a_resumed_flee_case_writes_the_output_of_an_uninterrupted_run(cli, tmp_path):
    case = FLEE_DATA / "mali2012"
    whole, part, ckpt, resumed = (tmp_path / n for n in ("w.h5", "p.h5", "c.ckpt", "r.h5"))
    r = cli("run", "--flee", case, "--days", 30, "--threads", 1, "-q", "-o", whole)
    assert r.returncode == 0, r.stderr
    r = cli("run", "--flee", case, "--days", 30, "--threads", 2, "-q", "-o", part, "--checkpoint-every", 13,
            "--checkpoint", ckpt)
    assert r.returncode == 0, r.stderr
    r = cli("run", "--resume", ckpt, "--threads", 1, "-q", "-o", resumed)
    assert r.returncode == 0, r.stderr
    assert_same_output(whole, resumed, flee=True)


def test_sigterm_writes_a_checkpoint_first_and_the_run_resumes(migrasim_bin, cli, tmp_path):
    scenario, days = ROOT / "scenarios" / "central_america.yaml", 120
    whole, out, ckpt, resumed = (tmp_path / n for n in ("w.h5", "o.h5", "c.ckpt", "r.h5"))
    # A checkpoint every 1000 days: none before the end, only the one the signal asks for.
    p = subprocess.Popen([migrasim_bin, "run", scenario, "--days", str(days), "--threads", "2", "-q", "-o", out,
                          "--checkpoint-every", "1000", "--checkpoint", ckpt], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not list(tmp_path.glob("o.h5.partial-*")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    if p.returncode == 0:
        pytest.skip("the run ended before the signal arrived")
    assert p.returncode == 143, err
    assert "checkpoint" in err and "partial output removed" in err
    assert ckpt.exists() and not out.exists() and not list(tmp_path.glob("*.partial-*"))
    assert cli("run", scenario, "--days", days, "--threads", 1, "-q", "-o", whole).returncode == 0
    r = cli("run", "--resume", ckpt, "-q", "-o", resumed)
    assert r.returncode == 0, r.stderr
    assert_same_output(whole, resumed)


def test_python_checkpoint_and_resume(tmp_path, cli):
    migrasim = pytest.importorskip("migrasim")
    scenario = migrasim.load_scenario(ROOT / "scenarios" / "central_america.yaml", "run.days=14")
    whole = migrasim.Simulation(scenario, threads=1).run()
    sim = migrasim.Simulation(scenario, threads=2)
    sim.step(6)
    ckpt = tmp_path / "py.ckpt"
    sim.checkpoint(ckpt)
    assert not list(tmp_path.glob("*.partial-*"))
    again = migrasim.Simulation.resume(ckpt, threads=1)
    assert again.day == 6
    result = again.run()
    whole.save(tmp_path / "whole.h5")
    result.save(tmp_path / "resumed.h5")
    assert_same_output(tmp_path / "whole.h5", tmp_path / "resumed.h5")
    # The CLI resumes a checkpoint written from Python, to the same numbers.
    r = cli("run", "--resume", ckpt, "--threads", 1, "-q", "-o", tmp_path / "cli.h5")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "whole.h5", "r") as a, h5py.File(tmp_path / "cli.h5", "r") as b:
        for name in ("population", "stranded", "on_route", "flow", "spawned"):
            assert np.array_equal(a[name][()], b[name][()]), name
    # A checkpoint holds the scenario's parameters only: after set(), it is refused.
    changed = migrasim.Simulation(scenario, threads=1)
    changed.step(2)
    changed.set("behaviour.economic.emigration_rate_per_day.HND", 0.0)
    with pytest.raises(migrasim.ScenarioError, match="changed mid-run"):
        changed.checkpoint(tmp_path / "changed.ckpt")
    assert not list(tmp_path.glob("changed.ckpt*"))


def test_help_names_the_checkpoint_options(cli):
    r = cli("run", "--help")
    assert r.returncode == 0
    for option in ("--checkpoint-every", "--checkpoint ", "--resume"):
        assert option in r.stdout


def test_bad_checkpoints_and_options_are_refused(cli, mini, tmp_path):
    ckpt, out = tmp_path / "m.ckpt", tmp_path / "m.h5"
    r = cli("run", mini, "--days", 10, "-q", "-o", out, "--checkpoint-every", 4, "--checkpoint", ckpt)
    assert r.returncode == 0, r.stderr
    out.unlink()
    # The checkpoint holds the scenario and its options.
    r = cli("run", mini, "--resume", ckpt)
    assert r.returncode == 2 and "the checkpoint holds the scenario" in r.stderr
    r = cli("run", "--resume", ckpt, "--days", 12)
    assert r.returncode == 2
    r = cli("run", mini, "--checkpoint", ckpt, "-o", out)
    assert r.returncode == 2 and "--checkpoint-every" in r.stderr
    # The scenario changed since: refused, and no output.
    text = mini.read_text()
    mini.write_text(text.replace("patience_days: 3", "patience_days: 4"))
    r = cli("run", "--resume", ckpt, "-o", out)
    assert r.returncode == 2 and "another scenario" in r.stderr and not out.exists()
    mini.write_text(text)
    # Damaged, truncated, not a checkpoint, absent.
    data = bytearray(ckpt.read_bytes())
    bad = tmp_path / "bad.ckpt"
    data[300] ^= 0x55
    bad.write_bytes(bytes(data))
    r = cli("run", "--resume", bad, "-o", out)
    assert r.returncode == 2 and "damaged" in r.stderr and not out.exists()
    bad.write_bytes(ckpt.read_bytes()[:500])
    assert cli("run", "--resume", bad, "-o", out).returncode == 2
    bad.write_text("run: {days: 3}\n")
    r = cli("run", "--resume", bad, "-o", out)
    assert r.returncode == 2 and "not a migrasim checkpoint" in r.stderr
    r = cli("run", "--resume", tmp_path / "none.ckpt", "-o", out)
    assert r.returncode == 2 and not out.exists()
    # A checkpoint whose folder does not exist is refused before the run.
    r = cli("run", mini, "--days", 5, "-o", out, "--checkpoint-every", 2, "--checkpoint", tmp_path / "no" / "c.ckpt")
    assert r.returncode == 2 and "does not exist" in r.stderr and not out.exists()
    # The original resumes from another folder (paths in the checkpoint are absolute).
    r = cli("run", "--resume", ckpt, "-q", "-o", out, cwd="/")
    assert r.returncode == 0, r.stderr
    assert out.exists()
