"""The national editor of the tests: a key pair of its own, whose public key the workstation under
test ships (a `resources/` folder like the real one, with that key in `content_key.pub`), and content
folders made from the shipped resources, to change and publish."""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.content.bundle import PORTAL_FILES, REFERENCE_FILES, VERSION_FILE, read_folder, sign
from app.content.keys import PUBLIC_KEY_FILE, load_private_key, new_key_pair
from app.paths import resources_dir

SHIPPED = resources_dir()


@dataclass
class Editor:
    key_path: Path
    resources: Path
    root: Path

    @property
    def key(self) -> Ed25519PrivateKey:
        return load_private_key(self.key_path)

    def folder(self, version: int, name: str | None = None) -> Path:
        """A content folder: the shipped content at `version`, to change before publishing."""
        folder = self.root / (name or f"contenu-{version}")
        for path in (*REFERENCE_FILES, *PORTAL_FILES):
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SHIPPED / path, folder / path)
        shutil.copytree(SHIPPED / "flows", folder / "flows")
        (folder / VERSION_FILE).write_text(json.dumps({"version": version, "date": "2026-12-05"}))
        return folder

    def bundle(self, folder: Path, key: Ed25519PrivateKey | None = None) -> bytes:
        return sign(read_folder(folder), key or self.key)


def edit_json(path: Path, change) -> None:
    """Apply `change` to the JSON document in `path` and write it back."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture(name="editor")
def editor_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Editor:
    """The workstation (and the server's `publish-content`) trust this editor's key only; the rest of
    `resources/` is the real one. Subprocesses inherit it through `BUREAU_VIRTUEL_RESOURCES`."""
    root = tmp_path / "editeur"
    resources = root / "resources"
    resources.mkdir(parents=True)
    for entry in SHIPPED.iterdir():
        if entry.name != PUBLIC_KEY_FILE:
            (resources / entry.name).symlink_to(entry)
    key_path = root / "editeur.pem"
    (resources / PUBLIC_KEY_FILE).write_text(new_key_pair(key_path))
    monkeypatch.setenv("BUREAU_VIRTUEL_RESOURCES", str(resources))
    return Editor(key_path, resources, root)


# Ways to damage a content folder before it is signed: each is content a workstation must refuse.


def off_whitelist(folder: Path) -> None:
    """A flow's step links to a site outside the whitelist."""
    edit_json(
        folder / "flows/naissance.json",
        lambda flow: flow["steps"][0].update(link="https://arnaque-caf.example.com/"),
    )


def plain_http(folder: Path) -> None:
    """A portal link in plain http."""
    edit_json(folder / "portal/links.json", lambda data: data["links"][0].update(url="http://www.caf.fr/"))


def dead_end(folder: Path) -> None:
    """Every document of a flow depends on the first answer: the other answers leave no document."""

    def change(flow: dict) -> None:
        question = flow["questions"][0]
        for document in flow["documents"]:
            document["when"] = {question["id"]: question["answers"][0]["id"]}

    edit_json(folder / "flows/naissance.json", change)


# Ways to damage a signed bundle after it was signed.


def tampered(raw: bytes) -> bytes:
    """A file changed after the signature."""
    bundle = json.loads(raw)
    bundle["files"]["flows/naissance.json"] = bundle["files"]["flows/naissance.json"].replace("CAF", "KAF", 1)
    return json.dumps(bundle).encode()


def unsigned(raw: bytes) -> bytes:
    """The signature removed."""
    bundle = json.loads(raw)
    del bundle["signature"]
    return json.dumps(bundle).encode()
