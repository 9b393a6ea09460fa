"""A situation added to the catalogue (« J'ai besoin d'aide avec le numérique », issue 16) travels
between the workstations of a structure, against the real server: one with the new catalogue pulls
it like any other; one whose catalogue does not know it yet keeps it too (counted, shown by its code)
rather than skipping it for good, and asks for a known situation before a correction is saved."""

import dataclasses
from datetime import datetime

from app.models.contacts import ContactFilter
from app.reports.aggregation import as_server_summary, summarise
from app.sync.status import quarantined_count
from app.ui.contact_form import ContactDialog
from tests.e2e.test_pass_stock import _pcs, _server_summary, _this_month
from tests.live_server import LiveServer


def _without_digital_help(catalogue):
    """The catalogue as a workstation released before the situation was added has it."""
    return dataclasses.replace(
        catalogue,
        situations={key: s for key, s in catalogue.situations.items() if key != "aide-numerique"},
        themes={key: t for key, t in catalogue.themes.items() if key != "acces-numerique"},
        _search_cache={},
    )


def test_a_contact_with_the_new_situation_reaches_every_workstation(
    tmp_path, server: LiveServer, qtbot
) -> None:
    newer, same, older = _pcs(tmp_path, server, 3)
    try:
        older.workspace.catalogue = _without_digital_help(older.workspace.catalogue)
        recorded = newer.workspace.contacts.add(
            {
                **newer.workspace.workstation.contact_defaults(),
                "situation": "aide-numerique",
                "partners": ["autre"],
                "channel": "sur-place",
                "help_kind": "demarche-en-ligne",
                "outcome": "resolu",
                "duration_minutes": 12,
                "occurred_at": datetime.now().astimezone(),
            }
        )
        for pc in (newer, same, older):
            pc.sync()
        month = _this_month()
        expected = _server_summary(server, month, newer.structure)
        assert expected["by_situation"] == {"aide-numerique": 1}
        for pc in (same, older):
            assert [row.id for row in pc.workspace.contacts.page(ContactFilter())] == [str(recorded.id)]
            assert as_server_summary(summarise(pc.workspace, month)) == expected
            assert quarantined_count(pc.workspace.db) == 0
        assert same.workspace.catalogue.label("situations", "aide-numerique") == (
            "J'ai besoin d'aide avec le numérique"
        )
        assert older.workspace.catalogue.label("situations", "aide-numerique") == "aide-numerique"

        kept = older.workspace.contacts.get(str(recorded.id))
        correction = ContactDialog(older.workspace, existing=kept)
        qtbot.addWidget(correction)
        assert correction.situation.situation is None and correction.partner_boxes["autre"].isChecked()
        correction.save_button.click()
        assert "Choisissez une situation" in correction.error.text()
        assert older.workspace.contacts.count(ContactFilter()) == 1, "nothing lost, nothing added"
    finally:
        for pc in (newer, same, older):
            pc.workspace.close()
