"""The official list of communes: the shipped file, the type-ahead search, the record's INSEE code, and
the migration of the free text that older versions kept."""

import gzip
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from app.models.communes import COMMUNES_FILE, CommuneError, load_communes
from app.models.database import open_database
from app.models.migrations import MIGRATIONS
from app.models.record import RecordError, validate_record
from app.models.reference import load_catalogue
from app.paths import resources_dir


def labels(query: str, **options) -> list[str]:
    return [commune.label for commune in load_communes().search(query, **options)]


def test_the_shipped_list_is_small_current_and_says_its_source() -> None:
    path = resources_dir() / COMMUNES_FILE
    assert path.stat().st_size < 400_000
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        assert handle.readline().startswith("# @etalab/decoupage-administratif 6.0.0, Licence Ouverte")
    communes = load_communes()
    assert 34_000 < len(communes) < 36_000
    for code, name in (
        ("01033", "Valserhône"),
        ("2A004", "Ajaccio"),  # Corsica's letters
        ("75115", "Paris 15e Arrondissement"),  # what a Parisian answers
        ("75056", "Paris"),
        ("97411", "Saint-Denis"),  # overseas départements
        ("97611", "Mamoudzou"),
        ("98714", "Bora-Bora"),  # and collectivités
    ):
        assert communes.get(code).name == name
    assert "98412" not in communes, "Kerguelen: nobody lives there"
    assert "55050" not in communes, "Bezonvaux, a village destroyed at Verdun, has no inhabitant"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("montel", ["Montel-de-Gelat (63)", "Montéléger (26)", "Montélier (26)", "Montélimar (26)"]),
        ("MONTELIMAR", ["Montélimar (26)"]),
        ("st etienne", ["Saint-Étienne (42)"]),
        ("saint-denis (974)", ["Saint-Denis (974)"]),
        ("saint denis 93", ["Saint-Denis (93)", "L'Île-Saint-Denis (93)"]),
        ("paris 15", ["Paris 15e Arrondissement (75)"]),
        ("l'ile saint", ["L'Île-Saint-Denis (93)"]),
    ],
)
def test_search_ignores_accents_case_and_spelling_and_ranks_exact_then_prefix(query, first) -> None:
    assert labels(query)[: len(first)] == first


def test_homonyms_are_told_apart_and_the_structures_departement_comes_first() -> None:
    assert labels("saint-denis")[:4] == [
        "Saint-Denis (11)",
        "Saint-Denis (30)",
        "Saint-Denis (93)",
        "Saint-Denis (974)",
    ], "exact names first, then by name and département"
    assert labels("saint-denis", departement="974")[0] == "Saint-Denis (974)"
    assert labels("etienne", departement="07")[0] == "Saint-Étienne-de-Boulogne (07)"
    assert labels("") == [] and labels("   ") == []
    assert len(labels("a", limit=5)) == 5


def test_resolve_accepts_a_code_a_label_or_a_unique_name_and_lists_homonyms() -> None:
    communes = load_communes()
    assert communes.resolve("26198").name == "Montélimar"
    assert communes.resolve("2a004").code == "2A004"
    assert communes.resolve(" montelimar ").code == "26198"
    assert communes.resolve("Saint-Denis (974)").code == "97411"
    with pytest.raises(CommuneError, match=r"Saint-Denis \(93\) = 93066.*Saint-Denis \(974\) = 97411"):
        communes.resolve("Saint-Denis")
    with pytest.raises(CommuneError, match="introuvable") as error:
        communes.resolve("Mme Martin 06 12 34 56 78")
    assert "Martin" not in str(error.value), "the refused text is never repeated"


CONTACT = {
    "structure": "1",
    "agent": "Karim B.",
    "place": "Valserhône",
    "situation": "declarer-impots",
    "partners": ["dgfip"],
    "channel": "sur-place",
    "help_kind": "information",
    "outcome": "resolu",
    "duration_minutes": 5,
    "utc_offset_minutes": 60,
}


def contact(**fields) -> dict:
    now = datetime.now(UTC)
    return {**CONTACT, "id": uuid4(), "created_at": now, "occurred_at": now, **fields}


