import os
import pathlib
import shutil
import subprocess

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
    def run(*args, **kwargs):
        return subprocess.run([migrasim_bin, *map(str, args)], capture_output=True, text=True, **kwargs)

    return run


@pytest.fixture()
def mini(tmp_path):
    """A copy of the mini test scenario in a temporary directory (so tests may edit it)."""
    for name in ("mini.yaml", "mini_locations.csv", "mini_child.yaml"):
        shutil.copy(ROOT / "tests" / "data" / name, tmp_path / name)
    return tmp_path / "mini.yaml"
