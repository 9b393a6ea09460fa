from pathlib import Path

import pytest

from app.models.qualified_places import CSV_HEADER, PlaceError, PlaceStore, QualifiedPlace
from app.paths import resources_dir

HEADER = ";".join(CSV_HEADER)


@pytest.fixture
def places(desk) -> PlaceStore:
    return PlaceStore(desk.db)


def test_places_are_saved_tidied_listed_by_commune_and_updated(places: PlaceStore) -> None:
    media = places.save(
        QualifiedPlace("  Médiathèque   — espace numérique ", "12 rue de la République", "Valserhône")
    )
    assert media.id is not None and media.name == "Médiathèque — espace numérique"
    places.save(
        QualifiedPlace("Centre social", "45 avenue des Alpes", "Châtillon-en-Michaille", "04 50 00 00 30")
    )
    places.save(QualifiedPlace("Espace Évian", "1 quai", "Évian-les-Bains"))
    assert [p.commune for p in places.list()] == ["Châtillon-en-Michaille", "Évian-les-Bains", "Valserhône"]
    places.save(
        QualifiedPlace("Médiathèque", media.address, media.commune, hours="Mardi 14 h – 17 h", id=media.id)
    )
    assert [p.name for p in places.list()][-1] == "Médiathèque"
    places.delete(media.id)
    assert len(places.list()) == 2


def test_a_place_needs_a_name_an_address_a_commune_and_a_real_phone_number(places: PlaceStore) -> None:
    with pytest.raises(PlaceError, match=r"^Indiquez le nom du lieu"):
        places.save(QualifiedPlace(" ", "1 rue", "Valserhône"))
    with pytest.raises(PlaceError, match="Indiquez la commune"):
        places.save(QualifiedPlace("Médiathèque", "1 rue", ""))
    with pytest.raises(PlaceError, match=r"^Numéro de téléphone invalide « appeler le matin »"):
        places.save(QualifiedPlace("Médiathèque", "1 rue", "Valserhône", phone="appeler le matin"))
    with pytest.raises(PlaceError, match="120 caractères au plus pour les horaires"):
        places.save(QualifiedPlace("Médiathèque", "1 rue", "Valserhône", hours="lundi " * 30))
    with pytest.raises(PlaceError, match="retiré"):
        places.save(QualifiedPlace("Médiathèque", "1 rue", "Valserhône", id=999))
    assert places.list() == []


def test_the_citizen_s_commune_comes_first_however_it_is_typed(places: PlaceStore) -> None:
    for name, commune in [
        ("A", "Bellegarde"),
        ("B", "Saint-Genis-Pouilly"),
        ("C", "Valserhône"),
        ("D", "Saint-Genis-Pouilly"),
    ]:
        places.save(QualifiedPlace(name, "1 rue", commune))
    assert [p.name for p in places.nearby("st genis pouilly")] == ["B", "D", "A", "C"]
    assert [p.name for p in places.nearby("VALSERHONE", limit=2)] == ["C", "A"]
    assert [p.name for p in places.nearby("Paris")] == ["A", "B", "D", "C"]


def test_the_csv_round_trips_and_replaces_the_directory(places: PlaceStore, tmp_path: Path) -> None:
    places.save(
        QualifiedPlace("Médiathèque", "12 rue de la République", "Valserhône", "04 50 00 00 10", "Mardi")
    )
    exported = places.export_csv()
    assert exported.startswith("\ufeff".encode()) and f"{HEADER}\r\n".encode() in exported
    path = tmp_path / "lieux.csv"
    path.write_bytes(exported)
    places.save(QualifiedPlace("Ancien lieu", "1 rue", "Bellegarde"))
    assert places.import_csv(path) == 1
    assert [(p.name, p.phone, p.hours) for p in places.list()] == [("Médiathèque", "04 50 00 00 10", "Mardi")]
    path.write_text(
        "Nom;Adresse;Commune;Téléphone;Horaires\nCentre social;2 rue;Lancrans;;\n", encoding="utf-8"
    )
    assert places.import_csv(path) == 1, "a header typed by hand, with accents and capitals"


def test_a_wrong_line_or_file_changes_nothing(places: PlaceStore, tmp_path: Path) -> None:
    places.save(QualifiedPlace("Médiathèque", "1 rue", "Valserhône"))
    path = tmp_path / "lieux.csv"
    path.write_text(f"{HEADER}\nCentre social;2 rue;Bellegarde;;\n\nEspace;;Lancrans;;\n", encoding="utf-8")
    with pytest.raises(PlaceError, match=r"^Ligne 4 : indiquez l'adresse"):
        places.import_csv(path)
    path.write_text("Nom;Adresse;Commune;Téléphone\nCentre social;2 rue;Bellegarde;\n", encoding="utf-8")
    with pytest.raises(PlaceError, match=f"Première ligne attendue : {HEADER}"):
        places.import_csv(path)
    path.write_bytes("nom;adresse".encode("utf-16"))
    with pytest.raises(PlaceError, match=r"Fichier illisible : lieux\.csv"):
        places.import_csv(path)
    with pytest.raises(PlaceError, match=r"Fichier illisible : absent\.csv"):
        places.import_csv(tmp_path / "absent.csv")
    assert [p.name for p in places.list()] == ["Médiathèque"]


def test_the_shipped_example_imports_as_is(places: PlaceStore) -> None:
    assert places.import_csv(resources_dir() / "pass_numerique" / "lieux_qualifies_exemple.csv") == 3
    assert all(p.phone and p.hours for p in places.list())
