"""The national content a workstation accepted is what its screens show, from the next start."""

from pathlib import Path

from app.content.store import accept
from app.models.workspace import Workspace, open_workspace
from tests.conftest import FIXED
from tests.content_editor import Editor, edit_json, editor_fixture  # noqa: F401 (the `editor` fixture)
from tests.ui.test_contact_form import open_window
from tests.ui.test_flows_ui import answer_all, open_flow

CORRECTED = "Déclarez la naissance (texte corrigé par l'éditeur national)."


def test_a_corrected_flow_shows_in_the_flow_screen_after_the_next_start(
    qtbot, editor: Editor, workspace: Workspace, data_dir: Path
) -> None:
    folder = editor.folder(2)
    edit_json(folder / "flows/naissance.json", lambda flow: flow["steps"][0].update(text=CORRECTED))
    accept(data_dir, editor.bundle(folder))
    started = open_workspace(data_dir)
    try:
        started.workstation.set_up(FIXED, [], None, [("Camille R.", "responsable")])
        window = open_window(qtbot, started)
        dialog = open_flow(qtbot, window, "naissance")
        answer_all(qtbot, dialog, lambda question: question.answers[0].label)
        assert any(CORRECTED in item.text(0) for item in dialog.step_items())
        dialog.close()
    finally:
        started.close()
