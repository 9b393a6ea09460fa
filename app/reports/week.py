"""When the desk is busy: the weekday × hour profile of a period's contacts.

One rule for every view of it — the Synthèses screen's two charts and its table, the PDF's grid and
profiles: Monday to Friday always, a weekend day only when the desk had contacts then; the hours
from the first to the last with a contact, the quiet ones in between included (a gap shows).
"""

from dataclasses import dataclass

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class WeekProfile:
    cells: dict[tuple[int, int], int]  # (Monday = 0 … Sunday = 6, hour 0–23): contacts
    days: list[int]
    hours: list[int]
    per_day: dict[int, int]
    per_hour: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.per_day.values())

    @property
    def busiest_slot(self) -> tuple[int, int]:
        """(day, hour) with the most contacts; of equals, the earliest in the week."""
        return max(self.cells, key=lambda slot: (self.cells[slot], -slot[0], -slot[1]))

    @property
    def busiest_day(self) -> int:
        return max(self.days, key=lambda day: (self.per_day[day], -day))

    @property
    def busiest_hour(self) -> int:
        return max(self.hours, key=lambda hour: (self.per_hour[hour], -hour))


def week_profile(cells: dict[tuple[int, int], int]) -> WeekProfile | None:
    """The profile of `Summary.by_weekday_hour`; None for a period without contacts."""
    cells = {slot: count for slot, count in cells.items() if count}
    if not cells:
        return None
    days = sorted({day for day, _ in cells} | set(range(5)))
    hours = list(range(min(hour for _, hour in cells), max(hour for _, hour in cells) + 1))
    return WeekProfile(
        cells=cells,
        days=days,
        hours=hours,
        per_day={day: sum(cells.get((day, hour), 0) for hour in hours) for day in days},
        per_hour={hour: sum(cells.get((day, hour), 0) for day in days) for hour in hours},
    )
