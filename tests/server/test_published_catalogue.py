"""The server checks and labels records with the newest published catalogue, the shipped one's ids
kept (`app.server.content.catalogue`): a situation, a theme or a partner a bundle adds is accepted
from the moment it is published, and named on the dashboard."""

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert

from app.server import content
from app.server.database import open_database
from app.server.figures import MonthRange, figures
from app.server.ingest import ingest
from app.server.schema import content_bundles
from app.server.scope import Scope
from app.server.web.tables import figure_tables
from tests.content_editor import Editor, edit_json, editor_fixture  # noqa: F401 (the `editor` fixture)
from tests.server.helpers import contact, items, workstations

NEW_SITUATION = "je-cree-mon-association"


def _folder_adding_a_situation(editor: Editor, version: int = 3) -> Path:
    """A content folder whose catalogue adds a partner, a theme and a situation using both."""
    folder = editor.folder(version)
    edit_json(
        folder / "reference/partners.json",
        lambda data: data["partners"].append(
            {
                "id": "greffe-associations",
                "label": "Greffe des associations",
                "site": "https://www.service-public.fr",
            }
        ),
    )

    def add(bouquet: dict) -> None:
        bouquet["themes"].append({"id": "vie-associative", "label": "Vie associative"})
        bouquet["situations"].append(
            {
                "id": NEW_SITUATION,
                "label": "Je crée mon association",
                "theme": "vie-associative",
                "partners": ["greffe-associations"],
                "keywords": ["association"],
            }
        )

    edit_json(folder / "reference/bouquet.json", add)
    return folder


def _new_contact() -> dict:
    return contact(situation="declarer-impots") | {
        "situation": NEW_SITUATION,
        "partners": ["greffe-associations"],
    }


def test_a_published_situation_is_accepted_and_labelled(editor: Editor, database_url: str) -> None:
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        before = ingest(engine, sender, items(_new_contact()), None)["results"]
        assert [result["status"] for result in before] == ["rejected"]
        assert "Situation inconnu(e)" in before[0]["reason"]

        content.publish(engine, _folder_adding_a_situation(editor), editor.key_path)
        after = ingest(engine, sender, items(_new_contact(), _new_contact(), contact()), None)["results"]
        assert [result["status"] for result in after] == ["accepted"] * 3, "the shipped ids are still known"

        with engine.connect() as connection:
            november = MonthRange("2026-11", "2026-11")
            shown = figures(connection, Scope(), november)
        tables = {
            table.slug: [(label, n) for label, n, _share in table.rows]
            for table in figure_tables(shown, content.catalogue(engine), november)
            if table.slug in ("situation", "theme", "partner")
        }
        assert ("Je crée mon association", 2) in tables["situation"]
        assert ("Vie associative", 2) in tables["theme"]
        assert ("Greffe des associations", 2) in tables["partner"]
        assert ("Je déclare mes impôts", 1) in tables["situation"]
    finally:
        engine.dispose()


def test_a_publication_by_another_process_is_followed_within_a_minute(
    editor: Editor, database_url: str
) -> None:
    engine = open_database(database_url)
    moments = iter([0.0, 59.0, 61.0, 62.0])
    try:
        assert NEW_SITUATION not in content.catalogue(engine, moments.__next__).situations
        _store_as_another_process(engine, editor.bundle(_folder_adding_a_situation(editor)))
        assert NEW_SITUATION not in content.catalogue(engine, moments.__next__).situations, (
            "kept for a minute"
        )
        assert (
            content.catalogue(engine, moments.__next__).situations[NEW_SITUATION].label
            == "Je crée mon association"
        )
        assert "declarer-impots" in content.catalogue(engine, moments.__next__).situations
    finally:
        engine.dispose()


def _store_as_another_process(engine: Engine, bundle: bytes) -> None:
    """The row `publish-content` run elsewhere writes, without this process's `store` noticing."""
    with engine.begin() as connection:
        connection.execute(
            insert(content_bundles).values(
                version=3,
                date="2026-12-05",
                bundle=bundle,
                etag='"autre"',
                published_at="2026-12-05T03:00:00Z",
            )
        )


def test_a_bundle_the_shipped_key_no_longer_opens_is_left_out(editor: Editor, database_url: str) -> None:
    """A server upgraded to another editor key: its workstations refuse the stored bundle, and the
    ingest keeps working with the shipped catalogue rather than failing every batch."""
    engine = open_database(database_url)
    try:
        (sender,) = workstations(engine, "accueil")
        other_key = Ed25519PrivateKey.generate()
        _store_as_another_process(engine, editor.bundle(_folder_adding_a_situation(editor), other_key))
        answer = ingest(engine, sender, items(_new_contact(), contact()), None)["results"]
        assert [result["status"] for result in answer] == ["rejected", "accepted"]
    finally:
        engine.dispose()
