"""Versioned schema migrations, applied at start in order; `PRAGMA user_version` is the version.

Rules: a migration is appended, never edited once released; each runs in one transaction together
with the version bump, so a crash leaves the previous version intact. A step is an SQL statement, or
a function of the database for what SQL cannot say.
"""

from collections.abc import Callable

from app.models.communes import CommuneError, load_communes
from app.models.connection import Database

_CURRENT = "superseded = 0 AND deleted = 0"

Step = str | Callable[[Database], None]

MIGRATIONS: list[tuple[Step, ...]] = [
    # 1: workstation settings, agents, contacts with their partners, and the sync outbox.
    (
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE agents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('agent', 'responsable')),
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE contacts (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            utc_offset_minutes INTEGER NOT NULL,
            occurred_at TEXT NOT NULL,
            structure TEXT NOT NULL,
            agent TEXT NOT NULL,
            place TEXT NOT NULL,
            channel TEXT NOT NULL,
            situation TEXT NOT NULL,
            partners TEXT NOT NULL,
            help_kind TEXT NOT NULL,
            outcome TEXT NOT NULL,
            duration_minutes INTEGER NOT NULL,
            age_band TEXT,
            first_visit INTEGER,
            residence_commune TEXT,
            non_recours INTEGER NOT NULL DEFAULT 0,
            pass_numerique INTEGER NOT NULL DEFAULT 0,
            note TEXT,
            supersedes TEXT UNIQUE REFERENCES contacts(id),
            deleted INTEGER NOT NULL DEFAULT 0,
            superseded INTEGER NOT NULL DEFAULT 0
        )""",
        # One row per (contact, partner), with the contact's time and currency copied, so that a
        # partner filter walks its own index in time order instead of checking every contact.
        """CREATE TABLE contact_partners (
            contact_id TEXT NOT NULL REFERENCES contacts(id),
            partner TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            current INTEGER NOT NULL,
            PRIMARY KEY (contact_id, partner)
        ) WITHOUT ROWID""",
        "CREATE INDEX contact_partners_by_time ON contact_partners (partner, occurred_at, contact_id) WHERE current = 1",
        f"CREATE INDEX contacts_by_time ON contacts (occurred_at, id) WHERE {_CURRENT}",
        f"CREATE INDEX contacts_by_situation ON contacts (situation, occurred_at, id) WHERE {_CURRENT}",
        f"CREATE INDEX contacts_by_agent ON contacts (agent, occurred_at, id) WHERE {_CURRENT}",
        f"CREATE INDEX contacts_by_outcome ON contacts (outcome, occurred_at, id) WHERE {_CURRENT}",
        f"CREATE INDEX contacts_by_place ON contacts (place, occurred_at, id) WHERE {_CURRENT}",
        """CREATE TABLE outbox (
            record_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'rejected')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT,
            last_error TEXT,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX outbox_by_state ON outbox (state, next_try_at)",
    ),
]

