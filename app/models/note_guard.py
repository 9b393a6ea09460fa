"""Refuse citizen identifiers in any free text the workstation keeps or sends: contacts are
statistics, not files on people.

One rule for the local note and for every free-text value of the records (place, agent, funder,
booklet…): the record definition applies it too, so the server refuses what a modified client would
let through. The patterns err on the side of refusing: a false alarm costs the agent a rewording, a
missed social-security number would be personal data kept on a shared workstation and synced.

Agents write identifiers in many spellings, so the text is looked at in three forms: as typed (for
capitalised names after a civility), folded (lower case, no accents) and with numbers written out
in words turned into digits, with e-mail obfuscations ("at", "arobase", "(dot)") undone.
"""

import re
from functools import lru_cache

from app.models.text import fold

MAX_NOTE_LENGTH = 500

# The patterns are kept as text and compiled on first use by `re` (which keeps them compiled in its
# cache): compiling them all on import was a few milliseconds of every start of the workstation,
# which checks no text before the agent types one.

# NUL, C0/C1 controls, lone UTF-16 surrogates and the bidirectional overrides that make a text read
# differently from what it holds. The note alone may keep line breaks and tabs.
_CONTROL = "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
_NOTE_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"

_ADVICE = "Ne notez rien qui permette d'identifier la personne."

# --- E-mail ------------------------------------------------------------------------------------------
_AT = r"(?:\s*@\s*|\s*[(\[{<]\s*(?:at|arobase?)\s*[)\]}>]\s*|\s+(?:at|arobase?)\s+)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{<]\s*(?:dot|point)\s*[)\]}>]\s*|\s+(?:dot|point)\s+)"
_EMAIL = rf"[a-z0-9][\w.+-]*{_AT}[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}[a-z]{{2,6}}\b"
_AT_SIGN = r"\w@\w"
_AT_WORD = r"@|\b(?:at|arobase?)\b"  # cheap test before the costly pattern

# --- Numbers -----------------------------------------------------------------------------------------
# Digits split by spaces, dots, dashes, slashes, underscores or brackets, as phone and social-security
# numbers are written ("06/12/34/56/78", "1/85/05/78/006/084/91", "+33 (0)6 12 34 56 78").
# Corsican NIR carry "2A"/"2B" as their department; an "o" glued to digits is a zero ("o6 12…").
_NUMBER_RUN = r"(?<![\w])\d(?:[\s./_()-]{0,3}(?:\d|(?<=2)[ab](?![a-z])))*(?![\w])"
_LETTER_O = r"(?<![a-z])o(?=[\s./-]?\d)"
# An ordinary date of the file ("12/03/2026", "12.03.26") is not a number to count; one that is
# part of a longer run ("06/12/34/56/78") is.
_DATE = r"(?<![\d/.-])(\d{1,2})([/.-]|\s)(\d{1,2})\2(\d{4}|\d{2})(?!\d|[\s/.-]\d)"
_YEAR = r"^(?:19|20)\d\d$"

# Numbers written out in words, turned into digits one word at a time ("zéro six douze trente-quatre…").
_NUMBER_WORDS = {
    "zero": "0", "un": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "six": "6",
    "sept": "7", "huit": "8", "neuf": "9", "dix": "10", "onze": "11", "douze": "12", "treize": "13",
    "quatorze": "14", "quinze": "15", "seize": "16", "vingt": "20", "vingts": "20", "trente": "30",
    "quarante": "40", "cinquante": "50", "soixante": "60", "cent": "100", "cents": "100",
}  # fmt: skip
_WORD_RUN = (
    rf"\b(?:{'|'.join(_NUMBER_WORDS)}|\d+)(?:(?:[\s,.-]+|\s+et\s+)(?:{'|'.join(_NUMBER_WORDS)}|\d+)\b){{4,}}"
)
_WORD = rf"\b(?:{'|'.join(_NUMBER_WORDS)})\b"

