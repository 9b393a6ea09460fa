"""Text folding shared by every type-ahead search: agents type without accents or capitals."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents, so that "demenage" matches "Je déménage"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("’", "'")
