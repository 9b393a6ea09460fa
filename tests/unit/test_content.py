"""The signed bundle of national content: what makes it accepted, and every way it is refused."""

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.content.bundle import BundleError, open_bundle, read_folder, shipped_content
from app.content.check import check_content
from app.content.keys import editor_key
from app.content.store import accept, bundle_path, content_in_use
from app.models.flows import load_flows
from app.models.reference import load_catalogue
from tests.content_editor import (  # noqa: F401 (the `editor` fixture)
    Editor,
    dead_end,
    edit_json,
    editor_fixture,
    off_whitelist,
    plain_http,
    tampered,
    unsigned,
)


def test_every_shipped_flow_and_branch_loads_and_validates_from_a_signed_bundle(editor: Editor) -> None:
    raw = editor.bundle(editor.folder(shipped_content().version + 1))
    content = open_bundle(raw, editor_key())
    check_content(content)
    flows, shipped = load_flows(content), load_flows()
    assert flows == shipped and len(flows) == len(list((editor.resources / "flows").glob("*.json")))
    for flow in flows.values():
        branches = list(flow.branches())
        assert branches, flow.situation
        for answers in branches:
            assert len(flow.steps_for(answers)) >= 3 and flow.documents_for(answers), (
                flow.situation,
                answers,
            )
    assert load_catalogue(content).situations == load_catalogue().situations


def _resigned(raw: bytes, key: Ed25519PrivateKey, change) -> bytes:
    """The bundle with its manifest changed by `change`, signed again by `key`."""
    bundle = json.loads(raw)
    manifest = json.loads(bundle["manifest"])
    change(manifest)
    bundle["manifest"] = json.dumps(manifest)
    bundle["signature"] = base64.b64encode(key.sign(bundle["manifest"].encode())).decode()
    return json.dumps(bundle).encode()


def _signed_text(text: str, key: Ed25519PrivateKey) -> bytes:
    """A bundle whose signed manifest is `text`, whatever it is."""
    signature = base64.b64encode(key.sign(text.encode())).decode()
    return json.dumps({"manifest": text, "signature": signature, "files": {}}).encode()


def _extra_file(raw: bytes, key: Ed25519PrivateKey) -> bytes:
    bundle = json.loads(raw)
    bundle["files"]["../../.bashrc"] = "x"
    return _resigned(
        json.dumps(bundle).encode(), key, lambda m: m["files"].update({"../../.bashrc": "0" * 64})
    )


def test_a_bundle_that_does_not_hold_is_refused_before_anything_is_read(editor: Editor) -> None:
    raw = editor.bundle(editor.folder(2))
    key = editor.key
    cases = {
        "tampered": (tampered(raw), "fichier modifié depuis la signature : flows/naissance.json"),
        "unsigned": (unsigned(raw), "contenu non signé"),
        "another key": (
            editor.bundle(editor.folder(2, "autre"), Ed25519PrivateKey.generate()),
            "signature invalide",
        ),
        "not JSON": (b"[" * 100_000, "contenu illisible"),
        "version as text": (b'{"version": "9"}', "format inconnu"),
        "manifest version as text": (
            _resigned(raw, key, lambda m: m.update(version="9")),
            "manifeste : version absente ou invalide",
        ),
        "a manifest that is not JSON": (_signed_text("[" * 100_000, key), "manifeste illisible"),
        "unknown format": (_resigned(raw, key, lambda m: m.update(format=2)), "format de contenu inconnu"),
        "a file outside the content": (_extra_file(raw, key), "fichier inattendu"),
        "a file missing": (
            _resigned(raw, key, lambda m: m["files"].update({"flows/autre.json": "0" * 64})),
            "fichiers absents ou en trop",
        ),
    }
    for body, reason in cases.values():
        with pytest.raises(BundleError, match=reason):
            open_bundle(body, editor_key())


def _refusal(editor: Editor, change, version: int = 2) -> str:
    folder = editor.folder(version, f"contenu-{len(list(editor.root.iterdir()))}")
    change(folder)
    with pytest.raises(BundleError) as refused:
        check_content(read_folder(folder))
    return str(refused.value)


def test_content_that_would_mislead_an_agent_is_refused(editor: Editor) -> None:
    def unknown_partner(folder: Path) -> None:
        edit_json(folder / "reference/partners.json", lambda data: data["partners"].pop(0))

    assert "lien hors liste blanche ou non https : https://arnaque-caf.example.com/" in _refusal(
        editor, off_whitelist
    )
    assert "portal/links.json : lien hors liste blanche ou non https : http://www.caf.fr/" in _refusal(
        editor, plain_http
    )
    assert "laisse moins de 3 étapes ou aucune pièce" in _refusal(editor, dead_end)
    assert "partenaire inconnu" in _refusal(editor, unknown_partner)
    broken = _refusal(editor, lambda folder: (folder / "reference/bouquet.json").write_text("{"))
    assert "reference/bouquet.json : JSON illisible" in broken
    nested = _refusal(editor, lambda folder: (folder / "portal/whitelist.json").write_text("[" * 100_000))
    assert "portal/whitelist.json : JSON illisible" in nested


def test_only_a_newer_bundle_replaces_the_one_in_use(editor: Editor, tmp_path: Path) -> None:
    shipped = shipped_content().version
    with pytest.raises(
        BundleError, match=f"pas plus récente que celle utilisée par le poste \\({shipped}\\)"
    ):
        accept(tmp_path, editor.bundle(editor.folder(shipped)))
    assert not bundle_path(tmp_path).exists()
    assert accept(tmp_path, editor.bundle(editor.folder(shipped + 2))).version == shipped + 2
    assert content_in_use(tmp_path).version == shipped + 2
    with pytest.raises(BundleError, match="pas plus récente"):
        accept(tmp_path, editor.bundle(editor.folder(shipped + 1, "plus-ancien")))
    assert content_in_use(tmp_path).version == shipped + 2


def test_a_stored_bundle_that_no_longer_holds_gives_way_to_the_shipped_content(
    editor: Editor, tmp_path: Path
) -> None:
    accept(tmp_path, editor.bundle(editor.folder(5)))
    path = bundle_path(tmp_path)
    path.write_bytes(tampered(path.read_bytes()))
    assert content_in_use(tmp_path) is shipped_content()
    path.write_bytes(b'{"version": "9"}')
    assert content_in_use(tmp_path) is shipped_content()
