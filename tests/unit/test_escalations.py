from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

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
    assert not row.is_late(friday + timedelta(days=4))  # Tuesday: only 48 business hours
    assert row.is_late(friday + timedelta(days=5, minutes=1))  # Wednesday 10:01
    assert desk.escalations.late_count("01", now=friday + timedelta(days=6)) == 1
    outbox = desk.db.execute(
        "SELECT kind, state FROM outbox WHERE record_id = ?", [str(record.id)]
    ).fetchone()
    assert outbox == ("escalation", "pending")


def test_a_status_change_supersedes_and_stops_the_clock(desk) -> None:
    record = escalation(desk, sent_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    answered = desk.escalations.set_status(str(record.id), "repondu", "Karim B.")
    assert answered.supersedes == record.id and answered.answered_at is not None
    [row] = desk.escalations.current("01")
    assert row.status == "repondu" and row.agent == "Karim B."
    assert desk.escalations.late_count("01", now=datetime(2027, 1, 1, tzinfo=UTC)) == 0
    with pytest.raises(RecordError, match="déjà été mise à jour"):
        desk.escalations.set_status(str(record.id), "clos", "Karim B.")
    assert desk.db.execute("SELECT count(*) FROM outbox WHERE kind = 'escalation'").fetchone()[0] == 2


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
