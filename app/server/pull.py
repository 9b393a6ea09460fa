"""The structure's feed: what the other workstations of a structure sent, page by page, after a cursor.

Every stored record has a `seq` in its structure's sequence (`app.server.ingest._number`). Numbers are
taken under the structure's counter lock and committed in their order, so whatever a reader sees of a
structure is a prefix of its sequence: a cursor `seq > after` never skips a record that commits late
(the classic gap of a global sequence, where number 8 can commit before number 7). Numbers of ids that
turned out to be duplicates are never used: gaps, never filled later, harmless.

Only the wire record travels (the stored canonical payload: the note never reached the server), with
the sending workstation's id and label and the server's time of reception. A workstation never gets
its own records back, nor anything of another structure.
"""

import json

from sqlalchemy import Engine, Row, and_, func, select

from app.server.accounts import Workstation
from app.server.ingest import KINDS
from app.server.schema import record_ids, timestamp, utc_now, workstations

DEFAULT_PAGE = 500
MAX_PAGE = 1000
MAX_CURSOR = 2**62  # a BIGINT with room to spare: the cursor is a count of records


def _tables() -> list:
    return [kind.table.alias(f"t_{name}") for name, kind in KINDS.items()]


def pull_page(engine: Engine, workstation: Workstation, after: int, limit: int = DEFAULT_PAGE) -> bytes:
    """The records after `after` in the workstation's structure's feed, at most `limit` of them read
    (the workstation's own are read to move the cursor past them, and not sent back), as the JSON
    the API answers. The stored payloads are spliced in as they are (the canonical JSON the ingest
    wrote): a page of 1000 records is not parsed and written again."""
    rows, more, last_seq = _rows(engine, workstation, after, limit)
    records = ",".join(
        f'{{"seq":{seq},"kind":{json.dumps(kind)},"record":{payload},'
        f'"workstation":{json.dumps({"id": sender, "label": label}, ensure_ascii=False)},'
        f'"received_at":{json.dumps(received_at)}}}'
        for seq, kind, sender, label, payload, received_at in rows
        if sender != workstation.id
    )
    rest = {
        "next_after": rows[-1].seq if rows else after,
        "more": more,
        "last_seq": max(last_seq, after),
        "server_time": timestamp(utc_now()),
    }
    return f'{{"records":[{records}],{json.dumps(rest)[1:]}'.encode()


def _rows(engine: Engine, workstation: Workstation, after: int, limit: int) -> tuple[list[Row], bool, int]:
    """(seq, kind, sender, label, payload, received_at) of up to `limit` records after `after`,
    whether more follow, and the structure's latest `seq` (what a joining workstation's progress bar
    measures against: one step down the (structure, seq) index)."""
    tables = _tables()
    source = record_ids.join(workstations, workstations.c.id == record_ids.c.workstation_id)
    for table in tables:
        source = source.outerjoin(table, table.c.id == record_ids.c.id)
    statement = (
        select(
            record_ids.c.seq,
            record_ids.c.kind,
            record_ids.c.workstation_id,
            workstations.c.label,
            func.coalesce(*(table.c.payload for table in tables)),
            func.coalesce(*(table.c.received_at for table in tables)),
        )
        .select_from(source)
        .where(and_(record_ids.c.structure == workstation.structure.matricule, record_ids.c.seq > after))
        .order_by(record_ids.c.seq)
        .limit(limit + 1)
    )
    latest = select(func.max(record_ids.c.seq)).where(
        record_ids.c.structure == workstation.structure.matricule
    )
    with engine.connect() as connection:
        rows = list(connection.execute(statement).all())
        last_seq = connection.execute(latest).scalar()
    return rows[:limit], len(rows) > limit, int(last_seq or 0)
