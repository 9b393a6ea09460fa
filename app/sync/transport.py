"""HTTP to the reporting server: requests with urllib3's Retry for brief connection hiccups.

Only a 2xx whose body is the JSON we expect counts as success: a captive portal (hotel, bus depot
Wi-Fi) answers 200 with an HTML page, and taking that for an acknowledgement would lose contacts.
Longer outages are not retried here but by the sync engine's backoff on the outbox.

The network is not trusted either: no redirect is followed (a 307 would carry the whole batch,
token included, to whatever host it names), the URL is checked as the connection will read it,
and every answer is bounded in size and in total time, whatever the server sends.
"""

import gzip
import ipaddress
import json
import math
import re
import socket
import string
import threading
import weakref
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import parse_url
from urllib3.util.retry import Retry

from app.models.text import printable
from app.registry.anct_list import MATRICULE, departement_code

API = "/api/v1"
TIMEOUT = (5, 30)  # connect, each read (seconds)
# Seconds for a whole request, answer included: a read time-out bounds each wait only.
REQUEST_DEADLINE = 60.0
MAX_ANSWER_BYTES = 8 * 1024 * 1024  # decoded: a gzip bomb counts at its real size
RETRY_AFTER_CAP = 3600.0  # seconds; a server cannot park the outbox for longer than the backoff's own cap
LOCAL_HOSTS = {"localhost"}
# What a server address may contain: no user info (@), no backslash, no space or control character,
# no fragment or query, nothing outside ASCII; parsers disagree on exactly those.
_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/[]")
_CHUNK = 64 * 1024
# Shapes of an enrolment answer (the server's token is secrets.token_urlsafe(32)).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,256}")
_WORKSTATION_ID = re.compile(r"[0-9a-fA-F-]{32,36}")
TOO_SLOW = "Le serveur répond trop lentement : échange interrompu, les contacts seront renvoyés plus tard."
STOPPED = (
    "Synchronisation arrêtée à la fermeture de l'application : ce qui était envoyé ou reçu est gardé, "
    "la suite partira au prochain démarrage."
)


class SyncError(Exception):
    """A failed exchange; `str(error)` is French."""


class NetworkError(SyncError):
    """No answer: offline, time-out, connection cut. Try again later."""


class RetryLater(SyncError):
    """The server is busy or failing (429, 5xx); `retry_after` seconds if it said so."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthorized(SyncError):
    """401: the token is unknown or revoked, or the enrolment code is refused."""


class TooLarge(SyncError):
    """413: the batch must be split."""


class Stopped(SyncError):
    """The application is closing (`Stop`): the request was not made, or was cut in flight."""


class ProtocolError(SyncError):
    """An answer that is not the expected JSON (captive portal, proxy page, truncated body, redirect)."""


def check_server_url(url: str) -> str:
    """The URL without trailing slash; HTTPS is required except on this machine.

    The host checked is the one the connection will use: the URL is prepared as requests prepares
    it, then read by urllib3 (which connects) and by urllib.parse (which requests uses to pick the
    pool); they and the address as typed must name the same place, or the address is refused
    (requests silently drops a `:0` port, for one).
    """
    cleaned = url.strip().rstrip("/")
    shown = "".join(character if character.isprintable() else "?" for character in url.strip()[:200])
    invalid = SyncError(
        f"Adresse de serveur invalide : « {shown} » (exemple : https://reporting.exemple.fr)."
    )
    if not cleaned or not set(cleaned) <= _URL_CHARACTERS:
        raise invalid
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(cleaned + API, None)
        assert prepared.url is not None  # set by prepare_url
        typed, connected, picked = parse_url(cleaned), parse_url(prepared.url), urlsplit(prepared.url)
        host = (connected.host or "").strip("[]").lower()
        agree = (
            connected.scheme == picked.scheme == (typed.scheme or "").lower()
            and host == (picked.hostname or "") == (typed.host or "").strip("[]").lower()
            and connected.port == picked.port == typed.port
        )
    except (requests.RequestException, ValueError) as error:
        raise invalid from error
    if (
        connected.scheme not in ("http", "https")
        or not host
        or not agree
        or connected.auth
        or picked.username
    ):
        raise invalid
    if connected.scheme != "https" and host not in LOCAL_HOSTS and not _is_loopback(host):
        raise SyncError("L'adresse du serveur doit commencer par https:// (connexion chiffrée).")
    return cleaned


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _valid_enrolment(body: dict[str, Any]) -> bool:
    """The shape of an enrolment answer, checked before anything of it is kept: the token goes into
    every request's headers (a line break there would be a header of the server's choosing), the
    structure into the settings and the interface."""
    structure = body["structure"]
    if not isinstance(structure, dict):
        return False
    matricule, name = structure.get("matricule"), structure.get("name")
    departement = structure.get("departement")
    return bool(
        isinstance(body["token"], str)
        and _TOKEN.fullmatch(body["token"])
        and isinstance(body["workstation_id"], str)
        and _WORKSTATION_ID.fullmatch(body["workstation_id"])
        and isinstance(matricule, str | int)
        and not isinstance(matricule, bool)
        and MATRICULE.fullmatch(str(matricule))
        and isinstance(name, str)
        and 0 < len(name) <= 200
        and server_text(name) == name
        and isinstance(departement, str)
        and departement_code(departement) == departement
        and isinstance(structure.get("itinerant"), bool)
    )


@dataclass(frozen=True)
class ItemResult:
    id: str | None
    status: str  # accepted | duplicate | rejected
    code: str | None = None
    reason: str | None = None
    seq: int | None = None  # accepted or duplicate: its place in the structure's feed (None: an older server)


@dataclass(frozen=True)
class PulledPage:
    """A page of the structure's feed; each item is checked when it is applied (`app.sync.pull`)."""

    records: list[Any]
    next_after: int
    more: bool
    server_time: str
    last_seq: int | None = None  # the structure's latest number (progress only; None from an older server)


