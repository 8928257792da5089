"""Irregular population over time per scenario, from the CSV `migrasim compare` writes.

    python3 -m migrasim.plots compare out/compare.csv out/compare.png

Needs only matplotlib (not the compiled module): run through `python -m migrasim.plots`.
"""
import csv
import sys
from collections import defaultdict
from datetime import date, timedelta


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = defaultdict(lambda: ([], []))
    with open(argv[1], newline="") as f:
        for row in csv.DictReader(f):
            x, y = series[row["file"]]
            start = row["start_date"]
            day = int(row["day"])
            x.append(date.fromisoformat(start) + timedelta(days=day) if start else day)
            y.append(int(row["irregular"]))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name, (x, y) in series.items():
        ax.plot(x, y, label=name)
    ax.set_ylabel("irregular residents (irregular + overstayer)")
    ax.set_title("Irregular population over time")
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(argv[2], dpi=100)
    plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
