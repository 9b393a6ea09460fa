"""One sync pass: send what is due, batch by batch, pull what the structure's other workstations sent,
then pull reference data.

Used by `bureau-virtuel sync` and by the GUI's background worker, each with its own database
connection. A file lock beside the database makes sure only one pass runs at a time on this
workstation, whichever process starts it.
"""

import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from app.content.bundle import BundleError
from app.content.store import accept
from app.models import reattribution
from app.models.database import db_time, reset_interrupted_sends, transaction, utc_now
from app.models.settings import get_setting, set_setting
from app.models.structures import parse_structure_file
from app.models.text import french_day
from app.models.workspace import REFERENCE_FOLDER, Workspace
from app.sync import outbox
from app.sync.credentials import check_available, load_token, store_token
from app.sync.pull import Progress, pull_all
from app.sync.status import (
    LAST_PULL,
    LAST_SUCCESS,
    PULL_CURSOR,
    PULL_NOT_BEFORE,
    SERVER_URL,
    UNAUTHORIZED,
    pending_count,
    quarantined_count,
)
from app.sync.transport import (
    NetworkError,
    ProtocolError,
    RetryLater,
    ServerClient,
    Stop,
    Stopped,
    SyncError,
    TooLarge,
    Unauthorized,
    check_server_url,
)

PLACES_ASKED = (
    "sync.pass_places_asked"  # the workstation id whose Pass lines sent before places were asked for
)
INTERRUPTED = "Envoi interrompu par une erreur inattendue : il sera repris au prochain passage."
STRUCTURES = "structures"  # the server's registry, offered by servers that have one
CONTENT = "content"  # the national content's signed bundle, offered by servers that have one
REFUSED_LABELS = {
    STRUCTURES: "Référentiel des structures",
    CONTENT: "Contenu national (parcours, portail, référentiels)",
}
CONTENT_ACCEPTED = (
    "Contenu national version {} du {} reçu (parcours, portail, référentiels) : il sera utilisé au "
    "prochain démarrage de l'application."
)
REFUSED_ETAG = "sync.reference_refused."  # + name: the ETag of a file refused, not asked for again
NOT_ENROLLED = (
    "Ce poste n'est pas inscrit auprès d'un serveur de reporting : les contacts restent sur le poste. "
    "Inscrivez-le dans Paramètres avec le code fourni par l'administrateur du serveur."
)


# The kinds other than contacts in the pass's sentence: (noun, its complement, feminine).
SENT_KINDS = {
    "escalation": ("sollicitation", "", True),
    "pass_issuance": ("remise", " de Pass numérique", True),
    "pass_ledger": ("mouvement", " du stock de Pass numérique", False),
    "setting": ("modification", " de paramètres partagés", True),
}


@dataclass
class SyncReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0  # quarantined during this pass
    pending: int = 0
    quarantined: int = 0
    error: str | None = None
    unauthorized: bool = False
    busy: bool = False
    enrolled: bool = True
    offline: bool = False
    pulled: int = 0  # records of the structure's other workstations received
    # Records the server took (accepted or already held), by kind: "14 contacts envoyés" counts
    # contacts only, the other kinds are named as such.
    sent_by_kind: Counter[str] = field(default_factory=Counter)
    # What the agent should know that is not a failure of the pass (a list refused, a structure closed).
    notices: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.accepted + self.duplicates

    def summary(self) -> str:
        """One French sentence for the agent or the command line."""
        if not self.enrolled:
            return NOT_ENROLLED
        if self.busy:
            return "Une synchronisation est déjà en cours sur ce poste."
        contacts = self.sent_by_kind["contact"]
        parts = [f"{contacts} contact{'s' if contacts > 1 else ''} envoyé{'s' if contacts > 1 else ''}"]
        for kind, (noun, of, feminine) in SENT_KINDS.items():
            if count := self.sent_by_kind[kind]:
                plural = "s" if count > 1 else ""
                parts.append(f"{count} {noun}{plural}{of} envoyé{'e' if feminine else ''}{plural}")
        if self.rejected:
            parts.append(f"{self.rejected} refusé{'s' if self.rejected > 1 else ''} (mis en quarantaine)")
        parts.append(f"{self.pending} en attente")
        if self.pulled:
            parts.append(f"{self.pulled} reçu{'s' if self.pulled > 1 else ''} des autres postes")
        sentence = " ".join([", ".join(parts) + ".", *self.notices])
        return f"{sentence} {self.error}" if self.error else sentence


