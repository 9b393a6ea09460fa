import json

from app.models.reference import load_catalogue
from app.models.structures import load_structures, search_structures
from app.paths import resources_dir

NATIONAL = {
    "la-poste",
    "france-travail",
    "caf",
    "assurance-maladie",
    "assurance-retraite",
    "msa",
    "france-titres",
    "justice",
    "dgfip",
    "agirc-arrco",
}


def test_every_reference_file_is_dated_versioned_and_sourced() -> None:
    for path in (resources_dir() / "reference").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert {"version", "date", "source"} <= data.keys(), path.name


def test_partners_have_their_current_names() -> None:
    catalogue = load_catalogue()
    assert catalogue.partners.keys() >= NATIONAL
    labels = " ".join(p.label for p in catalogue.partners.values())
    assert "France Travail" in labels and "Pôle emploi" not in labels
    assert "France Titres" in labels and "Agirc-Arrco" in labels


def test_bouquet_themes_situations_and_life_events() -> None:
    catalogue = load_catalogue()
    # The six themes of the official bouquet, and « Accès au numérique » (charter § 1.2, § 1.3)
    assert len(catalogue.themes) == 7
    bouquet = [
        s
        for s in catalogue.situations.values()
        if s.theme and s.id not in ("demenagement", "depart-retraite", "aide-numerique")
    ]
    assert len(bouquet) == 19  # the official bouquet lists 19 situations, 3 or 4 per theme
    assert catalogue.situations["demenagement"].label == "Je déménage"
    assert catalogue.situations["depart-retraite"].label == "Je pars à la retraite"
    for situation in catalogue.situations.values():
        assert situation.theme is None or situation.theme in catalogue.themes
        assert situation.partners and set(situation.partners) <= catalogue.partners.keys(), situation.id


def test_each_field_has_exactly_one_default() -> None:
    defaults = load_catalogue().defaults
    assert defaults == {"channel": "sur-place", "help_kind": "information", "outcome": "resolu"}


def test_the_real_structure_list_is_searchable_without_accents() -> None:
    structures = load_structures()
    assert len(structures) > 500
    assert any(s.itinerant for s in structures)
    assert search_structures("valserhone")[0].name == "France services de Valserhône"
    assert search_structures("01200")[0].postal_code == "01200"
    by_matricule = search_structures("3")[0]
    assert by_matricule.matricule == "3" and by_matricule.itinerant


def test_exact_and_prefix_matches_of_the_name_and_the_commune_come_first() -> None:
    assert search_structures("die")[0].commune == "Die"  # not Condé-en-Normandie nor Dieulefit
    assert search_structures("Die")[1].commune == "Dieulefit"
    assert [s.commune for s in search_structures("guise")[:2]] == ["Guise", "Guise"]
    # "St" is Saint, hyphens are spaces, accents do not matter; the commune keeps its spelling.
    found = search_structures("st die des vosges")
    assert found[0].commune == "Saint-Dié-des-Vosges"
    # Whole words typed come before the start of a longer word: Saint-Dié, not Saint-Dier-d'Auvergne
    # (the first result is the one the wizard selects).
    assert search_structures("saint-die")[0].commune == "Saint-Dié-des-Vosges"
    # A structure's name is compared without its "France services de".
    assert search_structures("valserhone")[0].matricule == "1"
    assert search_structures("thierache")[0].matricule == "3"
