"""RGAA checked in a real Chromium: axe-core (vendored in tests/browser/axe, injected by the test,
never served by the application) on every page of the web application at a desktop's and a phone's
width, and the keyboard: Tab alone reaches the skip link, the content, every link of the map and the
exports, each with a visible focus.

One server for the module: the pages are only read.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, update

from app.server.schema import structures
from tests.browser.chromium import NEEDS_CHROMIUM, SIZES
from tests.browser.test_web_dashboard import _add_structures, log_in, log_out
from tests.live_server import LiveServer, create_structure, start_server
from tests.server.helpers import contact, enrol, items, post_records
from tests.server.web_helpers import add_account

pytestmark = NEEDS_CHROMIUM
AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
# The WCAG 2.0/2.1 A and AA rules, the level RGAA 4.1 transposes.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
MAX_TABS = 400


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Two structures of the Aisne placed on the map (so that its département map has links), a
    few contacts, and one account per role."""
    folder = tmp_path_factory.mktemp("a11y")
    url = f"sqlite:///{folder / 'serveur.sqlite3'}"
    with start_server(url, folder / "serveur.log", ("--http-cookies",)) as live:
        code = create_structure(url)
        create_structure(url, "5", "Laon", "02", itinerant=False)
        _add_structures(url, 3)
        engine = create_engine(url)
        with engine.begin() as connection:
            for matricule, latitude, longitude in (("3", 49.9, 3.9), ("5", 49.56, 3.62)):
                connection.execute(
                    update(structures)
                    .where(structures.c.matricule == matricule)
                    .values(latitude=latitude, longitude=longitude)
                )
        engine.dispose()
        with requests.Session() as http:
            token = enrol(http, live, code).json()["token"]
            assert (
                post_records(http, live, token, items(contact(), contact(partners=["caf"]))).status_code
                == 200
            )
        assert add_account(url, "anct@example.fr", "national").returncode == 0
        yield live


def axe_violations(driver) -> list[dict]:
    """The serious and critical WCAG A/AA violations of the page as it is now."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]));",
        AXE_TAGS,
    )
    return [violation for violation in result if violation["impact"] in BLOCKING]


def describe(page: str, width: int, violations: list[dict]) -> str:
    lines = [f"{page} à {width} px :"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']} — {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"      {', '.join(map(str, node['target']))} : {node.get('failureSummary', '')}")
        if len(violation["nodes"]) > 5:
            lines.append(f"      … et {len(violation['nodes']) - 5} autres éléments")
    return "\n".join(lines)


NATIONAL_PAGES = {
    "vue nationale": "/tableau-de-bord?periode=2026",
    "vue du département": "/departements/02?periode=2026",
    "page de structure": "/structures/3?periode=2026",
    "carte nationale": "/carte?periode=2026",
    "carte du département": "/carte?periode=2026&departement=02",
    "liste des structures": "/structures",
    "comptes": "/comptes",
    "journal": "/journal",
    "page introuvable": "/nulle-part",
}
PUBLIC_PAGES = {"connexion": "/connexion", "statistiques publiques": "/statistiques?periode=2026"}


def test_no_page_has_a_serious_accessibility_violation(site: LiveServer, chromium) -> None:
    found = []
    checked = 0

    def check(pages: dict[str, str]) -> None:
        nonlocal checked
        for page, path in pages.items():
            chromium.get(f"{site.url}{path}")
            for width, height in SIZES.values():
                chromium.set_window_size(width, height)
                violations = axe_violations(chromium)
                checked += 1
                if violations:
                    found.append(describe(page, width, violations))
            chromium.set_window_size(*SIZES["ordinateur"])  # the header's buttons, for logging in and out

    check(PUBLIC_PAGES)
    log_in(chromium, site, "anct@example.fr")
    check(NATIONAL_PAGES)
    log_out(chromium)
    assert checked == 2 * (len(PUBLIC_PAGES) + len(NATIONAL_PAGES))
    assert not found, "Violations RGAA/WCAG (axe-core) :\n" + "\n\n".join(found)


def tab_through(driver, wanted: set[str]) -> dict[str, bool]:
    """Press Tab from the top of the page until every `wanted` element (CSS selectors) has had the
    focus (at most `MAX_TABS` presses); for each reached one, whether its focus was visible (an
    outline or a box-shadow drawn around it; a map's link, its shape drawn thick)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    reached: dict[str, bool] = {}
    for _ in range(MAX_TABS):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        hit = driver.execute_script(
            """
            const el = document.activeElement;
            const hits = arguments[0].filter(s => el && el.matches(s));
            if (!hits.length) return [];
            // A map's link: its shape drawn thick (an outline round its box would not say which
            // département); anything else: an outline or a box-shadow.
            const shape = el.closest('svg') && el.querySelector('path, use, circle');
            const style = getComputedStyle(el);
            const visible = shape ? parseFloat(getComputedStyle(shape).strokeWidth) >= 2
                : (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                  || (style.boxShadow && style.boxShadow !== 'none');
            return hits.map(s => [s, visible]);
            """,
            sorted(wanted - reached.keys()),
        )
        reached.update(dict(hit))
        if reached.keys() >= wanted:
            break
    return reached


def assert_reached(driver, wanted: set[str], page: str) -> None:
    reached = tab_through(driver, wanted)
    missing = sorted(wanted - reached.keys())
    assert not missing, f"{page} : jamais atteints au clavier : {missing}"
    unseen = sorted(selector for selector, visible in reached.items() if not visible)
    assert not unseen, f"{page} : focus invisible sur {unseen}"


def test_the_keyboard_reaches_every_link_with_a_visible_focus(site: LiveServer, chromium) -> None:
    from selenium.webdriver.common.by import By

    chromium.get(f"{site.url}/connexion")
    assert_reached(chromium, {"a[href='#contenu']", "#identifiant", "#mot_de_passe"}, "connexion")

    log_in(chromium, site, "anct@example.fr")
    chromium.get(f"{site.url}/tableau-de-bord?periode=2026")
    exports = {"main a[href$='format=csv']", "main a[href$='format=xlsx']"}
    # A table that scrolls sideways on a phone is scrolled with the arrows once it has the focus.
    table = "#tableau-chiffres .fr-table__container"
    assert_reached(chromium, {"a[href='#contenu']", "#periode", table, *exports}, "vue nationale")

    chromium.get(f"{site.url}/carte?periode=2026")
    departements = {
        f"a[href='{link.get_dom_attribute('href')}']"
        for link in chromium.find_elements(By.CSS_SELECTOR, "svg a")
        if link.get_dom_attribute("href")
    }
    assert len(departements) > 100
    assert_reached(chromium, {"a[href='#contenu']", *departements, *exports}, "carte nationale")

    chromium.get(f"{site.url}/carte?periode=2026&departement=02")
    points = {
        f"a[href='{link.get_dom_attribute('href')}']"
        for link in chromium.find_elements(By.CSS_SELECTOR, "svg a")
        if "/structures/" in (link.get_dom_attribute("href") or "")
    }
    assert len(points) == 2
    assert_reached(chromium, {"a[href='#contenu']", *points, *exports}, "carte du département")
