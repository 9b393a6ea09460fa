import pytest

from app.models.note_guard import MAX_NOTE_LENGTH, identifier_problem


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("NIR 1 85 05 78 006 084 36", "sécurité sociale"),
        ("185057800608436", "sécurité sociale"),
        ("numéro fiscal 3012345678901", "sécurité sociale ou fiscal"),
        ("rappeler au 06 12 34 56 78", "téléphone"),
        ("tél +33 6 12 34 56 78", "téléphone"),
        ("écrire à jean.dupont@example.org", "e-mail"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", "IBAN"),
        ("allocataire 1234567", "long numéro"),
        ("x" * (MAX_NOTE_LENGTH + 1), "trop longue"),
    ],
)
def test_identifiers_are_refused(note: str, expected: str) -> None:
    problem = identifier_problem(note)
    assert problem is not None and expected in problem


@pytest.mark.parametrize(
    "note",
    [
        "",
        "Revenir le 12/03/2026 avec l'avis d'imposition 2025",
        "Dossier ANTS en cours, délai 72 h, 2 pièces manquantes",
        "Rendez-vous CAF à 14h30, formulaire cerfa 15652*03",
    ],
)
def test_ordinary_notes_pass(note: str) -> None:
    assert identifier_problem(note) is None
