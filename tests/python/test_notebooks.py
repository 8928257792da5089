"""Execute every notebook in notebooks/ and fail on any cell error.

The kernel must be this interpreter (the one running pytest, e.g. .venv/bin/python) so that the
notebooks import the migrasim under test. The system "python3" kernelspec usually points at
/usr/bin/python3 instead, so the test writes a temporary kernelspec for sys.executable and puts it
first on JUPYTER_PATH.
"""
import json
import os
import pathlib
import sys

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402  (a dependency of nbclient)

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL_NAME = "migrasim-test-python"


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """A kernelspec that runs sys.executable, found through a temporary JUPYTER_PATH entry."""
    data_dir = tmp_path_factory.mktemp("jupyter")
    spec_dir = data_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", os.pathsep.join(filter(None, [str(data_dir), os.environ.get("JUPYTER_PATH")])))
        mp.delenv("MPLBACKEND", raising=False)  # let ipykernel pick its inline backend
        resolved = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        assert resolved.argv[0] == sys.executable, resolved.argv
        yield KERNEL_NAME


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_runs(path, kernel_name):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name=kernel_name, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    # One extra cell, executed last, reports the kernel's interpreter.
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client.execute()  # raises nbclient.exceptions.CellExecutionError on the first failing cell
    printed = "".join(out.get("text", "") for out in nb.cells[-1].outputs).strip()
    assert printed == sys.executable, f"the kernel ran {printed!r}, not {sys.executable!r}"


def test_notebooks_are_committed_without_outputs():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name}: clear the outputs"
