"""The directories a responsable keeps in a spreadsheet: `;`-separated CSV, UTF-8 with a BOM.

That is the CSV French spreadsheets open and save without an import dialog. The directories
(referents, qualified places) share the reading and the writing, and the summaries
(workstation and server) the writer; each store keeps its own fields and its own French error type.

Every text cell written is neutralised against formula injection: a spreadsheet runs a cell that
starts with `=`, `+`, `-` or `@` (or a tab or a carriage return before one) as a formula, and a
label, a place or a phone number typed on a workstation must never become one on the responsable's
PC. Such a cell (but a negative number: « -1,10055 » runs nothing) gets a leading apostrophe (what
spreadsheets themselves write to mean "text"), which reading a directory back removes, so that
"+33 6 12 34 56 78" survives the round trip.
"""

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from app.models.text import fold

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:,[0-9]+)?")


def read_rows(path: Path, header: list[str], error: type[ValueError]) -> list[tuple[int, list[str]]]:
    """The non-blank data rows of `path` with their line number, each cut or padded to the header's
    width; raise `error` with a French message if the file is unreadable or its first line is not
    `header`, accents and capitals ignored ("Téléphone" is "telephone"; extra columns after it are
    tolerated: spreadsheets add some)."""
    try:
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))
    except (OSError, UnicodeDecodeError, csv.Error) as cause:  # csv.Error: a cell of over 128 KB
        raise error(f"Fichier illisible : {path.name} (attendu : CSV UTF-8 séparé par « ; »).") from cause
    if not rows or [fold(cell.strip()) for cell in rows[0]][: len(header)] != header:
        raise error(f"Première ligne attendue : {';'.join(header)}")
    width = len(header)
    return [
        (number, [*(_unneutralised(cell) for cell in cells), *[""] * width][:width])
        for number, cells in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]


class _SpreadsheetWriter:
    """csv's writer, every text cell neutralised (`neutralised`) on its way out."""

    def __init__(self, handle: TextIO) -> None:
        self._writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralised(cell) if isinstance(cell, str) else cell for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def spreadsheet_writer(handle: TextIO) -> _SpreadsheetWriter:
    """A csv writer with `;` separators and CRLF line ends, as French spreadsheets write them, that
    neutralises formulas; the BOM is the encoding's (`utf-8-sig`). Every CSV the workstation and the
    server write goes through it."""
    return _SpreadsheetWriter(handle)


def neutralised(cell: str) -> str:
    """`cell` as a spreadsheet will show it as text, never run it as a formula. A negative number
    (« -1,10055 », a longitude west of Greenwich) is no formula: it stays a number."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) and not _NEGATIVE_NUMBER.fullmatch(cell) else cell


def _unneutralised(cell: str) -> str:
    """The value `neutralised` wrote (a spreadsheet saving the file keeps the apostrophe)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def write_rows(header: list[str], rows: Iterable[list[str]]) -> bytes:
    """The file's bytes: BOM, `;` separators and CRLF line ends, as spreadsheets write them."""
    buffer = io.StringIO()
    writer = spreadsheet_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
