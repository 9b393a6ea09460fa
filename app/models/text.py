"""Text helpers: the folding shared by every type-ahead search (agents type without accents or
capitals), the printable form of a stored or received value, and an ISO day as the French write it."""

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


def match_rank(typed: str, *texts: str) -> int:
    """How well `typed` matches the best of `texts` (all folded alike, words separated by spaces): 0
    equal, 1 a prefix, 2 the start of a word, 3 anywhere else. The type-ahead searches sort by it, so
    that "die" puts Die before Condé-en-Normandie."""
    return min(
        0 if text == typed else 1 if text.startswith(typed) else 2 if f" {typed}" in f" {text}" else 3
        for text in texts
    )


def french_day(day: str) -> str:
    """« 01/08/2024 » for « 2024-08-01 » (or the start of an ISO time)."""
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}"
