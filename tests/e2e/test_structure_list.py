"""The ANCT's newer lists reach the workstations: the real server on loopback imports a modified copy
of the 2024 list (one structure renamed, one added, one closed), a real workstation syncs, and its
first-start search, its structure's details and its notice of a closed structure follow. A hostile
server's list (wrong version, truncated, wrong types, too few, too many, too big) is refused and the
last good copy stays: start-up, `contacts list` and `sync` keep working."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.models.contacts import ContactFilter
from app.models.demo import add_demo_contacts, ensure_demo_setup
from app.models.reference import load_catalogue
from app.models.structures import PULLED_FILE, SHIPPED_DATE, load_structures, search_structures
from app.models.workspace import Workspace, open_workspace
from app.reports.aggregation import summarise
from app.reports.periods import Period
from app.server.registry_reference import FIELDS
from app.sync.engine import enroll, run_pass
from app.sync.transport import MAX_ANSWER_BYTES
from app.ui.main_window import MainWindow
from app.ui.setup_wizard import StructurePage
from tests.conftest import run_cli
from tests.e2e.conftest import enrolled
from tests.hostile_server import (
    STRUCTURE,
    WORKSTATION_ID,
    Behaviour,
    HostileServer,
    acceptance,
    send,
    send_json,
)
from tests.live_server import LiveServer, run_server_cli
from tests.server.test_registry_reference import LIST_2024, newer_list

RENAMED = {"3": "Bus France services de la Thiérache"}
ADDED = [
    {
        "id_fs": "9990",
        "insee_dep": "26",
        "lib_fs": "France services de Saint-Étienne-de-Testville",
        "insee_com": "26999",
        "code_postal": "26990",
        "lib_com": "Saint-Étienne-de-Testville",
        "type_fs": "Principal",
        "format_fs": "Fixe",
    }
]


def _import(server: LiveServer, path: Path) -> None:
    result = run_server_cli(server.database_url, "import-structures", str(path))
    assert result.returncode == 0, result.stderr
    server.restart()  # stands for REFRESH_SECONDS: a running process follows an import within them


def _enrolled_in_the_bus(workspace: Workspace, server: LiveServer) -> None:
    ensure_demo_setup(workspace)
    add_demo_contacts(workspace, 5, seed=7)
    code = run_server_cli(server.database_url, "enrolment-code", "--matricule", "3")
    assert code.returncode == 0, code.stderr
    enroll(workspace, server.url, code.stdout.strip().splitlines()[-1])


def test_a_newer_list_reaches_the_workstation_renamed_added_and_closed(
    qtbot, workspace: Workspace, server: LiveServer, tmp_path: Path
) -> None:
    """A server of its own: it imports the ANCT's lists (they change every structure's list, and
    renamed, added and closed structures are counted here) and restarts."""
    _import(server, LIST_2024)
    _enrolled_in_the_bus(workspace, server)
    first = run_pass(workspace)
    assert first.error is None, first.error
    assert workspace.structure_list.downloaded and workspace.structure_list.date >= SHIPPED_DATE

    _import(server, newer_list(tmp_path, RENAMED, ADDED, dropped={"10"}))
    report = run_pass(workspace)
    assert report.error is None and report.notices == [], report.summary()
    structures = workspace.structure_list
    found = search_structures("testville", structures=structures.open_structures)
    assert [s.matricule for s in found] == ["9990"]
    assert found[0].commune == "Saint-Étienne-de-Testville"
    assert search_structures("testville") == [], "the shipped list does not have it"
    assert structures.find("10") is not None and "10" in structures.closed
    assert "10" not in {
        s.matricule for s in search_structures("Le Donjon", structures=structures.open_structures)
    }
    # The structure's own details follow the renaming: status bar and exports read them.
    assert workspace.workstation.structure.name == "Bus France services de la Thiérache"
    assert workspace.workstation.structure.commune == "Guise"
    header = summarise(workspace, Period.parse("2026")).structure
    assert header == "Bus France services de la Thiérache — Guise"  # already says France services

    # A reinstalled PC with its data folder: the first-start search uses the newest list and names it.
    page = StructurePage(workspace.structure_list)
    qtbot.addWidget(page)
    page.search.setText("Testville")
    assert page.results.currentItem().data(Qt.ItemDataRole.UserRole).matricule == "9990"
    day = structures.date
    assert page.findChild(QLabel, "source").text() == (
        "Source : ANCT — liste des structures France Services (Licence Ouverte 2.0), copie du serveur "
        f"de reporting du {day[8:10]}/{day[5:7]}/{day[:4]}."
    )

    # The structure itself closes: the workstation says so, and keeps working with its records.
    before = workspace.contacts.count(ContactFilter())
    _import(server, newer_list(tmp_path, RENAMED, ADDED, dropped={"10", "3"}))
    closing = run_pass(workspace)
    assert closing.error is None
    assert any("La structure n° 3 figure comme fermée depuis le" in notice for notice in closing.notices)
    assert "Le poste continue de fonctionner" in closing.summary()
    assert workspace.contacts.count(ContactFilter()) == before
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    assert window.closure_banner.isVisible()
    assert window.structure_label.toolTip() == "Bus France services de la Thiérache — Guise"
    assert window.closure_banner.text().startswith("⚠ La structure n° 3 figure comme fermée")
    listed = run_cli("contacts", "list", data_dir=workspace.path.parent)
    assert listed.returncode == 0, listed.stderr
    synced = run_cli("sync", data_dir=workspace.path.parent)
    assert synced.returncode == 0, synced.stderr
    assert "figure comme fermée" in synced.stdout


# --- A hostile server's list -----------------------------------------------------------------


@dataclass
class ListServer(HostileServer):
    """Plays the reporting server for a pass: the session offers the reference files of `etags`,
    those without an answer in `bodies` are current (304), there is no feed (404, as from an older
    server), uploads are accepted."""

    etags: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.records = lambda handler: send_json(handler, 200, acceptance(handler))
        self.session = lambda handler: send_json(
            handler,
            200,
            {"workstation_id": WORKSTATION_ID, "structure": STRUCTURE, "reference": dict(self.etags)},
        )
        super().__post_init__()

    def route(self, method: str, path: str) -> Behaviour:
        if "/api/v1/reference/" in path:
            name = path.rsplit("/", 1)[-1]
            if name in self.bodies:
                return lambda handler: send(handler, 200, self.bodies[name], ETag=self.etags[name])
            return lambda handler: send(handler, 304)
        return super().route(method, path)

    def answer(self, body: bytes, name: str = "structures") -> None:
        """The next pass finds a new file `name` (a new ETag) whose content is `body`."""
        self.etags[name] = f'"{name}-{len(self.hits)}"'
        self.bodies[name] = body


def _document(rows: list[list] | None = None, **changes: object) -> dict:
    """A list as a server sends it: the shipped structures, the bus renamed."""
    if rows is None:
        rows = [
            # matricule, name, departement, commune, insee_commune, postal_code, format, itinerant,
            # principal, closed
            [
                s.matricule,
                RENAMED.get(s.matricule, s.name),
                s.departement,
                s.commune,
                "",
                s.postal_code,
                None,
                s.itinerant,
                None,
                None,
            ]
            for s in load_structures()
        ]
    return {
        "version": 1,
        "date": "2026-12-01",
        "source": "ANCT",
        "licence": "Licence Ouverte 2.0",
        "fields": list(FIELDS),
        "structures": rows,
        **changes,
    }


def _encoded(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _good_rows() -> list[list]:
    return _document()["structures"]


def _changed_row(index: int, column: str, value: object) -> list[list]:
    rows = _good_rows()
    rows[index][FIELDS.index(column)] = value
    return rows


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "version as text": (lambda: _encoded({"version": "9"}), "format de fichier inconnu"),
    "truncated": (lambda: _encoded(_document())[:100_000], "Réponse du serveur illisible ou incomplète"),
    "a matricule as a number": (lambda: _encoded(_document(_changed_row(0, "matricule", 1))), "invalide"),
    "itinerant as text": (lambda: _encoded(_document(_changed_row(2, "itinerant", "oui"))), "invalide"),
    "a name with a control character": (
        lambda: _encoded(_document(_changed_row(2, "name", "Bus\x1b[2J"))),
        "structure n° 3 invalide",
    ),
    "a département that is none": (
        lambda: _encoded(_document(_changed_row(5, "departement", "99"))),
        "invalide",
    ),
    "a matricule twice": (
        lambda: _encoded(_document([*_good_rows(), _good_rows()[0]])),
        "un matricule apparaît deux fois",
    ),
    "a short row": (lambda: _encoded(_document([*_good_rows()[1:], ["1"]])), "mal formée"),
    "a column missing": (lambda: _encoded(_document(fields=list(FIELDS[:-1]))), "colonnes manquantes"),
    "the 2020 list's size": (lambda: _encoded(_document(_good_rows()[:530])), "au moins 1422 attendues"),
    "older than the shipped list": (lambda: _encoded(_document(date="2020-03-01")), "plus ancienne"),
    "an impossible date": (lambda: _encoded(_document(date="2026-02-30")), "date de la liste"),
    "too many structures": (
        lambda: _encoded(
            _document([[str(n), "X", "01", "", "", "", None, False, None, None] for n in range(20_001)])
        ),
        "trop longue",
    ),
    "huge": (
        lambda: _encoded(_document(padding="x" * (MAX_ANSWER_BYTES + 1))),
        "Réponse du serveur trop volumineuse",
    ),
    "nested past the stack": (lambda: b"[" * 100_000, "Réponse du serveur illisible"),
}


@pytest.fixture
def list_server():
    server = ListServer()
    yield server
    server.close()


def test_a_hostile_list_keeps_the_last_good_copy_and_says_so(
    workspace: Workspace, list_server: ListServer
) -> None:
    ensure_demo_setup(workspace)
    add_demo_contacts(workspace, 5, seed=7)
    enroll(workspace, list_server.url, "7KQM-2WXP-H9TD")
    list_server.answer(_encoded(_document()))
    good = run_pass(workspace)
    assert good.error is None and good.notices == [], good.summary()
    pulled = workspace.path.parent / "reference" / PULLED_FILE
    kept = pulled.read_bytes()
    assert workspace.workstation.structure.name == RENAMED["3"]
    contacts = workspace.contacts.count(ContactFilter())

    for case, (body, reason) in HOSTILE.items():
        list_server.answer(body())
        report = run_pass(workspace)
        said = report.summary()
        assert reason in said, f"{case}: {said}"
        assert (
            "Référentiel des structures reçu du serveur refusé" in said
            or "Référentiels non mis à jour" in said
        )
        assert pulled.read_bytes() == kept, case
        assert workspace.structure_list.find("3").name == RENAMED["3"], case
        assert workspace.workstation.structure.name == RENAMED["3"], case

    # A list refused is not downloaded again at every pass; the next good one is taken.
    list_server.answer(HOSTILE["version as text"][0]())
    assert "refusé" in run_pass(workspace).summary()
    list_server.hits.clear()
    assert run_pass(workspace).notices == []
    assert not any(hit.path.endswith("/reference/structures") for hit in list_server.hits)
    list_server.answer(_encoded(_document(_changed_row(2, "name", "Bus de la Thiérache"))))
    assert run_pass(workspace).error is None
    assert workspace.workstation.structure.name == "Bus de la Thiérache"

    # Start-up, `contacts list` and `sync` keep working over a hostile answer.
    list_server.answer(HOSTILE["nested past the stack"][0]())
    reopened = open_workspace(workspace.path.parent)
    try:
        assert reopened.contacts.count(ContactFilter()) == contacts
        assert reopened.structure_list.find("3").name == "Bus de la Thiérache"
    finally:
        reopened.close()
    listed = run_cli("contacts", "list", data_dir=workspace.path.parent)
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    synced = run_cli("sync", data_dir=workspace.path.parent)
    assert synced.stderr == "" and synced.stdout.startswith("0 contact envoyé, 0 en attente."), synced.stdout
    assert "Référentiels non mis à jour : Réponse du serveur illisible" in synced.stdout
    assert synced.returncode == 4  # the command's code for a pass that reported a problem


def test_a_damaged_file_on_disk_falls_back_to_the_shipped_list(workspace: Workspace) -> None:
    """A file damaged after it was checked (a full disk, a hand edit) never stops the workstation."""
    folder = workspace.path.parent / "reference"
    folder.mkdir()
    (folder / PULLED_FILE).write_bytes(b'{"version": 1, "date": "2026-12-01", "structures": [')
    assert not workspace.structure_list.downloaded
    assert workspace.structure_list.find("3").name == "Bus France services Thiérache Sambre et Oise"
    (folder / PULLED_FILE).write_bytes(_encoded(_document()))
    assert workspace.structure_list.find("3").name == RENAMED["3"], "a replaced file is read again"


def test_unsigned_catalogue_files_are_never_used_and_start_up_still_works(
    workspace: Workspace, list_server: ListServer
) -> None:
    """The catalogue comes only in the editor's signed content (tests/e2e/test_content.py): a server's
    unsigned `partners` is not even asked for, and a file an earlier version stored is left unused
    (`{"version": "9"}` there once stopped every start)."""
    ensure_demo_setup(workspace)
    enroll(workspace, list_server.url, "7KQM-2WXP-H9TD")
    list_server.answer(b'{"version": "9"}', "partners")
    assert run_pass(workspace).notices == []
    assert not any(hit.path.endswith("/reference/partners") for hit in list_server.hits)

    partners = workspace.path.parent / "reference" / "partners.json"
    partners.parent.mkdir(exist_ok=True)
    partners.write_bytes(b'{"version": "9"}')
    load_catalogue.cache_clear()  # as in a new process
    reopened = open_workspace(workspace.path.parent)
    try:
        assert reopened.catalogue.partners["caf"].label
    finally:
        reopened.close()
    listed = run_cli("contacts", "list", data_dir=workspace.path.parent)
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr


def test_a_server_without_a_list_keeps_its_own_names(workspace: Workspace, server: LiveServer) -> None:
    """No list imported: nothing to download, and the shipped list never renames the structure the
    server declared (its name there is the server's, not the 2024 list's)."""
    enrolled(workspace, server)
    report = run_pass(workspace)
    assert report.error is None and report.notices == [], report.summary()
    assert not (workspace.path.parent / "reference" / PULLED_FILE).exists()
    assert workspace.workstation.structure.name == "Thiérache Sambre et Oise"
