"""The map, drawn on the server as SVG (no JavaScript, no tiles from the internet): the départements
coloured by their contacts over the period, each a link to its page, and the structures of the scope
as points linking to theirs. Metropolitan France in the main frame, each overseas département in its
own inset; or one département alone, enlarged (`zoom`). Outlines: `data/departements.json`, made
from the ANCT's `geom_dep.geojson` (Licence Ouverte 2.0), rounded and simplified.

Why the points are not always links: the national map's 2,845 structures as links with their names
made ~600 KB of the page's 1 MB of SVG, and rendering and compressing it took it past 300 ms p95.
Past `MAX_LINKED_POINTS` the points are one drawing (~14 bytes each), and a département's map, a
click away, gives its structures as links. The outlines' paths (~170 KB, the same on every map) are
projected once per process, in relative coordinates (a third of the bytes of absolute ones), and
served as one SVG file the browser keeps (`outline_file`): the whole map refers to them by id
(`<use>`), so that each page carries only its colours, links and points.
"""

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "departements.json"
WIDTH, HEIGHT = 620, 600
# From no activity to the most active, blues of equal steps of contrast (1.76:1 between neighbours,
# 3.1:1 or more two steps apart; DSFR's own blue-france scale has steps of 1.1:1 that nobody tells
# apart). RGAA 3.3 asks graphical elements for 3:1 or a second cue, and six classes cannot all be 3:1
# from their neighbours: so every other class is dotted (`DOTTED`), and two neighbours always differ by
# that texture, two classes further apart by their colour.
COLOURS = ("#ffffff", "#bebefa", "#8686f6", "#5858dd", "#3131ad", "#000070")
# The dotted classes and their dots' colour (9.7:1, 5.5:1 and 17:1 against the class's colour).
DOTTED = {1: "#000070", 3: "#ffffff", 5: "#ffffff"}
# What each class is filled with: its colour, or its pattern (`<pattern id="classe-N">` in the page).
FILLS = tuple(f"url(#classe-{index})" if index in DOTTED else colour for index, colour in enumerate(COLOURS))
_INSET = 92  # the side of an overseas inset, in pixels
# (longitude, latitude) to the map's (x, y).
Projection = Callable[[float, float], tuple[float, float]]
_OVERSEAS = ("971", "972", "973", "974", "976")
MAX_LINKED_POINTS = 300  # a département has at most ~80 structures; the nation ~2,850


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str  # the outline, inline (a département's map); "" when drawn from `outline_file`
    contacts: int
    colour: int


@dataclass(frozen=True)
class OutlineFile:
    body: bytes  # an SVG document: one `<path id="d{code}">` per département, without fill or stroke
    version: str  # a digest of the body: in the file's URL, so that a browser never keeps a stale copy


@dataclass(frozen=True)
class Point:
    matricule: str
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class Map:
    shapes: list[Shape]
    points: list[Point]  # the structures as links (none when `dots` draws them)
    dots: str  # the structures as one SVG path, when there are more than `MAX_LINKED_POINTS`
    insets: list[tuple[str, float, float, float]]  # code, x, y, side of each overseas frame
    thresholds: list[int]  # the lower bound of each colour after the second
    zoom: str | None = None  # the one département drawn, enlarged
    width: int = WIDTH
    height: int = HEIGHT