# --- Bank account ------------------------------------------------------------------------------------
_IBAN = r"\b(?:fr|mc)\s*\d{2}(?:[\s.-]{0,3}[0-9a-z]){20,}"
_BANK_WORD = r"\b(?:iban|rib)\b\W{0,5}(?:n\W?o?\W{0,3})?[a-z]{0,2}\s*\d"

# --- Date of birth -----------------------------------------------------------------------------------
_MONTHS = "janv|fevr|mars|avr|mai|juin|juil|aout|sept|oct|nov|dec"
_ANY_DATE = rf"(?:\d{{1,2}}\s*[/.-]\s*\d{{1,2}}\s*[/.-]\s*\d{{2,4}}|(?:\d{{1,2}}|1er|premier)\s+(?:{_MONTHS})|(?:{_MONTHS})[a-z]*\s+(?:19|20)\d\d|(?:19|20)\d\d\b)"
_BIRTH = rf"(?:\bn[eé]e?s?(?:\s*\(\s*e\s*\))?\s+(?:le|en|au|:)\s*|\bdate\s+de\s+naissance\W*|\bd\.?\s?d\.?\s?n\.?\W*|\bnaissance\s*:\s*|\bne\s?\(e\)\s*(?:le|en)?\s*){_ANY_DATE}"

# --- Documents ---------------------------------------------------------------------------------------
_DOCUMENTS = (
    r"passeport|carte\s+(?:d'|d\s)?identite|cni|titre\s+de\s+sejour|permis(?:\s+de\s+conduire)?|"
    r"allocataire|(?:n\W?o?|numero)\s+caf|caf\s+n\W?o?|numero\s+fiscal|nif|spi|carte\s+vitale|secu|"
    r"securite\s+sociale|nir|ine|agdref|identifiant|france\s+travail|pole\s+emploi|matricule|"
    r"immatriculation|avis\s+d'imposition\s+n\W?o?|reference\s+(?:de\s+l'avis|fiscale)|cle"
)
_DOCUMENT = (
    rf"\b(?:{_DOCUMENTS})\b(?:\s*(?:n\W?o?|numero|num|no|:|#)\b)?\W{{0,4}}(?=[a-z0-9-]*\d)[a-z0-9-]{{4,}}"
)
# A French passport number: two digits, two letters, five digits.
_PASSPORT = r"\b\d{2}[a-z]{2}\d{5}\b"

# --- Civility and name (on the text as typed: the name is what is capitalised) ------------------------
_CIVILITY = (
    r"\b(?:M|Mr|MM|Mme|Mmes|Mlle|Mlles|Melle|Monsieur|Madame|Mademoiselle|Messieurs|Mesdames|"
    r"MR|MME|MLLE|MONSIEUR|MADAME|[Éé]pouse|[Ée]p|[Vv]euve|[Vv]ve|[Nn]ée|NEE)\b\.?\s+"
    r"([A-ZÀ-Ý][\w'’-]*)"
)
# What may follow a civility without being a name ("M. le maire", "Madame la Directrice").
_NOT_NAMES = {
    "le", "la", "les", "l", "du", "de", "des", "d", "un", "une", "et", "ou", "a", "au", "aux",
    "maire", "adjoint", "adjointe", "directeur", "directrice", "president", "presidente", "prefet",
    "prefete", "conseiller", "conseillere", "depute", "deputee", "senateur", "senatrice", "docteur",
    "responsable", "agent", "x", "y", "z", "xx", "xxx",
}  # fmt: skip
_NAMED = r"\b(?:nom|prenom|nom\s+de\s+(?:famille|naissance|jeune\s+fille))\s*:\s*[a-z]"


def control_problem(text: str, *, line_breaks: bool = False) -> str | None:
    """A French explanation if `text` holds characters no value may hold, else None."""
    found = re.search(_NOTE_CONTROL if line_breaks else _CONTROL, text)
    if found is None:
        return None
    return (
        f"caractère interdit (U+{ord(found.group()):04X}) : retirez les caractères invisibles ou de contrôle"
    )


