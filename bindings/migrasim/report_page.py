"""An HTML report of one or more output files: a self-contained page (no network needed) with a map of the run's
places and routes and a day slider, the time series beside it (CSV downloads), a comparison of headline
indicators when several files are given, and the provenance.

    >>> import migrasim
    >>> migrasim.report("out/central_america.h5", "out/central_america.html")
    >>> migrasim.report(result, "out/r.html", compare=["out/other.h5"])   # a Result, or paths

``migrasim report OUTPUT.h5 [COMPARE.h5 ...] -o report.html`` runs :mod:`migrasim.report_cli`. (This module is
``report_page``, not ``report``: a submodule named ``report`` would shadow the function ``migrasim.report``.)

What is inlined, and why (docs/report.md): Leaflet from the Debian package ``libjs-leaflet``, read from
/usr/share/javascript/leaflet when the report is made; the charts, the slider and the tables are this
package's own small script (report_assets/report.js, SVG), so there is no charting library to ship; country
outlines for the offline map come from Debian's ``gmt-dcw`` (:mod:`migrasim.report_outlines`). The run
data is embedded as compact JSON, at most :data:`MAX_DATA_BYTES`; runs longer than
:data:`report_data.DAILY_FRAMES_UP_TO` days are shown by week, and coarser when the cap requires it (the page
says so).
"""
from __future__ import annotations

import html
import json
import os
import pathlib
from dataclasses import dataclass

from . import report_data, report_outlines
from .report_data import Frames, NotAnOutput, RunFile

# The cap on the JSON embedded in a page, all runs together: above it the frames get coarser.
MAX_DATA_BYTES = 3_000_000
# Where Debian's libjs-leaflet installs Leaflet.
LEAFLET_DIR = pathlib.Path("/usr/share/javascript/leaflet")
ASSETS = pathlib.Path(__file__).with_name("report_assets")


class MissingAsset(RuntimeError):
    """A JavaScript library the page inlines is not installed (the message names the Debian package)."""


@dataclass(frozen=True)
class Report:
    """What :func:`report` wrote: the page, the embedded data's size in bytes and days per frame."""

    path: str
    data_bytes: int
    frame_step: int
    runs: int


def _leaflet() -> tuple[str, str]:
    for js in ("leaflet.min.js", "leaflet.js"):
        if (LEAFLET_DIR / js).is_file() and (LEAFLET_DIR / "leaflet.css").is_file():
            return (LEAFLET_DIR / js).read_text(encoding="utf-8"), (LEAFLET_DIR / "leaflet.css").read_text(
                encoding="utf-8")
    raise MissingAsset(f"Leaflet not found in {LEAFLET_DIR} (install the Debian package libjs-leaflet: "
                       f"apt-get install libjs-leaflet, or ./run.sh build)")


def _as_run(item, index: int) -> RunFile:
    """A RunFile from a path or a migrasim.Result (its file, as `migrasim run` wrote it)."""
    if isinstance(item, (str, os.PathLike)):
        return RunFile(item)
    data = getattr(item, "_file", None)
    if data is None:
        raise TypeError(f"report: item {index} is {type(item).__name__}; expected a path to an output file or a "
                        f"migrasim.Result made by a run (one with its file)")
    return RunFile(f"result {index + 1}", label=f"result {index + 1}", data=data)


def _comparison(payloads: list[dict]) -> list[dict]:
    """Charts with one series per run: irregular residents, people at places, departures."""
    n = min(len(p["frames"]["first"]) for p in payloads)
    out = []
    for chart_id, source, pick, title in (
            ("cmp-irregular", "population", "irregular", "Irregular residents by run"),
            ("cmp-people", "population", "present", "People at places by run"),
            ("cmp-departures", "flows", "departures", "Departures by run")):
        values = []
        for p in payloads:
            spec = next((c for c in p["charts"] if c["id"] == source), None)
            if spec is None:
                values.append([0] * n)
                continue
            if pick == "departures":
                series = spec["values"][spec["names"].index("departures")] if "departures" in spec["names"] else [0] * n
            else:
                keep = [i for i, s in enumerate(spec["names"]) if (s in report_data.IRREGULAR_STATUSES) == (
                    pick == "irregular") and s not in report_data.GONE_STATUSES]
                series = [sum(spec["values"][i][k] for i in keep) for k in range(len(spec["values"][0]))]
            values.append(series[:n])
        if any(any(v) for v in values):
            out.append({"id": chart_id, "title": title, "unit": "people", "kind": "stock",
                        "names": [p["label"] for p in payloads], "values": values,
                        "days": payloads[0]["frames"]["first"][:n]})
    return out


def _labels(runs: list[RunFile]) -> None:
    """File names as labels, made unique with their folders where two runs share one."""
    names = [r.label for r in runs]
    for r in runs:
        if names.count(r.label) > 1:
            r.label = r.path


