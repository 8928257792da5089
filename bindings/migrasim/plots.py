"""The command line's figures, drawn from the CSV files it writes (needs only matplotlib).

    python -m migrasim.plots validation DAILY.csv      a PNG per camp beside the daily series
    python -m migrasim.plots compare SERIES.csv OUT.png irregular population over time per file
    python -m migrasim.plots drill SERIES.csv OUT.png   a drill's dashboard

`migrasim validate`, `compare` and `drill` run this with the Python named by $MIGRASIM_PYTHON (default
`python3` on the PATH), which must find this package (./run.sh makes .venv, where it is installed).
"""
import sys

from . import compare_plot, drill_plot, validation_plot

KINDS = {"validation": validation_plot.main, "compare": compare_plot.main, "drill": drill_plot.main}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in KINDS:
        print(__doc__, file=sys.stderr)
        return 2
    return KINDS[argv[0]]([f"migrasim.plots {argv[0]}", *argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
