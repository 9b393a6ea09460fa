"""Text helpers: the folding shared by every type-ahead search (agents type without accents or
capitals), and the printable form of a stored or received value."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents, so that "demenage" matches "Je déménage"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("’", "'")


def printable(text: str) -> str:
    """`text` with every character a terminal, a log or a JSON answer should not carry (controls and
    escape sequences, NUL, lone surrogates, unassigned code points) replaced by U+FFFD: a stored
    label or a refused value is shown, never interpreted."""
    return "".join(char if char.isprintable() else "\ufffd" for char in text)
