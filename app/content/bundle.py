"""The bundle's format: the content files, a manifest of their SHA-256, the editor's signature.

One JSON document, so that it travels, is stored and replaced as one file:

    {"manifest": "<JSON text>", "signature": "<base64>", "files": {"flows/naissance.json": "<text>", …}}

The signature is over the UTF-8 bytes of the manifest *text* exactly as carried — no
canonicalisation to get wrong. The manifest says the format, the bundle's `version` (an integer that
only grows), its `date` and the SHA-256 of every file; a file that is not in it, or differs, makes the
whole bundle refused. The content itself is checked by `app.content.check`.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date as Date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.paths import resources_dir

# cryptography (~10 ms to import) only when a bundle is signed or opened: start-up reads the
# shipped content, which needs no signature.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = 1
VERSION_FILE = "content.json"  # {"version": …, "date": …} of the content in a folder (resources/ too)
REFERENCE_FILES = ("reference/partners.json", "reference/bouquet.json", "reference/contact_fields.json")
PORTAL_FILES = ("portal/links.json", "portal/whitelist.json")
FLOWS_FOLDER = "flows"
MAX_FILES = 500  # a bundle is some tens of files; a manifest of millions is an attack, not content


class BundleError(ValueError):
    """A bundle or a content folder refused; the message is French and says why."""


@dataclass(frozen=True, eq=False)  # compared by identity: models cache what they build from it
class Content:
    """One version of the national content: what the models read their flows, links and catalogue
    from. `files` maps a path relative to the content's root (`flows/naissance.json`) to its bytes."""

    version: int
    date: str
    files: Mapping[str, bytes]
    signed: bool  # False for the content shipped with the application

    def json(self, path: str) -> Any:
        return json.loads(self.files[path])

    def flow_files(self) -> list[str]:
        return sorted(path for path in self.files if path.startswith(FLOWS_FOLDER + "/"))


def _allowed(path: str) -> bool:
    if path in REFERENCE_FILES or path in PORTAL_FILES:
        return True
    folder, _, name = path.partition("/")
    return folder == FLOWS_FOLDER and name.endswith(".json") and "/" not in name and name[:1].isalnum()


def _version_and_date(data: object, where: str) -> tuple[int, str]:
    version = data.get("version") if isinstance(data, dict) else None
    day = data.get("date") if isinstance(data, dict) else None
    if type(version) is not int or version < 1:
        raise BundleError(f"{where} : version absente ou invalide (un entier positif est attendu)")
    if not isinstance(day, str) or len(day) != 10:
        raise BundleError(f"{where} : date absente ou invalide (AAAA-MM-JJ attendu)")
    try:
        Date.fromisoformat(day)
    except ValueError:
        raise BundleError(f"{where} : date invalide (AAAA-MM-JJ attendu) : {day}") from None
    return version, day


def read_folder(folder: Path, *, signed: bool = False) -> Content:
    """The content of a folder laid out as `resources/`: `content.json` for its version and date,
    `flows/*.json`, `portal/` and `reference/`. Other files there (icons, communes) are not content."""
    try:
        version, day = _version_and_date(json.loads((folder / VERSION_FILE).read_bytes()), VERSION_FILE)
    except FileNotFoundError:
        raise BundleError(f"{VERSION_FILE} manquant dans {folder} (version et date du contenu)") from None
    except (ValueError, RecursionError) as error:
        if isinstance(error, BundleError):
            raise
        raise BundleError(f"{VERSION_FILE} illisible (JSON attendu)") from None
    paths = [*REFERENCE_FILES, *PORTAL_FILES]
    paths += [f"{FLOWS_FOLDER}/{p.name}" for p in sorted((folder / FLOWS_FOLDER).glob("*.json"))]
    files = {}
    for path in paths:
        try:
            files[path] = (folder / path).read_bytes()
        except OSError:
            raise BundleError(f"fichier manquant ou illisible : {path}") from None
    return Content(version, day, files, signed)


def shipped_content() -> Content:
    """The content this release of the application ships, in `resources/`."""
    return _shipped(resources_dir())


@cache
def _shipped(root: Path) -> Content:
    return read_folder(root)


def _sha256(data: bytes) -> str:
    import hashlib  # OpenSSL's, a few ms to load: only when a bundle is signed or opened

    return hashlib.sha256(data).hexdigest()


def sign(content: Content, key: "Ed25519PrivateKey") -> bytes:
    """The bundle of `content`, signed with the editor's private key."""
    manifest = {
        "format": FORMAT,
        "version": content.version,
        "date": content.date,
        "files": {path: _sha256(data) for path, data in sorted(content.files.items())},
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    try:
        files = {path: data.decode("utf-8") for path, data in sorted(content.files.items())}
    except UnicodeDecodeError as error:
        raise BundleError("un fichier du contenu n'est pas en UTF-8") from error
    bundle = {
        "manifest": text,
        "signature": base64.b64encode(key.sign(text.encode("utf-8"))).decode("ascii"),
        "files": files,
    }
    return json.dumps(bundle, ensure_ascii=False).encode("utf-8")


def open_bundle(raw: bytes, key: "Ed25519PublicKey") -> Content:
    """The content of a bundle whose signature by `key` and every file's SHA-256 hold; else
    BundleError. Nothing of the manifest is believed before its signature is checked."""
    from cryptography.exceptions import InvalidSignature

    try:
        bundle = json.loads(raw)
    except (ValueError, RecursionError):
        raise BundleError("contenu illisible (JSON attendu)") from None
    if not isinstance(bundle, dict) or not isinstance(bundle.get("files"), dict):
        raise BundleError("format inconnu (manifeste, signature et fichiers attendus)")
    text, signature = bundle.get("manifest"), bundle.get("signature")
    if not isinstance(text, str) or not isinstance(signature, str) or not signature:
        raise BundleError("contenu non signé (manifeste ou signature absents)")
    try:
        key.verify(base64.b64decode(signature, validate=True), text.encode("utf-8"))
    except (binascii.Error, ValueError, InvalidSignature):
        raise BundleError(
            "signature invalide : ce contenu n'est pas signé par la clé de l'éditeur national, ou a été "
            "modifié depuis"
        ) from None
    try:
        manifest = json.loads(text)
    except (ValueError, RecursionError):
        raise BundleError("manifeste illisible (JSON attendu)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"format de contenu inconnu (format {FORMAT} attendu)")
    version, day = _version_and_date(manifest, "manifeste")
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not 0 < len(listed) <= MAX_FILES:
        raise BundleError("manifeste sans liste de fichiers valide")
    carried = bundle["files"]
    if set(carried) != set(listed):
        missing = sorted(set(listed) ^ set(carried))
        raise BundleError(f"fichiers absents ou en trop par rapport au manifeste : {', '.join(missing[:5])}")
    files = {}
    for path, digest in listed.items():
        if not _allowed(path):
            raise BundleError(f"fichier inattendu dans le contenu : {path[:80]}")
        if not isinstance(carried[path], str):
            raise BundleError(f"fichier mal formé : {path}")
        try:
            data = carried[path].encode("utf-8")
        except UnicodeEncodeError:
            raise BundleError(f"fichier mal formé : {path}") from None
        if _sha256(data) != digest:
            raise BundleError(f"fichier modifié depuis la signature : {path}")
        files[path] = data
    return Content(version, day, files, signed=True)
