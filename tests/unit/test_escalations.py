import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.models.business_time import follow_up_deadline
from app.models.connection import Database
from app.models.database import open_database
from app.models.escalations import escalation_clock, escalation_figures
from app.models.migrations import MIGRATIONS
from app.models.record import RecordError
from app.models.referents import Referent, ReferentError


def escalation(ws, **extra):
    return ws.escalations.create(
        {
            "structure": "1",
            "agent": "Camille R.",
            "partner": "caf",
            "situation": "allocation-logement",
            "channel": "administration-plus",
            **extra,
        }
    )


def test_an_escalation_waits_syncs_and_is_late_after_72_business_hours(desk) -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    record = escalation(desk, sent_at=friday)
    [row] = desk.escalations.current("01")
    assert row.status == "en-attente" and row.partner == "caf"
    assert not row.is_overdue(friday + timedelta(days=4))  # Tuesday: only 48 business hours
    assert row.is_overdue(friday + timedelta(days=5, minutes=1))  # Wednesday 10:01
    assert desk.escalations.late_count("01", now=friday + timedelta(days=6)) == 1
    outbox = desk.db.execute(
        "SELECT kind, state FROM outbox WHERE record_id = ?", [str(record.id)]
    ).fetchone()
    assert outbox == ("escalation", "pending")


def test_a_status_change_supersedes_and_an_answer_starts_the_15_business_days(desk) -> None:
    record = escalation(desk, sent_at=datetime.now(UTC) - timedelta(hours=1))
    answered = desk.escalations.set_status(str(record.id), "repondu", "Karim B.")
    assert answered.supersedes == record.id and answered.answered_at is not None
    [row] = desk.escalations.current("01")
    assert row.status == "repondu" and row.agent == "Karim B."
    assert row.deadline == follow_up_deadline(answered.created_at, "01")
    assert desk.escalations.late_count("01", now=answered.created_at + timedelta(days=3)) == 0
    assert desk.escalations.late_count("01", now=answered.created_at + timedelta(days=30)) == 1
    with pytest.raises(RecordError, match="déjà été mise à jour"):
        desk.escalations.set_status(str(record.id), "clos", "Karim B.")
    desk.escalations.set_status(str(answered.id), "clos", "Karim B.")
    [row] = desk.escalations.current("01")
    assert row.deadline is None  # closed: nothing more is expected
    assert desk.escalations.late_count("01", now=answered.created_at + timedelta(days=365)) == 0
    assert desk.db.execute("SELECT count(*) FROM outbox WHERE kind = 'escalation'").fetchone()[0] == 3


def test_invalid_escalations_are_refused_in_french(desk) -> None:
    with pytest.raises(RecordError, match="Canal"):
        escalation(desk, channel="pigeon")
    with pytest.raises(RecordError, match="futur"):
        escalation(desk, sent_at=datetime.now(UTC) + timedelta(days=1))
    assert desk.db.execute("SELECT count(*) FROM escalations").fetchone()[0] == 0


def test_referents_two_per_partner_and_csv_round_trip(desk, tmp_path: Path) -> None:
    store = desk.referents
    store.save(Referent("caf", "Mme Martin", "04 50 00 00 01", "referent1@caf.example.fr", "le matin"))
    store.save(Referent("CAF (Allocations familiales)", "M. Durand"))  # a label works as well as an id
    with pytest.raises(ReferentError, match="déjà 2 référents"):
        store.save(Referent("caf", "Une troisième"))
    with pytest.raises(ReferentError, match="e-mail invalide"):
        store.save(Referent("msa", "M. Petit", email="pas-une-adresse"))
    exported = store.export_csv()
    assert exported.startswith("\ufeff".encode()) and b"partenaire;nom;telephone;email;note" in exported
    path = tmp_path / "referents.csv"
    path.write_bytes(exported)
    store.save(Referent("msa", "M. Petit"))
    assert store.import_csv(path) == 2
    assert [(r.partner, r.name) for r in store.list()] == [("caf", "Mme Martin"), ("caf", "M. Durand")]


def test_a_wrong_csv_line_changes_nothing(desk, tmp_path: Path) -> None:
    desk.referents.save(Referent("msa", "M. Petit"))
    path = tmp_path / "referents.csv"
    path.write_text(
        "partenaire;nom;telephone;email;note\ncaf;Mme Martin;;;\nnasa;M. X;;;\n", encoding="utf-8"
    )
    with pytest.raises(ReferentError, match="Ligne 3 : partenaire inconnu"):
        desk.referents.import_csv(path)
    assert [r.name for r in desk.referents.list()] == ["M. Petit"]


