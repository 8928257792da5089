"""``migrasim report``: the HTML report of output files, from the shell.

    python -m migrasim.report_cli out/central_america.h5 [COMPARE.h5 ...] -o out/central_america.html

The C++ CLI parses ``migrasim report FILES... [-o PAGE] [--title TEXT]`` and runs this module with the same
arguments (PYTHON: ``$MIGRASIM_PYTHON``, else the checkout's ``.venv/bin/python``). Prints the page's path.

Exit codes as the CLI's: 0 success, 2 bad input (a missing file, one that is not a migrasim output: the message
names it and what was expected; nothing is left under the page's name), 1 internal error (e.g. libjs-leaflet
not installed).
"""
from __future__ import annotations

import argparse
import os
import sys


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"migrasim report: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="migrasim report", description=(
        "Write a self-contained HTML page (opens offline) with a map of the run's places and routes and a day "
        "slider, its time series with CSV downloads, a comparison of headline indicators when several files are "
        "given (differences from the first), and the provenance."))
    p.add_argument("files", nargs="+", metavar="FILE", help="output files (HDF5) of `migrasim run`; the first is "
                                                            "the reference")
    p.add_argument("-o", "--output", help="page to write (default: the first file with .html)")
    p.add_argument("--title", help="page title (default: the files' names)")
    return p


def default_output(first: str) -> str:
    root, ext = os.path.splitext(first)
    return (root if ext in (".h5", ".hdf5", ".nc") else first) + ".html"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .report_page import MissingAsset, NotAnOutput, report

    output = args.output if args.output is not None else default_output(args.files[0])
    if not output:
        print("migrasim report: error: -o/--output: the path is empty, expected a file name (or no -o for the "
              "default)", file=sys.stderr)
        return 2
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        print(f"migrasim report: error: -o {output}: the folder {folder} does not exist", file=sys.stderr)
        return 2
    if os.path.exists(output) and not os.path.isfile(output):
        print(f"migrasim report: error: -o {output}: exists and is not a regular file", file=sys.stderr)
        return 2
    try:
        written = report(args.files, output, title=args.title)
    except NotAnOutput as e:
        print(f"migrasim report: error: {e}", file=sys.stderr)
        return 2
    except MissingAsset as e:
        print(f"migrasim report: {e}", file=sys.stderr)
        return 1
    print(f"wrote {written.path} ({written.runs} run{'s' if written.runs > 1 else ''}, embedded data "
          f"{written.data_bytes / 1e6:.2f} MB, "
          f"{'one frame per day' if written.frame_step == 1 else f'one frame per {written.frame_step} days'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