@dataclass(frozen=True)
class Answer:
    """A whole answer, read within the size and time bounds."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


def server_text(value: object, limit: int = 300) -> str | None:
    """Text from the server made safe to store and show: a string, no control character (a
    hostile answer could carry terminal escape sequences), at most `limit` characters; else None."""
    if not isinstance(value, str):
        return None
    shown = printable(value).replace("\ufffd", "").strip()
    return (shown[: limit - 1] + "…" if len(shown) > limit else shown) or None


def feed_place(value: object) -> int | None:
    """A record's number in its structure's feed (`seq`) as the server gave it, or None when it is not
    a number the feed can hold (1 to 2^62)."""
    return value if type(value) is int and 1 <= value <= 1 << 62 else None


def _message(answer: Answer, default: str) -> str:
    try:
        detail = answer.json().get("detail")
    except (ValueError, AttributeError, RecursionError):
        return default
    return (server_text(detail.get("message")) if isinstance(detail, dict) else None) or default


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The server's `Retry-After` (seconds or an HTTP date) as a delay between 0 and RETRY_AFTER_CAP.

    Bounded because the outbox turns it into a date: `1e12` would overflow, `315360000` would park
    the records for ten years.
    """
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
            seconds = (moment - (now or datetime.now().astimezone())).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None
    if math.isnan(seconds):
        return None
    return min(RETRY_AFTER_CAP, max(0.0, seconds))


def _watched_pools(pools: Mapping[str, type], sockets: "weakref.WeakSet[socket.socket]") -> dict[str, type]:
    """`pools` whose connections note their socket in `sockets` once connected."""
    watched = {}
    for scheme, pool in pools.items():

        class Connection(pool.ConnectionCls):  # type: ignore[name-defined,misc]
            def connect(self) -> None:
                super().connect()
                sockets.add(self.sock)

        watched[scheme] = type(pool.__name__, (pool,), {"ConnectionCls": Connection})
    return watched


