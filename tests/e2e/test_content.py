"""End-to-end: national content published on the real server with `publish-content`, taken by the
real sync client at its next pass, used from the next start; every bad bundle refused, in French, with
the last good content kept (issue 16, point 3)."""

import signal
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine

from app.content.bundle import read_folder, sign
from app.content.store import accept, bundle_path, content_in_use
from app.models.workspace import Workspace, open_workspace
from app.server.content import store
from app.sync.engine import run_pass
from tests.conftest import run_cli
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
from tests.e2e.conftest import enrolled
from tests.live_server import ROOT, LiveServer, run_server_cli

CORRECTED = "Déclarez la naissance à la CAF (texte corrigé par l'éditeur national)."
REFUSED = "Contenu national (parcours, portail, référentiels) reçu du serveur refusé ("


def _corrected(editor: Editor, version: int, text: str = CORRECTED) -> Path:
    folder = editor.folder(version, f"contenu-{version}-{len(text)}")
    edit_json(folder / "flows/naissance.json", lambda flow: flow["steps"][0].update(text=text))
    edit_json(
        folder / "reference/partners.json",
        lambda data: next(p for p in data["partners"] if p["id"] == "caf").update(label="CAF (corrigé)"),
    )
    return folder


def _publish(server: LiveServer, editor: Editor, folder: Path) -> subprocess.CompletedProcess:
    return run_server_cli(server.database_url, "publish-content", str(folder), "--key", str(editor.key_path))


def _reopened(workspace: Workspace) -> Workspace:
    return open_workspace(workspace.path.parent)  # as the next start of the application


def _naissance_text(workspace: Workspace) -> str:
    reopened = _reopened(workspace)
    try:
        return reopened.flows["naissance"].steps[0].text
    finally:
        reopened.close()


def test_a_correction_published_on_the_server_reaches_the_workstation_at_its_next_pass(
    editor: Editor, workspace: Workspace, server: LiveServer
) -> None:
    enrolled(workspace, server)
    shipped_text = workspace.flows["naissance"].steps[0].text
    assert run_pass(workspace).notices == [], "nothing published yet: nothing asked for"
    assert not bundle_path(workspace.path.parent).exists()

    published = _publish(server, editor, _corrected(editor, 2))
    assert published.returncode == 0, published.stderr
    assert "Contenu national version 2 du 2026-12-05 publié" in published.stdout
    report = run_pass(workspace)
    assert report.error is None, report.summary()
    assert report.notices == [
        "Contenu national version 2 du 05/12/2026 reçu (parcours, portail, référentiels) : il sera "
        "utilisé au prochain démarrage de l'application."
    ]
    assert workspace.flows["naissance"].steps[0].text == shipped_text, "used from the next start"
    reopened = _reopened(workspace)
    try:
        assert reopened.content.version == 2
        assert reopened.flows["naissance"].steps[0].text == CORRECTED
        assert reopened.catalogue.partners["caf"].label == "CAF (corrigé)"
    finally:
        reopened.close()
    stored = bundle_path(workspace.path.parent).read_bytes()
    assert run_pass(workspace).notices == []
    assert bundle_path(workspace.path.parent).read_bytes() == stored

    # The command line and the application start on it too.
    listed = run_cli("contacts", "list", data_dir=workspace.path.parent)
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr


def test_a_bundle_that_cannot_be_written_is_asked_for_again(
    editor: Editor, workspace: Workspace, server: LiveServer
) -> None:
    """Not the bundle's fault (a full disk, a file in the way): not marked refused, taken next pass."""
    enrolled(workspace, server)
    assert _publish(server, editor, _corrected(editor, 2)).returncode == 0
    in_the_way = bundle_path(workspace.path.parent).parent
    in_the_way.write_bytes(b"")
    said = run_pass(workspace).summary()
    assert "non enregistré" in said and "réessaiera à la prochaine synchronisation" in said, said
    in_the_way.unlink()
    assert "Contenu national version 2 du 05/12/2026 reçu" in run_pass(workspace).summary()
    assert _naissance_text(workspace) == CORRECTED


