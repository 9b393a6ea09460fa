"""The screenshots of the guides (docs/guide-agent.md, docs/guide-responsable.md), from the real application.

    .venv/bin/python docs/screenshots.py [--output DIR]      (default: docs/images)

A temporary data folder gets the first-start wizard (driven as a responsable would), the demo contacts
of `bureau-virtuel demo`, referents, qualified places, escalations and Pass numérique booklets; then the
real MainWindow and its real dialogs are driven to the state each guide describes and every picture is
saved with `grab()`. Nothing touches the user's own data, no server is contacted (the enrolment is shown
typed, not sent) and the portal's browser (QtWebEngine) is never opened. It runs without a display: the
Qt "offscreen" platform is used unless QT_QPA_PLATFORM says otherwise, so the pictures do not depend on
the desktop it runs on. Dates follow the day it runs; every person in the pictures is fictitious (contacts
are anonymous by design).

The names of the pictures are stable: the guides link to them and tests/ui/test_guides.py checks that
every picture a guide shows is produced, and that docs/images holds no picture no guide shows.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python docs/screenshots.py` from a checkout

DEFAULT_OUTPUT = ROOT / "docs" / "images"
WINDOW_SIZE = (1200, 760)
SYSTEM_TEXT_POINTS = 10.0  # the system's text size on a usual Linux desktop (offscreen has 9)
DEMO_CONTACTS = 700
DEMO_SEED = 2026
AGENT = "Karim B."  # the agent of the agent's guide (a profile of app.models.demo.DEMO_AGENTS)
MANAGER = "Camille R."  # the responsable of the responsable's guide
SERVER = "https://reporting.exemple.fr"  # an example address: nothing is ever sent there
# Fictitious partners' referents and qualified places near the demo bus's stops.
REFERENTS = (
    ("caf", "Référente CAF A", "03 00 00 00 11", "partenaires.caf@exemple.fr", "Mardi et jeudi"),
    ("caf", "Référent CAF B", "03 00 00 00 12", "", "Remplaçant"),
    ("la-poste", "Référente La Poste", "03 00 00 00 21", "", ""),
    ("france-titres", "Référent France Titres", "", "france-titres@exemple.fr", "Par e-mail seulement"),
    ("dgfip", "Référente DGFiP", "03 00 00 00 31", "", ""),
)
PLACES = (
    (
        "Médiathèque — espace numérique",
        "2 place de l'Exemple",
        "Guise",
        "03 00 00 00 41",
        "Mardi 14 h – 17 h",
    ),
    ("Centre social — atelier informatique", "8 rue de l'Exemple", "Wassigny", "", "Mercredi 9 h – 12 h"),
    ("Association Clic et Partage", "15 avenue de l'Exemple", "Étreux", "03 00 00 00 43", "Sur rendez-vous"),
)


def _prepare_environment(data_dir: Path) -> None:
    """Offscreen unless told otherwise; the temporary data folder, for anything that looks it up."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["BUREAU_VIRTUEL_DATA_DIR"] = str(data_dir)


def working_day(days_back: int, hour: int, minute: int) -> datetime:
    """`days_back` working days (Monday to Friday) before today, at hour:minute local time."""
    day = date.today()
    while days_back:
        day -= timedelta(days=1)
        days_back -= day.weekday() < 5
    return datetime(day.year, day.month, day.day, hour, minute).astimezone()


def _quiet_offscreen_warnings() -> None:
    """The offscreen platform says it cannot raise or resize windows like a desktop: nothing to act on."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind, _context, message: str) -> None:
        if "This plugin does not support" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def save_png(image, path: Path) -> Path:
    """A screenshot as a small PNG: 256 colours (a screen of text and flat colours loses nothing
    visible) when Pillow, which the PDF reports already need, is there; Qt's PNG otherwise."""
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    data = bytes(buffer.data())
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(data)
        return path
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )
    return path


