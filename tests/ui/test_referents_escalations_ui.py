from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.ui.helpers import answer_next_message_box
from tests.ui.test_contact_form import open_window


def test_the_responsable_keeps_the_referents_and_an_agent_only_reads_them(
    qtbot, desk, tmp_path: Path
) -> None:
    window = open_window(qtbot, desk)
    window.nav.setCurrentRow(5)
    panel = window.settings.referents
    assert panel.add_button.isEnabled(), "Camille R. is the responsable"
    panel.partner.setCurrentIndex(panel.partner.findData("caf"))
    panel.name.setText("Mme Martin")
    panel.phone.setText("04 50 00 00 01")
    panel.add_button.click()
    assert panel.table.rowCount() == 1 and panel.table.item(0, 1).text() == "Mme Martin"
    bad = tmp_path / "referents.csv"
    bad.write_text("partenaire;nom;telephone;email;note\nnasa;M. X;;;\n", encoding="utf-8")
    answer_next_message_box(QMessageBox.StandardButton.Ok)
    panel.import_file(bad)
    assert panel.table.rowCount() == 1, "a wrong file changes nothing"
    good = tmp_path / "bons.csv"
    good.write_bytes(
        "partenaire;nom;telephone;email;note\nmsa;M. Petit;;;\ncaf;Mme Leroy;;;\n".encode("utf-8-sig")
    )
    panel.import_file(good)
    assert panel.table.rowCount() == 2
    karim = window.agent_switch.findText("Karim B.")
    window.agent_switch.setCurrentIndex(karim)
    window.agent_switch.activated.emit(karim)
    assert not panel.add_button.isEnabled() and not panel.import_button.isEnabled()
    assert "responsable" in panel.notice.text()


def test_an_agent_pressing_delete_on_the_shared_directory_is_told_and_nothing_is_removed(qtbot, desk) -> None:
    from app.models.database import transaction
    from app.models.referents import Referent

    desk.referents.save(Referent("caf", "Mme Martin", "04 50 00 00 01"))
    with transaction(desk.db):
        desk.shared.seed("1")  # enrolled: the directory is the structure's
    window = open_window(qtbot, desk)
    window.nav.setCurrentRow(5)
    karim = window.agent_switch.findText("Karim B.")
    window.agent_switch.setCurrentIndex(karim)
    window.agent_switch.activated.emit(karim)
    panel = window.settings.referents
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert "Seul un responsable" in panel.notice.text()
    assert panel.table.rowCount() == 1 and len(desk.referents.list()) == 1


def test_late_escalations_are_counted_on_accueil_and_can_be_answered(qtbot, desk) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=10)
    for partner in ("caf", "msa"):
        desk.escalations.create(
            {
                "structure": "1",
                "agent": "Camille R.",
                "partner": partner,
                "situation": "allocation-logement",
                "channel": "email",
                "sent_at": long_ago,
            }
        )
    desk.escalations.create(
        {
            "structure": "1",
            "agent": "Camille R.",
            "partner": "dgfip",
            "situation": "declarer-impots",
            "channel": "email",
        }
    )
    window = open_window(qtbot, desk)
    assert window.home.late_figure.text() == "⚠ 2"
    window.nav.setCurrentRow(1)
    table = window.flows_screen.escalations
    assert table.rowCount() == 3
    statuses = [table.item(row, 4).text() for row in range(3)]
    assert sum("EN RETARD" in status for status in statuses) == 2, "late is said in words, not only colour"
    late_row = next(row for row in range(3) if "EN RETARD" in table.item(row, 4).text())
    table.selectRow(late_row)
    window.flows_screen._set_status("repondu")
    window.nav.setCurrentRow(0)
    assert window.home.late_figure.text() == "⚠ 1"


def test_an_escalation_due_within_24_hours_says_so_in_the_list_and_on_accueil(
    qtbot, desk, monkeypatch
) -> None:
    """On Wednesday 18 November 2026 at 13:00 in Paris (the workstation's clock, set here): one sent
    on Monday 16 at 9:00 is due on Thursday 19 at 9:00, written « à échéance dans moins de 24 h »
    on its row, under the list and on Accueil; one sent now (due on Monday 23) says nothing; one
    sent on Tuesday 10 (11 November off) was due on Monday 16: late."""
    now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    for module in ("app.models.escalations", "app.ui.flows_screen"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: now)
    sent = {
        "caf": datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
        "msa": now,
        "dgfip": datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
    }
    for partner, sent_at in sent.items():
        desk.escalations.create(
            {
                "structure": "1",
                "agent": "Camille R.",
                "partner": partner,
                "situation": "allocation-logement",
                "channel": "email",
                "sent_at": sent_at,
            }
        )
    window = open_window(qtbot, desk)
    assert window.home.late_figure.text() == "⚠ 1"
    assert window.home.due_soon.text() == "1 à échéance dans moins de 24 h"
    window.nav.setCurrentRow(1)
    screen = window.flows_screen
    statuses = {
        screen.escalations.item(row, 1).text(): screen.escalations.item(row, 4).text() for row in range(3)
    }
    label = desk.catalogue.label
    assert statuses == {
        label("partners", "caf"): "En attente de réponse — à échéance dans moins de 24 h",
        label("partners", "msa"): "En attente de réponse",
        label("partners", "dgfip"): "En attente de réponse — ⚠ EN RETARD",
    }
    assert screen.late_label.text() == "⚠ 1 sollicitation en retard ; 1 à échéance dans moins de 24 h"
