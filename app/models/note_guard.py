"""Refuse citizen identifiers in the free note: contacts are statistics, not files on people.

The patterns err on the side of refusing: a false alarm costs the agent a rewording, a missed
social-security number would be personal data kept on a shared workstation.
"""

import re

MAX_NOTE_LENGTH = 500

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)33[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
# A run of digits, possibly split by spaces, dots or dashes (Corsican NIR keep "2A"/"2B").
_NUMBER_RUN = re.compile(r"(?<![\w])\d(?:[\s.-]?(?:\d|2[AB]))+(?![\w])", re.IGNORECASE)
_IBAN = re.compile(r"\bFR\d{2}(?:\s?[0-9A-Z]{4}){5}", re.IGNORECASE)


def identifier_problem(note: str) -> str | None:
    """A French explanation of why `note` cannot be kept, or None if it can."""
    if len(note) > MAX_NOTE_LENGTH:
        return f"La note est trop longue ({len(note)} caractères, {MAX_NOTE_LENGTH} au plus)."
    if _EMAIL.search(note):
        return "La note contient une adresse e-mail. N'écrivez aucune coordonnée de la personne."
    if _PHONE.search(note):
        return "La note contient un numéro de téléphone. N'écrivez aucune coordonnée de la personne."
    if _IBAN.search(note):
        return "La note contient un numéro de compte bancaire (IBAN). Retirez-le."
    for match in _NUMBER_RUN.finditer(note):
        digits = re.sub(r"[\s.-]", "", match.group())
        if len(digits) == 15 or (len(digits) == 13 and digits[0] in "12378"):
            return (
                "La note contient ce qui ressemble à un numéro de sécurité sociale ou fiscal. "
                "Ces numéros ne doivent jamais être enregistrés."
            )
        if len(digits) >= 7:
            return (
                "La note contient un long numéro (identifiant, dossier, allocataire…). "
                "Ne notez aucun numéro permettant d'identifier la personne."
            )
    return None
