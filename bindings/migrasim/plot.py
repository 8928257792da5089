"""Plot a migrasim output: population by legal status and by place over time; where the run records them,
border crossings by option (weekly) and deaths by route (cumulative).

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
    journey = "crossings" in ds and int(ds["crossings"].sum()) > 0
    if journey:
        fig, axes = plt.subplots(2, 2, figsize=(16, 9), sharex=True)
        ax1, ax2, ax3, ax4 = axes[0, 0], axes[1, 0], axes[0, 1], axes[1, 1]
    else:
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
    if journey:
        plot_journey(ds, ax3, ax4, top)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)


def deaths_by_route(ds):
    """Deaths per day and route: the smuggling market's and every traveller's on risky routes (None: none)."""
    parts = []
    if "deaths" in ds:
        parts.append(ds["deaths"])
    if "route_deaths" in ds:
        parts.append(ds["route_deaths"].sum("death_record"))
    if not parts:
        return None
    total = parts[0]
    for extra in parts[1:]:
        total = total + extra
    return total


def plot_journey(ds, ax_crossings, ax_deaths, top: int) -> None:
    """Border crossings by option, weekly (solid: crossed; dotted: apprehended), and cumulative deaths of
    the routes with most deaths."""
    time = ds["time"].values
    crossed = ds["crossings"].sum(("border_edge", "nationality"))
    stopped = ds["apprehensions"].sum(("border_edge", "nationality")) if "apprehensions" in ds else None
    for option in crossed["option"].values:
        weekly = crossed.sel(option=option).rolling(time=7, min_periods=1).sum()
        if int(weekly.max()) == 0:
            continue
        (line,) = ax_crossings.plot(time, weekly.values, label=f"{option}")
        if stopped is not None and int(stopped.sel(option=option).sum()) > 0:
            ax_crossings.plot(time, stopped.sel(option=option).rolling(time=7, min_periods=1).sum().values,
                              linestyle=":", color=line.get_color(), label=f"{option}, apprehended")
    ax_crossings.set_ylabel("people per 7 days")
    ax_crossings.set_title("Border crossings by option (dotted: apprehended)")
    ax_crossings.legend(loc="upper left", fontsize=8)
    deaths = deaths_by_route(ds)
    if deaths is None or int(deaths.sum()) == 0:
        ax_deaths.set_title("Deaths by route: none recorded in this run")
        return
    cumulative = deaths.cumsum("time")
    final = cumulative.isel(time=-1).to_series().sort_values(ascending=False)
    for edge in [e for e in final.index[:top] if final[e] > 0]:
        ax_deaths.plot(time, cumulative.sel(edge=edge).values, label=str(edge))
    ax_deaths.set_ylabel("deaths since the start (recorded or not)")
    ax_deaths.set_title("Deaths by route")
    ax_deaths.legend(loc="upper left", fontsize=8)


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