def test_every_bad_bundle_is_refused_in_french_and_the_last_good_one_kept(
    editor: Editor, workspace: Workspace, server: LiveServer
) -> None:
    """A server that serves what the editor did not sign (broken into, or wrongly set up): the
    bundles go straight into its database, as `publish-content` would refuse them."""
    enrolled(workspace, server)
    assert _publish(server, editor, _corrected(editor, 3)).returncode == 0
    assert run_pass(workspace).error is None
    good = bundle_path(workspace.path.parent).read_bytes()
    engine = create_engine(server.database_url)

    def signed(version: int, change=None) -> bytes:
        folder = _corrected(editor, version, f"Étape piégée {version}.")
        if change:
            change(folder)
        return sign(read_folder(folder), editor.key)

    cases = [
        ("tampered", tampered(signed(10)), "fichier modifié depuis la signature"),
        ("unsigned", unsigned(signed(11)), "contenu non signé"),
        (
            "another key",
            sign(read_folder(_corrected(editor, 12, "Autre clé.")), Ed25519PrivateKey.generate()),
            "signature invalide",
        ),
        ("equal version", signed(3), "version 3 pas plus récente que celle utilisée par le poste (3)"),
        ("older version", signed(2), "version 2 pas plus récente"),
        ("malformed", b'{"version": "9"}', "format inconnu"),
        ("off the whitelist", signed(13, off_whitelist), "lien hors liste blanche ou non https"),
        ("a branch that dead-ends", signed(14, dead_end), "laisse moins de 3 étapes ou aucune pièce"),
    ]
    for row, (case, bundle, reason) in enumerate(cases, start=100):
        store(engine, row, "2026-12-05", bundle)
        said = run_pass(workspace).summary()
        assert REFUSED in said and reason in said and "le poste garde la version qu'il avait" in said, (
            f"{case}: {said}"
        )
        assert bundle_path(workspace.path.parent).read_bytes() == good, case
        assert _naissance_text(workspace) == CORRECTED, case
        assert run_pass(workspace).notices == [], f"{case}: a refused bundle is not downloaded again"
    engine.dispose()

    # The next good one is taken.
    assert _publish(server, editor, _corrected(editor, 200, "Correction suivante.")).returncode == 0
    assert "Contenu national version 200 du 05/12/2026 reçu" in run_pass(workspace).summary()
    assert _naissance_text(workspace) == "Correction suivante."


def test_publish_content_refuses_what_the_workstations_would_refuse(
    editor: Editor, server: LiveServer, tmp_path: Path
) -> None:
    good = _corrected(editor, 2)
    other_key = tmp_path / "autre.pem"
    made = subprocess.run(
        [sys.executable, "-m", "app.server.cli", "content-key", "new", str(other_key)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert made.returncode == 0 and "BEGIN PUBLIC KEY" in made.stdout
    assert "PRIVATE" not in made.stdout
    assert other_key.stat().st_mode & 0o077 == 0
    again = subprocess.run(
        [sys.executable, "-m", "app.server.cli", "content-key", "new", str(other_key)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert again.returncode == 1 and "une clé n'est jamais écrasée" in again.stderr

    wrong = run_server_cli(server.database_url, "publish-content", str(good), "--key", str(other_key))
    assert wrong.returncode == 1 and "ne correspond pas à la clé publique livrée" in wrong.stderr
    shipped = _publish(server, editor, editor.folder(1, "livre"))
    assert shipped.returncode == 1 and "pas plus récente que celle du contenu livré" in shipped.stderr
    broken = editor.folder(4, "casse")
    plain_http(broken)
    refused = _publish(server, editor, broken)
    assert refused.returncode == 1 and "lien hors liste blanche ou non https" in refused.stderr
    assert _publish(server, editor, good).returncode == 0
    twice = _publish(server, editor, good)
    assert twice.returncode == 1 and "déjà publiée" in twice.stderr


# Stores a bundle (argv: data folder, bundle file) and is killed at the point named by argv[3]: with
# half of the new file written ("write"), or with all of it written but not yet renamed ("rename").
KILLED_WHILE_STORING = """
import os, signal, sys
from pathlib import Path
from app.content.store import accept

def killed_mid_write(descriptor):
    os.ftruncate(descriptor, os.fstat(descriptor).st_size // 2)
    os.kill(os.getpid(), signal.SIGKILL)

def killed_before_rename(*_args):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[3] == "write":
    os.fsync = killed_mid_write
else:
    os.replace = killed_before_rename
accept(Path(sys.argv[1]), Path(sys.argv[2]).read_bytes())
"""


def test_a_kill_while_storing_leaves_the_old_bundle_or_the_new_never_a_mix(
    editor: Editor, tmp_path: Path
) -> None:
    data = tmp_path / "poste"
    data.mkdir()
    old = sign(read_folder(_corrected(editor, 2)), editor.key)
    accept(data, old)
    new = tmp_path / "v3.json"
    new.write_bytes(sign(read_folder(_corrected(editor, 3, "Version 3.")), editor.key))
    for point in ("write", "rename"):
        killed = subprocess.run(
            [sys.executable, "-c", KILLED_WHILE_STORING, str(data), str(new), point],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert bundle_path(data).read_bytes() == old, point
        assert content_in_use(data).version == 2, point
    assert accept(data, new.read_bytes()).version == 3, (
        "a partial file left by a kill does not get in the way"
    )
    assert bundle_path(data).read_bytes() == new.read_bytes()
    assert content_in_use(data).version == 3
