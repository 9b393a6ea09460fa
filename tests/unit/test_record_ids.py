"""Record ids made on the workstation are time-ordered (UUIDv7), so that the server's indexes on ids
grow at their right edge; random ids (v4) of older workstations stay valid."""

from uuid import uuid4

from app.models.record import validate_record
from app.models.reference import load_catalogue


def test_contacts_get_time_ordered_ids(desk) -> None:
    fields = {
        **desk.workstation.contact_defaults(),
        **{"situation": "declarer-impots", "duration_minutes": 7, "channel": "sur-place"},
        **{"help_kind": "information", "outcome": "resolu"},
    }
    ids = [desk.contacts.add(dict(fields)).id for _ in range(50)]
    assert {record_id.version for record_id in ids} == {7}
    assert ids == sorted(ids), "each new id is greater than the previous one, within a millisecond too"


def test_a_random_id_of_an_older_workstation_stays_valid(desk) -> None:
    fields = {
        **desk.workstation.contact_defaults(),
        **{"situation": "declarer-impots", "duration_minutes": 7, "channel": "sur-place"},
        **{"help_kind": "information", "outcome": "resolu"},
    }
    record = desk.contacts.add(fields).model_dump(mode="json")
    older = {**record, "id": str(uuid4())}
    assert validate_record(older, catalogue=load_catalogue(), kind="contact").id.version == 4
