"""Which version of a correctable record is current on this workstation: contacts and escalations.

A correction (a contact corrected or deleted, an escalation's status changed) is a new record that
`supersedes` the one it replaces. Two workstations offline may each supersede the same version: the
server keeps both, and of the records superseding one version the later (`created_at`, `id`) is
current, the other superseded by it (docs/SYNC_PROTOCOL.md, `app.server.summary`). This module is
that rule on the workstation, one function for every kind, so that whatever order the records are
pulled in, the local `superseded` flags are the ones the server's summary implies.
"""

from __future__ import annotations

from app.models.connection import Database

_CORRECTABLE = frozenset({"contacts", "escalations"})


def supersede(
    db: Database, table: str, old_id: str, key: tuple[str, str], refused: str, *, pulled: bool
) -> tuple[bool, list[str]]:
    """Mark as superseded what a new version of `table` outranks, inside the caller's transaction:
    the version `old_id` it supersedes and, for a record pulled from another workstation, any earlier
    record superseding the same version. `key` is the new record's (created_at as stored, id).

    Returns whether the new record is itself outranked (a later record already supersedes the same
    version: it is written superseded, kept in the history, counted nowhere) and the ids that stopped
    being current: the records the server's summary counts, whatever the arrival order (each record
    arriving after the one it supersedes, as the feed brings them). Raises RecordError(`refused`) for
    this workstation's own record when `old_id` is not current (a version is changed once here), and
    for a pulled one when `old_id` is unknown here or a tombstone: the caller skips it, as any record
    the local tables refuse."""
    from app.models.record import RecordError

    assert table in _CORRECTABLE, table  # a table name in SQL: only ours
    cursor = db.execute(
        f"UPDATE {table} SET superseded = 1 WHERE id = ? AND superseded = 0 AND deleted = 0", [old_id]
    )
    if cursor.rowcount == 1:
        return False, [old_id]
    if not pulled:
        raise RecordError("supersedes", refused)
    old = db.execute(f"SELECT deleted FROM {table} WHERE id = ?", [old_id]).fetchone()
    if old is None or old[0]:  # unknown here, or a tombstone (never superseded)
        raise RecordError("supersedes", refused)
    # Superseded already: by a rival of the new record, or (a change of a change) outranked by a rival
    # of its own before its change arrived — then nothing here competes with the new record.
    rivals = db.execute(
        f"SELECT id, created_at, superseded FROM {table} WHERE supersedes = ?", [old_id]
    ).fetchall()
    outranked = any((created_at, rival) > key for rival, created_at, _ in rivals)
    retired = [
        rival for rival, created_at, superseded in rivals if not superseded and (created_at, rival) < key
    ]
    db.conn.executemany(f"UPDATE {table} SET superseded = 1 WHERE id = ?", [(rival,) for rival in retired])
    return outranked, retired
