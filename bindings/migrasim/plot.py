"""Plot a migrasim output: population by legal status and by place over time.

    python -m migrasim.plot out/central_america.h5 -o out/central_america.png
"""
from __future__ import annotations

import argparse
import sys


def plot_file(path: str, output: str, top: int = 8) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr

    ds = xr.open_dataset(path, engine="h5netcdf")
    pop = ds["population"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 9), sharex=True)

    by_status = pop.sum("location")
    statuses = [s for s in by_status["legal_status"].values if int(by_status.sel(legal_status=s).max()) > 0]
    series = [by_status.sel(legal_status=s).values for s in statuses]
    series.append(ds["stranded"].sum("location").values)
    series.append(ds["on_route"].sum("edge").values)
    labels = [str(s) for s in statuses] + ["stranded", "on a route"]
    ax1.stackplot(ds["time"].values, series, labels=labels, alpha=0.85)
    ax1.set_ylabel("people")
    ax1.set_title(f"Population by legal status: {ds.attrs.get('scenario', path)}")
    ax1.legend(loc="upper left", fontsize=8)

    by_place = pop.sum("legal_status")
    final = by_place.isel(time=-1).to_series().sort_values(ascending=False)
    names = [n for n in final.index[:top] if final[n] > 0]
    for name in names:
        (line,) = ax2.plot(ds["time"].values, by_place.sel(location=name).values, label=name)
        irregular = pop.sel(location=name, legal_status="irregular")
        if int(irregular.max()) > 0:
            ax2.plot(ds["time"].values, irregular.values, linestyle=":", color=line.get_color())
    ax2.set_ylabel("people (solid: all; dotted: irregular)")
    ax2.set_title(f"Top {len(names)} places by final population")
    ax2.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migrasim.plot", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="migrasim HDF5 output")
    parser.add_argument("-o", "--output", required=True, help="PNG file to write")
    parser.add_argument("--top", type=int, default=8, help="number of places to plot")
    args = parser.parse_args(argv)
    try:
        plot_file(args.file, args.output, args.top)
    except (OSError, KeyError, ValueError) as e:
        print(f"migrasim.plot: error: {args.file}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