@pytest.mark.parametrize(
    "value", ["Mme Martin", "Valserhône", "06 12 34 56 78", "0103", "010333", "2C004", " 01033", 1033]
)
def test_the_record_refuses_anything_but_an_insee_code_without_repeating_it(value) -> None:
    with pytest.raises(RecordError, match="liste officielle") as error:
        validate_record(contact(residence_commune=value))
    assert error.value.field == "residence_commune"
    assert str(value).strip() not in str(error.value)


def test_with_the_list_in_the_context_the_code_must_be_a_commune() -> None:
    communes, catalogue = load_communes(), load_catalogue()
    assert validate_record(contact(residence_commune="99999")).residence_commune == "99999"
    with pytest.raises(RecordError, match="inconnue de la liste officielle"):
        validate_record(contact(residence_commune="99999"), catalogue=catalogue, communes=communes)
    record = validate_record(contact(residence_commune="2A004"), catalogue=catalogue, communes=communes)
    assert record.residence_commune == "2A004"
    assert validate_record(contact(), communes=communes).residence_commune is None


def test_a_pass_issuance_carries_a_code_too() -> None:
    now = datetime.now(UTC)
    issuance = {
        "id": uuid4(),
        "created_at": now,
        "utc_offset_minutes": 60,
        "structure": "1",
        "agent": "Karim B.",
        "issued_at": now,
        "cheques": ["1001"],
        "value_cents": 1000,
    }
    communes = load_communes()
    with pytest.raises(RecordError, match="liste officielle"):
        validate_record({**issuance, "residence_commune": "Bellegarde"}, kind="pass_issuance")
    record = validate_record(
        {**issuance, "residence_commune": "01033"}, kind="pass_issuance", communes=communes
    )
    assert record.residence_commune == "01033"


# --- the migration of older databases ----------------------------------------------------------------

FREE_TEXT = {
    "montelimar": "26198",  # a name only one commune bears, however it was typed
    "Saint-Denis (974)": "97411",
    "01033": "01033",
    "Saint-Denis": None,  # four communes: which one cannot be known
    "Mme Martin 06 12 34 56 78": None,  # never kept
    "Bellegarde": None,
}


def version_4_database(path: Path) -> None:
    """A database as version 4 left it, with commune names typed by hand."""
    with sqlite3.connect(path) as conn:
        for statements in MIGRATIONS[:4]:
            for statement in statements:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 4")
        for index, text in enumerate(FREE_TEXT):
            conn.execute(
                "INSERT INTO contacts (id, created_at, utc_offset_minutes, occurred_at, structure, agent,"
                " place, channel, situation, partners, help_kind, outcome, duration_minutes,"
                " residence_commune) VALUES (?, '2026-11-02T09:00:00Z', 60, '2026-11-02T09:00:00Z', '1',"
                " 'Karim B.', 'Valserhône', 'sur-place', 'autre', '[\"autre\"]', 'information', 'resolu',"
                " 5, ?)",
                [str(uuid4()), text],
            )
            conn.execute(
                "INSERT INTO pass_issuances (id, created_at, utc_offset_minutes, structure, agent,"
                " issued_at, cheques, value_cents, residence_commune) VALUES (?, '2026-11-02T09:00:00Z',"
                " 60, '1', 'Karim B.', '2026-11-02T09:00:00Z', ?, 1000, ?)",
                [str(uuid4()), f'["{1000 + index}"]', text],
            )


def test_free_text_communes_become_codes_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bureau-virtuel.sqlite3"
    version_4_database(path)
    db = open_database(path)
    for table in ("contacts", "pass_issuances"):
        kept = sorted(
            (row[0] or "") for row in db.execute(f"SELECT residence_commune FROM {table}").fetchall()
        )
        assert kept == sorted(code or "" for code in FREE_TEXT.values()), table
    dump = b"".join(line.encode() for line in db.conn.iterdump())
    assert b"Martin" not in dump and b"Bellegarde" not in dump
    with pytest.raises(sqlite3.IntegrityError, match="pass_append_only"):
        db.execute("UPDATE pass_issuances SET residence_commune = NULL")
    db.conn.close()


def test_no_official_commune_name_is_taken_for_an_identifier() -> None:
    """A structure's commune and a bus's stops are guarded like every free-text value: the guard must
    never refuse a real commune (a "Saint-…" read as a civility, a number in a name)."""
    from app.models.note_guard import value_problem

    refused = [commune.name for commune in load_communes() if value_problem(commune.name, "Le lieu")]
    assert refused == []
