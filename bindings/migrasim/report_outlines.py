"""Country outlines for the report's map when no tiles are drawn: the Digital Chart of the World as the Debian
package ``gmt-dcw`` ships it (/usr/share/gmt-dcw/dcw-gmt.nc, public domain, 1:1,000,000), cut to the countries
near the run's places and thinned to a size a page can carry.

The file holds, per country (ISO 3166 alpha-2 code ``XX``), ``XX_lon`` and ``XX_lat`` as uint16 steps between
the attributes ``min`` and ``max`` (``min + value / scale``, longitudes in [0, 360) for the western hemisphere
too); a longitude of 65535 starts a new polygon. Longer names (``USAK``) are states, left out here.
"""
from __future__ import annotations

import pathlib

import numpy as np

DCW_FILE = pathlib.Path("/usr/share/gmt-dcw/dcw-gmt.nc")
SEGMENT_START = 65535


def _west_east(lon: np.ndarray) -> np.ndarray:
    return np.where(lon > 180.0, lon - 360.0, lon)


def _thin(lat: np.ndarray, lon: np.ndarray, step_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """One point (the first, at its true position) of each run of consecutive points in the same cell of a
    ``step_deg`` grid, and the last point (the ring stays closed)."""
    qlat, qlon = np.floor(lat / step_deg), np.floor(lon / step_deg)
    keep = np.ones(len(lat), bool)
    keep[1:] = (qlat[1:] != qlat[:-1]) | (qlon[1:] != qlon[:-1])
    keep[-1] = True
    return lat[keep], lon[keep]


def _segments(lat: np.ndarray, lon: np.ndarray, starts: np.ndarray):
    bounds = list(starts) + [len(lat)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        seg_lat, seg_lon = lat[a + 1:b], lon[a + 1:b]  # the marker point itself is no vertex
        if len(seg_lat) < 3:
            continue
        # a ring across the antimeridian: split where the longitude jumps
        cuts = np.where(np.abs(np.diff(seg_lon)) > 180.0)[0] + 1
        yield from zip(np.split(seg_lat, cuts), np.split(seg_lon, cuts))


def outlines(south: float, north: float, west: float, east: float, max_points: int = 12000,
             path: pathlib.Path = DCW_FILE) -> tuple[list[list[float]], float]:
    """Polylines (each a flat list lat0, lon0, lat1, lon1, ...) of the country borders and coasts that reach
    into the box, with at most about ``max_points`` points, and the grid step (degrees) they were thinned to.
    ``([], 0.0)`` when gmt-dcw is not installed."""
    if not path.is_file():
        return [], 0.0
    import h5py

    rings = []
    with h5py.File(path, "r") as f:
        for name in f:
            code = name[:-4]
            if not name.endswith("_lon") or len(code) != 2 or f"{code}_lat" not in f:
                continue
            xa, ya = f[name].attrs, f[f"{code}_lat"].attrs
            lon_lo, lon_hi = (float(v) - 360.0 if float(v) > 180.0 else float(v) for v in (xa["min"][0], xa["max"][0]))
            lat_lo, lat_hi = float(ya["min"][0]), float(ya["max"][0])
            crosses = lon_lo > lon_hi  # spans the antimeridian: test its segments below
            if lat_hi < south or lat_lo > north or (not crosses and (lon_hi < west or lon_lo > east)):
                continue
            x, y = f[name][()], f[f"{code}_lat"][()]
            starts = np.where(x == SEGMENT_START)[0]
            if len(starts) == 0 or starts[0] != 0:
                starts = np.concatenate([[-1], starts])  # the first polygon has no marker
            lon = _west_east(xa["min"][0] + x.astype(float) / xa["scale"][0])
            lat = ya["min"][0] + y.astype(float) / ya["scale"][0]
            for seg_lat, seg_lon in _segments(lat, lon, starts):
                if (seg_lat.max() < south or seg_lat.min() > north or seg_lon.max() < west
                        or seg_lon.min() > east):
                    continue
                rings.append((seg_lat, seg_lon))
    step = max((north - south), (east - west)) / 2000.0
    while True:
        out, points = [], 0
        for seg_lat, seg_lon in rings:
            if max(np.ptp(seg_lat), np.ptp(seg_lon)) < 2 * step:
                continue  # an island smaller than two grid steps
            t_lat, t_lon = _thin(seg_lat, seg_lon, step)
            if len(t_lat) < 3:
                continue
            points += len(t_lat)
            out.append(np.round(np.column_stack([t_lat, t_lon]).ravel(), 3).tolist())
        if points <= max_points:
            return out, step
        step *= 1.5