def lock_path(workspace: Workspace) -> Path:
    return workspace.path.with_name(workspace.path.name + ".sync.lock")


def installation_id(workspace: Workspace) -> str:
    """Made once per workstation: lets a retried enrolment be recognised by the server."""
    existing: str | None = get_setting(workspace.db, "sync.installation_id")
    if existing:
        return existing
    new = str(uuid.uuid4())
    with transaction(workspace.db):
        set_setting(workspace.db, "sync.installation_id", new)
    return new


class ReattributionNeeded(SyncError):
    """Records made here under another structure wait for the user's consent to be re-attributed.

    Nothing was written: enrolling again with the same code and `reattribute=True` (the server
    recognises this installation) finishes the enrolment. The message is the French question.
    """


ENROLMENT_WAIT_SECONDS = 60
BUSY_AT_ENROLMENT = "Une synchronisation est en cours sur ce poste : réessayez l'inscription dans un instant."


def enroll(
    workspace: Workspace, server_url: str, code: str, label: str | None = None, *, reattribute: bool = False
) -> str:
    """Exchange a one-time code for this workstation's token; adopt the server's structure.

    Records made before under another structure and never accepted by a server are re-attributed to
    the server's structure when `reattribute`; without it they raise ReattributionNeeded before
    anything is stored. Returns the French confirmation. Raises SyncError / CredentialsUnavailable
    with a French message.
    """
    url = check_server_url(server_url)
    check_available()  # before spending the one-time code
    client = ServerClient(url)
    try:
        answer = client.enrol(code.strip(), installation_id(workspace), (label or socket.gethostname())[:80])
    except Unauthorized as error:
        raise SyncError(str(error)) from None
    finally:
        client.close()
    structure = answer["structure"]
    matricule, name = str(structure["matricule"]), structure["name"]
    current = workspace.workstation.structure
    known = {current.matricule: current.name} if current else {}
    plan = reattribution.plan(workspace.db, matricule)
    if plan.count and not reattribute:
        raise ReattributionNeeded(plan.describe(name, known))
    # Under the sync lock: no pass of another process holds records `sending` under the old structure.
    try:
        with FileLock(lock_path(workspace), timeout=ENROLMENT_WAIT_SECONDS):
            store_token(url, answer["token"])
            with transaction(workspace.db):
                set_setting(workspace.db, SERVER_URL, url)
                set_setting(workspace.db, "sync.workstation_id", answer["workstation_id"])
                set_setting(workspace.db, UNAUTHORIZED, False)
                set_setting(
                    workspace.db, PULL_CURSOR, 0
                )  # a new server or structure: its feed from the start
                moved = reattribution.reattribute(workspace.db, matricule)
                adopted = workspace.workstation.adopt_structure(
                    matricule, name, structure["departement"], bool(structure["itinerant"])
                )
    except Timeout:
        raise SyncError(BUSY_AT_ENROLMENT) from None
    sentences = [
        f"Poste inscrit auprès de {url} pour la structure « {adopted.name} » (n° {adopted.matricule})."
    ]
    if moved:
        sentences.append(
            f"{moved} enregistrement{'s' if moved > 1 else ''} fait{'s' if moved > 1 else ''} "
            f"avant l'inscription lui {'sont' if moved > 1 else 'est'} rattaché{'s' if moved > 1 else ''}."
        )
    sentences.append(plan.describe_sent(known))
    return " ".join(filter(None, sentences))


class JoinInterrupted(SyncError):
    """The workstation is enrolled but did not receive all of its structure's records: what it
    received is kept, and the next pull (a retry, or any sync pass) goes on from there."""


