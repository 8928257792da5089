"""Dashboard of a disaster drill from the CSV `migrasim drill` writes (date, series, value):
occupancy per shelter over time, and the displaced, in shelters and unsheltered over time.

    python3 -m migrasim.plots drill out/haiti_2010_drill.csv out/haiti_2010_drill.png

Needs only matplotlib (not the compiled module): run through `python -m migrasim.plots`.
"""
import csv
import sys
from collections import defaultdict
from datetime import date


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
            x, y = series[row["series"]]
            x.append(date.fromisoformat(row["date"]))
            y.append(float(row["value"]))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    for name, (x, y) in series.items():
        if name.startswith("shelter:"):
            top.plot(x, y, label=name[len("shelter:"):])
    top.set_ylabel("people in the shelter (ensemble mean)")
    top.set_title("Shelter occupancy")
    top.legend(fontsize=7, ncol=2)
    for name in ("displaced", "in_shelters", "unsheltered"):
        x, y = series[name]
        bottom.plot(x, y, label=name.replace("_", " "))
    bottom.set_ylabel("people (ensemble mean)")
    bottom.set_title("Displaced over time")
    bottom.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(argv[2], dpi=100)
    plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