class _DeadlineAdapter(HTTPAdapter):
    """Keeps the sockets it opens, so that `cut()` can end a request past its deadline.

    A read time-out bounds each wait only: a server sending one byte every second would hold the
    pass (and the lock) for as long as it likes. Shutting the socket down from the watchdog thread
    wakes the blocked read, which then fails like a cut connection.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _watched_pools(
            self.poolmanager.pool_classes_by_scheme, self.sockets
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        new = proxy not in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if new:
            manager.pool_classes_by_scheme = _watched_pools(manager.pool_classes_by_scheme, self.sockets)
        return manager

    def cut(self) -> None:
        for sock in list(self.sockets):
            with suppress(OSError):
                # The plain socket's shutdown, also for TLS: SSLSocket.shutdown would pull the TLS
                # state from under the thread reading it.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Stop:
    """Set from another thread when the application closes: the pass's client makes no further
    request and the one in flight is cut like a dead connection, so closing the window never waits
    for a long sync. Nothing is lost: a batch cut in flight goes back to the queue (were it already
    stored, the server answers "duplicate" next time), and every pulled page is committed with its
    cursor."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._clients: weakref.WeakSet[ServerClient] = weakref.WeakSet()

    def set(self) -> None:
        self._event.set()
        for client in list(self._clients):
            client.adapter.cut()

    def is_set(self) -> bool:
        return self._event.is_set()

    def watch(self, client: "ServerClient") -> None:
        self._clients.add(client)


