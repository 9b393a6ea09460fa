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
    equal, 1 its first whole words, 2 a prefix, 3 the start of a word, 4 anywhere else. The type-ahead
    searches sort by it, so that "die" puts Die before Condé-en-Normandie, and "saint die" puts
    Saint-Dié-des-Vosges before Saint-Dier-d'Auvergne (the first result is the one selected)."""
    return min(_match_rank(typed, text) for text in texts)


def _match_rank(typed: str, text: str) -> int:
    if text == typed:
        return 0
    if text.startswith(typed):
        return 1 if text.startswith(f"{typed} ") else 2
    return 3 if f" {typed}" in f" {text}" else 4


def french_day(day: str) -> str:
    """« 01/08/2024 » for « 2024-08-01 » (or the start of an ISO time)."""
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}"
