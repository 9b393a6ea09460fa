"""The structure's feed: what the other workstations of a structure sent, page by page, after a cursor.

Every stored record has a `seq` in its structure's sequence (`app.server.ingest._number`). Numbers are
taken under the structure's counter lock and committed in their order, so whatever a reader sees of a
structure is a prefix of its sequence: a cursor `seq > after` never skips a record that commits late
(the classic gap of a global sequence, where number 8 can commit before number 7). Numbers of ids that
turned out to be duplicates are never used: gaps, never filled later, harmless.

Only the wire record travels, rebuilt from its row (`app.server.wire`: the canonical JSON the ingest
read; the note never reached the server), with the sending workstation's id and label and the
server's time of reception. A workstation never gets its own records back, nor anything of another
structure.
"""

import heapq
import json
from typing import Any

from sqlalchemy import Engine, Row, func, select

from app.server.accounts import Workstation
from app.server.ingest import KINDS
from app.server.schema import timestamp, utc_now, workstations
from app.server.wire import canonical, wire_record

DEFAULT_PAGE = 500
MAX_PAGE = 1000
MAX_CURSOR = 2**62  # a BIGINT with room to spare: the cursor is a count of records


def pull_page(engine: Engine, workstation: Workstation, after: int, limit: int = DEFAULT_PAGE) -> bytes:
    """The records after `after` in the workstation's structure's feed, at most `limit` of them read
    (the workstation's own are read to move the cursor past them, and not sent back), as the JSON
    the API answers."""
    rows, more, last_seq, labels = _rows(engine, workstation, after, limit)
    records = ",".join(
        f'{{"seq":{row.seq},"kind":{json.dumps(kind)},"record":{canonical(wire_record(kind, row._mapping))},'
        f'"workstation":{json.dumps({"id": row.workstation_id, "label": labels[row.workstation_id]}, ensure_ascii=False)},'
        f'"received_at":{json.dumps(row.received_at)}}}'
        for kind, row in rows
        if row.workstation_id != workstation.id
    )
    rest = {
        "next_after": rows[-1][1].seq if rows else after,
        "more": more,
        "last_seq": max(last_seq, after),
        "server_time": timestamp(utc_now()),
    }
    return f'{{"records":[{records}],{json.dumps(rest)[1:]}'.encode()


def _rows(
    engine: Engine, workstation: Workstation, after: int, limit: int
) -> tuple[list[tuple[str, Row[Any]]], bool, int, dict[str, str | None]]:
    """Up to `limit` (kind, row) of the records after `after`, in `seq` order; whether more follow;
    the structure's latest `seq` (what a joining workstation's progress bar measures against); and the
    labels of the workstations that sent them. Each kind's table is read down its (structure, seq)
    index, `limit + 1` rows at most, and the five runs merged."""
    matricule = workstation.structure.matricule
    with engine.connect() as connection:
        runs = []
        for name, kind in KINDS.items():
            table = kind.table
            query = (
                select(table)
                .where(table.c.structure == matricule, table.c.seq > after)
                .order_by(table.c.seq)
                .limit(limit + 1)
            )
            runs.append([(name, row) for row in connection.execute(query)])
        latest = select(
            *(
                select(func.max(kind.table.c.seq))
                .where(kind.table.c.structure == matricule)
                .scalar_subquery()
                for kind in KINDS.values()
            )
        )
        last_seq = max((seq for seq in connection.execute(latest).one() if seq is not None), default=0)
        merged = list(heapq.merge(*runs, key=lambda pair: pair[1].seq))[: limit + 1]
        senders = {row.workstation_id for _kind, row in merged}
        labels = {
            sender: label
            for sender, label in connection.execute(
                select(workstations.c.id, workstations.c.label).where(workstations.c.id.in_(senders))
            )
        }
    return merged[:limit], len(merged) > limit, int(last_seq), labels
