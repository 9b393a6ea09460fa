"""Issue 14's proof, end to end: a structure is a team.

Three workstations of one structure (each a real `bureau-virtuel` process for its sync, enrolment and
export, with its own data folder and OS keyring) work offline for a simulated week — contacts,
corrections and deletions (a responsable correcting and deleting contacts of another workstation, two
workstations correcting the same one), escalations and their answers, Pass numérique receptions and
handings out (one cheque handed out on two workstations), the stock alert threshold changed on two —
then reconnect in a random order (seeded, printed) through a proxy that cuts connections. Afterwards
all three show the same Synthèses as the server for every month the week touched, the server's stock
cheque by cheque, the conflicting cheque on the one whose handing out reached the server second, and
the same winner of the setting with the other version in its history; a fourth workstation that joins
with a one-time code shows the same.

The week's work is done as the screens do it, through the models on each workstation's own folder
(the `bureau-virtuel` command records contacts but not corrections, escalations or Pass numérique
moves), with the moments of the week in the records (`occurred_at`, `sent_at`, `received_on`); a
correction, an answer or a handing out is dated by the real clock, as a screen dates it.
"""

import csv
import json
import os
import random
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from app.models.contacts import ContactFilter
from app.models.demo import ensure_demo_setup
from app.models.pass_numerique import PassError
from app.models.workspace import Workspace, open_workspace
from app.reports.aggregation import as_server_summary, summarise
from app.reports.periods import Period
from app.server.schema import records
from app.sync.status import freshness
from tests.chaos_proxy import ChaosProxy, Faults
from tests.conftest import run_cli
from tests.e2e.test_pass_stock import _pcs, _receive, _server_states, _this_month
from tests.live_server import LiveServer, create_structure, fresh_postgres_url, run_server_cli, start_server

POSTGRES_ENV = "BUREAU_VIRTUEL_TEST_POSTGRES_URL"
FUNDER = "Conseil départemental de l'Aisne"
MANAGER, AGENTS = "Camille R.", ("Karim B.", "Julie M.")
CONTACTS_PER_DAY = 8
SYNC_ATTEMPTS = 40  # `sync` runs per workstation and round before the test gives up
OFFLINE = Faults(cut_request=1.0)  # every connection cut as the request goes up: no network
CHAOS = Faults(cut_request=0.03, cut_response=0.08, delay=0.1, max_delay=0.02)
CONFLICT = "1005"  # handed out on two workstations while both are offline


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on SQLite, and on PostgreSQL when BUREAU_VIRTUEL_TEST_POSTGRES_URL is set."""
    log_path = tmp_path / "serveur.log"
    if request.param == "sqlite":
        with start_server(f"sqlite:///{tmp_path / 'serveur.sqlite3'}", log_path=log_path) as live:
            yield live
        return
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} is not set")
    with fresh_postgres_url(os.environ[POSTGRES_ENV]) as url, start_server(url, log_path=log_path) as live:
        yield live


@dataclass
class Pc:
    """One workstation: its data folder and its own OS keyring (a keyring holds one token per server
    address, and these workstations share one address)."""

    name: str
    folder: Path
    proxy: ChaosProxy  # the network it syncs through

    def _cuts(self) -> int:
        return self.proxy.counters.cut_requests + self.proxy.counters.cut_responses

    def _run_until_done(self, what: str, *args: str) -> int:
        """`bureau-virtuel *args` again after each run the network cut, until one exits with 0; how
        many runs it took. A run that failed while the proxy cut nothing fails the test at once: the
        retries are for the faults the test injects, never to hide another failure."""
        for attempt in range(1, SYNC_ATTEMPTS + 1):
            cuts = self._cuts()
            result = self.cli(*args)
            if result.returncode == 0:
                return attempt
            assert self._cuts() > cuts, (
                f"{self.name}: {what} failed with no cut: {result.stdout}{result.stderr}"
            )
        raise AssertionError(f"{self.name}: {what} still failing after {SYNC_ATTEMPTS} runs: {result.stdout}")

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        keyring = self.folder.with_name(f"{self.folder.name}.keyring.json")
        env = {**os.environ, "BUREAU_VIRTUEL_TEST_KEYRING": str(keyring)}
        return run_cli(*args, data_dir=self.folder, env=env)

    def sync(self) -> int:
        """`bureau-virtuel sync` until it says nothing is left to send and the feed is read to its
        end (exit status 0); how many runs it took."""
        return self._run_until_done("sync", "sync")

    def join(self, code: str, agent: str) -> None:
        """`bureau-virtuel enroll` on a fresh folder, through the proxy; a run cut before the end is run
        again (the same code stays valid for the same workstation) until it has received the whole
        structure."""
        self._run_until_done("enroll", "enroll", "--server", self.proxy.url, "--code", code, "--agent", agent)

    @contextmanager
    def open(self, agent: str | None = None) -> Iterator[Workspace]:
        """The workstation's database, as its screens use it, with `agent` at the desk."""
        workspace = open_workspace(self.folder)
        try:
            if agent is not None:
                chosen = next(a for a in workspace.workstation.agents() if a.name == agent)
                workspace.workstation.set_current_agent(chosen.id)
            yield workspace
        finally:
            workspace.close()


