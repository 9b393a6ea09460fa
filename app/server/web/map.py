"""The map, drawn on the server as SVG (no JavaScript, no tiles from the internet): the départements
coloured by their contacts over the period, each a link to its page, and the structures of the scope
as points linking to theirs. Metropolitan France in the main frame, each overseas département in its
own inset. Outlines: `data/departements.json`, made from the ANCT's `geom_dep.geojson` (Licence
Ouverte 2.0), rounded and simplified.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "departements.json"
WIDTH, HEIGHT = 620, 600
# From no activity to the most active: DSFR's blue-france scale.
COLOURS = ("#f6f6f6", "#e3e3fd", "#cacafb", "#8585f6", "#6a6af4", "#000091")
_INSET = 92  # the side of an overseas inset, in pixels
# (longitude, latitude) to the map's (x, y).
Projection = Callable[[float, float], tuple[float, float]]
_OVERSEAS = ("971", "972", "973", "974", "976")


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str
    contacts: int
    colour: int


@dataclass(frozen=True)
class Point:
    matricule: str
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class Map:
    shapes: list[Shape]
    points: list[Point]
    insets: list[tuple[str, float, float, float]]  # code, x, y, side of each overseas frame
    thresholds: list[int]  # the lower bound of each colour after the second
    width: int = WIDTH
    height: int = HEIGHT


def build_map(contacts: dict[str, int], structures: list[dict[str, Any]], link_departements: set[str]) -> Map:
    """`contacts` per département code, `structures` with matricule, name, departement, latitude and
    longitude; only `link_departements` are coloured (the others are drawn grey)."""
    frames = _frames()
    shown = {code: n for code, n in contacts.items() if code in link_departements}
    thresholds = _thresholds(list(shown.values()))
    shapes = []
    paths = _paths()
    for code, (name, _rings) in outlines().items():
        path = paths[code]
        n = shown.get(code, 0)
        colour = 0 if code not in link_departements or n == 0 else 1 + sum(n >= bound for bound in thresholds)
        shapes.append(Shape(code, name, path, n if code in link_departements else 0, colour))
    points = []
    for row in structures:
        if row.get("latitude") is None or row.get("longitude") is None:
            continue
        frame = row["departement"] if row["departement"] in _OVERSEAS else "metro"
        x, y = frames[frame](row["longitude"], row["latitude"])
        points.append(Point(row["matricule"], row["name"], x, y))
    insets = [(code, 8.0, 8.0 + index * (_INSET + 8), float(_INSET)) for index, code in enumerate(_OVERSEAS)]
    return Map(shapes, points, insets, thresholds)


def legend(thresholds: list[int]) -> list[tuple[int, int, int | None]]:
    """(colour, lowest, highest or None for no bound) of each class a map may show, after « aucun
    contact » (the page words them)."""
    bounds = [1, *thresholds]
    found = []
    for index, low in enumerate(bounds):
        high = bounds[index + 1] - 1 if index + 1 < len(bounds) else None
        if high is not None and high < low:
            continue
        found.append((index + 1, low, high))
    return found


def _thresholds(values: list[int]) -> list[int]:
    """Four bounds splitting the active départements into five classes of about equal size."""
    active = sorted(value for value in values if value > 0)
    if not active:
        return []
    return sorted({active[min(len(active) - 1, len(active) * k // 5)] for k in range(1, 5)})


@cache
def outlines() -> dict[str, tuple[str, list[list[list[float]]]]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))["departements"]
    return {code: (item["name"], item["rings"]) for code, item in sorted(data.items())}


@cache
def _paths() -> dict[str, str]:
    """The SVG path of each département, projected once per process (~25,000 points: the same for
    every map)."""
    frames = _frames()
    paths = {}
    for code, (_name, rings) in outlines().items():
        project = frames[code if code in _OVERSEAS else "metro"]
        paths[code] = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (project(lon, lat) for lon, lat in ring)) + " Z"
            for ring in rings
        )
    return paths


@cache
def _frames() -> dict[str, Projection]:
    """A projection per frame: metropolitan France right of the insets, each overseas département in
    its square (equirectangular, scaled by the cosine of the frame's middle latitude)."""
    shapes = outlines()
    frames: dict[str, Projection] = {}

    def frame(codes: list[str], left: float, top: float, width: float, height: float) -> Projection:
        points = [point for code in codes for ring in shapes[code][1] for point in ring]
        lons = [lon for lon, _lat in points]
        lats = [lat for _lon, lat in points]
        squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
        span_x = (max(lons) - min(lons)) * squeeze
        span_y = max(lats) - min(lats)
        scale = min(width / span_x, height / span_y)
        offset_x = left + (width - span_x * scale) / 2
        offset_y = top + (height - span_y * scale) / 2
        west, north = min(lons), max(lats)

        def project(lon: float, lat: float) -> tuple[float, float]:
            return offset_x + (lon - west) * squeeze * scale, offset_y + (north - lat) * scale

        return project

    metro = [code for code in shapes if code not in _OVERSEAS]
    frames["metro"] = frame(metro, _INSET + 24, 8, WIDTH - _INSET - 32, HEIGHT - 16)
    for index, code in enumerate(_OVERSEAS):
        frames[code] = frame([code], 12, 12 + index * (_INSET + 8), _INSET - 8, _INSET - 8)
    return frames
