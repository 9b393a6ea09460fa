"""Reading the ANCT's list of France Services in each of the shapes it has been published in."""

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from app.paths import resources_dir
from app.registry.anct_list import ListError, parse_list, read_list

LIST_2024 = resources_dir() / "structures" / "liste-fs-20240801.csv"
LIST_2020 = resources_dir() / "structures" / "france_services_structures_2020.csv"


def test_the_2024_list_is_read_whole() -> None:
    structures = read_list(LIST_2024)
    assert len(structures) == 2845
    assert Counter(s.format for s in structures) == {
        "fixe": 2400,
        "multisites": 174,
        "bus": 134,
        "fixe_antennes": 108,
        "itinerante": 29,
    }
    assert sum(s.antenne for s in structures) == 124
    assert sum(s.itinerant for s in structures) == 134 + 29
    by_matricule = {s.matricule: s for s in structures}
    bus = by_matricule["3"]
    assert (bus.name, bus.commune, bus.departement, bus.insee_commune) == (
        "Bus France services Thiérache Sambre et Oise",
        "Guise",
        "02",
        "02361",
    )
    assert bus.itinerant and bus.format == "bus"
    assert bus.latitude == pytest.approx(49.90147) and bus.longitude == pytest.approx(3.626688)
    assert {s.departement for s in structures} >= {"01", "2A", "2B", "974", "976"}


def test_antennes_are_linked_to_their_principal() -> None:
    by_matricule = {s.matricule: s for s in read_list(LIST_2024)}
    # By the name before " - Antenne de …", though the group has four principals.
    assert by_matricule["1709"].principal == "134"  # Tréguier - Antenne de Penvenan → Tréguier
    # By the group when the names differ: the only principal of "Pays Ségali".
    assert by_matricule["677"].principal == "75"
    # A site of a multisite structure counts as an antenne too.
    assert by_matricule["362"].antenne and by_matricule["362"].principal is not None
    assert all(s.principal is None for s in by_matricule.values() if not s.antenne)
    unlinked = [s.matricule for s in by_matricule.values() if s.antenne and s.principal is None]
    # Names of one structure spelt differently: « de » or not, hyphens or spaces, « multisites » or not.
    assert by_matricule["520"].principal == "524"  # Fraize - Antenne de Corcieux → de Fraize
    assert {by_matricule[m].principal for m in ("2885", "2886", "2890")} == {"2126"}  # Vexin Thelle → -Thelle
    assert by_matricule["2884"].principal == "2667"  # multisites de La Londe-les-Maures → de La Londe…
    assert by_matricule["617"].principal == "616"  # Pays des Ecrins → Pays des écrins, not its group's Embrun
    # A bus is not the fixed site of the same town: « Ebreuil - Antenne itinérante » is the fixed one's.
    assert by_matricule["2566"].principal == "17"
    # « Point info 14 d'Isigny sur Mer – Antenne de … » ends its principal's name; « du » is « de Le ».
    assert (by_matricule["3089"].principal, by_matricule["3091"].principal) == ("87", "87")
    assert by_matricule["3090"].principal == "2020"  # Point info 14 du Molay-Littry → de Le Molay-Littry
    # Two principals of one multisite structure, another name, a bus's fixed site: the import names them
    # for the administrator.
    assert unlinked == ["2005", "2136", "2569", "2570"]


def test_the_2020_list_agrees_with_the_2024_one() -> None:
    old = read_list(LIST_2020)
    assert len(old) == 531
    assert sum(s.itinerant for s in old) == 25
    new = {s.matricule: s for s in read_list(LIST_2024)}
    for structure in old:  # the same numbers, in the same départements ("1" in 2020 is "01")
        assert new[structure.matricule].departement == structure.departement
    communes = {s.matricule: s.commune for s in old}
    assert communes["3"] == "Guise"  # "GUISE" in the file
    # Capitals without accents become the official spelling of the commune's INSEE code: accents,
    # hyphens, apostrophes and « de » as the 2024 list writes them (236 of 531 alike before).
    assert (communes["2"], communes["669"]) == ("Saint-Trivier-de-Courtes", "Janzé")  # not -De-, Janze
    assert sum(commune == new[matricule].commune for matricule, commune in communes.items()) >= 515


def _as_geojson(path: Path) -> bytes:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    features = []
    for row in rows:
        longitude, latitude = row.pop("longitude"), row.pop("latitude")
        geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]} if latitude else None
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_geojson_gives_the_same_structures_as_csv() -> None:
    from_csv = read_list(LIST_2024)
    from_geojson = parse_list(_as_geojson(LIST_2024), "liste-fs.geojson")
    assert from_geojson == from_csv


def test_columns_are_found_by_meaning_whatever_their_names() -> None:
    retyped = (
        "Identifiant;Nom;Code département;Libellé commune;Format FS\n12;France services de Die;26;Die;Fixe\n"
    )
    (structure,) = parse_list(retyped.encode("cp1252"))
    assert (structure.matricule, structure.name, structure.departement, structure.commune) == (
        "12",
        "France services de Die",
        "26",
        "Die",
    )
    # No département column: the commune's INSEE code gives it.
    (overseas,) = parse_list(b"id_fs,lib_fs,insee_com\n7,France services de Saint-Paul,97415\n")
    assert overseas.departement == "974"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "aucune structure"),
        (b"nom;departement\nDie;26\n", "aucune colonne pour « matricule »"),
        (b"id_fs;lib_fs\n1;Die\n", "aucune colonne pour le département"),
        (b"id_fs;id;lib_fs;insee_dep\n1;1;Die;26\n", "plusieurs colonnes pour « matricule » : id_fs, id"),
        (b"id_fs;lib_fs;insee_dep\n1;Die;26\n1;Crest;26\n", "ligne 3 : matricule 1 déjà à la ligne 2"),
        (b"id_fs;lib_fs;insee_dep\n1;Die;99\n", "ligne 2 : département invalide « 99 »"),
        (b"id_fs;lib_fs;insee_dep\n1 2;Die;26\n", "ligne 2 : matricule invalide « 1 2 »"),
        (b'{"type": "Feature"}', "pas un GeoJSON de structures"),
    ],
)
def test_what_cannot_be_mapped_is_refused_clearly(content: bytes, message: str) -> None:
    with pytest.raises(ListError) as refused:
        parse_list(content, "liste.csv")
    assert message in str(refused.value)


def test_every_bad_line_is_named_at_once() -> None:
    lines = "".join(f"{n} x;Die;26\n" for n in range(30))
    with pytest.raises(ListError) as refused:
        parse_list(f"id_fs;lib_fs;insee_dep\n{lines}".encode())
    assert "ligne 2 :" in str(refused.value) and "ligne 21 :" in str(refused.value)
    assert "(et 10 autres)" in str(refused.value) and "Rien n'a été importé" in str(refused.value)
