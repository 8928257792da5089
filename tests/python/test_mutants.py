"""A small hostile-input campaign (tests/mutants/campaign.py, issue 14): mutated scenarios, overlays, CSVs
and Flee files give exit 0 with only the output file, or exit 2 with a message naming the file and nothing
written; never exit 1, a crash, a hang or a stray file. docs/reliability.md gives the large campaign."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _campaign():
    spec = importlib.util.spec_from_file_location("campaign", ROOT / "tests" / "mutants" / "campaign.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mutated_inputs_never_crash_exit_1_or_leave_files(migrasim_bin, tmp_path, capsys):
    rc = _campaign().main(["--mutants", "48", "--seed", "7", "--bin", str(migrasim_bin),
                           "--csv", str(tmp_path / "mutants.csv"), "--keep", str(tmp_path / "failed")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "ok 48" in out
    rows = (tmp_path / "mutants.csv").read_text().splitlines()[1:]
    assert len(rows) == 48
    # Both outcomes occur: the campaign is not all accepted nor all refused.
    assert "exit codes: 0: " in out and ", 2: " in out


def test_the_campaign_tells_a_failure(tmp_path, capsys):
    """A binary that exits 1 is reported as a failure (the check can fail)."""
    fake = tmp_path / "fake"
    fake.write_text("#!/bin/sh\necho 'internal error' >&2\nexit 1\n")
    fake.chmod(0o755)
    rc = _campaign().main(["--mutants", "3", "--seed", "1", "--bin", str(fake), "--flee", str(tmp_path / "none")])
    assert rc == 1
    assert "exit 1 3" in capsys.readouterr().out