def _outlines(runs: list[RunFile], max_bytes: int) -> tuple[list, str]:
    """Country outlines around every run's places (report_outlines), and what the page says of them. They take
    at most about a tenth of the cap (some 15 bytes a point), 12,000 points at most."""
    import numpy as np

    lat = np.concatenate([r.lat for r in runs])
    lon = np.concatenate([r.lon for r in runs])
    pad_lat = max(2.0, 0.5 * float(np.ptp(lat)))
    pad_lon = max(2.0, 0.5 * float(np.ptp(lon)))
    lines, step = report_outlines.outlines(float(lat.min()) - pad_lat, float(lat.max()) + pad_lat,
                                           float(lon.min()) - pad_lon, float(lon.max()) + pad_lon,
                                           max_points=min(12000, max_bytes // 150))
    if not lines:
        return [], ("Without them, places and routes on a graticule (country outlines need the Debian package "
                    "gmt-dcw).")
    return lines, (f"Without them, country outlines from the Digital Chart of the World (Debian gmt-dcw), "
                   f"thinned to {step:.2g} degrees, on a graticule.")


def build_data(runs: list[RunFile], max_bytes: int = MAX_DATA_BYTES) -> tuple[str, int]:
    """The page's JSON for the runs and the days per frame used (the smallest step that fits ``max_bytes``)."""
    step = max(report_data.frame_step(r.days) for r in runs)
    longest = max(r.days for r in runs)
    outlines, outlines_note = _outlines(runs, max_bytes)
    while True:
        payloads = [report_data.payload(r, Frames.of(r.days, step)) for r in runs]
        data = {"runs": payloads, "comparison": _comparison(payloads) if len(runs) > 1 else [], "note": "",
                "outlines": outlines}
        text = json.dumps(data, separators=(",", ":"))
        if len(text) + 400 <= max_bytes or step >= longest:
            break
        step *= 2
    by = "one frame per day" if step == 1 else (
        f"one frame per {step} days (the run is longer than {report_data.DAILY_FRAMES_UP_TO} days"
        + (" and the data cap required it" if step > 7 else "") + "): counts during a day (entries, crossings, "
        "deaths, departures) are summed over a frame's days, counts at the end of a day (population, stranded, "
        "shelters, queues) are those of its last day")
    data["note"] = (f"{by}. Embedded data: {len(text) / 1e6:.2f} MB (cap {max_bytes / 1e6:.1f} MB). "
                    "Map tiles are drawn only when online. " + outlines_note)
    text = json.dumps(data, separators=(",", ":"))
    return text, step


def _script_safe(text: str) -> str:
    """Text to sit inside a <script> element: no '</' that could end it."""
    return text.replace("</", "<\\/")


def render(runs: list[RunFile], title: str | None = None, max_bytes: int = MAX_DATA_BYTES) -> tuple[str, int, int]:
    """The page for the runs: (html, bytes of embedded JSON, days per frame)."""
    leaflet_js, leaflet_css = _leaflet()
    data, step = build_data(runs, max_bytes)
    title = title or ("migrasim report: " + ", ".join(r.label for r in runs))
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<style>{leaflet_css}</style>
<style>{(ASSETS / "report.css").read_text(encoding="utf-8")}</style>
</head>
<body>
<header><h1>{html.escape(title)}</h1><div id="note"></div></header>
<main>
<section id="map-panel">
<div id="controls">
<select id="run" aria-label="run shown on the map and in the charts"></select>
<button id="play" type="button">Play</button>
<input id="slider" type="range" min="0" max="0" value="0" step="1" aria-label="day">
<span id="day"></span>
<label><input id="tiles" type="checkbox"> map tiles (online)</label>
</div>
<div id="map"></div>
<div id="map-legend">Routes: width by entries in the day (or week) shown (blue; purple: crossing a border;
red: deaths in it).
Places: size by people there, colour by the share with irregular status
<span class="k" style="background:rgb(26,152,80)"></span>none
<span class="k" style="background:rgb(215,48,39)"></span>all; border crossings (black ring) by the
people who crossed there, coloured by the main way:
<span class="k" style="background:#1f78b4"></span>pathway
<span class="k" style="background:#d95f02"></span>smuggler
<span class="k" style="background:#7570b3"></span>alone; shelters
<span class="k" style="background:#f2c14e"></span>occupancy within capacity
<span class="k" style="background:#e00000"></span>over capacity. Hover for the numbers.</div>
<div id="run-note"></div>
</section>
<section id="charts"></section>
</main>
<section id="comparison"></section>
<section id="provenance"><h2>Provenance</h2></section>
<script id="migrasim-data" type="application/json">{_script_safe(data)}</script>
<script>{_script_safe(leaflet_js)}</script>
<script>{_script_safe((ASSETS / "report.js").read_text(encoding="utf-8"))}</script>
</body>
</html>
"""
    return page, len(data), step


def report(result, path: str | os.PathLike, compare=(), title: str | None = None,
           max_bytes: int = MAX_DATA_BYTES) -> Report:
    """Write the HTML report of ``result`` (a :class:`migrasim.Result` or an output file's path; or a list of
    them) to ``path``, compared with the runs in ``compare`` (each a Result or a path; differences are from the
    first). The page is written as ``<path>.partial-<pid>`` and renamed when complete. Raises
    :class:`report_data.NotAnOutput` (a ``ValueError`` naming the file) for a file that is not a migrasim
    output, and :class:`MissingAsset` when libjs-leaflet is not installed."""
    from .api import _partial

    items = list(result) if isinstance(result, (list, tuple)) else [result]
    items += list(compare)
    if not items:
        raise ValueError("report: no run given")
    runs = [_as_run(item, i) for i, item in enumerate(items)]
    _labels(runs)
    page, data_bytes, step = render(runs, title, max_bytes)
    path = os.fspath(path)
    partial = _partial(path)
    try:
        with open(partial, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return Report(path, data_bytes, step, len(runs))


__all__ = ["MAX_DATA_BYTES", "MissingAsset", "NotAnOutput", "Report", "report"]
