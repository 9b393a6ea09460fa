"""The dashboard in a real Chromium (Debian's chromium and chromium-driver, driven by Selenium)
against the real server on 127.0.0.1: each role logs in, sees its scope only, and exports.

Screenshots of the main pages at 1366×768 and at a phone's width are written to
$BUREAU_VIRTUEL_SCREENSHOTS (default: the test's temporary folder), to be looked at.
"""

import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import create_engine, insert

from app.server.schema import structures, timestamp, utc_now
from tests.browser.chromium import NEEDS_CHROMIUM, SIZES
from tests.live_server import LiveServer, create_structure, start_server
from tests.server.helpers import contact, enrol, items, post_records
from tests.server.web_helpers import PASSWORD, add_account
from tests.waiting import wait_until

pytestmark = NEEDS_CHROMIUM
DOWNLOAD_TIMEOUT_SECONDS = 30
MAX_PAGE_HEIGHT = 4000
PAS_DE_CALAIS = 120


@pytest.fixture
def web(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of the test's own, not tests/server's shared web server: the national pages it
    photographs and pages through (two pages of structures, the 59's list, the journal) show every
    structure and account of the database; and one server start is little beside a browser's."""
    url = f"sqlite:///{tmp_path / 'serveur.sqlite3'}"
    with start_server(url, tmp_path / "serveur.log", ("--http-cookies",)) as live:
        code = create_structure(url)
        create_structure(url, "4", "Maubeuge", "59", itinerant=False)
        _add_structures(url, PAS_DE_CALAIS)
        with requests.Session() as http:
            token = enrol(http, live, code).json()["token"]
            batch = items(
                contact(), contact(partners=["caf"], occurred_at=datetime(2026, 11, 3, 9, tzinfo=UTC))
            )
            assert post_records(http, live, token, batch).status_code == 200
        for login, role, *scope in (
            ("anct@example.fr", "national"),
            ("pref02@example.fr", "departement", "--departement", "02"),
            ("fs3@example.fr", "structure", "--matricule", "3"),
        ):
            assert add_account(url, login, role, *scope).returncode == 0
        yield live


def _add_structures(url: str, count: int) -> None:
    """Enough structures in the Pas-de-Calais for the national list to take two pages."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(structures),
            [
                {
                    "matricule": str(1000 + n),
                    "name": f"France Services n° {n:03d}",
                    "departement": "62",
                    "itinerant": False,
                    "created_at": timestamp(utc_now()),
                }
                for n in range(count)
            ],
        )
    engine.dispose()


def screenshots(driver, name: str) -> None:
    folder = Path(os.environ.get("BUREAU_VIRTUEL_SCREENSHOTS") or driver.downloads.parent / "captures")
    folder.mkdir(parents=True, exist_ok=True)
    for size_name, (width, height) in SIZES.items():
        driver.set_window_size(width, height)
        driver.save_screenshot(str(folder / f"{name}-{size_name}.png"))
        # And the whole page, to see the tables below the fold.
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(full, MAX_PAGE_HEIGHT))
        driver.save_screenshot(str(folder / f"{name}-{size_name}-page.png"))
        # Wide tables scroll inside their frame: the page itself never scrolls sideways.
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} is {overflow} px too wide at {width} px"
    driver.set_window_size(*SIZES["ordinateur"])


def log_in(driver, server: LiveServer, login: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{server.url}/connexion")
    driver.find_element(By.ID, "identifiant").send_keys(login)
    driver.find_element(By.ID, "mot_de_passe").send_keys(PASSWORD)
    submit = driver.find_element(By.CSS_SELECTOR, "form[action='/connexion'] button[type=submit]")
    submit.click()
    # The click returns before the answer: wait until the login page has gone (whatever came instead).
    WebDriverWait(driver, DOWNLOAD_TIMEOUT_SECONDS).until(expected_conditions.staleness_of(submit))


def log_out(driver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.CSS_SELECTOR, ".fr-header__tools form[action='/deconnexion'] button").click()
    WebDriverWait(driver, DOWNLOAD_TIMEOUT_SECONDS).until(
        lambda _driver: _driver.current_url.endswith("/connexion")
    )


def downloaded(driver, suffix: str) -> Path:
    found = wait_until(
        lambda: [path for path in driver.downloads.iterdir() if path.name.endswith(suffix)],
        DOWNLOAD_TIMEOUT_SECONDS,
        f"a {suffix} file among the downloads",
    )
    return found[0]


def test_each_role_sees_its_scope_and_exports_what_it_sees(web: LiveServer, chromium) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    log_in(chromium, web, "pref02@example.fr")
    assert chromium.current_url.endswith("/tableau-de-bord")
    assert "Aisne (02)" in chromium.find_element(By.TAG_NAME, "h1").text
    chromium.get(f"{web.url}/tableau-de-bord?periode=2026-11")
    screenshots(chromium, "tableau-de-bord")
    key_figures = chromium.find_element(By.ID, "tableau-chiffres").text
    assert "Contacts 2" in key_figures
    chromium.find_element(By.LINK_TEXT, "Télécharger en CSV").click()
    rows = list(csv.reader(io.StringIO(downloaded(chromium, ".csv").read_text("utf-8-sig")), delimiter=";"))
    chromium.find_element(By.LINK_TEXT, "Télécharger en XLSX").click()
    book = load_workbook(downloaded(chromium, ".xlsx"))
    # The same figures as the JSON API gives this session, in both files.
    chromium.get(f"{web.url}/api/v1/stats/figures?periode=2026-11")
    figures = json.loads(chromium.find_element(By.TAG_NAME, "body").text)
    assert figures["total"] == 2
    assert ["Contacts", str(figures["total"])] in rows
    assert ["Sollicitations envoyées", str(figures["escalations_sent"])] in rows
    months = [(month, n) for month, _label, n in book["mois"].iter_rows(min_row=2, values_only=True)]
    assert months == list(figures["by_month"].items())
    partners = [n for _name, n, _share in book["partner"].iter_rows(min_row=2, values_only=True)]
    assert partners == list(figures["by_partner"].values())

    chromium.get(f"{web.url}/structures")
    screenshots(chromium, "structures")
    listed = chromium.find_element(By.ID, "tableau-structures").text
    assert "Thiérache" in listed and "Maubeuge" not in listed
    chromium.get(f"{web.url}/structures/4")
    assert "Page introuvable" in chromium.find_element(By.TAG_NAME, "h1").text
    log_out(chromium)

    log_in(chromium, web, "fs3@example.fr")
    assert chromium.current_url.endswith("/structures/3")
    chromium.get(f"{web.url}/structures/3?periode=2026-11")
    screenshots(chromium, "structure")
    assert "Julie M." in chromium.find_element(By.ID, "tableau-agent").text
    chromium.get(f"{web.url}/departements/02")
    assert "Page introuvable" in chromium.find_element(By.TAG_NAME, "h1").text
    log_out(chromium)

    log_in(chromium, web, "anct@example.fr")
    assert "Vue nationale" in chromium.find_element(By.TAG_NAME, "h1").text
    chromium.get(f"{web.url}/tableau-de-bord?periode=2026")
    screenshots(chromium, "vue-nationale")
    chromium.get(f"{web.url}/carte?periode=2026&departement=02")
    screenshots(chromium, "carte-departement")
    assert "Aisne (02)" in chromium.find_element(By.TAG_NAME, "h1").text
    chromium.get(f"{web.url}/carte?periode=2026")
    screenshots(chromium, "carte")
    chromium.find_element(By.CSS_SELECTOR, "a[href='/departements/02?periode=2026']").click()
    WebDriverWait(chromium, DOWNLOAD_TIMEOUT_SECONDS).until(
        lambda driver: "/departements/02" in driver.current_url
    )
    assert "Aisne (02)" in chromium.find_element(By.TAG_NAME, "h1").text
    screenshots(chromium, "departement")
    chromium.get(f"{web.url}/structures")
    screenshots(chromium, "structures-nationales")
    assert "Maubeuge" in chromium.find_element(By.ID, "tableau-structures").text
    assert "Page 1 sur 2" in chromium.find_element(By.TAG_NAME, "main").text
    chromium.find_element(By.LINK_TEXT, "Page suivante").click()
    WebDriverWait(chromium, DOWNLOAD_TIMEOUT_SECONDS).until(lambda driver: "page=2" in driver.current_url)
    second = chromium.find_element(By.ID, "tableau-structures").text
    assert "France Services n° 119" in second and "Maubeuge" not in second
    Select(chromium.find_element(By.ID, "departement")).select_by_value("59")
    chromium.find_element(By.CSS_SELECTOR, "form[action='/structures'] button[type=submit]").click()
    WebDriverWait(chromium, DOWNLOAD_TIMEOUT_SECONDS).until(
        lambda driver: "departement=59" in driver.current_url
    )
    only = chromium.find_element(By.ID, "tableau-structures").text
    assert "Maubeuge" in only and "France Services n°" not in only and "Thiérache" not in only
    chromium.get(f"{web.url}/comptes")
    screenshots(chromium, "comptes")
    chromium.get(f"{web.url}/journal")
    screenshots(chromium, "journal")
    assert "pref02@example.fr" in chromium.find_element(By.ID, "tableau-journal").text
    chromium.get(f"{web.url}/nulle-part")
    screenshots(chromium, "introuvable")
    assert "Page introuvable" in chromium.find_element(By.TAG_NAME, "h1").text
    log_out(chromium)

    chromium.get(f"{web.url}/statistiques?periode=2026")
    screenshots(chromium, "statistiques")
    assert "Contacts par mois et par département" in chromium.page_source
    chromium.get(f"{web.url}/connexion")
    screenshots(chromium, "connexion")
