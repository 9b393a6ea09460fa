"""Records made on this workstation under another structure, given to the right one: the structure
it enrols in, or the one a responsable corrects in Paramètres before enrolment.

Before enrolment an agent may have typed the structure by hand or picked the wrong one in the
wizard: every contact, escalation and Pass numérique line then carries that structure, and the
server refuses them all (`wrong_structure`). Once the user confirms, the records the server never
accepted (still waiting, or refused) take the server's structure: rewriting them is safe because no
server holds them. A record a server accepted is never rewritten (its id is already stored there,
under its structure); it stays counted for the structure it was sent under.
"""

from collections import Counter
from dataclasses import dataclass

from app.models.connection import Database
from app.models.database import db_time, utc_now

# The table of each kind of record the outbox sends (see Workspace.record_loaders).
RECORD_TABLES = {
    "contact": "contacts",
    "escalation": "escalations",
    "pass_ledger": "pass_ledger",
    "pass_issuance": "pass_issuances",
}
# The Pass numérique's append-only guards (migrations 4 and 5), lifted inside the transaction for
# this one rewrite of the structure and put back, as migration 5 did for the commune of residence.
APPEND_ONLY_GUARDS = {"pass_ledger": "pass_ledger_unchanged", "pass_issuances": "pass_issuances_unchanged"}
NEVER_ACCEPTED = ("pending", "rejected")


@dataclass(frozen=True)
class Reattribution:
    """What enrolling in structure `matricule` means for the records already on this workstation."""

    matricule: str
    unsent: dict[str, int]  # other structure → records no server accepted: re-attributed
    sent: dict[str, int]  # other structure → records a server accepted: they stay as they are

    @property
    def count(self) -> int:
        return sum(self.unsent.values())

    def describe(self, name: str, known: dict[str, str]) -> str:
        """French: which records go to structure `name`, and what becomes of those already sent;
        `known` names the other structures this workstation knows (matricule → name)."""
        sentence = (
            f"Ce poste contient {_records(self.count)} jamais accepté{'s' if self.count > 1 else ''} "
            f"par le serveur, fait{'s' if self.count > 1 else ''} sous {_structures(self.unsent, known)} "
            "(contacts, sollicitations, Pass numérique). Le serveur inscrit ce poste pour la structure "
            f"« {name} » (n° {self.matricule}) : ces enregistrements lui seront rattachés, sans rien perdre."
        )
        return f"{sentence} {self.describe_sent(known)}".strip()

    def describe_sent(self, known: dict[str, str]) -> str:
        """French, empty when nothing was sent under another structure."""
        sent = sum(self.sent.values())
        if not sent:
            return ""
        return (
            f"{_records(sent)} déjà envoyé{'s' if sent > 1 else ''} et accepté{'s' if sent > 1 else ''} "
            f"sous {_structures(self.sent, known)} y reste{'nt' if sent > 1 else ''} : un enregistrement parti "
            "du poste n'est jamais réécrit, il n'est pas compté pour la nouvelle structure."
        )


def plan(db: Database, matricule: str) -> Reattribution:
    """Count, by structure, this workstation's records made under another structure than `matricule`."""
    unsent: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    for kind, table in RECORD_TABLES.items():
        rows = db.execute(
            f"SELECT {table}.structure, outbox.state, count(*) FROM {table} "
            f"JOIN outbox ON outbox.record_id = {table}.id AND outbox.kind = ? "
            f"WHERE {table}.structure != ? GROUP BY 1, 2",
            [kind, matricule],
        )
        for structure, state, count in rows.fetchall():
            if state in NEVER_ACCEPTED:
                unsent[structure] += count
            elif state == "sent":
                sent[structure] += count
    return Reattribution(matricule, dict(unsent), dict(sent))


def reattribute(db: Database, matricule: str) -> int:
    """Give structure `matricule` to every record no server accepted; the caller holds the transaction.

    Refused records go back to the queue: their refusal was the structure's (or will be given again).
    Returns how many records were re-attributed.
    """
    now, total = db_time(utc_now()), 0
    for kind, table in RECORD_TABLES.items():
        ids = [
            row[0]
            for row in db.execute(
                f"SELECT {table}.id FROM {table} JOIN outbox ON outbox.record_id = {table}.id "
                f"AND outbox.kind = ? WHERE {table}.structure != ? AND outbox.state IN (?, ?)",
                [kind, matricule, *NEVER_ACCEPTED],
            ).fetchall()
        ]
        if not ids:
            continue
        guard = APPEND_ONLY_GUARDS.get(table)
        guard_sql = _lift(db, guard) if guard else None
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            db.execute(f"UPDATE {table} SET structure = ? WHERE id IN ({marks})", [matricule, *chunk])
            db.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_try_at = NULL, last_error = NULL, "
                f"updated_at = ? WHERE record_id IN ({marks})",
                [now, *chunk],
            )
        if guard_sql:
            db.execute(guard_sql)
        total += len(ids)
    return total


def _lift(db: Database, trigger: str) -> str | None:
    """Drop `trigger` and return the SQL that puts it back."""
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [trigger]
    ).fetchone()
    if row is None:
        return None
    db.execute(f"DROP TRIGGER {trigger}")
    return str(row[0])


def _records(count: int) -> str:
    return f"{count} enregistrement{'s' if count > 1 else ''}"


def _structures(counts: dict[str, int], known: dict[str, str]) -> str:
    names = [
        f"« {known[matricule]} » (n° {matricule})" if matricule in known else f"n° {matricule}"
        for matricule in sorted(counts)
    ]
    return ("la structure " if len(names) == 1 else "les structures ") + ", ".join(names)
