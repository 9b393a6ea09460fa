"""The identifier guard, table-driven: what agents really type, in every usual spelling."""

import pytest

from app.models.note_guard import MAX_NOTE_LENGTH, identifier_problem, value_problem

EMAIL = "adresse e-mail"
PHONE = "téléphone"
NIR = "sécurité sociale"
TAX = "numéro fiscal"
IBAN = "IBAN"
BIRTH = "date de naissance"
NAME = "un nom de personne"
DOCUMENT = "pièce ou de dossier"
LONG = "long numéro"
WORDS = "toutes lettres"

REFUSED = [
    # Social-security numbers (NIR), every way they are split.
    ("NIR 1 85 05 78 006 084 36", NIR),
    ("185057800608436", NIR),
    ("1/85/05/78/006/084/91", NIR),
    ("1.85.05.78.006.084.91", NIR),
    ("1-85-05-78-006-084-91", NIR),
    ("sécu : 2 84 05 2A 006 084 36", NIR),
    ("2840599350124 36", NIR),
    ("carte vitale 1 85 05  78 006 084 36", NIR),
    # Tax numbers.
    ("numéro fiscal 3012345678901", TAX),
    ("SPI 30 12 345 678 901", TAX),
    # Phone numbers.
    ("rappeler au 06 12 34 56 78", PHONE),
    ("tél +33 6 12 34 56 78", PHONE),
    ("06/12/34/56/78", PHONE),
    ("06.12.34.56.78", PHONE),
    ("06-12-34-56-78", PHONE),
    ("0612345678", PHONE),
    ("+33612345678", PHONE),
    ("+33 (0)6 12 34 56 78", PHONE),
    ("0033 6 12 34 56 78", PHONE),
    ("portable 06  12  34  56  78", PHONE),
    ("fixe 01 23 45 67 89 le matin", PHONE),
    ("O6 12 34 56 78", PHONE),
    ("tel: 06 12 34 5678", PHONE),
    # Phone numbers written out in words.
    ("zéro six douze trente-quatre cinquante-six soixante-dix-huit", WORDS),
    ("zero six, douze, trente quatre, cinquante six", WORDS),
    ("06 douze 34 cinquante-six 78", WORDS),
    # E-mail addresses, plain and obfuscated.
    ("écrire à jean.dupont@example.org", EMAIL),
    ("jean.dupont at gmail.com", EMAIL),
    ("jean.dupont arobase gmail point com", EMAIL),
    ("jean.dupont(at)gmail(dot)com", EMAIL),
    ("jean.dupont [at] gmail [dot] com", EMAIL),
    ("jean.dupont @ gmail . com", EMAIL),
    ("JEAN.DUPONT@GMAIL.COM", EMAIL),
    ("mail jdupont@orange", EMAIL),
    ("j.dupont (arobase) laposte.net", EMAIL),
    # Bank accounts.
    ("IBAN FR76 3000 6000 0112 3456 7890 189", IBAN),
    ("FR76  3000  6000  0112  3456  7890  189", IBAN),
    ("fr7630006000011234567890189", IBAN),
    ("FR76-3000-6000-0112-3456-7890-189", IBAN),
    ("RIB : 30006 00001 12345678901 89", IBAN),
    ("iban n° FR14 2004 1010 0505 0001 3M02 606", IBAN),
    # Dates of birth.
    ("né le 12/03/1985", BIRTH),
    ("née le 12.03.1985", BIRTH),
    ("ne le 12-03-85", BIRTH),
    ("né(e) le 1er mars 1985", BIRTH),
    ("née en 1962", BIRTH),
    ("date de naissance : 12/03/1985", BIRTH),
    ("DDN 12/03/1985", BIRTH),
    ("d.d.n. 12 mars 1985", BIRTH),
    ("naissance : 1985", BIRTH),
    ("12/03/1985", BIRTH),
    ("vient le 12/03/85", BIRTH),
    # Civility and name.
    ("M. Dupont", NAME),
    ("M Dupont est venu", NAME),
    ("Mme Martin", NAME),
    ("Madame Martin-Durand", NAME),
    ("Monsieur DUPONT", NAME),
    ("MME MARTIN", NAME),
    ("Mr Smith", NAME),
    ("Mlle Leroy", NAME),
    ("Mme Martin 06 12 34 56 78", PHONE),
    ("épouse Durand", NAME),
    ("Martine, née Dupont", NAME),
    ("veuve Martin", NAME),
    ("nom : dupont", NAME),
    ("prénom : jean", NAME),
    # Document numbers.
    ("passeport 12AB34567", DOCUMENT),
    ("passeport n° 18AV12345", DOCUMENT),
    ("12AB34567", DOCUMENT),
    ("CNI 880692310285", LONG),
    ("carte d'identité n° X4RTBPFW4", DOCUMENT),
    ("titre de séjour 7501234567", LONG),
    ("n° allocataire 1234567", LONG),
    ("allocataire 123456", DOCUMENT),
    ("numéro CAF 98765", DOCUMENT),
    ("permis de conduire 12AA34", DOCUMENT),
    ("identifiant france travail 1234A", DOCUMENT),
    ("pôle emploi : 0123456A", DOCUMENT),
    # Long numbers of any other kind.
    ("dossier 12345678", LONG),
    ("ref 1234 5678", LONG),
]