MIGRATIONS.append(
    # 2: the partners' referents for this structure, and the escalations sent to them.
    (
        """CREATE TABLE referents (
            id INTEGER PRIMARY KEY,
            partner TEXT NOT NULL,
            name TEXT NOT NULL,
            phone TEXT,
            email TEXT,
            note TEXT,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX referents_by_partner ON referents (partner)",
        """CREATE TABLE escalations (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            utc_offset_minutes INTEGER NOT NULL,
            structure TEXT NOT NULL,
            agent TEXT NOT NULL,
            partner TEXT NOT NULL,
            situation TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            status TEXT NOT NULL,
            answered_at TEXT,
            supersedes TEXT UNIQUE REFERENCES escalations(id),
            deleted INTEGER NOT NULL DEFAULT 0,
            superseded INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX escalations_current ON escalations (status, sent_at) WHERE superseded = 0 AND deleted = 0",
    )
)

MIGRATIONS.append(
    # 3: the portal's local links and the domains a responsable allowed, with who and when.
    (
        """CREATE TABLE local_links (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            url TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL
        )""",
        """CREATE TABLE allowed_domains (
            domain TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL
        )""",
    )
)

_ISSUANCES_UNCHANGED = """CREATE TRIGGER pass_issuances_unchanged BEFORE UPDATE ON pass_issuances
            BEGIN SELECT RAISE(ABORT, 'pass_append_only'); END"""

MIGRATIONS.append(
    # 4: Pass numérique: the append-only ledger, the handings out, the state of every cheque, and the
    # directory of qualified places printed on the citizen's receipt.
    (
        """CREATE TABLE pass_issuances (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            utc_offset_minutes INTEGER NOT NULL,
            structure TEXT NOT NULL,
            agent TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            cheques TEXT NOT NULL,
            value_cents INTEGER NOT NULL,
            age_band TEXT,
            residence_commune TEXT,
            social_situation TEXT,
            autonomy_level TEXT,
            contact TEXT
        )""",
        """CREATE TABLE pass_ledger (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            utc_offset_minutes INTEGER NOT NULL,
            structure TEXT NOT NULL,
            agent TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('recu', 'remis', 'retour', 'annule')),
            funder TEXT NOT NULL,
            booklet TEXT NOT NULL,
            booklet_size INTEGER,
            cheques TEXT NOT NULL,
            value_cents INTEGER NOT NULL,
            valid_until TEXT NOT NULL,
            reason TEXT,
            issuance TEXT REFERENCES pass_issuances(id)
        )""",
        "CREATE INDEX pass_ledger_by_time ON pass_ledger (occurred_at)",
        # The state of each cheque, kept by the same transaction as the ledger line that moves it.
        """CREATE TABLE pass_cheques (
            number TEXT PRIMARY KEY,
            funder TEXT NOT NULL,
            booklet TEXT NOT NULL,
            value_cents INTEGER NOT NULL,
            valid_until TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('disponible', 'remis', 'annule')),
            issuance TEXT REFERENCES pass_issuances(id),
            reason TEXT,
            updated_at TEXT NOT NULL,
            CHECK ((state = 'remis') = (issuance IS NOT NULL))
        )""",
        "CREATE INDEX pass_cheques_by_booklet ON pass_cheques (funder, booklet)",
        "CREATE INDEX pass_cheques_by_state ON pass_cheques (state, valid_until, number)",
        # The ledger's moves, enforced by the database whatever the code does: a cheque is handed out
        # or cancelled only from the stock, returned only once handed out; a cancellation is final.
        """CREATE TRIGGER pass_cheques_moves BEFORE UPDATE OF state ON pass_cheques
            WHEN NOT ((OLD.state = 'disponible' AND NEW.state IN ('remis', 'annule'))
                      OR (OLD.state = 'remis' AND NEW.state = 'disponible'))
            BEGIN SELECT RAISE(ABORT, 'pass_cheque_move'); END""",
        """CREATE TRIGGER pass_cheques_kept BEFORE DELETE ON pass_cheques
            BEGIN SELECT RAISE(ABORT, 'pass_append_only'); END""",
        """CREATE TRIGGER pass_ledger_unchanged BEFORE UPDATE ON pass_ledger
            BEGIN SELECT RAISE(ABORT, 'pass_append_only'); END""",
        """CREATE TRIGGER pass_ledger_kept BEFORE DELETE ON pass_ledger
            BEGIN SELECT RAISE(ABORT, 'pass_append_only'); END""",
        _ISSUANCES_UNCHANGED,
        """CREATE TRIGGER pass_issuances_kept BEFORE DELETE ON pass_issuances
            BEGIN SELECT RAISE(ABORT, 'pass_append_only'); END""",
        """CREATE TABLE qualified_places (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            address TEXT NOT NULL,
            commune TEXT NOT NULL,
            phone TEXT NOT NULL,
            hours TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    )
)


def _communes_as_codes(db: Database) -> None:
    """The commune of residence was free text: keep the INSEE code of a value that names one commune
    of the official list, clear the rest (a statistic is lost; a name or a number is never kept)."""
    for table in ("contacts", "pass_issuances"):
        typed = db.execute(
            f"SELECT DISTINCT residence_commune FROM {table} WHERE residence_commune IS NOT NULL"
        )
        for (text,) in typed.fetchall():  # the list is read only when there is text to map
            try:
                code: str | None = load_communes().resolve(text).code
            except CommuneError:
                code = None
            if code != text:
                db.execute(
                    f"UPDATE {table} SET residence_commune = ? WHERE residence_commune = ?", [code, text]
                )


MIGRATIONS.append(
    # 5: the commune of residence becomes an INSEE code. The handings out are append-only: their
    # guard is lifted for this one rewrite of the anonymous profile, never of cheques or amounts.
    (
        "DROP TRIGGER pass_issuances_unchanged",
        _communes_as_codes,
        _ISSUANCES_UNCHANGED,
    )
)

MIGRATIONS.append(
    # 6: records of the structure's other workstations, pulled from the server. `origin` is the id of
    # the workstation a record comes from (NULL: this one); such a record has no outbox row and no
    # note. `other_workstations` keeps each one's label and when the server last heard from it.
    (
        "ALTER TABLE contacts ADD COLUMN origin TEXT",
        "ALTER TABLE escalations ADD COLUMN origin TEXT",
        "ALTER TABLE pass_ledger ADD COLUMN origin TEXT",
        "ALTER TABLE pass_issuances ADD COLUMN origin TEXT",
        """CREATE TABLE other_workstations (
            id TEXT PRIMARY KEY,
            label TEXT,
            last_heard_at TEXT NOT NULL
        )""",
    )
)

MIGRATIONS.append(
    # 7: the structure's shared settings, one row per version (app.models.shared_settings): this
    # workstation's own (`origin` NULL, with an outbox row) and those pulled from the others.
    (
        """CREATE TABLE setting_versions (
            id TEXT PRIMARY KEY,
            item TEXT NOT NULL,
            value TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            utc_offset_minutes INTEGER NOT NULL,
            structure TEXT NOT NULL,
            agent TEXT NOT NULL,
            supersedes TEXT,
            origin TEXT
        )""",
        "CREATE INDEX setting_versions_by_item ON setting_versions (item, changed_at, id)",
    )
)

MIGRATIONS.append(
    # 8: the Pass numérique records of this workstation the server refused (a cheque moved otherwise on
    # another workstation first) that a responsable resolved: their cheques back to the counted state,
    # and for a handing out, maybe a `replacement` handing out of other cheques to the same person.
    (
        """CREATE TABLE pass_resolutions (
            record_id TEXT PRIMARY KEY,
            resolved_at TEXT NOT NULL,
            agent TEXT NOT NULL,
            replacement TEXT REFERENCES pass_issuances(id)
        )""",
        # The ledger's moves stay enforced, except while a resolution puts back a cheque its refused
        # record moved (a cancellation the server refused is undone): in the resolution's transaction,
        # stamped with its time.
        "DROP TRIGGER pass_cheques_moves",
        """CREATE TRIGGER pass_cheques_moves BEFORE UPDATE OF state ON pass_cheques
            WHEN NOT ((OLD.state = 'disponible' AND NEW.state IN ('remis', 'annule'))
                      OR (OLD.state = 'remis' AND NEW.state = 'disponible')
                      OR EXISTS (SELECT 1 FROM pass_resolutions r
                                 JOIN pass_ledger l ON r.record_id IN (l.id, l.issuance), json_each(l.cheques) c
                                 WHERE c.value = OLD.number AND r.resolved_at = NEW.updated_at))
            BEGIN SELECT RAISE(ABORT, 'pass_cheque_move'); END""",
    )
)


def _supersedes_not_unique(table: str) -> Step:
    """The step that drops the UNIQUE of `table.supersedes`: two workstations offline may each supersede
    one version (the later record is current, the other stays in the history, `app.models.versions`).
    SQLite cannot drop a column's UNIQUE: the table is rebuilt with its indexes (foreign keys are off
    while migrating, `app.models.database._migrate`)."""

    def rebuild(db: Database) -> None:
        (sql,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        indexes = [
            row[0]
            for row in db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                [table],
            )
        ]
        unique = f"supersedes TEXT UNIQUE REFERENCES {table}(id)"
        assert unique in sql, f"the {table} table as its first migration made it"
        rebuilt = sql.replace(unique, f"supersedes TEXT REFERENCES {table}(id)").replace(
            f"CREATE TABLE {table}", f"CREATE TABLE {table}_rebuilt", 1
        )
        db.execute(rebuilt)
        db.execute(f"INSERT INTO {table}_rebuilt SELECT * FROM {table}")
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
        for index in indexes:
            db.execute(index)
        db.execute(f"CREATE INDEX {table}_by_supersedes ON {table} (supersedes) WHERE supersedes IS NOT NULL")

    return rebuild


MIGRATIONS.append(
    # 9: a contact may be corrected on two workstations offline: `supersedes` is no longer unique.
    (_supersedes_not_unique("contacts"),)
)

MIGRATIONS.append(
    # 10: an escalation's status may be changed on two workstations offline: the same for escalations.
    (_supersedes_not_unique("escalations"),)
)

MIGRATIONS.append(
    # 11: the server's order of the Pass numérique moves (`PassStore._settle`). `pass_places` keeps the
    # place (`seq`) in the structure's feed of each ledger line: a pulled line's comes with it, this
    # workstation's own with the ingest's answer. `pass_moves` says which lines move a cheque, kept by
    # a trigger with the ledger, so that a cheque's lines are found without reading the whole ledger.
    (
        "CREATE TABLE pass_places (record_id TEXT PRIMARY KEY REFERENCES pass_ledger(id), seq INTEGER NOT NULL)",
        """CREATE TABLE pass_moves (
            number TEXT NOT NULL,
            record_id TEXT NOT NULL REFERENCES pass_ledger(id),
            PRIMARY KEY (number, record_id)
        ) WITHOUT ROWID""",
        "INSERT INTO pass_moves (number, record_id) SELECT c.value, l.id FROM pass_ledger l, json_each(l.cheques) c",
        """CREATE TRIGGER pass_ledger_moves AFTER INSERT ON pass_ledger
            BEGIN INSERT INTO pass_moves (number, record_id) SELECT value, NEW.id FROM json_each(NEW.cheques); END""",
    )
)

SCHEMA_VERSION = len(MIGRATIONS)
