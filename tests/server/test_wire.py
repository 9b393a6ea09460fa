"""The server keeps a record as columns only: what it serves is rebuilt from them, and must be byte for
byte the canonical JSON it received (the same content hash), for generated records of every kind."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from app.models.reference import load_catalogue
from app.server.accounts import Workstation
from app.server.database import open_database
from app.server.ingest import KINDS, ingest
from app.server.pull import pull_page
from app.server.wire import canonical, wire_record
from tests.server.helpers import contact, escalation, pass_issuance, pass_line, setting, workstations

CATALOGUE = load_catalogue()
# Free texts as agents type them: accents, apostrophes, dashes, non-Latin letters (escaped as \uXXXX in
# the canonical JSON), nothing the identifier guard refuses.
TEXTS = st.sampled_from(
    [
        "Guise",
        "Château-Thierry",
        "L'Étoile",
        "Salle « Jean Macé »",
        "Bus – arrêt Église",
        "Zoë Ø",
        "Ελένη",
        "李",
    ]
)
TIMES = st.datetimes(min_value=datetime(2019, 1, 4), max_value=datetime(2026, 11, 30)).map(
    lambda moment: moment.replace(microsecond=0, tzinfo=UTC)
)
OFFSETS = st.integers(-14 * 60, 14 * 60)
IDS = st.one_of(st.none(), st.uuids())
COMMUNES = st.one_of(st.none(), st.sampled_from(["02361", "97411", "2A004", "75056"]))


def _cheques(size: int) -> list[str]:
    prefix = uuid4().hex[:8]  # never moved before: any move of them is accepted
    return [f"{prefix}-{n}" for n in range(size)]


@st.composite
def contacts(draw) -> tuple[str, dict]:
    created = draw(TIMES)
    return "contact", contact(
        created_at=created,
        occurred_at=created - draw(st.timedeltas(timedelta(0), timedelta(days=3))),
        utc_offset_minutes=draw(OFFSETS),
        agent=draw(TEXTS),
        place=draw(TEXTS),
        channel=draw(st.sampled_from(sorted(CATALOGUE.channels))),
        situation=draw(st.sampled_from(sorted(CATALOGUE.situations))),
        partners=draw(st.lists(st.sampled_from(sorted(CATALOGUE.partners)), min_size=1, unique=True)),
        help_kind=draw(st.sampled_from(sorted(CATALOGUE.help_kinds))),
        outcome=draw(st.sampled_from(sorted(CATALOGUE.outcomes))),
        duration_minutes=draw(st.integers(1, 480)),
        age_band=draw(st.one_of(st.none(), st.sampled_from(sorted(CATALOGUE.age_bands)))),
        first_visit=draw(st.one_of(st.none(), st.booleans())),
        residence_commune=draw(COMMUNES),
        non_recours=draw(st.booleans()),
        pass_numerique=draw(st.booleans()),
        supersedes=draw(IDS),
        deleted=draw(st.booleans()),
    )


@st.composite
def escalations(draw) -> tuple[str, dict]:
    sent = draw(TIMES)
    answered = draw(st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=30))))
    return "escalation", escalation(
        created_at=sent,
        sent_at=sent,
        utc_offset_minutes=draw(OFFSETS),
        agent=draw(TEXTS),
        partner=draw(st.sampled_from(sorted(CATALOGUE.partners))),
        channel=draw(st.sampled_from(sorted(CATALOGUE.escalation_channels))),
        status=draw(st.sampled_from(sorted(CATALOGUE.escalation_statuses))),
        answered_at=None if answered is None else min(sent + answered, datetime(2026, 11, 30, tzinfo=UTC)),
        supersedes=draw(IDS),
    )


@st.composite
def ledger_lines(draw) -> tuple[str, dict]:
    event = draw(st.sampled_from(["recu", "remis", "retour", "annule"]))
    size = draw(st.sampled_from([5, 10])) if event == "recu" else draw(st.integers(1, 4))
    reasons = {"annule": CATALOGUE.pass_cancel_reasons, "retour": CATALOGUE.pass_return_reasons}
    return "pass_ledger", pass_line(
        event,
        _cheques(size),
        occurred_at=draw(TIMES),
        utc_offset_minutes=draw(OFFSETS),
        funder=draw(TEXTS),
        booklet=draw(TEXTS),
        value_cents=draw(st.integers(100, 10_000)),
        valid_until=draw(st.dates(date(2019, 1, 1), date(2099, 12, 31))),
        reason=draw(st.sampled_from(sorted(reasons[event]))) if event in reasons else None,
        issuance=draw(st.uuids()) if event == "remis" else None,
    )


@st.composite
def issuances(draw) -> tuple[str, dict]:
    cheques = _cheques(draw(st.integers(1, 5)))
    return "pass_issuance", pass_issuance(
        cheques,
        issued_at=draw(TIMES),
        utc_offset_minutes=draw(OFFSETS),
        value_cents=draw(st.integers(100, 100 * len(cheques) * 100)),
        age_band=draw(st.one_of(st.none(), st.sampled_from(sorted(CATALOGUE.age_bands)))),
        residence_commune=draw(COMMUNES),
        social_situation=draw(st.one_of(st.none(), st.sampled_from(sorted(CATALOGUE.pass_situations)))),
        autonomy_level=draw(st.sampled_from([None, "debutant", "intermediaire", "autonome"])),
        contact=draw(IDS),
    )


@st.composite
def settings_versions(draw) -> tuple[str, dict]:
    item, value = draw(
        st.sampled_from(
            [
                ("pass.threshold", 12),
                ("pass.threshold", 0),
                ("stops", ["Guise", "Château-Thierry", "Ελένη"]),
                ("stops", []),
                ("search.engine", "https://www.qwant.com/?q={query}"),
                ("agent/Julie M.", {"role": "responsable"}),
                ("agent/Zoë", None),
                (
                    "link/https://www.aisne.gouv.fr/",
                    {"label": "Préfecture", "description": "Démarches « cartes grises »"},
                ),
            ]
        )
    )
    return "setting", setting(
        item,
        value,
        changed_at=draw(TIMES),
        utc_offset_minutes=draw(OFFSETS),
        deleted=value is None,
        supersedes=draw(IDS),
    )


# Ids are made by the helpers (uuid4), never drawn: hypothesis repeats its draws across examples, and
# the database is the same for all of them.
RECORDS = st.one_of(contacts(), escalations(), ledger_lines(), issuances(), settings_versions())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(RECORDS, min_size=1, max_size=6))
def test_a_record_is_served_and_compared_as_the_canonical_json_it_was_received_as(
    database_url, batch
) -> None:
    engine = open_database(database_url)
    try:
        sender, reader = _workstations(engine)
        sent = [{"kind": kind, "record": record} for kind, record in batch]
        answer = ingest(engine, sender, sent, None)
        assert [result["status"] for result in answer["results"]] == ["accepted"] * len(sent), answer
        with engine.connect() as connection:
            for kind, record in batch:
                table = KINDS[kind].table
                row = connection.execute(select(table).where(table.c.id == record["id"])).mappings().one()
                rebuilt = canonical(wire_record(kind, row))
                received = json.dumps(record, sort_keys=True, separators=(",", ":"))
                assert rebuilt == received
                assert hashlib.sha256(rebuilt.encode()).digest() == hashlib.sha256(received.encode()).digest()
        page = pull_page(engine, reader, answer["results"][0]["seq"] - 1, limit=len(sent))
        for _kind, record in batch:
            assert f'"record":{canonical(record)}'.encode() in page
        again = ingest(engine, sender, sent, None)  # the answer was lost: sent again
        assert [result["status"] for result in again["results"]] == ["duplicate"] * len(sent)
    finally:
        engine.dispose()


def _workstations(engine: Engine) -> list[Workstation]:
    """Structure 3 and its two workstations, made once per database (hypothesis runs every example
    of a test on the same one)."""
    url = engine.url.render_as_string(hide_password=False)
    if url not in _ENROLLED:
        _ENROLLED[url] = workstations(engine, "accueil", "bus")
    return _ENROLLED[url]


_ENROLLED: dict[str, list[Workstation]] = {}