ORDINARY = [
    "",
    "RDV le 12/03 à 14h avec la MSA",
    "2 enfants, dossier APL en cours",
    "M. le maire a appelé pour le dossier",
    "Madame la directrice de l'école prévenue",
    "Mme souhaite refaire sa demande de prime d'activité",
    "Monsieur vient pour sa déclaration de revenus",
    "Revenir le 12/03/2026 avec l'avis d'imposition 2025",
    "Dossier ANTS en cours, délai 72 h, 2 pièces manquantes",
    "Rendez-vous CAF à 14h30, formulaire cerfa 15652*03",
    "Avis d'imposition 2024 2025 à scanner",
    "Loyer 650 €, APL 210 € par mois",
    "Montant du rappel : 1 250,50 €",
    "A rappelé la CPAM, attente 45 minutes",
    "Renouvellement carte d'identité, pré-demande faite",
    "Passeport : RDV pris en mairie pour le 3 avril",
    "Déclaration de naissance à faire avant le 15/04",
    "Acte de naissance demandé en ligne",
    "Demande de retraite anticipée, carrière longue",
    "Aide au remplissage du dossier MDPH, 3 pages",
    "Problème de connexion FranceConnect, mot de passe réinitialisé",
    "Créer une adresse e-mail avec la personne (pas notée ici)",
    "Impression de 4 attestations Pôle emploi",
    "Dossier retraite : relevé de carrière à demander",
    "Orientée vers l'assistante sociale du département",
    "Simulation chèque énergie : 194 €",
    "Deux ou trois démarches à finir la semaine prochaine",
    "Vingt minutes d'attente au téléphone avec les impôts",
    "Prochain passage du bus le 2/12 à 9 h 30",
    "Permis de conduire : demande de duplicata sur ANTS",
    "A perdu son titre de séjour, récépissé à demander",
    "Numéro de téléphone à mettre à jour sur le compte ameli (fait par la personne)",
    "Rdv 10h-12h, puis 14h-16h30",
    "Ligne 2 du formulaire S3705 à corriger",
    "Chèques 1001 à 1005 remis",
    "Situation : séparation en 2023, garde alternée",
    "RDV le 12 03 2026 à 14h avec la CAF",
    "Lot 3 12 45 du formulaire",
]


@pytest.mark.parametrize(("note", "expected"), REFUSED)
def test_identifiers_are_refused(note: str, expected: str) -> None:
    problem = identifier_problem(note)
    assert problem is not None and expected in problem, problem


@pytest.mark.parametrize("note", ORDINARY)
def test_ordinary_notes_pass(note: str) -> None:
    assert identifier_problem(note) is None


def test_the_tables_are_large_enough() -> None:
    assert len(REFUSED) >= 60 and len(ORDINARY) >= 30


def test_a_note_too_long_is_refused() -> None:
    problem = identifier_problem("x" * (MAX_NOTE_LENGTH + 1))
    assert problem is not None and "trop longue" in problem


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\ud800", "\u202e", "\x7f", "\x85"])
def test_invisible_characters_are_refused(bad: str) -> None:
    assert "caractère interdit" in (value_problem(f"Paris{bad}", "Le lieu") or "")
    assert "caractère interdit" in (identifier_problem(f"note{bad}") or "")


def test_a_note_keeps_its_line_breaks_but_a_value_does_not() -> None:
    assert identifier_problem("ligne 1\nligne 2\ttab") is None
    assert value_problem("Paris\nLyon", "Le lieu") is not None


def test_a_value_names_its_field() -> None:
    assert value_problem("Mme Martin 06 12 34 56 78", "Le lieu") == (
        "Le lieu contient ce qui ressemble à un numéro de téléphone. "
        "Ne notez rien qui permette d'identifier la personne."
    )
    assert value_problem("Saint-Martin-d'Hères", "Le lieu") is None