def test_migration_10_lets_two_records_supersede_one_escalation_and_keeps_every_row(tmp_path: Path) -> None:
    """A database of version 9 (escalations.supersedes UNIQUE) keeps its escalations, their local
    columns and their index, and then holds two changes of one version (two workstations offline)."""
    path = tmp_path / "bv.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        old = Database(conn)
        for steps in MIGRATIONS[:9]:
            for step in steps:
                if callable(step):
                    step(old)
                else:
                    old.execute(step)
        conn.execute("PRAGMA user_version = 9")
        columns = "id, created_at, utc_offset_minutes, structure, agent, partner, situation, sent_at, channel"
        row = "'2026-11-10T09:01:00Z', 60, '3', 'Julie M.', 'caf', 'declarer-impots', '2026-11-10T09:00:00Z', 'email'"
        conn.execute(
            f"INSERT INTO escalations ({columns}, status, superseded) VALUES ('e1', {row}, 'en-attente', 1)"
        )
        conn.execute(
            f"INSERT INTO escalations ({columns}, status, supersedes, origin) VALUES ('e2', {row}, 'repondu', 'e1', 'bus')"
        )
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                f"INSERT INTO escalations ({columns}, status, supersedes) VALUES ('e3', {row}, 'clos', 'e1')"
            )
        before = conn.execute("SELECT * FROM escalations ORDER BY id").fetchall()
    db = open_database(path)
    try:
        assert db.execute("SELECT * FROM escalations ORDER BY id").fetchall() == before
        db.execute(
            f"INSERT INTO escalations ({columns}, status, supersedes) VALUES ('e3', {row}, 'clos', 'e1')"
        )
        indexes = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'escalations'")
        }
        assert {"escalations_current", "escalations_by_supersedes"} <= indexes
    finally:
        db.conn.close()


# Sent on Monday 2 November 2026 at 10:00 in Paris: answer due on Thursday 5 at 10:00.
SENT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_an_answer_on_time_starts_15_business_days_for_a_further_one() -> None:
    first = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)  # Wednesday 4, on time
    clock = escalation_clock("repondu", SENT, first, first, "01")
    assert not clock.answered_late
    # 15 business days from Wednesday 4 November at 10:00, 11 November off: Thursday 26 at 10:00.
    assert clock.deadline == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert not clock.is_late(datetime(2026, 11, 26, 8, 59, tzinfo=UTC))
    assert clock.is_due_soon(datetime(2026, 11, 26, 8, 59, tzinfo=UTC))
    assert clock.is_late(datetime(2026, 11, 26, 9, 1, tzinfo=UTC))
    # A further answer (« répondu » again on Monday 23) starts the 15 days over; answered_at stays
    # the first answer's.
    further = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    again = escalation_clock("repondu", SENT, first, further, "01")
    assert again.deadline == datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
    assert not again.is_late(datetime(2026, 12, 1, tzinfo=UTC))
    # Closed: nothing more is expected, never late.
    closed = escalation_clock("clos", SENT, first, datetime(2027, 3, 1, tzinfo=UTC), "01")
    assert closed.deadline is None and not closed.is_late(datetime(2030, 1, 1, tzinfo=UTC))


def test_a_first_answer_after_72_business_hours_stays_late_and_is_counted_once() -> None:
    first = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)  # Friday 6: a day late
    clock = escalation_clock("repondu", SENT, first, first, "01")
    assert clock.answered_late and clock.is_late(first)
    assert not clock.is_overdue(first)  # nothing to chase on the workstation until the 15 days pass
    rows = [
        ("caf", "repondu", "2026-11-02T09:00:00Z", "2026-11-06T09:00:00Z", "2026-11-06T09:00:00Z", "01"),
        ("msa", "repondu", "2026-11-02T09:00:00Z", "2026-11-04T09:00:00Z", "2026-11-04T09:00:00Z", "01"),
        ("caf", "en-attente", "2026-11-02T09:00:00Z", None, "2026-11-02T09:00:00Z", "01"),
    ]
    assert escalation_figures(rows, datetime(2026, 11, 5, 9, 1, tzinfo=UTC))["escalations_late"] == 2
    # A month later, the one answered late still counts once; the one answered on time is late too.
    assert escalation_figures(rows, datetime(2026, 12, 31, tzinfo=UTC))["escalations_late"] == 3
