import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary():
    path = os.environ.get("MIGRASIM_BIN") or str(ROOT / "build" / "release" / "cli" / "migrasim")
    if not os.path.exists(path):
        pytest.exit(f"migrasim binary not found at {path}: build first (./run.sh build)", returncode=2)
    return path


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def migrasim_bin():
    return _binary()


@pytest.fixture(scope="session")
def cli(migrasim_bin):
    # The CLI draws its figures with `$MIGRASIM_PYTHON -m migrasim.plots`: this interpreter has the package.
    os.environ.setdefault("MIGRASIM_PYTHON", sys.executable)

    def run(*args, **kwargs):
        return subprocess.run([migrasim_bin, *map(str, args)], capture_output=True, text=True, **kwargs)

    return run


@pytest.fixture()
def mini(tmp_path):
    """A copy of the mini test scenario in a temporary directory (so tests may edit it)."""
    for name in ("mini.yaml", "mini_locations.csv", "mini_child.yaml"):
        shutil.copy(ROOT / "tests" / "data" / name, tmp_path / name)
    return tmp_path / "mini.yaml"


@pytest.fixture()
def bad_scenario(cli, tmp_path):
    """Runs a scenario text written to tmp_path/bad.yaml and checks the bad-input contract: exit code 2,
    the expected message naming the file, and no output file."""

    def check(text, message):
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        out = tmp_path / "x.h5"
        r = cli("run", path, "-o", out)
        assert r.returncode == 2, r.stderr
        assert message in r.stderr and "bad.yaml:" in r.stderr
        assert not out.exists()
        return r

    return check