def build_map(
    contacts: dict[str, int],
    structures: list[dict[str, Any]],
    link_departements: set[str],
    zoom: str | None = None,
) -> Map:
    """`contacts` per département code, `structures` with matricule, name, departement, latitude and
    longitude; only `link_departements` are coloured (the others are drawn grey). With `zoom`, that
    département alone, enlarged, with its structures (coloured as on the whole map)."""
    shown = {code: n for code, n in contacts.items() if code in link_departements}
    thresholds = _thresholds(list(shown.values()))
    shapes = []
    paths = {code: "" for code in outlines()} if zoom is None else {zoom: _zoomed_path(zoom)}
    for code, (name, _rings) in outlines().items():
        if code not in paths:
            continue
        n = shown.get(code, 0)
        colour = 0 if code not in link_departements or n == 0 else 1 + sum(n >= bound for bound in thresholds)
        shapes.append(Shape(code, name, paths[code], n if code in link_departements else 0, colour))
    placed = [
        row
        for row in structures
        if row.get("latitude") is not None
        and row.get("longitude") is not None
        and (zoom is None or row["departement"] == zoom)
    ]
    projections = {zoom: _zoom_frame(zoom)} if zoom is not None else _frames()
    points = []
    dots = []
    for row in placed:
        frame = row["departement"] if zoom is not None or row["departement"] in _OVERSEAS else "metro"
        x, y = projections[frame](row["longitude"], row["latitude"])
        if len(placed) > MAX_LINKED_POINTS:
            dots.append(f"M{x:.1f},{y:.1f}h0")
        else:
            points.append(Point(row["matricule"], row["name"], x, y))
    insets = (
        []
        if zoom is not None
        else [(code, 8.0, 8.0 + index * (_INSET + 8), float(_INSET)) for index, code in enumerate(_OVERSEAS)]
    )
    return Map(shapes, points, "".join(dots), insets, thresholds, zoom)


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
    return {
        code: _path(rings, frames[code if code in _OVERSEAS else "metro"])
        for code, (_name, rings) in outlines().items()
    }


@cache
def outline_file() -> OutlineFile:
    """The whole map's outlines as one SVG file, built once per process."""
    body = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"><defs>'
        + "".join(f'<path id="d{code}" d="{path}"/>' for code, path in _paths().items())
        + "</defs></svg>"
    ).encode()
    return OutlineFile(body, hashlib.sha256(body).hexdigest()[:16])


@cache
def _zoomed_path(code: str) -> str:
    return _path(outlines()[code][1], _zoom_frame(code))


@cache
def _zoom_frame(code: str) -> Projection:
    """The projection of one département filling the map."""
    return _frame([code], 8, 8, WIDTH - 16, HEIGHT - 16)


def _path(rings: list[list[list[float]]], project: Projection) -> str:
    """Rings as an SVG path in relative moves of tenths of a pixel (« M412.3,201.5l1.2-.3… z »),
    rounded from the absolute position so that the error does not add up along a ring."""
    parts = []
    for ring in rings:
        tenths = [(round(x * 10), round(y * 10)) for x, y in (project(lon, lat) for lon, lat in ring)]
        (x0, y0), moves = tenths[0], []
        previous = tenths[0]
        for x, y in tenths[1:]:
            if (x, y) != previous:
                moves.append(_tenths(x - previous[0]) + _signed(_tenths(y - previous[1])))
                previous = (x, y)
        parts.append(f"M{x0 / 10:.1f},{y0 / 10:.1f}l" + _join(moves) + "z")
    return "".join(parts)


def _tenths(n: int) -> str:
    """« 12 » → « 1.2 », « -3 » → « -.3 », « 10 » → « 1 »."""
    whole, tenth = divmod(abs(n), 10)
    text = (str(whole) if whole else "") + (f".{tenth}" if tenth else "") or "0"
    return "-" + text if n < 0 else text


def _signed(text: str) -> str:
    """A second number needs a separator unless its sign is one."""
    return text if text.startswith("-") else " " + text


def _join(moves: list[str]) -> str:
    return "".join(
        move if move.startswith("-") or index == 0 else " " + move for index, move in enumerate(moves)
    )


@cache
def _frames() -> dict[str, Projection]:
    """A projection per frame: metropolitan France right of the insets, each overseas département in
    its square."""
    shapes = outlines()
    frames: dict[str, Projection] = {}
    metro = [code for code in shapes if code not in _OVERSEAS]
    frames["metro"] = _frame(metro, _INSET + 24, 8, WIDTH - _INSET - 32, HEIGHT - 16)
    for index, code in enumerate(_OVERSEAS):
        frames[code] = _frame([code], 12, 12 + index * (_INSET + 8), _INSET - 8, _INSET - 8)
    return frames


def _frame(codes: list[str], left: float, top: float, width: float, height: float) -> Projection:
    """The projection of `codes`' outlines into a box (equirectangular, scaled by the cosine of the
    box's middle latitude)."""
    shapes = outlines()
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
