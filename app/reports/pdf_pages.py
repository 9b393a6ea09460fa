"""What every document of the workstation shares: numbered pages and DejaVu Sans when it is there."""

from functools import cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

# A TableStyle's commands, (name, first cell, last cell, values...): their shapes differ, and the
# reportlab stubs accept a list of one shape only.
StyleCommands = list[tuple[Any, ...]]

_DEJAVU_FOLDERS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")


class NumberedCanvas(Canvas):
    """A canvas that holds its pages until the end, so that every page can say "Page 1 sur N": a
    person given two sheets should know there is a second one. Subclasses draw in `draw_frame`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own, private: not in its stubs

    def save(self) -> None:
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.draw_frame(number, len(self._pages))
            super().showPage()
        super().save()

    def draw_frame(self, number: int, total: int) -> None:
        raise NotImplementedError


@cache
def dejavu_sans() -> bool:
    """Register DejaVu Sans and its bold (once per process) if the system has them: unlike the PDF
    standard Helvetica they have ☐, narrow no-break spaces and a real minus. False if absent."""
    for folder in _DEJAVU_FOLDERS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            registered = pdfmetrics.getRegisteredFontNames()
            for name, file in (("DejaVuSans", regular), ("DejaVuSans-Bold", bold)):
                if name not in registered:
                    pdfmetrics.registerFont(TTFont(name, str(file)))
            # So that <b> in a paragraph picks the bold face.
            pdfmetrics.registerFontFamily(
                "DejaVuSans",
                normal="DejaVuSans",
                bold="DejaVuSans-Bold",
                italic="DejaVuSans",
                boldItalic="DejaVuSans-Bold",
            )
            return True
    return False
