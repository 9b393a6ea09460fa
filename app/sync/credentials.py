"""The workstation's token lives in the OS keyring, never in a file, a setting or a log.

There is no silent fallback: if no trustworthy keyring backend exists (no Secret Service on Linux,
or only a plain-text file backend), enrolment stops and says so.
"""

import keyring
import keyring.errors

SERVICE = "bureau-virtuel"
# Backends that would store nothing, or store the secret in clear in a file.
_REFUSED_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.file.EncryptedKeyring",
}
UNAVAILABLE = (
    "Aucun trousseau sécurisé du système n'est disponible (sous Linux : GNOME Keyring ou KWallet, "
    "service « Secret Service »). Le jeton d'accès au serveur ne peut pas être conservé en sécurité : "
    "rien n'a été enregistré. Faites installer ou déverrouiller le trousseau, puis recommencez."
)


class CredentialsUnavailable(Exception):
    """No usable keyring; `str(error)` is the French explanation."""


def _backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def check_available() -> None:
    if _backend_name() in _REFUSED_BACKENDS:
        raise CredentialsUnavailable(UNAVAILABLE)


def _account(server_url: str) -> str:
    return f"token:{server_url.rstrip('/')}"


def store_token(server_url: str, token: str) -> None:
    check_available()
    try:
        keyring.set_password(SERVICE, _account(server_url), token)
    except keyring.errors.KeyringError as error:
        raise CredentialsUnavailable(UNAVAILABLE) from error


def load_token(server_url: str) -> str | None:
    try:
        check_available()
        return keyring.get_password(SERVICE, _account(server_url))
    except (CredentialsUnavailable, keyring.errors.KeyringError):
        return None