class Session:
    """The application, its data and the pictures taken so far."""

    def __init__(self, output: Path, data_dir: Path) -> None:
        from app.models.workspace import open_workspace
        from app.ui.application import apply_saved_display, make_application

        self.output = output
        _quiet_offscreen_warnings()
        self.app = make_application()
        self._desktop_text_size()
        self.workspace = open_workspace(data_dir)
        apply_saved_display(self.app, self.workspace)  # as at every start (the defaults, here)
        self.window = None
        self.taken: list[Path] = []
        self.printed_files: list[Path] = []
        self._keep_printing_away()

    # --- helpers ------------------------------------------------------------------------------
    def _desktop_text_size(self) -> None:
        """The text size of a usual desktop: the application sizes its text from the system's, and
        the offscreen platform's is smaller than any desktop's."""
        from app.ui.theme import apply_display

        font = self.app.font()
        if font.pointSizeF() < SYSTEM_TEXT_POINTS:
            font.setPointSizeF(SYSTEM_TEXT_POINTS)
            self.app.setFont(font)
            apply_display(self.app, "standard", 100)

    def _keep_printing_away(self) -> None:
        """« Imprimer » (the receipt, the list of documents) opens the print dialog: here the
        document is kept, to be pictured, and never printed."""
        import shutil
        import tempfile

        from app.ui import printing

        printed, folder = self.printed_files, Path(tempfile.mkdtemp(prefix="bureau-virtuel-captures-"))

        def keep(_parent, pdf: Path, _what: str, _save_instead) -> bool:
            printed.append(Path(shutil.copy(pdf, folder / pdf.name)))
            return True

        printing.print_pdf = keep

    @staticmethod
    def settle(ms: int = 60) -> None:
        from PySide6.QtTest import QTest

        QTest.qWait(ms)

    def shoot(self, widget, name: str) -> Path:
        """Save what `widget` shows as `name` in the output folder."""
        widget.repaint()
        self.settle()
        path = save_png(widget.grab().toImage(), self.output / name)
        self.taken.append(path)
        return path

    def type_into(self, widget, text: str) -> None:
        """Keys as the agent types them (QTest sends ASCII letters: no accents are needed to search)."""
        from PySide6.QtTest import QTest

        QTest.keyClicks(widget, text)
        self.settle(20)

    def key(self, widget, key, modifier=None) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.keyClick(widget, key, modifier or Qt.KeyboardModifier.NoModifier)
        self.settle(20)

    def show_dialog(self, dialog) -> None:
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.settle(120)

    def who(self) -> dict[str, str]:
        defaults = self.workspace.workstation.contact_defaults()
        return {"structure": defaults["structure"], "agent": defaults["agent"]}

    def become(self, name: str) -> None:
        """Change of agent, as with the status bar's agent list."""
        workstation = self.workspace.workstation
        agent = next(agent for agent in workstation.agents() if agent.name == name)
        workstation.set_current_agent(agent.id)
        if self.window is not None:
            self.window.refresh()
            self.settle()

    def go(self, screen: str):
        """Show a screen of the main window, as a click in the navigation does."""
        from app.ui.main_window import SCREENS

        self.window.nav.setCurrentRow(SCREENS.index(screen))
        self.settle(120)
        return self.window.screen_named(screen)

    # --- the story ----------------------------------------------------------------------------
    def run(self) -> list[Path]:
        self.first_start()
        self.fill_sample_data()
        self.open_main_window()
        self.settings_pictures()
        self.record_past_syncs()
        self.pass_stock_pictures()
        self.become(AGENT)
        self.agent_pictures()
        self.become(MANAGER)
        self.manager_pictures()
        self.window.close()
        self.workspace.close()
        return self.taken

    def first_start(self) -> None:
        """The setup wizard of the first start, on the demo bus of `bureau-virtuel demo`."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QWizard

        from app.models.demo import DEMO_AGENTS, DEMO_STOPS, ensure_demo_setup
        from app.ui.setup_wizard import SetupWizard

        wizard = SetupWizard(self.workspace.workstation)
        wizard.resize(820, 600)
        self.show_dialog(wizard)
        structure = wizard.structure_page
        self.type_into(structure.search, "thierache")
        self.shoot(wizard, "resp-assistant-structure.png")
        wizard.next()
        self.settle()
        bus = wizard.format_page
        for stop in DEMO_STOPS:
            bus.stops.entry.setText(stop)  # typed names with accents
            self.key(bus.stops.entry, Qt.Key.Key_Return)
        bus.current.setCurrentText(DEMO_STOPS[1])
        self.shoot(wizard, "resp-assistant-bus.png")
        wizard.next()
        self.settle()
        agents = wizard.agents_page
        for name, role in DEMO_AGENTS:
            agents.role.setCurrentIndex(agents.role.findData(role))
            agents.name.setText(name)
            self.key(agents.name, Qt.Key.Key_Return)
        self.shoot(wizard, "resp-assistant-agents.png")
        wizard.button(QWizard.WizardButton.FinishButton).click()
        self.settle()
        wizard.close()
        ensure_demo_setup(self.workspace)  # had the wizard changed, the demo's own set-up

    def fill_sample_data(self) -> None:
        """What a bus has after three months: contacts, referents, qualified places, escalations."""
        from app.models.demo import add_demo_contacts
        from app.models.qualified_places import QualifiedPlace
        from app.models.referents import Referent

        self.become(MANAGER)
        add_demo_contacts(self.workspace, DEMO_CONTACTS, seed=DEMO_SEED)
        for partner, name, phone, email, note in REFERENTS:
            self.workspace.referents.save(Referent(partner, name, phone, email, note))
        for name, address, commune, phone, hours in PLACES:
            self.workspace.places.save(QualifiedPlace(name, address, commune, phone, hours))
        # Two escalations to referents: one answered, one waiting for longer than 72 business hours.
        escalations = self.workspace.escalations
        base = {"structure": self.who()["structure"], "agent": AGENT}
        escalations.create(
            {**base, "partner": "caf", "situation": "allocation-logement", "channel": "telephone"}
            | {"sent_at": working_day(6, 10, 20)}
        )
        answered = escalations.create(
            {**base, "partner": "assurance-maladie", "situation": "rembourser-soins", "channel": "email"}
            | {"sent_at": working_day(2, 14, 35)}
        )
        escalations.set_status(str(answered.id), "repondu", AGENT)

    def open_main_window(self) -> None:
        from app.ui.main_window import MainWindow

        self.window = MainWindow(self.workspace)
        _ = self.window.screens  # every screen built: the window is as wide as the widest needs
        width, height = WINDOW_SIZE
        self.window_size = (max(width, self.window.minimumSizeHint().width()), height)
        self.window.resize(*self.window_size)
        self.window.show()
        self.window.activateWindow()
        self.settle(200)

    def settings_pictures(self) -> None:
        """Paramètres before the workstation is enrolled: structure, stops, agents; the enrolment typed."""
        from PySide6.QtWidgets import QScrollArea

        settings = self.go("Paramètres")
        self.shoot(self.window, "resp-parametres.png")
        scroll = settings.findChild(QScrollArea)
        scroll.ensureWidgetVisible(settings.referents, 0, 0)
        self.settle()
        self.shoot(self.window, "resp-referents.png")
        settings.server_url.setText(SERVER)
        settings.enrolment_code.setText("7KQM-2WXP-H9TD")
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        self.settle()
        self.shoot(self.window, "resp-serveur.png")
        settings.server_url.clear()
        settings.enrolment_code.clear()

    def record_past_syncs(self) -> None:
        """The workstation as enrolled and synced until yesterday, the way the sync engine records it:
        every record sent so far acknowledged, except one the server refused."""
        from app.models.database import db_time, transaction
        from app.models.settings import set_setting
        from app.sync.outbox import claim_batch, record_results
        from app.sync.status import LAST_SUCCESS, SERVER_URL
        from app.sync.transport import ItemResult

        db = self.workspace.db
        refused = None
        while batch := claim_batch(db, self.workspace.record_loaders(), force=True):
            results = [ItemResult(claimed.record_id, "accepted") for claimed in batch]
            if refused is None and batch[0].item["kind"] == "contact":
                refused = batch[0].record_id
                results[0] = ItemResult(
                    refused,
                    "rejected",
                    "conflict",
                    "Un autre contact portant le même identifiant a déjà été reçu.",
                )
            record_results(db, results)
        yesterday = (datetime.now().astimezone() - timedelta(days=1)).replace(hour=16, minute=52)
        with transaction(db):
            set_setting(db, SERVER_URL, SERVER)
            set_setting(db, LAST_SUCCESS, db_time(yesterday))

    def pass_stock_pictures(self) -> None:
        """The responsable receives two booklets (one through the real dialog), a cheque is cancelled."""
        from PySide6.QtCore import QDate

        screen = self.go("Pass numérique")
        passes = self.workspace.passes
        today = date.today()
        soon = today + timedelta(days=20)
        passes.receive_booklet(
            **self.who(),
            funder="Conseil départemental",
            booklet="CD02-0117",
            cheques=[str(n) for n in range(40101, 40111)],
            booklet_size=10,
            valid_until=soon,
            received_on=today - timedelta(days=60),
        )
        dialog = screen.open_reception()
        dialog.booklet.setText("CD02-0153")
        dialog.numbers.setText("41201-41210")
        dialog.valid_until.setDate(QDate(today.year + 1, 6, 30))
        self.show_dialog(dialog)
        self.shoot(dialog, "resp-pass-carnet.png")
        dialog.ok_button.click()
        self.settle()
        passes.hand_out(**self.who(), cheques=["40101", "40102"], age_band=None, autonomy_level="debutant")
        cancel = screen.open_movement("annule")
        cancel.numbers.setText("41210")
        cancel.reason.setCurrentIndex(cancel.reason.findData("abime"))
        self.show_dialog(cancel)
        self.shoot(cancel, "resp-pass-annuler.png")
        cancel.ok_button.click()
        self.settle()

    # --- the agent's guide --------------------------------------------------------------------
    def agent_pictures(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        window = self.window
        # This morning's first contacts (during opening hours when the pictures are taken after them).
        now = datetime.now().astimezone()
        late_morning = now.replace(hour=10, minute=45, second=0, microsecond=0)
        anchor = late_morning if now.hour >= 11 else now
        for minutes, situation, partners in (
            (95, "papiers-identite", ["france-titres"]),
            (70, "declarer-impots", ["dgfip"]),
            (40, "rembourser-soins", ["assurance-maladie"]),
        ):
            self.workspace.contacts.add(
                {
                    **self.workspace.workstation.contact_defaults(),
                    **self.workspace.catalogue.defaults,
                    "situation": situation,
                    "partners": partners,
                    "occurred_at": anchor - timedelta(minutes=minutes),
                    "duration_minutes": 12,
                }
            )
        window.online = False  # on the road: the last sync pass found no network
        home = self.go("Accueil")
        window.refresh()
        self.settle()
        self.shoot(window, "agent-accueil.png")
        self.shoot(window.statusBar(), "agent-barre-etat.png")
        self.type_into(home.portal.search, "carte grise")
        self.shoot(window, "agent-recherche.png")
        home.portal.search.clear()

        # Ctrl+N from anywhere, a few letters, Enter picks the situation, Enter saves.
        window.activateWindow()
        self.settle()
        self.key(QApplication.focusWidget() or window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        form = window.contact_dialog or window.open_contact_form()
        self.show_dialog(form)
        field = QApplication.focusWidget() or form.situation.edit
        self.type_into(field, "imp")
        self.shoot(form, "agent-contact.png")
        self.key(field, Qt.Key.Key_Return)
        self.shoot(form, "agent-contact-choisi.png")
        self.key(field, Qt.Key.Key_Return)
        self.settle()

        history = self.go("Contacts")
        history.table.selectRow(0)
        self.shoot(window, "agent-contacts.png")
        correction = window.open_correction(history.selected_id())
        self.show_dialog(correction)
        self.shoot(correction, "agent-correction.png")
        correction.reject()
        self.settle()

        self.flow_pictures()
        self.pass_pictures()
        self.shortcuts_picture()
        self.display_picture()

    def flow_pictures(self) -> None:
        from PySide6.QtWidgets import QApplication

        from app.ui.flow_dialog import ComplexCaseDialog

        window = self.window
        self.go("Parcours")
        self.shoot(window, "agent-parcours.png")
        dialog = window.open_flow("demenagement")
        self.show_dialog(dialog)
        dialog.answer("statut", "locataire")
        self.settle()
        self.shoot(dialog, "agent-parcours-questions.png")
        for question, answer in (("vehicule", "oui"), ("enfants", "non"), ("futur-locataire", "oui")):
            if any(q.id == question for q in dialog.flow.questions):
                dialog.answer(question, answer)
        for step in ("calendrier", "preavis", "reexpedition-courrier"):
            dialog.tick(step)
        self.settle()
        self.shoot(dialog, "agent-parcours-etapes.png")
        complex_case = ComplexCaseDialog(self.workspace, dialog.flow, dialog)
        self.show_dialog(complex_case)
        self.shoot(complex_case, "agent-situation-complexe.png")
        complex_case.record()  # the escalation is recorded, as with its button
        self.settle()
        dialog.escalated = True
        dialog.finish()  # Terminer: the contact form, pre-filled from the flow
        self.settle(150)
        form = window.contact_dialog
        if form is not None:
            self.show_dialog(form)
            self.shoot(form, "agent-parcours-contact.png")
            form.reject()
            self.settle()
        window.activateWindow()
        QApplication.processEvents()

    def pass_pictures(self) -> None:
        window = self.window
        screen = self.go("Pass numérique")
        self.shoot(window, "agent-pass.png")
        assessment = screen.open_assessment()
        self.show_dialog(assessment)
        values = [value for value, _label in assessment.questionnaire.answers]
        for number, question in enumerate(assessment.questionnaire.questions):
            # "Avec de l'aide" mostly: a level in between, and the Pass numérique it calls for
            assessment.answer(question.id, values[len(values) // 2] if number % 4 else values[0])
        self.settle()
        self.shoot(assessment, "agent-pass-evaluation.png")
        assessment.issue_button.click()  # on to the handing out, with the level found
        self.settle(120)
        issuance = screen.issuance_dialog
        issuance.age_band.setCurrentIndex(issuance.age_band.findData("60-74"))
        issuance.commune.set_code("02830")  # Wassigny (02)
        issuance.situation.setCurrentIndex(max(0, issuance.situation.findData("retraite")))
        self.show_dialog(issuance)
        self.shoot(issuance, "agent-pass-remise.png")
        issuance.hand_out_button.click()
        self.settle(150)
        self.shoot(issuance, "agent-pass-remis.png")
        if self.printed_files:
            self.shoot_pdf(self.printed_files[-1], "agent-pass-recu.png")
        issuance.close_button.click()  # Terminer: the contact is proposed, pre-filled
        self.settle(150)
        if window.contact_dialog is not None:
            window.contact_dialog.reject()
            self.settle()

    def shortcuts_picture(self) -> None:
        """F1, from anywhere: the list of keyboard shortcuts."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        window = self.window
        self.go("Accueil")
        window.activateWindow()
        self.settle()
        self.key(QApplication.focusWidget() or window, Qt.Key.Key_F1)
        dialog = window.shortcuts_dialog or window.show_shortcuts()
        self.show_dialog(dialog)
        self.shoot(dialog, "agent-raccourcis.png")
        dialog.reject()
        self.settle()

    def display_picture(self) -> None:
        """Paramètres › Affichage: high contrast and a larger text, chosen as the agent does, then back."""
        from PySide6.QtWidgets import QScrollArea

        settings = self.go("Paramètres")
        settings.findChild(QScrollArea).verticalScrollBar().setValue(0)

        def choose(combo, value) -> None:
            index = combo.findData(value)
            combo.setCurrentIndex(index)
            combo.activated.emit(index)  # as a choice in the list does
            self.settle(150)

        choose(settings.theme, "contraste-eleve")
        choose(settings.text_scale, 125)
        self.shoot(self.window, "agent-contraste-eleve.png")
        choose(settings.theme, "standard")
        choose(settings.text_scale, 100)
        self.window.resize(*self.window_size)
        self.settle()

    def shoot_pdf(self, pdf: Path, name: str, width: int = 900) -> Path | None:
        """The first page of a PDF the application wrote (the citizen's receipt), as Qt renders it."""
        from PySide6.QtCore import QSize
        from PySide6.QtGui import QColor, QImage, QPainter
        from PySide6.QtPdf import QPdfDocument

        document = QPdfDocument()
        if document.load(str(pdf)) != QPdfDocument.Error.None_ or document.pageCount() < 1:
            return None
        page = document.pagePointSize(0)
        size = QSize(width, round(width * page.height() / page.width()))
        rendered = document.render(0, size)
        image = QImage(size, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.drawImage(0, 0, rendered)
        painter.end()
        path = save_png(image, self.output / name)
        self.taken.append(path)
        return path

    # --- the responsable's guide --------------------------------------------------------------
    def manager_pictures(self) -> None:
        from PySide6.QtWidgets import QScrollArea

        from app.ui.portal_panel import LocalLinkDialog

        window = self.window
        screen = self.go("Pass numérique")
        screen.refresh()
        self.shoot(window, "resp-pass-stock.png")
        screen.tabs.setCurrentIndex(1)
        self.shoot(window, "resp-pass-registre.png")
        screen.tabs.setCurrentIndex(2)
        self.shoot(window, "resp-lieux-qualifies.png")
        screen.tabs.setCurrentIndex(0)

        link = LocalLinkDialog(self.workspace, window)
        link.label.setText("Mairie de Guise — démarches en ligne")
        link.url.setText("https://www.exemple.fr/demarches")
        link.description.setText("État civil, inscriptions scolaires, salles communales")
        self.show_dialog(link)
        self.shoot(link, "resp-lien-local.png")
        link.reject()

        summaries = self.go("Synthèses")
        summaries.refresh()
        self.settle(150)
        self.shoot(window, "resp-syntheses.png")
        scroll = summaries.findChild(QScrollArea)
        scroll.ensureWidgetVisible(summaries.channels_chart, 0, 0)
        self.settle()
        self.shoot(window, "resp-syntheses-graphiques.png")

        self.go("Accueil")
        quarantine = window.show_quarantine()
        self.show_dialog(quarantine)
        self.shoot(quarantine, "resp-refuses.png")
        quarantine.reject()
        self.settle()


def take_screenshots(output: Path = DEFAULT_OUTPUT) -> list[Path]:
    """Every picture of the guides, written to `output`; returns their paths."""
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bureau-virtuel-captures-") as folder:
        data_dir = Path(folder) / "donnees"
        _prepare_environment(data_dir)
        session = Session(output, data_dir)
        return session.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Captures d'écran des guides, depuis la vraie application.")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"dossier des images (défaut : {DEFAULT_OUTPUT})"
    )
    args = parser.parse_args(argv)
    taken = take_screenshots(args.output)
    for path in taken:
        print(path)
    print(f"{len(taken)} captures dans {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
