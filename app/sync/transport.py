"""HTTP to the reporting server: requests with urllib3's Retry for brief connection hiccups.

Only a 2xx whose body is the JSON we expect counts as success: a captive portal (hotel, bus depot
Wi-Fi) answers 200 with an HTML page, and taking that for an acknowledgement would lose contacts.
Longer outages are not retried here but by the sync engine's backoff on the outbox.
"""

import gzip
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

API = "/api/v1"
TIMEOUT = (5, 30)  # connect, read (seconds)
LOCAL_HOSTS = {"localhost"}


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


class ProtocolError(SyncError):
    """An answer that is not the expected JSON (captive portal, proxy page, truncated body)."""


def check_server_url(url: str) -> str:
    """The URL without trailing slash; HTTPS is required except on this machine."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise SyncError(f"Adresse de serveur invalide : « {url} » (exemple : https://reporting.exemple.fr).")
    local = host in LOCAL_HOSTS or _is_loopback(host)
    if parts.scheme != "https" and not local:
        raise SyncError("L'adresse du serveur doit commencer par https:// (connexion chiffrée).")
    return url.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ItemResult:
    id: str | None
    status: str  # accepted | duplicate | rejected
    code: str | None = None
    reason: str | None = None


def _message(response: requests.Response, default: str) -> str:
    try:
        detail = response.json().get("detail")
        if isinstance(detail, dict) and isinstance(detail.get("message"), str):
            return detail["message"]
    except (ValueError, AttributeError):
        pass
    return default


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now().astimezone()).total_seconds())
        except (TypeError, ValueError):
            return None


class ServerClient:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = check_server_url(base_url)
        self.session = requests.Session()
        # Only connection failures are retried here; statuses (429 with Retry-After included) come
        # back to the sync engine, whose backoff is kept in the outbox across passes and restarts.
        retry = Retry(
            total=2,
            connect=2,
            read=0,
            status=0,
            other=0,
            backoff_factor=0.3,
            allowed_methods=None,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, self.base_url + path, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise NetworkError("Serveur injoignable (réseau indisponible ou coupé).") from error
        if response.status_code == 401:
            raise Unauthorized(
                _message(response, "Ce poste n'est pas (ou plus) autorisé par le serveur de reporting.")
            )
        if response.status_code == 413:
            raise TooLarge(_message(response, "Envoi trop volumineux pour le serveur."))
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryLater(
                f"Le serveur est occupé ou en difficulté (code {response.status_code}).",
                _retry_after(response),
            )
        return response

    @staticmethod
    def _json(response: requests.Response, *keys: str) -> dict[str, Any]:
        """The body as a JSON object holding `keys`, or ProtocolError."""
        if not 200 <= response.status_code < 300:
            raise ProtocolError(
                _message(response, f"Réponse inattendue du serveur (code {response.status_code}).")
            )
        if "json" not in response.headers.get("Content-Type", ""):
            raise ProtocolError(
                "Le réseau a répondu par une page web au lieu du serveur (portail de connexion Wi-Fi ?)."
            )
        try:
            body = response.json()
        except ValueError as error:
            raise ProtocolError("Réponse du serveur illisible ou incomplète.") from error
        if not isinstance(body, dict) or any(key not in body for key in keys):
            raise ProtocolError("Réponse du serveur incomplète.")
        return body

    def enrol(self, code: str, installation_id: str, label: str) -> dict[str, Any]:
        response = self._request(
            "POST",
            f"{API}/enrolment",
            json={"code": code, "installation_id": installation_id, "label": label},
        )
        body = self._json(response, "token", "workstation_id", "structure")
        structure = body["structure"]
        if (
            not isinstance(structure, dict)
            or not {"matricule", "name", "departement", "itinerant"} <= structure.keys()
        ):
            raise ProtocolError("Réponse d'inscription incomplète.")
        return body

    def check_session(self) -> dict[str, Any]:
        return self._json(self._request("GET", f"{API}/session"), "workstation_id", "structure")

    def send_batch(self, items: list[dict[str, Any]], device_time: str) -> list[ItemResult]:
        """Send one batch, gzip-compressed; one result per item, in order, or an exception."""
        body = gzip.compress(json.dumps({"records": items}, separators=(",", ":")).encode(), compresslevel=6)
        response = self._request(
            "POST",
            f"{API}/records",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "X-Device-Time": device_time,
            },
        )
        results = self._json(response, "results")["results"]
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
                ItemResult(result["id"], result["status"], result.get("code"), result.get("reason"))
            )
        return parsed

    def get_reference(self, name: str, etag: str | None) -> tuple[str | None, bytes | None]:
        """(ETag, body) of a reference file, or (etag, None) if ours is current (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request("GET", f"{API}/reference/{name}", headers=headers)
        if response.status_code == 304:
            return etag, None
        self._json(response)
        return response.headers.get("ETag"), response.content
