"""Extract and simplify Central Asia's outlines from Natural Earth (public domain), once.

The shapes ship in the package (``src/influence_sim/data/central-asia.json``), so nothing
is downloaded at run time. To make them again:

    pip download --no-deps geopandas==0.14.4 -d /tmp/geo     # the wheel carries naturalearth_lowres
    python tools/make_map.py /tmp/geo/geopandas-0.14.4-py3-none-any.whl

Reads the shapefile with a few lines of ``struct`` (no GIS libraries), keeps the five
Central Asian states and their neighbours inside a frame, clamps the neighbours to the
frame, simplifies every ring (Douglas-Peucker) and rounds to 0.01 degrees.
"""

from __future__ import annotations

import itertools
import json
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

FRAME = (45.0, 35.0, 90.0, 56.0)  # lon_min, lat_min, lon_max, lat_max
KEEP = {"KAZ", "KGZ", "TJK", "UZB", "TKM", "RUS", "CHN", "AFG", "IRN", "MNG", "PAK", "AZE"}
TOLERANCE = 0.12  # degrees
OUT = Path(__file__).resolve().parents[1] / "src" / "influence_sim" / "data" / "central-asia.json"
SOURCE = (
    "Natural Earth 1:110m admin-0 countries (public domain), as shipped in geopandas 0.14.4 "
    "(naturalearth_lowres); simplified by tools/make_map.py"
)


def read_dbf(data: bytes) -> list[dict[str, str]]:
    """The attribute table of a dBase file, one dict per record."""
    count, header_size, record_size = struct.unpack("<xxxxIHH", data[:12])
    fields = []
    for offset in range(32, header_size - 1, 32):
        name = data[offset : offset + 11].split(b"\0")[0].decode()
        fields.append((name, data[offset + 16]))
    rows = []
    for i in range(count):
        start = header_size + i * record_size + 1
        row, pos = {}, start
        for name, size in fields:
            row[name] = data[pos : pos + size].decode("utf-8", "replace").strip()
            pos += size
        rows.append(row)
    return rows


def read_shp(data: bytes) -> list[list[np.ndarray]]:
    """The polygons of a shapefile: per shape, its rings as (n, 2) arrays of lon, lat."""
    shapes, pos = [], 100
    while pos < len(data):
        _, length = struct.unpack(">II", data[pos : pos + 8])
        content = data[pos + 8 : pos + 8 + 2 * length]
        pos += 8 + 2 * length
        kind = struct.unpack("<i", content[:4])[0]
        if kind != 5:
            shapes.append([])
            continue
        n_parts, n_points = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{n_parts}i", content[44 : 44 + 4 * n_parts]))
        points = np.frombuffer(content[44 + 4 * n_parts : 44 + 4 * n_parts + 16 * n_points], "<f8")
        points = points.reshape(-1, 2)
        bounds = [*parts, n_points]
        shapes.append([points[a:b] for a, b in itertools.pairwise(bounds)])
    return shapes


def simplify(ring: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on an open polyline (the ring's first point repeats at its end)."""
    if len(ring) < 4:
        return ring
    keep = np.zeros(len(ring), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        start, end = ring[a], ring[b]
        segment = end - start
        norm = np.hypot(*segment)
        inner = ring[a + 1 : b]
        if norm == 0:
            distance = np.hypot(*(inner - start).T)
        else:
            rel = inner - start
            distance = np.abs(segment[0] * rel[:, 1] - segment[1] * rel[:, 0]) / norm
        i = int(distance.argmax())
        if distance[i] > tolerance:
            keep[a + 1 + i] = True
            stack += [(a, a + 1 + i), (a + 1 + i, b)]
    return ring[keep]


def main(wheel: str) -> None:
    """Write the shipped outlines from the geopandas wheel at ``wheel``."""
    folder = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
    with zipfile.ZipFile(wheel) as archive:
        shp = archive.read(f"{folder}.shp")
        dbf = archive.read(f"{folder}.dbf")
    rows, shapes = read_dbf(dbf), read_shp(shp)
    lon0, lat0, lon1, lat1 = FRAME
    countries = {}
    for row, rings in zip(rows, shapes, strict=True):
        code = row.get("iso_a3", "")
        if code not in KEEP:
            continue
        kept = []
        for ring in rings:
            inside = (
                (ring[:, 0] > lon0)
                & (ring[:, 0] < lon1)
                & (ring[:, 1] > lat0)
                & (ring[:, 1] < lat1)
            )
            if not inside.any():
                continue
            clamped = np.column_stack([ring[:, 0].clip(lon0, lon1), ring[:, 1].clip(lat0, lat1)])
            small = simplify(clamped, TOLERANCE)
            if len(small) >= 4:
                kept.append(np.round(small, 2).tolist())
        if kept:
            countries[code] = {"name": row.get("name", code), "rings": kept}
    payload = {"source": SOURCE, "frame": FRAME, "countries": countries}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
    points = sum(len(r) for c in countries.values() for r in c["rings"])
    print(f"wrote {OUT}: {len(countries)} countries, {points} points, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
