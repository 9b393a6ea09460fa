"""The periods a structure reports on: a month, a quarter or a year, on the agent's wall clock."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_FORMS: tuple[tuple[re.Pattern[str], Literal["month", "quarter", "year"]], ...] = (
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})-[QqTt]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PeriodError(ValueError):
    """A period that cannot be read; the message is French."""


@dataclass(frozen=True)
class Period:
    kind: Literal["month", "quarter", "year"]
    year: int
    number: int = 0  # the month (1–12) or the quarter (1–4); 0 for a year

    @classmethod
    def parse(cls, text: str) -> "Period":
        """ "2026-11", "2026-Q4" (or "2026-T4") or "2026"."""
        for pattern, kind in _FORMS:
            match = pattern.match(text.strip())
            if match:
                year = int(match.group(1))
                if not 2000 <= year <= 2100:
                    break
                return cls(kind, year, int(match.group(2)) if kind != "year" else 0)
        raise PeriodError(
            f"Période incompréhensible : « {text} » (attendu : 2026-11 pour un mois, 2026-T4 pour un "
            "trimestre, 2026 pour une année)."
        )

    @classmethod
    def containing(cls, kind: Literal["month", "quarter", "year"], day: date) -> "Period":
        """The month, quarter or year that `day` falls in."""
        number = {"month": day.month, "quarter": (day.month - 1) // 3 + 1, "year": 0}[kind]
        return cls(kind, day.year, number)

    @classmethod
    def last_full_month(cls, today: date) -> "Period":
        return cls("month", today.year, today.month).previous()

    @property
    def months(self) -> list[str]:
        """The `YYYY-MM` months the period covers (the server's `local_month`)."""
        first = {"month": self.number, "quarter": 3 * self.number - 2, "year": 1}[self.kind]
        count = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return [f"{self.year:04d}-{month:02d}" for month in range(first, first + count)]

    @property
    def start(self) -> date:
        """The first day of the period."""
        return date.fromisoformat(self.months[0] + "-01")

    @property
    def end(self) -> date:
        """The day after the period's last day."""
        year, month = map(int, self.months[-1].split("-"))
        return date(year + month // 12, month % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        """The period's last day."""
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        """ "novembre 2026", "4e trimestre 2026", "année 2026"."""
        if self.kind == "month":
            return f"{MONTHS[self.number - 1]} {self.year}"
        if self.kind == "quarter":
            return f"{self.number}{'er' if self.number == 1 else 'e'} trimestre {self.year}"
        return f"année {self.year}"

    @property
    def compared_to(self) -> str:
        """After « par rapport », in the screen and the PDF alike: "à octobre 2026", "au 3e
        trimestre 2026", "à l'année 2025"."""
        return {"month": "à ", "quarter": "au ", "year": "à l'"}[self.kind] + self.label

    @property
    def during(self) -> str:
        """After « aucun contact »: "en octobre 2026", "au 3e trimestre 2026", "en 2025"."""
        return {"month": f"en {self.label}", "quarter": f"au {self.label}", "year": f"en {self.year}"}[
            self.kind
        ]

    @property
    def slug(self) -> str:
        """For file names: "2026-11", "2026-T4", "2026"."""
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-T{self.number}"
        return f"{self.year:04d}"

    def previous(self) -> "Period":
        """The period just before (October for November, Q3 for Q4, 2025 for 2026)."""
        if self.kind == "year" or self.number == 1:
            last = {"month": 12, "quarter": 4, "year": 0}[self.kind]
            return Period(self.kind, self.year - 1, last)
        return Period(self.kind, self.year, self.number - 1)

    def next(self) -> "Period":
        """The period just after (December for November, Q1 2027 for Q4 2026, 2027 for 2026)."""
        return Period.containing(self.kind, self.end)

    def year_before(self) -> "Period":
        """The same period a year before."""
        return Period(self.kind, self.year - 1, self.number)
