"""The national editor's Ed25519 key pair: the private key signs bundles on the editor's machine, the
public key ships with every workstation (`resources/content_key.pub`) and is the only one it trusts.

Both are PEM files (PKCS#8 and SubjectPublicKeyInfo), as `openssl genpkey -algorithm ed25519` makes
them. The private key is written once, readable by its owner only, and never printed, logged or
stored by the server.
"""

import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.content.bundle import BundleError
from app.paths import PRIVATE_FILE_MODE, resources_dir

PUBLIC_KEY_FILE = "content_key.pub"


def new_key_pair(private_path: Path) -> str:
    """Make a key pair, write the private key to `private_path` (which must not exist: an editor's
    key overwritten is content no one can sign any more); the public key, PEM, to ship."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        raise BundleError(f"{private_path} existe déjà : une clé n'est jamais écrasée") from None
    except OSError as error:
        raise BundleError(f"impossible d'écrire {private_path} : {error.strerror}") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return public_pem(key.public_key())


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as error:
        raise BundleError(f"clé privée illisible ({path}) : {error.strerror}") from None
    except (ValueError, TypeError):
        raise BundleError(f"{path} n'est pas une clé privée PEM non chiffrée") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(f"{path} n'est pas une clé Ed25519")
    return key


def load_public_key(data: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise BundleError("clé publique illisible (PEM attendu)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError("la clé publique n'est pas une clé Ed25519")
    return key


def editor_key() -> Ed25519PublicKey:
    """The national editor's public key this release ships: the only one whose bundles are used."""
    return _public_key(resources_dir() / PUBLIC_KEY_FILE)


@cache
def _public_key(path: Path) -> Ed25519PublicKey:
    return load_public_key(path.read_bytes())
