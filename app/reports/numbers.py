"""How every figure of a summary is written: the Synthèses screen, the PDF and the CSV share these.

Two writers of one figure drifted apart: the screen said "1 h passées avec le public" where the PDF
said 45 min, and an average of 30.5 min read "30" on the screen (Python rounds halves to even) and
"31" in the PDF. One rounding rule (halves up, as a person rounds) and one wording, here.
"""

from decimal import ROUND_HALF_UP, Decimal

THIN = "\u202f"  # between thousands and before "%": the narrow no-break space of French typography
NBSP = "\u00a0"  # between a number and its unit


def rounded(value: float, decimals: int = 0) -> Decimal:
    """`value` rounded halves up (30.5 → 31, 2.25 → 2.3), from its shortest decimal writing."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: int, thin: str = THIN) -> str:
    """ "12 345": thousands apart, as the French write them."""
    return f"{value:,}".replace(",", thin)


def decimal(value: float, decimals: int = 1) -> str:
    """ "30,5": a decimal comma, for French spreadsheets and text alike."""
    return str(rounded(value, decimals)).replace(".", ",")


def percent(part: float, whole: int, decimals: int = 0, thin: str = THIN) -> str:
    """ "12 %", or "12,5 %" with `decimals`; "—" when there is nothing to divide by."""
    if not whole:
        return "—"
    return f"{decimal(100 * part / whole, decimals)}{thin}%"


def change(value: float) -> str:
    """The size of a change in percent, without its sign: "12", or "0,4" under 1 % (not "0")."""
    return decimal(value, 0 if rounded(value) >= 1 else 1)


def signed_change(current: int, before: int, minus: str = "\u2212", thin: str = THIN) -> str:
    """How `current` moved from `before` (not 0): "+12 %", "−0,4 %", "stable", or "quasi stable"
    when the change rounds to 0,0 % (the screen said "+0,0 %" where the PDF said "quasi stable")."""
    if current == before:
        return "stable"
    value = abs(100 * (current - before) / before)
    if rounded(value, 1) == 0:
        return "quasi stable"
    return f"{'+' if current > before else minus}{change(value)}{thin}%"


def change_in_words(current: int, before: int, compared_to: str, during: str, thin: str = THIN) -> str:
    """ "+12 % par rapport à octobre 2026 (110 contacts)": how a total moved against another period,
    `compared_to` its words after « par rapport » and `during` after « aucun contact » (`Period`'s).
    The Synthèses screen and the web structure page both say it with this."""
    if before == 0:
        return f"aucun contact {during} pour comparer"
    against = f"par rapport {compared_to} ({number(before)} contact{'s' if before > 1 else ''})"
    return f"{signed_change(current, before, thin=thin)} {against}"


def duration(minutes: float) -> str:
    """A contact's duration: "30 min", "1 h", "1 h 05" (whole minutes, halves up)."""
    whole = int(rounded(minutes))
    if whole < 60:
        return f"{whole}{NBSP}min"
    hours, rest = divmod(whole, 60)
    return f"{hours}{NBSP}h{NBSP}{rest:02d}" if rest else f"{hours}{NBSP}h"


def time_spent(total_minutes: int, thin: str = THIN) -> str:
    """A period's total time with the public: "45 min" under an hour, else "environ 350 h"."""
    if total_minutes < 60:
        return f"{total_minutes}{NBSP}min"
    return f"environ {number(int(rounded(total_minutes / 60)), thin)}{NBSP}h"
