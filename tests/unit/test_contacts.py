from datetime import date, datetime, timedelta

import pytest

from app.models.contacts import ContactFilter, history_period
from app.models.record import RecordError


def typical(ws, **extra):
    return {
        **ws.workstation.contact_defaults(),
        "situation": "declarer-impots",
        "duration_minutes": 7,
        **extra,
    }


def test_a_contact_gets_defaults_a_uuid_utc_time_and_an_outbox_row(desk) -> None:
    record = desk.contacts.add(typical(desk, channel="sur-place", help_kind="information", outcome="resolu"))
    assert record.partners == ["dgfip"], "the situation's main partner is filled in"
    assert record.structure == "1" and record.agent and record.place == "Valserhône"
    assert record.occurred_at.utcoffset() == timedelta(0)
    row = desk.db.execute("SELECT created_at, utc_offset_minutes FROM contacts").fetchone()
    assert row[0].endswith("Z")
    outbox = desk.db.execute("SELECT record_id, kind, state FROM outbox").fetchall()
    assert outbox == [(str(record.id), "contact", "pending")]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"situation": "inconnue"}, "situation", "Situation inconnue"),
        ({"channel": "pigeon"}, "channel", "inconnu"),
        ({"outcome": "peut-etre"}, "outcome", "inconnu"),
        ({"partners": ["caf", "nope"]}, "partners", "Partenaire inconnu"),
        ({"partners": ["caf", "caf"]}, "partners", "deux fois"),
        ({"duration_minutes": 0}, "duration_minutes", "durée"),
        ({"occurred_at": datetime.now().astimezone() + timedelta(hours=1)}, "occurred_at", "futur"),
        ({"place": ""}, "place", "vide"),
        ({"place": "Mme Martin 06 12 34 56 78"}, "place", "Lieux possibles : Valserhône\\.$"),
        ({"residence_commune": "Mme Martin"}, "residence_commune", "liste officielle"),
        ({"residence_commune": "99999"}, "residence_commune", "inconnue de la liste officielle"),
        ({"nir": "185057800608436"}, "nir", "Aucune donnée personnelle"),
    ],
)
def test_invalid_values_get_a_french_message_and_write_nothing(desk, change, field, message) -> None:
    fields = typical(desk, channel="sur-place", help_kind="information", outcome="resolu") | change
    with pytest.raises(RecordError, match=message) as error:
        desk.contacts.add(fields)
    assert error.value.field == field
    assert desk.db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_missing_required_field_is_named_in_french(desk) -> None:
    fields = typical(desk, channel="sur-place", outcome="resolu")
    with pytest.raises(RecordError, match="Champ obligatoire manquant : type d'aide"):
        desk.contacts.add(fields)


def test_a_clock_a_little_ahead_is_tolerated(desk) -> None:
    soon = datetime.now().astimezone() + timedelta(minutes=2)
    record = desk.contacts.add(
        typical(desk, channel="sur-place", help_kind="information", outcome="resolu", occurred_at=soon)
    )
    assert record.occurred_at > datetime.now().astimezone()


def test_the_note_refuses_identifiers_and_stays_out_of_the_record(desk) -> None:
    fields = typical(desk, channel="sur-place", help_kind="information", outcome="resolu")
    with pytest.raises(RecordError, match="sécurité sociale"):
        desk.contacts.add(fields, note="NIR 2 84 12 75 115 005 82")
    record = desk.contacts.add(fields, note="revenir avec l'avis d'imposition")
    assert "note" not in record.model_dump()
    assert desk.contacts.note(str(record.id)) == "revenir avec l'avis d'imposition"


def test_a_correction_supersedes_and_only_the_latest_counts(desk) -> None:
    base = typical(desk, channel="sur-place", help_kind="information", outcome="resolu")
    first = desk.contacts.add(base)
    second = desk.contacts.correct(str(first.id), base | {"outcome": "oriente"})
    assert second.supersedes == first.id
    rows = desk.contacts.page(ContactFilter())
    assert [r.id for r in rows] == [str(second.id)]
    assert rows[0].outcome == "oriente"
    with pytest.raises(RecordError, match="déjà été corrigé"):
        desk.contacts.correct(str(first.id), base)
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2


def test_removing_is_a_tombstone_that_syncs(desk) -> None:
    record = desk.contacts.add(typical(desk, channel="sur-place", help_kind="information", outcome="resolu"))
    tombstone = desk.contacts.delete(str(record.id))
    assert tombstone.deleted and tombstone.supersedes == record.id
    assert tombstone.situation == record.situation
    assert desk.contacts.page(ContactFilter()) == []
    assert desk.contacts.count(ContactFilter()) == 0
    assert desk.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == 2
    with pytest.raises(RecordError):
        desk.contacts.delete(str(record.id))