def _code(server: LiveServer) -> str:
    result = run_server_cli(server.database_url, "enrolment-code", "--matricule", "3")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


class Week:
    """The simulated week's work on the three workstations, drawn from a seeded generator."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.months: set[Period] = set()
        self.waiting: dict[Path, str] = {}  # each workstation's escalation sent the day before

    def moment(self, days_ago: int, minutes_ago: int = 0) -> datetime:
        """A moment of the week: `days_ago` days before now, a little earlier in that day (its month
        is one the workstations and the server must agree on)."""
        moment = self.now - timedelta(days=days_ago, minutes=minutes_ago)
        self.months.add(Period("month", moment.year, moment.month))
        return moment

    def contact(self, workspace: Workspace, moment: datetime, note: str = ""):
        catalogue, rng = workspace.catalogue, self.rng
        fields = {
            **workspace.workstation.contact_defaults(),
            "agent": rng.choice((MANAGER, *AGENTS)),
            "place": rng.choice(workspace.workstation.places()),
            "situation": rng.choice(sorted(catalogue.situations)),
            "channel": rng.choice(sorted(catalogue.channels)),
            "help_kind": rng.choice(sorted(catalogue.help_kinds)),
            "outcome": rng.choice(sorted(catalogue.outcomes)),
            "duration_minutes": rng.randrange(5, 60),
            "non_recours": rng.random() < 0.1,
            "occurred_at": moment,
        }
        return workspace.contacts.add(fields, note)

    def escalation(self, workspace: Workspace, moment: datetime):
        situation = self.rng.choice(sorted(workspace.catalogue.situations))
        partners = workspace.catalogue.situations[situation].partners
        return workspace.escalations.create(
            {
                "structure": "3",
                "agent": workspace.workstation.current_agent.name,
                "partner": partners[0],
                "situation": situation,
                "channel": self.rng.choice(["administration-plus", "email", "telephone"]),
                "sent_at": moment,
            }
        )

    def day(self, workspace: Workspace, days_ago: int) -> None:
        """An ordinary day at one workstation: contacts (one with a local note), one corrected, one
        every other day deleted, yesterday's escalation answered and one sent (the last day's stays
        waiting: sent minutes ago, it is late nowhere whenever the figures are made)."""
        added = [
            self.contact(workspace, self.moment(days_ago, 10 + 13 * n), "rappeler mardi" if n == 0 else "")
            for n in range(CONTACTS_PER_DAY)
        ]
        kept = added[1].carried_over()
        workspace.contacts.correct(str(added[1].id), {**kept, "outcome": "oriente"})
        if days_ago % 2 == 0:
            workspace.contacts.delete(str(added[2].id))
        yesterday = self.waiting.get(workspace.path)
        if yesterday is not None:
            workspace.escalations.set_status(yesterday, self.rng.choice(["repondu", "clos"]), MANAGER)
        self.waiting[workspace.path] = str(self.escalation(workspace, self.moment(days_ago, 5)).id)


def _receive_booklet(workspace: Workspace, booklet: str, numbers: list[str], on: datetime) -> None:
    """A booklet received on the day of `on` (recorded at noon that day)."""
    workspace.passes.receive_booklet(
        structure="3",
        agent=workspace.workstation.current_agent.name,
        funder=FUNDER,
        booklet=booklet,
        cheques=numbers,
        booklet_size=len(numbers),
        valid_until=on.date() + timedelta(days=365),
        received_on=on.date(),
    )


def _hand_out(workspace: Workspace, numbers: list[str], **profile) -> str:
    agent = workspace.workstation.current_agent.name
    return str(workspace.passes.hand_out(structure="3", agent=agent, cheques=numbers, **profile).id)


def _settle(pcs: list[Pc]) -> None:
    """Each workstation syncs until done, in `pcs`' order, twice round: the second round brings the
    first ones what the later ones sent."""
    for _round in range(2):
        for pc in pcs:
            pc.sync()


def _server_summary(server: LiveServer, month: Period, matricule: str = "3") -> dict:
    answer = run_server_cli(
        server.database_url, "summary", "--matricule", matricule, "--month", month.slug, "--format", "json"
    )
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def _server_contacts(server: LiveServer) -> frozenset[str]:
    """Every contact record the server stored for the structure: corrections, tombstones and the
    records they replace."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return frozenset(
                connection.execute(select(records.c.id).where(records.c.structure == "3")).scalars()
            )
    finally:
        engine.dispose()