def pull_structure(workspace: Workspace, progress: Progress | None = None) -> int:
    """A workstation joining its structure takes the records of the structure's other workstations
    now, rather than at its first pass, telling `progress` how far it is; the number received.

    Under the sync lock, from the feed's cursor: cut at any point, it keeps what it applied and
    resumes there. Raises JoinInterrupted (French) when the server cannot be read to the end."""
    server_url = get_setting(workspace.db, SERVER_URL)
    token = load_token(server_url) if server_url else None
    if not server_url or not token:
        raise SyncError(NOT_ENROLLED)
    received = 0

    def applied(count: int) -> None:
        nonlocal received
        received += count

    client = ServerClient(server_url, token)
    try:
        with FileLock(lock_path(workspace), timeout=ENROLMENT_WAIT_SECONDS):
            pull_all(workspace, client, applied, progress)
    except Timeout:
        raise SyncError(BUSY_AT_ENROLMENT) from None
    except Unauthorized as error:
        with transaction(workspace.db):
            set_setting(workspace.db, UNAUTHORIZED, True)
        raise SyncError(str(error)) from None
    except SyncError as error:
        raise JoinInterrupted(
            f"Données de la structure reçues en partie ({received} enregistrement"
            f"{'s' if received > 1 else ''}) : {error} Le poste est inscrit ; la réception reprendra là "
            "où elle s'est arrêtée (réessayez, ou elle se fera à la prochaine synchronisation)."
        ) from None
    finally:
        client.close()
    return received