class ServerClient:
    def __init__(self, base_url: str, token: str | None = None, stop: Stop | None = None) -> None:
        self.base_url = check_server_url(base_url)
        self.stop = stop
        self.session = requests.Session()
        # Only connection failures are retried here; statuses (429 with Retry-After included) come
        # back to the sync engine, whose backoff is kept in the outbox across passes and restarts.
        retry = Retry(
            total=2,
            connect=2,
            read=0,
            status=0,
            other=0,
            redirect=0,
            backoff_factor=0.3,
            allowed_methods=None,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self.adapter = _DeadlineAdapter(max_retries=retry)
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if stop is not None:
            stop.watch(self)

    def close(self) -> None:
        self.session.close()

    def _stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _request(self, method: str, path: str, **kwargs: Any) -> Answer:
        """One request, its whole answer read within REQUEST_DEADLINE and MAX_ANSWER_BYTES."""
        if self._stopped():
            raise Stopped(STOPPED)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            self.adapter.cut()

        watchdog = threading.Timer(REQUEST_DEADLINE, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            answer = self._exchange(method, path, **kwargs)
        except requests.RequestException as error:
            if self._stopped():
                raise Stopped(STOPPED) from error
            if expired.is_set():
                raise NetworkError(TOO_SLOW) from error
            raise NetworkError("Serveur injoignable (réseau indisponible ou coupé).") from error
        finally:
            watchdog.cancel()
        if self._stopped():  # cut while the body had no length: what arrived may be truncated
            raise Stopped(STOPPED)
        if expired.is_set():
            raise NetworkError(TOO_SLOW)
        if 300 <= answer.status_code < 400 and answer.status_code != 304:
            raise ProtocolError(
                f"Le serveur a répondu par une redirection (code {answer.status_code}), qui n'est pas suivie "
                "par sécurité : les contacts restent en attente sur le poste. Vérifiez l'adresse du serveur "
                "dans Paramètres."
            )
        if answer.status_code == 401:
            raise Unauthorized(
                _message(answer, "Ce poste n'est pas (ou plus) autorisé par le serveur de reporting.")
            )
        if answer.status_code == 413:
            raise TooLarge(_message(answer, "Envoi trop volumineux pour le serveur."))
        if answer.status_code == 429 or answer.status_code >= 500:
            raise RetryLater(
                # The server's own words when it has some (a lock-out after refused enrolment codes).
                _message(answer, f"Le serveur est occupé ou en difficulté (code {answer.status_code})."),
                retry_after_seconds(answer.headers.get("Retry-After")),
            )
        return answer

    def _exchange(self, method: str, path: str, **kwargs: Any) -> Answer:
        """Send, then read the answer as it streams in, stopping past MAX_ANSWER_BYTES."""
        with self.session.request(
            method, self.base_url + path, timeout=TIMEOUT, allow_redirects=False, stream=True, **kwargs
        ) as response:
            body = bytearray()
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise ProtocolError(
                        f"Réponse du serveur trop volumineuse (plus de {MAX_ANSWER_BYTES // (1024 * 1024)} Mio) : "
                        "ignorée."
                    )
            return Answer(response.status_code, response.headers, bytes(body))

    @staticmethod
    def _json(answer: Answer, *keys: str) -> dict[str, Any]:
        """The body as a JSON object holding `keys`, or ProtocolError."""
        if not 200 <= answer.status_code < 300:
            raise ProtocolError(
                _message(answer, f"Réponse inattendue du serveur (code {answer.status_code}).")
            )
        if "json" not in answer.headers.get("Content-Type", ""):
            raise ProtocolError(
                "Le réseau a répondu par une page web au lieu du serveur (portail de connexion Wi-Fi ?)."
            )
        try:
            body = answer.json()
        except (ValueError, RecursionError) as error:  # RecursionError: "[[[[…" nested past the stack
            raise ProtocolError("Réponse du serveur illisible ou incomplète.") from error
        if not isinstance(body, dict) or any(key not in body for key in keys):
            raise ProtocolError("Réponse du serveur incomplète.")
        return body

    def enrol(self, code: str, installation_id: str, label: str) -> dict[str, Any]:
        answer = self._request(
            "POST",
            f"{API}/enrolment",
            json={"code": code, "installation_id": installation_id, "label": label},
        )
        body = self._json(answer, "token", "workstation_id", "structure")
        if not _valid_enrolment(body):
            raise ProtocolError("Réponse d'inscription incomplète ou invalide : rien n'a été enregistré.")
        return body

    def check_session(self) -> dict[str, Any]:
        return self._json(self._request("GET", f"{API}/session"), "workstation_id", "structure")

    def send_batch(self, items: list[dict[str, Any]], device_time: str) -> list[ItemResult]:
        """Send one batch, gzip-compressed; one result per item, in order, or an exception."""
        body = gzip.compress(json.dumps({"records": items}, separators=(",", ":")).encode(), compresslevel=6)
        answer = self._request(
            "POST",
            f"{API}/records",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "X-Device-Time": device_time,
            },
        )
        results = self._json(answer, "results")["results"]
        if not isinstance(results, list) or len(results) != len(items):
            raise ProtocolError("Le serveur n'a pas répondu pour chaque contact envoyé.")
        parsed = []
        for sent, result in zip(items, results, strict=True):
            if not isinstance(result, dict) or result.get("status") not in (
                "accepted",
                "duplicate",
                "rejected",
            ):
                raise ProtocolError("Réponse du serveur incomplète.")
            if result.get("id") != sent["record"]["id"]:
                raise ProtocolError("Le serveur a répondu pour d'autres contacts que ceux envoyés.")
            parsed.append(
                ItemResult(
                    result["id"],
                    result["status"],
                    server_text(result.get("code")),
                    server_text(result.get("reason")),
                    feed_place(result.get("seq")) if result["status"] != "rejected" else None,
                )
            )
        return parsed

    def pull_page(self, after: int, limit: int) -> "PulledPage | None":
        """One page of the structure's feed after the cursor `after` (the server gzips it); None from
        a server that has no feed (404: a version from before it), which is not an error."""
        answer = self._request("GET", f"{API}/records", params={"after": after, "limit": limit})
        if answer.status_code == 404:
            return None
        body = self._json(answer, "records", "next_after", "more", "server_time")
        records, next_after = body["records"], body["next_after"]
        if (
            not isinstance(records, list)
            or type(next_after) is not int
            or next_after < after
            or not isinstance(body["more"], bool)
            or not isinstance(body["server_time"], str)
        ):
            raise ProtocolError("Réponse du serveur incomplète.")
        last_seq = body.get("last_seq")
        return PulledPage(
            records,
            next_after,
            body["more"],
            body["server_time"],
            last_seq if type(last_seq) is int and last_seq >= next_after else None,
        )

    def get_reference(self, name: str, etag: str | None) -> tuple[str | None, bytes | None]:
        """(ETag, body) of a reference file, or (etag, None) if ours is current (304)."""
        return self._get_tagged(f"{API}/reference/{name}", etag)

    def get_content(self, etag: str | None) -> tuple[str | None, bytes | None]:
        """(ETag, body) of the national content's signed bundle, or (etag, None) if ours is current."""
        return self._get_tagged(f"{API}/content", etag)

    def _get_tagged(self, path: str, etag: str | None) -> tuple[str | None, bytes | None]:
        headers = {"If-None-Match": etag} if etag else {}
        answer = self._request("GET", path, headers=headers)
        if answer.status_code == 304:
            return etag, None
        self._json(answer)
        return answer.headers.get("ETag"), answer.content