def _exported(pc: Pc, month: Period) -> list[list[str]]:
    """The month's Synthèse as `bureau-virtuel export --format csv` writes it, without its "Édité le"
    line (the time each file was written)."""
    output = pc.folder.parent / f"{pc.name}-{month.slug}.csv"
    result = pc.cli(
        "export", "--month", month.slug, "--format", "csv", "--output", str(output), "--agent", MANAGER
    )  # the export is the responsable's, whoever is at the desk
    assert result.returncode == 0, result.stderr
    with output.open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.reader(handle, delimiter=";") if row[0] != "Édité le"]


@dataclass(frozen=True)
class Seen:
    """What a workstation shows, to compare workstations with each other and with the server."""

    summaries: dict[str, dict]
    stock: dict[str, tuple[str, str | None]]
    threshold: int
    threshold_history: list[tuple[int, bool]]
    current_contacts: frozenset[str]
    stored_contacts: frozenset[str]
    escalations: frozenset[tuple[str, str]]  # the current ones, with their status


def _seen(pc: Pc, months: list[Period]) -> Seen:
    with pc.open() as workspace:
        db = workspace.db
        sentence = freshness(db).sentence()  # what the status bar says of the figures' freshness
        assert sentence is not None and sentence.startswith("Données des autres postes à jour au "), pc.name
        return Seen(
            summaries={month.slug: as_server_summary(summarise(workspace, month)) for month in months},
            stock={n: (s, i) for n, s, i in db.execute("SELECT number, state, issuance FROM pass_cheques")},
            threshold=workspace.passes.threshold,
            threshold_history=sorted(
                (version.value, version.current) for version in workspace.shared.history("pass.threshold")
            ),
            current_contacts=frozenset(row.id for row in workspace.contacts.iter_current(ContactFilter())),
            stored_contacts=frozenset(row[0] for row in db.execute("SELECT id FROM contacts")),
            escalations=frozenset((row.id, row.status) for row in workspace.escalations.current()),
        )


@pytest.mark.parametrize("seed", [14, 2026])
def test_three_workstations_offline_for_a_week_then_a_fourth_joining_see_one_structure(
    tmp_path: Path, server: LiveServer, seed: int
) -> None:
    print(f"seed={seed}")
    rng = random.Random(seed)
    proxy = ChaosProxy(server.port, seed=seed)
    try:
        _week(tmp_path, server, proxy, rng)
    finally:
        proxy.close()


