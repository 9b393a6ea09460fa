"""A stored record as it travels: its row's columns to the wire record and back, and the canonical JSON.

The server keeps no copy of what a workstation sent: every field of the shared record definition
(`app.models.record.RECORD_KINDS`) has a column of the same name in its kind's table
(`app.server.schema._record_table`), holding the field's JSON value (`model_dump(mode="json")`): times
as the 20-character UTC text `YYYY-MM-DDTHH:MM:SSZ` (records carry whole seconds, the stored form of
`app.server.schema.timestamp`), dates as `YYYY-MM-DD`, ids as dashed lower-case text, lists and a
shared setting's value through their column types. So the wire record is the row's fields, and its
canonical JSON — sorted keys, no spaces, ASCII — is byte for byte the one the workstation's record gave
at ingest (a property test rebuilds generated records of every kind). The feed (`app.server.pull`)
sends it; ingest compares it to tell a resent record from a different one under the same id.
"""

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from app.models.record import RECORD_KINDS

# The fields a kind may fix once and for all, with their value: a Pass numérique record is never
# corrected nor deleted (`app.models.record._PassRecord`), so its table has no column for them.
FIXED = {"supersedes": None, "deleted": False}


@cache
def fields(kind: str) -> tuple[str, ...]:
    """The fields of a record of `kind`, which are also the names of their columns."""
    return tuple(RECORD_KINDS[kind].model_fields)


def wire_record(kind: str, row: Mapping[Any, Any]) -> dict[str, Any]:
    """The wire record of `kind` held by `row` (a row of its table, or the columns ingest writes)."""
    return {name: row[name] if name in row else FIXED[name] for name in fields(kind)}


def canonical(record: Mapping[str, Any]) -> str:
    """The canonical JSON of a wire record: what the feed serves and what a resend is compared with."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"))