def run_pass(
    workspace: Workspace, *, force: bool = False, pull_reference: bool = True, stop: Stop | None = None
) -> SyncReport:
    """Send everything due (everything pending when `force`), then pull reference data; setting
    `stop` (from another thread) ends the pass at once, keeping what it did."""
    db = workspace.db
    report = SyncReport()
    server_url = get_setting(db, SERVER_URL)
    token = load_token(server_url) if server_url else None
    if not server_url or not token:
        report.enrolled = False
        report.pending = pending_count(workspace.db)
        return report
    lock = FileLock(lock_path(workspace), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        report.busy = True
        return report
    quarantined_before = quarantined_count(db)
    try:
        reset_interrupted_sends(db)  # leftovers of a process that died: we hold the lock now
        _pass(workspace, ServerClient(server_url, token, stop), report, force, pull_reference)
    except SyncError as error:  # the stored address no longer passes the checks
        report.error = str(error)
    finally:
        lock.release()
    report.pending = pending_count(db)
    report.quarantined = quarantined_count(db)
    # Refused by the server, too large on their own, or unreadable here: all quarantined this pass.
    report.rejected = report.quarantined - quarantined_before
    return report


def _pass(
    workspace: Workspace, client: ServerClient, report: SyncReport, force: bool, pull_reference: bool
) -> None:
    db = workspace.db
    try:
        session = _confirm_session(workspace, client, report)
        if session is not None:
            _send_all(workspace, client, report, force)
        caught_up = report.error is None and _pull_records(workspace, client, report)
        if caught_up and report.error is None and session is not None:
            _learn_places(workspace, client, report)
            _publish_settings(workspace, client, report, force)
        if report.error is None:
            with transaction(db):
                set_setting(db, LAST_SUCCESS, db_time(utc_now()))
                set_setting(db, UNAUTHORIZED, False)
            if pull_reference and session is not None:
                _pull_reference(workspace, client, report, session.get("reference"))
                _follow_structure_list(workspace, report)
    finally:
        client.close()


def _confirm_session(workspace: Workspace, client: ServerClient, report: SyncReport) -> dict[str, Any] | None:
    """One cheap authenticated request: is the server really there, and does it still know us? Its
    answer, or None."""
    try:
        return client.check_session()
    except Unauthorized as error:
        with transaction(workspace.db):
            set_setting(workspace.db, UNAUTHORIZED, True)
        report.error, report.unauthorized = str(error), True
    except SyncError as error:
        report.error, report.offline = str(error), not isinstance(error, RetryLater)
    return None


def _send_all(workspace: Workspace, client: ServerClient, report: SyncReport, force: bool) -> None:
    db, limit = workspace.db, outbox.BATCH_RECORDS
    while batch := outbox.claim_batch(db, workspace.record_loaders(), limit, force):
        try:
            limit = _send_batch(workspace, client, report, batch, limit)
        except BaseException:
            # A bug, a full disk, an interrupted thread: the batch goes back to the queue rather
            # than staying `sending` until the next start, and the error goes on to the caller.
            outbox.release(db, batch, INTERRUPTED)
            raise
        if limit == 0:
            return


def _send_batch(
    workspace: Workspace, client: ServerClient, report: SyncReport, batch: list[outbox.Claimed], limit: int
) -> int:
    """Send one batch and file the outcome; the next batch's size, 0 to stop the pass."""
    db = workspace.db
    try:
        results = client.send_batch([claimed.item for claimed in batch], db_time(utc_now()))
    except Stopped as error:  # the application closes: the batch waits for the next start, no backoff
        outbox.release(db, batch, str(error), count_attempt=False)
        report.error = str(error)
        return 0
    except TooLarge as error:
        if len(batch) == 1:
            outbox.quarantine(db, batch, str(error))
            return limit
        outbox.release(db, batch, str(error), count_attempt=False)
        return max(1, len(batch) // 2)
    except Unauthorized as error:
        outbox.release(db, batch, str(error), count_attempt=False)
        with transaction(db):
            set_setting(db, UNAUTHORIZED, True)
        report.error, report.unauthorized = str(error), True
        return 0
    except RetryLater as error:
        outbox.release(db, batch, str(error), retry_after=error.retry_after)
        _server_busy(workspace, error)
        report.error = str(error)
        return 0
    except (NetworkError, ProtocolError) as error:
        outbox.release(db, batch, str(error))
        report.error, report.offline = str(error), True
        return 0
    accepted, duplicates, _rejected = outbox.record_results(db, results, workspace.passes.placed)
    kinds = {claimed.record_id: claimed.item["kind"] for claimed in batch}
    taken = [(kinds.get(result.id or ""), result.status) for result in results if result.status != "rejected"]
    report.sent_by_kind.update(kind for kind, _status in taken if kind is not None)
    # Records, not the shared settings' versions (which the journal line counts apart).
    report.accepted += accepted - taken.count(("setting", "accepted"))
    report.duplicates += duplicates - taken.count(("setting", "duplicate"))
    return limit


def _server_busy(workspace: Workspace, error: RetryLater) -> None:
    """The server said when to come back (429 or 5xx with Retry-After): the feed waits until then too."""
    if error.retry_after:
        with transaction(workspace.db):
            set_setting(
                workspace.db, PULL_NOT_BEFORE, db_time(utc_now() + timedelta(seconds=error.retry_after))
            )


def _pull_records(workspace: Workspace, client: ServerClient, report: SyncReport) -> bool:
    """The records the structure's other workstations sent, until caught up, unless the server asked
    to wait; whether the feed was read to its end (never, from a server without the feed)."""
    not_before = get_setting(workspace.db, PULL_NOT_BEFORE)
    if not_before and db_time(utc_now()) < not_before:
        return False

    def applied(count: int) -> None:
        report.pulled += count

    try:
        pull_all(workspace, client, applied)
        return get_setting(workspace.db, LAST_PULL) is not None  # set with the feed's last page
    except Stopped as error:  # the pages applied are committed with their cursor
        report.error = str(error)
    except RetryLater as error:
        _server_busy(workspace, error)
        report.error = f"Données des autres postes non mises à jour : {error}"
    except Unauthorized as error:
        with transaction(workspace.db):
            set_setting(workspace.db, UNAUTHORIZED, True)
        report.error, report.unauthorized = str(error), True
    except SyncError as error:
        report.error = f"Données des autres postes non mises à jour : {error}"
        report.offline = isinstance(error, NetworkError | ProtocolError)
    return False


def _learn_places(workspace: Workspace, client: ServerClient, report: SyncReport) -> None:
    """The Pass numérique lines this workstation had sent before the server gave places (an older
    server, or before local migration 11) are sent once more, once per enrolment: the server answers
    `duplicate` with the place in the structure's feed it gave them the first time, which the state of
    their cheques needs (`PassStore._settle`). Their outbox rows stay as they are, whatever the
    answer."""
    db = workspace.db
    workstation = get_setting(db, "sync.workstation_id")
    if get_setting(db, PLACES_ASKED) == workstation:
        return
    unplaced = workspace.passes.unplaced_sent()
    try:
        for start in range(0, len(unplaced), outbox.BATCH_RECORDS):
            lines = workspace.passes.ledger_records(unplaced[start : start + outbox.BATCH_RECORDS])
            items = [
                {"kind": "pass_ledger", "record": line.model_dump(mode="json")} for line in lines.values()
            ]
            results = client.send_batch(items, db_time(utc_now()))
            with transaction(db):
                workspace.passes.placed(
                    {r.id: r.seq for r in results if r.id and r.seq is not None and r.status == "duplicate"}
                )
    except SyncError as error:
        report.error = f"Ordre des mouvements Pass numérique non mis à jour : {error}"
        return
    with transaction(db):
        set_setting(db, PLACES_ASKED, workstation)


def _publish_settings(workspace: Workspace, client: ServerClient, report: SyncReport, force: bool) -> None:
    """After the first complete read of the feed since enrolment: publish the local settings the
    structure has no version of yet (app.models.shared_settings), and send them in this same pass."""
    structure = workspace.workstation.structure
    if structure is None or workspace.shared.publishing() == structure.matricule:
        return
    with transaction(workspace.db):
        made = workspace.shared.seed(structure.matricule)
    if made:
        _send_all(workspace, client, report, force)


def _pull_reference(workspace: Workspace, client: ServerClient, report: SyncReport, current: object) -> None:
    """The server's list of structures goes to `<data dir>/reference/` and is used at once; the
    national content's signed bundle to `<data dir>/content/` (`app.content.store`), used from the
    next start. Each is asked for only if the session's answer (`current`) offers it with an ETag
    that is neither the one we have nor one we refused: a pass with nothing new costs no request.
    Each is checked whole before it replaces the last good copy."""
    offered = current if isinstance(current, dict) else {}
    for name in (STRUCTURES, CONTENT):
        key = f"sync.reference_etag.{name}"
        ours = get_setting(workspace.db, key)
        offered_etag = offered.get(name)
        if offered_etag is None or offered_etag in (ours, get_setting(workspace.db, REFUSED_ETAG + name)):
            continue
        try:
            if name == CONTENT:
                etag, body = client.get_content(ours)
            else:
                etag, body = client.get_reference(name, ours)
        except SyncError as error:
            report.error = f"Référentiels non mis à jour : {error}"
            return
        if body is None:
            continue
        try:
            if name == CONTENT:
                content = accept(workspace.path.parent, body)
                report.notices.append(CONTENT_ACCEPTED.format(content.version, french_day(content.date)))
            else:
                _store_structure_list(workspace, body)
        except (ValueError, BundleError) as refused:  # StructureFileError too
            report.notices.append(
                f"{REFUSED_LABELS[name]} reçu du serveur refusé ({refused}) : le poste garde la version "
                "qu'il avait."
            )
            with transaction(workspace.db):
                set_setting(workspace.db, REFUSED_ETAG + name, etag)
            continue
        except OSError as error:  # a full disk: not the file's fault, it is asked for again next pass
            report.notices.append(
                f"{REFUSED_LABELS[name]} reçu du serveur non enregistré ({error.strerror or error}) : "
                "le poste garde la version qu'il avait et réessaiera à la prochaine synchronisation."
            )
            continue
        with transaction(workspace.db):
            set_setting(workspace.db, key, etag)


def _store_structure_list(workspace: Workspace, body: bytes) -> None:
    parse_structure_file(body)
    folder = workspace.path.parent / REFERENCE_FOLDER
    folder.mkdir(exist_ok=True)
    partial = folder / f"{STRUCTURES}.json.partiel"
    partial.write_bytes(body)
    os.replace(partial, folder / f"{STRUCTURES}.json")


def _follow_structure_list(workspace: Workspace, report: SyncReport) -> None:
    """The structure's details as the server's list gives them, and a notice if it says it closed.
    Only a downloaded list: the shipped one may name a structure otherwise than the server does."""
    structure_list = workspace.structure_list
    if not structure_list.downloaded:
        return
    workspace.workstation.follow_list(structure_list)
    structure = workspace.workstation.structure
    notice = structure_list.closure_notice(structure.matricule) if structure else None
    if notice:
        report.notices.append(notice)