def _week(tmp_path: Path, server: LiveServer, proxy: ChaosProxy, rng: random.Random) -> None:
    now = datetime.now().astimezone().replace(microsecond=0)
    week = Week(rng, now)
    week.moment(0)  # the corrections, answers and handings out are dated now
    pcs = [Pc(f"poste-{n}", tmp_path / f"poste-{n}", proxy) for n in (1, 2, 3)]
    first, second, third = pcs

    # Before the week: the first workstation is set up (the wizard), enrolled, and starts the
    # structure's stock and records; the two others join it with a one-time code each.
    with first.open() as workspace:
        ensure_demo_setup(workspace)
    first.join(create_structure(server.database_url), MANAGER)
    with first.open(MANAGER) as workspace:
        _receive_booklet(workspace, "C-1", [str(n) for n in range(1001, 1011)], week.moment(7))
        before = [week.contact(workspace, week.moment(7, 30 + n)) for n in range(4)]
        waiting = week.escalation(workspace, week.moment(7, 20))
    first.sync()
    second.join(_code(server), AGENTS[0])
    third.join(_code(server), AGENTS[1])

    # The week, offline: every connection is cut.
    proxy.cut(OFFLINE)
    assert first.cli("sync").returncode != 0
    for pc in pcs:
        with pc.open(MANAGER) as workspace:
            for days_ago in range(6, -1, -1):
                week.day(workspace, days_ago)
    with second.open(MANAGER) as workspace:
        # A responsable corrects a contact of the first workstation, answers its escalation, receives
        # a booklet and hands cheques out from the first one's booklet and from the new one.
        kept = workspace.contacts.get(str(before[0].id)).carried_over()
        workspace.contacts.correct(str(before[0].id), {**kept, "duration_minutes": 45})
        kept = workspace.contacts.get(str(before[1].id)).carried_over()
        workspace.contacts.correct(str(before[1].id), {**kept, "outcome": "oriente"})
        workspace.escalations.set_status(str(waiting.id), "repondu", MANAGER)
        _receive_booklet(workspace, "C-2", [str(n) for n in range(2001, 2006)], week.moment(3))
        _hand_out(workspace, ["1002", "2001"], age_band="75-plus")
        _hand_out(workspace, [CONFLICT])
    with third.open(MANAGER) as workspace:
        # The same contacts corrected, and deleted, here too (the later correction or deletion is
        # current everywhere, the other stays in the history), and the same cheque handed out.
        kept = workspace.contacts.get(str(before[0].id)).carried_over()
        workspace.contacts.correct(str(before[0].id), {**kept, "outcome": "attente-referent"})
        workspace.contacts.delete(str(before[1].id))
        _hand_out(workspace, ["1003"])
        _hand_out(workspace, [CONFLICT], age_band="moins-25")
        workspace.passes.set_threshold(17)
    with first.open(MANAGER) as workspace:
        _hand_out(workspace, ["1001"])
        workspace.passes.cancel(structure="3", agent=MANAGER, cheques=["1010"], reason="abime")
        workspace.passes.set_threshold(12)

    # Back online, through a network that cuts connections, in a random order.
    order = rng.sample(pcs, len(pcs))
    print("reconnection order:", [pc.name for pc in order])
    proxy.cut(CHAOS)
    _settle(order)
    assert proxy.counters.cut_requests + proxy.counters.cut_responses > 0, "the faults must have bitten"

    # The same cheque handed out on two workstations: refused on the one whose pass came second.
    loser = [pc for pc in order if pc in (second, third)][1]
    for pc in pcs:
        with pc.open() as workspace:
            refused = workspace.passes.refused_moves()
        if pc is loser:
            [move] = refused
            assert (move.event, move.cheques) == ("remis", (CONFLICT,))
            assert move.reason.startswith(f"Le chèque {CONFLICT} a déjà été remis sur un autre poste le ")
        else:
            assert refused == [], pc.name
    with loser.open(MANAGER) as workspace:
        # A cheque handed out on another workstation is no longer in stock here; the responsable
        # hands the person another cheque instead of the refused one.
        with pytest.raises(PassError, match="1001 a déjà été remis"):
            _hand_out(workspace, ["1001"])
        manager = workspace.workstation.current_agent
        [move] = workspace.passes.refused_moves()
        workspace.passes.resolve_refused(move.record_id, structure="3", by=manager, cheques=["2004"])
    loser.sync()
    for pc in order:
        if pc is not loser:
            pc.sync()  # the replacement handing out reaches the others

    # One structure: every workstation shows the server's figures, stock, setting and contacts.
    months = sorted(week.months, key=lambda month: month.slug)
    expected_summaries = {month.slug: _server_summary(server, month) for month in months}
    expected_stock = _server_states(server, "3")
    assert len(expected_stock) == 15  # received = in stock + handed out + cancelled, cheque by cheque
    assert expected_stock[CONFLICT][0] == "remis" and expected_stock["2004"][0] == "remis"
    assert expected_stock["1010"] == ("annule", None)
    seen = {pc.name: _seen(pc, months) for pc in pcs}
    reference = seen[first.name]
    assert reference.summaries == expected_summaries
    assert reference.stock == expected_stock
    assert reference.stored_contacts == _server_contacts(server)  # nothing lost, nothing extra
    assert [value for value, _current in reference.threshold_history] == [12, 17]  # both versions kept
    assert [value for value, current in reference.threshold_history if current] == [reference.threshold]
    for name, other in seen.items():
        assert other == reference, name
    with first.open() as workspace:
        # Notes stay on their workstation: none of the contacts pulled from the others has one.
        pulled_notes = workspace.db.execute(
            "SELECT count(*) FROM contacts WHERE origin IS NOT NULL AND note IS NOT NULL AND note != ''"
        ).fetchone()[0]
        assert pulled_notes == 0

    # A fourth workstation joins the structure, through the same network, and shows the same.
    fourth = Pc("poste-4", tmp_path / "poste-4", proxy)
    fourth.join(_code(server), AGENTS[0])
    assert _seen(fourth, months) == reference

    # The month's Synthèse as each of the four exports it (CSV): the same, with the server's total.
    this_month = Period("month", now.year, now.month)
    exported = [_exported(pc, this_month) for pc in (*pcs, fourth)]
    assert exported[1:] == exported[:1] * 3
    total = str(expected_summaries[this_month.slug]["total"])
    assert exported[0][4][:3] == ["Contacts", "Total de la période", total]