def test_filters_and_keyset_pages(bus) -> None:
    store, defaults = bus.contacts, bus.workstation.contact_defaults()
    base = {
        **defaults,
        "channel": "sur-place",
        "help_kind": "information",
        "outcome": "resolu",
        "duration_minutes": 5,
    }
    now = datetime.now().astimezone().replace(microsecond=0)
    for i in range(250):
        store.add(
            base
            | {
                "situation": "demenagement" if i % 5 == 0 else "declarer-impots",
                "partners": ["la-poste", "caf"] if i % 5 == 0 else ["dgfip"],
                "place": "Étreux" if i % 2 else "Wassigny",
                "outcome": "oriente" if i % 10 == 0 else "resolu",
                "occurred_at": now - timedelta(hours=i),
            }
        )
    everything = ContactFilter()
    first = store.page(everything, limit=100)
    second = store.page(everything, after=first[-1].cursor, limit=100)
    third = store.page(everything, after=second[-1].cursor, limit=100)
    ids = [r.id for r in first + second + third]
    assert len(ids) == 250 == len(set(ids))
    times = [r.occurred_at for r in first + second + third]
    assert times == sorted(times, reverse=True)
    assert store.count(ContactFilter(partner="caf")) == 50
    assert store.count(ContactFilter(situation="declarer-impots")) == 200
    assert store.count(ContactFilter(place="Étreux")) == 125
    assert store.count(ContactFilter(outcome="oriente", partner="la-poste")) == 25
    assert store.count(ContactFilter(agent="Julie M.")) == 250
    assert store.count(ContactFilter(agent="Personne")) == 0
    today = date.today()
    expected_today = sum(1 for t in times if t.astimezone().date() == today)
    assert store.count(ContactFilter(start=today, end=today)) == expected_today


def test_the_bus_records_the_current_stop(bus) -> None:
    assert bus.workstation.place == "Wassigny"
    bus.workstation.set_current_stop("Étreux")
    record = bus.contacts.add(
        {
            **bus.workstation.contact_defaults(),
            "situation": "naissance",
            "channel": "sur-place",
            "help_kind": "information",
            "outcome": "resolu",
            "duration_minutes": 3,
        }
    )
    assert record.place == "Étreux"


def test_the_partner_filter_follows_corrections_and_removals(desk) -> None:
    base = typical(
        desk,
        channel="sur-place",
        help_kind="information",
        outcome="resolu",
        situation="naissance",
        partners=["caf"],
    )
    first = desk.contacts.add(base)
    assert desk.contacts.count(ContactFilter(partner="caf")) == 1
    second = desk.contacts.correct(str(first.id), base | {"partners": ["assurance-maladie", "caf"]})
    assert desk.contacts.count(ContactFilter(partner="caf")) == 1
    assert [r.id for r in desk.contacts.page(ContactFilter(partner="assurance-maladie"))] == [str(second.id)]
    third = desk.contacts.correct(str(second.id), base | {"partners": ["msa"]})
    assert desk.contacts.count(ContactFilter(partner="caf")) == 0
    assert desk.contacts.count(ContactFilter(partner="msa", situation="naissance")) == 1
    desk.contacts.delete(str(third.id))
    assert desk.contacts.count(ContactFilter(partner="msa")) == 0
    assert desk.contacts.page(ContactFilter(partner="msa")) == []


def test_a_removed_stop_takes_no_new_contact_but_its_contacts_can_be_corrected(bus) -> None:
    fields = typical(bus, channel="sur-place", help_kind="information", outcome="resolu", place="Étreux")
    record = bus.contacts.add(fields)
    bus.workstation.set_stops(["Guise", "Wassigny"], "Guise")
    with pytest.raises(RecordError, match="Lieux possibles : Guise, Wassigny") as error:
        bus.contacts.add(fields)
    assert error.value.field == "place"
    corrected = bus.contacts.correct(str(record.id), fields | {"outcome": "oriente"})
    assert corrected.place == "Étreux"
    with pytest.raises(RecordError, match="Lieux possibles"):
        bus.contacts.correct(str(corrected.id), fields | {"place": "Ailleurs"})
    assert bus.contacts.delete(str(corrected.id)).deleted


def test_the_history_s_periods_end_today_and_begin_where_their_names_say() -> None:
    today = date(2026, 12, 5)
    assert history_period("today", today) == (today, today)
    assert history_period("7d", today) == (date(2026, 11, 29), today)  # seven days, today included
    assert history_period("month", today) == (date(2026, 12, 1), today)
    assert history_period("month", date(2026, 12, 1)) == (date(2026, 12, 1), date(2026, 12, 1))
    assert history_period("30d", today) == (date(2026, 11, 6), today)
    assert history_period("90d", today) == (date(2026, 9, 6), today)
    assert history_period("all", today) == (None, None)
