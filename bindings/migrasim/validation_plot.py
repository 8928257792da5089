"""Plot simulated against observed camp populations from `migrasim validate`'s daily CSV.

    python3 -m migrasim.plots validation out/burundi2015_validation_daily.csv   # writes <stem>_<camp>.png beside it

Needs only matplotlib (not the compiled module): run through `python -m migrasim.plots`.
"""
import csv
import os
import sys
from collections import defaultdict
from datetime import date


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = argv[1]
    series = defaultdict(lambda: ([], [], []))
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            d, o, s = series[row["camp"]]
            d.append(date.fromisoformat(row["date"]))
            o.append(float(row["observed"]))
            s.append(float(row["simulated_mean"]))
    stem = os.path.splitext(path)[0]
    for camp, (d, o, s) in series.items():
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.plot(d, o, label="observed (UNHCR)", color="black")
        ax.plot(d, s, label="simulated (mean over seeds)", color="tab:red")
        ax.set_title(camp)
        ax.set_ylabel("refugees")
        ax.legend()
        fig.autofmt_xdate()
        fig.tight_layout()
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in camp)
        fig.savefig(f"{stem}_{safe}.png", dpi=90)
        plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