def test_an_escalation_answered_on_two_workstations_offline_counts_once_everywhere(
    tmp_path: Path, server: LiveServer
) -> None:
    """The desk answers an escalation and the bus closes it, both offline: one escalation sent and
    answered, on the server and on both, and neither change lost (the escalation's records are the
    same on both workstations and on the server)."""
    pcs = _pcs(tmp_path, server, 2)
    try:
        desk, bus = pcs
        sent = desk.workspace.escalations.create(
            {
                "structure": desk.structure,
                "agent": "Julie M.",
                "partner": "caf",
                "situation": "allocation-logement",
                "channel": "email",
                "sent_at": datetime.now().astimezone(),  # now: a minute before may be last month
            }
        )
        desk.sync()
        bus.sync()
        desk.workspace.escalations.set_status(str(sent.id), "repondu", "Julie M.")
        bus.workspace.escalations.set_status(str(sent.id), "clos", "Julie M.")
        for pc in (desk, bus, desk):
            pc.sync()
        month = _this_month()
        on_server = _server_summary(server, month, desk.structure)
        stored = []
        for pc in pcs:
            ours = as_server_summary(summarise(pc.workspace, month))
            assert (ours["escalations_sent"], ours["escalations_answered"]) == (1, 1)
            assert ours == on_server
            stored.append({row[0] for row in pc.workspace.db.execute("SELECT id FROM escalations")})
        assert stored[0] == stored[1] and len(stored[0]) == 3  # the escalation and both answers
    finally:
        for pc in pcs:
            pc.workspace.close()


def test_a_booklet_received_on_two_workstations_offline_enters_the_stock_once(
    tmp_path: Path, server: LiveServer
) -> None:
    """Two agents record the same delivered booklet, each on its workstation, offline: its five
    cheques are received once, for the structure (received = in stock + handed out + cancelled, on
    the server as cheque by cheque), and both workstations show the server's figures."""
    pcs = _pcs(tmp_path, server, 2)
    try:
        numbers = [f"900{n}" for n in range(5)]
        for pc in pcs:
            _receive(pc, "C-9", numbers)
        for pc in (*pcs, pcs[0]):
            pc.sync()
        month = _this_month()
        on_server = _server_summary(server, month, pcs[0].structure)
        assert len(_server_states(server, pcs[0].structure)) == 5
        assert (on_server["pass_cheques_received"], on_server["pass_stock_left"]) == (5, 5)
        for pc in pcs:
            assert as_server_summary(summarise(pc.workspace, month)) == on_server
    finally:
        for pc in pcs:
            pc.workspace.close()
