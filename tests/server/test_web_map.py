"""The map's drawing: outlines in relative moves that land where the absolute points were, and
points as links only while they are few."""

import html
import re

import requests
from sqlalchemy import Engine, update

from app.server.schema import structures
from app.server.web.format import departement_label
from app.server.web.map import COLOURS, DOTTED, FILLS, MAX_LINKED_POINTS, _frames, _path, build_map, outlines
from tests.server.web_helpers import WebDesk, log_in


def _contrast(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two « #rrggbb » colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_each_class_of_the_map_is_told_apart_from_every_other() -> None:
    """RGAA 3.3: 3:1 between graphical elements, or a second cue. Neighbouring classes differ by
    their texture (one dotted, one plain); any two classes further apart by 3:1; dots stand out of
    their class by 3:1."""
    for low, high in zip(range(len(COLOURS)), range(1, len(COLOURS)), strict=False):
        assert (low in DOTTED) != (high in DOTTED), (low, high)
        assert _contrast(COLOURS[low], COLOURS[high]) >= 1.5, (low, high)
    for low in range(len(COLOURS)):
        for high in range(low + 2, len(COLOURS)):
            assert _contrast(COLOURS[low], COLOURS[high]) >= 3, (COLOURS[low], COLOURS[high])
    for index, dot in DOTTED.items():
        assert _contrast(COLOURS[index], dot) >= 3
        assert FILLS[index] == f"url(#classe-{index})"


def _absolute(path: str) -> list[list[tuple[float, float]]]:
    """The rings of a path written « Mx,yl dx dy … z », back in absolute coordinates."""
    rings = []
    for start, moves in re.findall(r"M([^l]+)l([^z]*)z", path):
        x, y = (float(n) for n in start.split(","))
        numbers = [float(n) for n in re.findall(r"-?(?:\d+\.?\d*|\.\d+)", moves)]
        ring = [(x, y)]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            ring.append((x, y))
        rings.append(ring)
    return rings


def test_relative_outlines_land_on_the_projected_points() -> None:
    for code in ("62", "2A", "974"):
        rings = outlines()[code][1]
        project = _frames()["974" if code == "974" else "metro"]
        drawn = _absolute(_path(rings, project))
        assert len(drawn) == len(rings)
        for ring, back in zip(rings, drawn, strict=True):
            expected = [project(lon, lat) for lon, lat in ring]
            # every drawn point is a projected one within the rounding (0.05 px), none lost but repeats
            cursor = 0
            for x, y in back:
                while abs(expected[cursor][0] - x) > 0.051 or abs(expected[cursor][1] - y) > 0.051:
                    cursor += 1
            assert cursor >= len(expected) - 2


def _structures(departement: str, n: int) -> list[dict]:
    return [
        {
            "matricule": str(n0),
            "name": f"FS {n0}",
            "departement": departement,
            "latitude": 50.3,
            "longitude": 2.7,
        }
        for n0 in range(n)
    ]


def test_points_are_links_while_few_and_one_drawing_past_that() -> None:
    few = build_map({"62": 5}, _structures("62", MAX_LINKED_POINTS), {"62"})
    assert len(few.points) == MAX_LINKED_POINTS and few.dots == ""
    many = build_map({"62": 5}, _structures("62", MAX_LINKED_POINTS + 1), {"62"})
    assert many.points == [] and many.dots.count("h0") == MAX_LINKED_POINTS + 1
    zoomed = build_map({"62": 5, "59": 1}, _structures("62", 3) + _structures("59", 2), {"62", "59"}, "62")
    assert [shape.code for shape in zoomed.shapes] == ["62"] and len(zoomed.points) == 3
    assert zoomed.insets == [] and zoomed.shapes[0].colour > 0


def test_a_departement_map_links_its_structures_and_stays_in_scope(
    shared_web: WebDesk, shared_web_db: Engine
) -> None:
    """The only test that places structures on the shared web server: the national map's points
    stay links (fewer than MAX_LINKED_POINTS)."""
    web, own, other = shared_web.server, shared_web.matricule, shared_web.other
    with shared_web_db.begin() as connection:
        connection.execute(
            update(structures)
            .where(structures.c.matricule.in_((own, other)))
            .values(latitude=49.9, longitude=3.9)
        )
    national, _answer = log_in(web, shared_web.national)
    whole = html.unescape(national.get(f"{web.url}/carte", params={"periode": "2026"}, timeout=30).text)
    assert f'href="/structures/{own}?periode=2026"' in whole and 'id="departement"' in whole
    # The outlines are one file every map refers to, which anyone may fetch and a browser keeps.
    used = set(re.findall(r'<use href="(/carte/contours\.svg\?v=[0-9a-f]+)#d(\w+)"', whole))
    assert len(used) == 101 and len({url for url, _code in used}) == 1
    outlines_file = requests.get(f"{web.url}{next(iter(used))[0]}", timeout=30)
    assert outlines_file.status_code == 200 and outlines_file.headers["content-type"] == "image/svg+xml"
    assert "max-age" in outlines_file.headers["cache-control"]
    assert all(f'<path id="d{code}" d="M' in outlines_file.text for _url, code in used)
    departement = shared_web.departement
    zoomed = html.unescape(
        national.get(
            f"{web.url}/carte", params={"periode": "2026", "departement": departement}, timeout=30
        ).text
    )
    assert f"Carte de l'activité : {departement_label(departement)}" in zoomed
    assert zoomed.count('<a href="/departements/') == 1 and f'href="/structures/{own}?periode=2026"' in zoomed
    assert f"/structures/{other}?" not in zoomed  # Maubeuge is in another département
    # A new period keeps the zoom.
    assert f'<input type="hidden" name="departement" value="{departement}">' in zoomed
    prefecture, _answer = log_in(web, shared_web.prefecture)
    for code in (shared_web.other_departement, "XX", "00"):
        answer = prefecture.get(f"{web.url}/carte", params={"departement": code}, timeout=30)
        assert answer.status_code == 404, code