def identifier_kind(text: str, *, names: bool = True) -> str | None:
    """What kind of identifier `text` holds, in French ("un numéro de téléphone"…), or None.

    `names=False` leaves out the person's-name check, for the rare fields whose very purpose is an
    institutional contact's name or a street named after someone (`app.models.record`)."""
    folded = fold(text)
    if re.search(_AT_SIGN, folded) or (re.search(_AT_WORD, folded) and re.search(_EMAIL, folded)):
        return "une adresse e-mail"
    if re.search(_IBAN, folded) or re.search(_BANK_WORD, folded):
        return "un numéro de compte bancaire (IBAN)"
    if re.search(_BIRTH, folded):
        return "une date de naissance"
    kind = _number_kind(re.sub(_LETTER_O, "0", folded))
    if kind:
        return kind
    if re.search(_DOCUMENT, folded) or re.search(_PASSPORT, folded):
        return "un numéro de pièce ou de dossier (passeport, carte d'identité, CAF, impôts…)"
    for run in re.finditer(_WORD_RUN, folded):
        if len(re.findall(_WORD, run.group())) >= 2:
            return "un numéro écrit en toutes lettres"
    if names and (_named(text) or re.search(_NAMED, folded)):
        return "un nom de personne"
    return None


def _number_kind(folded: str) -> str | None:
    dates = [match for match in re.finditer(_DATE, folded) if _is_date(match)]
    for match in dates:
        if _old_year(match.group(4)):
            return "une date de naissance"
    for start, end in reversed([match.span() for match in dates]):
        folded = f"{folded[:start]} {folded[end:]}"
    for match in re.finditer(_NUMBER_RUN, folded):
        groups = re.findall(r"\d+|[ab]", match.group())
        if all(re.match(_YEAR, group) for group in groups):
            continue  # "2024 2025": years, not a number
        digits = "".join(groups)
        if re.fullmatch(r"(?:0033|33)0?[1-9]\d{8}|0[1-9]\d{8}", digits):
            return "un numéro de téléphone"
        if len(digits) == 15 and digits[0] in "123478":
            return "un numéro de sécurité sociale"
        if len(digits) == 13 and digits[0] in "0123":
            return "un numéro fiscal"
        if len(digits) >= 7:
            return "un long numéro (identifiant, dossier, allocataire…)"
    return None


def _is_date(match: re.Match[str]) -> bool:
    """A day and a month, and with spaces only a four-digit year ("12 03 2026", not "3 12 45")."""
    day, separator, month, year = match.groups()
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12 and (separator in "/.-" or len(year) == 4)


def _old_year(year: str) -> bool:
    """A full date that long ago is a date of birth, not a date of the file."""
    value = int(year)
    if len(year) == 2:
        return value >= 30
    return value < 2010


def _named(text: str) -> bool:
    return any(fold(match.group(1)).strip("'’-") not in _NOT_NAMES for match in re.finditer(_CIVILITY, text))


@lru_cache(maxsize=4096)
def value_problem(text: str, subject: str, *, names: bool = True) -> str | None:
    """Why `text`, a one-line free-text value, cannot be kept or sent, in French, or None.

    `subject` names the value at the start of a sentence ("Le lieu", "Le champ « financeur »").
    Cached: the same few places, agents and funders come back in every record, saved or ingested.
    `names=False`: see `identifier_kind`.
    """
    control = control_problem(text)
    if control:
        return f"{subject} contient un {control}."
    kind = identifier_kind(text, names=names)
    if kind:
        return f"{subject} contient ce qui ressemble à {kind}. {_ADVICE}"
    return None


def identifier_problem(note: str) -> str | None:
    """A French explanation of why `note` cannot be kept, or None if it can."""
    if len(note) > MAX_NOTE_LENGTH:
        return f"La note est trop longue ({len(note)} caractères, {MAX_NOTE_LENGTH} au plus)."
    control = control_problem(note, line_breaks=True)
    if control:
        return f"La note contient un {control}."
    kind = identifier_kind(note)
    if kind:
        return f"La note contient ce qui ressemble à {kind}. {_ADVICE}"
    return None
