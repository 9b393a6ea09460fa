"""The main window: navigation to every screen, Ctrl+N from anywhere, and the status bar."""

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.workspace import Workspace
from app.sync.status import read_status
from app.ui.home import HomeScreen

SCREENS = ("Accueil", "Parcours", "Contacts", "Pass numérique", "Synthèses", "Paramètres")


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.setWindowTitle("Bureau virtuel — France Services")
        self.resize(1200, 760)
        self.home = HomeScreen(workspace)
        # Other screens are built the first time they are needed: start-up builds only Accueil.
        self._builders = {
            "Accueil": lambda: self.home,
            "Parcours": self._build_flows_screen,
            "Contacts": self._build_history,
            "Pass numérique": self._build_pass_screen,
            "Synthèses": self._build_summaries,
            "Paramètres": self._build_settings,
        }
        self._built: dict[str, QWidget] = {}
        self._holders: dict[str, QWidget] = {}
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setFixedWidth(190)
        self.stack = QStackedWidget()
        for name in SCREENS:
            self.nav.addItem(name)
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self._holders[name] = holder
            self.stack.addWidget(holder)
        self._stale: set[str] = set()  # built screens to re-read when next shown
        self.nav.currentRowChanged.connect(self._show_screen)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.new_contact_action = QAction("Nouveau contact", self)
        self.new_contact_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_contact_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.new_contact_action.triggered.connect(self.open_contact_form)
        self.addAction(self.new_contact_action)
        for number, name in enumerate(SCREENS, start=1):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, row=number - 1: self.nav.setCurrentRow(row))
            self.addAction(action)
        switch = QAction("Changer d'agent", self)
        switch.setShortcut(QKeySequence("Ctrl+Shift+A"))
        switch.triggered.connect(self._focus_agent_switch)
        self.addAction(switch)

        self.contact_dialog = None  # the form currently open, if any
        self.browser = None  # VisitBrowser, made when the first site is opened
        self.sync = None  # SyncController, attached after the window is shown
        self.online: bool | None = None  # from the last sync pass
        self.home.new_contact.connect(self.open_contact_form)
        self.home.portal.open_url.connect(self.open_url)
        self.home.portal.open_flow.connect(self.open_flow)
        self.home.portal.show_referents.connect(lambda: self.nav.setCurrentRow(5))
        self._build_status_bar()
        self.nav.setCurrentRow(0)
        self.refresh()

    def screen(self, name: str) -> QWidget:
        """The screen called `name`, built on first use."""
        if name not in self._built:
            widget = self._builders[name]()
            self._holders[name].layout().addWidget(widget)
            self._built[name] = widget
            if name != "Accueil" and hasattr(widget, "refresh"):
                widget.refresh()
        return self._built[name]

    @property
    def screens(self) -> dict[str, QWidget]:
        return {name: self.screen(name) for name in SCREENS}

    @property
    def history(self) -> QWidget:
        return self.screen("Contacts")

    @property
    def flows_screen(self) -> QWidget:
        return self.screen("Parcours")

    @property
    def settings(self) -> QWidget:
        return self.screen("Paramètres")

    @property
    def pass_screen(self) -> QWidget:
        return self.screen("Pass numérique")

    def _build_history(self) -> QWidget:
        from app.ui.history import HistoryScreen

        history = HistoryScreen(self.workspace)
        history.correction_requested.connect(self.open_correction)
        history.pass_requested.connect(self.open_pass_issuance)
        history.changed.connect(self.refresh)
        return history

    def _build_flows_screen(self) -> QWidget:
        from app.ui.flows_screen import FlowsScreen

        flows = FlowsScreen(self.workspace)
        flows.flow_requested.connect(self.open_flow)
        flows.changed.connect(self.refresh)
        return flows

    def _build_pass_screen(self) -> QWidget:
        from app.ui.pass_screen import PassScreen

        screen = PassScreen(self.workspace)
        screen.changed.connect(self.refresh)
        screen.contact_requested.connect(self.open_contact_form)
        return screen

    def _build_summaries(self) -> QWidget:
        from app.ui.summaries_screen import SummariesScreen

        return SummariesScreen(self.workspace)

    def open_pass_issuance(self, contact_id: str):
        """Cheques handed out to the citizen of a recorded contact, from the Contacts screen."""
        return self.pass_screen.open_issuance(contact_id=contact_id)

    def _build_settings(self) -> QWidget:
        from app.ui.settings import SettingsScreen

        settings = SettingsScreen(self.workspace)
        settings.changed.connect(self.refresh)
        if self.sync is not None:
            self._connect_settings_to_sync(settings)
        return settings

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.structure_label = QLabel()
        self.structure_label.setAccessibleName("Structure")
        self.stop_caption = QLabel("Arrêt :")
        self.stop_switch = QComboBox()
        self.stop_switch.setAccessibleName("Arrêt actuel du bus")
        self.stop_switch.activated.connect(self._stop_chosen)
        self.agent_switch = QComboBox()
        self.agent_switch.setAccessibleName("Agent actuel")
        self.agent_switch.setToolTip("Changer d'agent (Ctrl+Maj+A)")
        self.agent_switch.activated.connect(self._agent_chosen)
        self.sync_label = QLabel()
        self.sync_label.setAccessibleName("État de la synchronisation")
        self.quarantine_button = QPushButton()
        self.quarantine_button.setFlat(True)
        self.quarantine_button.setAccessibleName("Contacts refusés par le serveur")
        self.quarantine_button.clicked.connect(self.show_quarantine)
        bar.addWidget(self.structure_label, 1)
        bar.addPermanentWidget(self.stop_caption)
        bar.addPermanentWidget(self.stop_switch)
        bar.addPermanentWidget(QLabel("Agent :"))
        bar.addPermanentWidget(self.agent_switch)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.quarantine_button)

    def refresh(self) -> None:
        """Re-read what the screens and the status bar show after any change."""
        workstation = self.workspace.workstation
        structure = workstation.structure
        self.structure_label.setText(
            f"{structure.name} — {structure.commune}" if structure else "Poste non configuré"
        )
        itinerant = bool(structure and structure.itinerant)
        self.stop_caption.setVisible(itinerant)
        self.stop_switch.setVisible(itinerant)
        self.stop_switch.clear()
        self.stop_switch.addItems(workstation.stops)
        self.stop_switch.setCurrentText(workstation.current_stop or "")
        self.agent_switch.clear()
        current = workstation.current_agent
        for agent in workstation.agents():
            self.agent_switch.addItem(agent.name, agent.id)
        if current:
            self.agent_switch.setCurrentIndex(self.agent_switch.findData(current.id))
        self._show_sync_status()
        self._stale = set(self._built)
        self._refresh_if_stale()

    def _show_sync_status(self) -> None:
        status = read_status(self.workspace.db)
        waiting = f"{status.pending} enregistrement{'s' if status.pending > 1 else ''} en attente d'envoi"
        if not status.server_url:
            state = "Non inscrit"
        elif status.unauthorized:
            state = "⚠ Accès refusé par le serveur"
        elif self.sync is not None and self.sync.running:
            state = "Synchronisation…"
        else:
            state = {None: "Serveur non joint", True: "En ligne", False: "Hors ligne"}[self.online]
        parts = [state, waiting]
        if status.last_success:
            moment = status.last_success.astimezone()
            when = f"{moment:%H:%M}" if moment.date() == datetime.now().date() else f"{moment:%d/%m %H:%M}"
            parts.append(f"dernier envoi {when}")
        self.sync_label.setText(" · ".join(parts))
        self.quarantine_button.setText(
            f"⚠ {status.quarantined} refusé{'s' if status.quarantined > 1 else ''}"
        )
        self.quarantine_button.setVisible(status.quarantined > 0)
        self.home.show_pending(status.pending)

    def attach_sync(self, controller) -> None:
        """Background sync, attached once the window is on screen (it loads the network stack)."""
        self.sync = controller
        controller.started.connect(self._show_sync_status)
        controller.report_ready.connect(self._sync_report)
        controller.enrolled.connect(self._enrolled)
        if "Paramètres" in self._built:
            self._connect_settings_to_sync(self._built["Paramètres"])

    def _connect_settings_to_sync(self, settings: QWidget) -> None:
        settings.enrol_requested.connect(self.sync.request_enrolment)
        settings.sync_requested.connect(lambda: self.sync.request(force=True))

    def _sync_report(self, report) -> None:
        if report.enrolled and not report.busy:
            self.online = not report.offline and report.error is None
        if "Paramètres" in self._built:
            self.settings.sync_result.setText(report.summary())
        self.refresh()

    def _enrolled(self, ok: bool, message: str) -> None:
        self.settings.show_enrolment(ok, message)
        self.refresh()

    def show_quarantine(self):
        from app.ui.quarantine import QuarantineDialog

        dialog = QuarantineDialog(self.workspace, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def closeEvent(self, event) -> None:
        if self.sync is not None:
            self.sync.stop()
        if self.browser is not None:
            self.browser.close()  # ends the visit: the citizen's session is forgotten
            self.browser.deleteLater()  # after the visit's pages and profile, never left to the GC
            self.browser = None
        super().closeEvent(event)

    def _show_screen(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        self._refresh_if_stale()

    def _refresh_if_stale(self) -> None:
        """Only the screen on display reads the database now; the others when they are shown."""
        name = SCREENS[self.stack.currentIndex()]
        if name not in self._built:
            self.screen(name)  # a new screen reads the database as it is built
        elif name in self._stale:
            self._stale.discard(name)
            widget = self._built[name]
            if hasattr(widget, "refresh"):
                widget.refresh()

    def _agent_chosen(self, index: int) -> None:
        self.workspace.workstation.set_current_agent(self.agent_switch.itemData(index))
        self.refresh()

    def _stop_chosen(self, index: int) -> None:
        self.workspace.workstation.set_current_stop(self.stop_switch.itemText(index))
        self.refresh()

    def _focus_agent_switch(self) -> None:
        self.agent_switch.setFocus()
        self.agent_switch.showPopup()

    def open_contact_form(self, prefill: dict | None = None):
        return self._open_form(prefill=prefill or None)

    def open_url(self, url: str) -> None:
        """A whitelisted site in the visit's embedded browser (loaded on first use: QtWebEngine is big)."""
        if not self.workspace.portal.whitelist().allows(url):
            self.statusBar().showMessage("Ce site n'est pas sur la liste des sites autorisés du poste.", 8000)
            return
        if self.browser is None:
            from app.ui.browser import VisitBrowser

            self.browser = VisitBrowser(self.workspace)
        self.browser.open(url)
        self.browser.show()
        self.browser.raise_()
        self.browser.activateWindow()

    def open_flow(self, situation_id: str):
        from app.models.flows import load_flows
        from app.ui.flow_dialog import FlowDialog

        dialog = FlowDialog(self.workspace, load_flows()[situation_id], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished_with_contact.connect(self.open_contact_form)
        dialog.open_url.connect(self.open_url)
        dialog.finished.connect(lambda _code: self.refresh())  # an escalation may have been recorded
        self.flow_dialog = dialog
        dialog.open()
        return dialog

    def open_correction(self, record_id: str):
        return self._open_form(existing=self.workspace.contacts.get(record_id))

    def _open_form(self, **options):
        from app.ui.contact_form import ContactDialog  # pydantic is loaded on first use, not at start-up

        if self.contact_dialog is not None and self.contact_dialog.isVisible():
            self.contact_dialog.raise_()  # Ctrl+N again while a form is open: back to that form
            return self.contact_dialog
        dialog = ContactDialog(self.workspace, self, **options)
        dialog.saved.connect(lambda _record: self.refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: setattr(self, "contact_dialog", None))
        self.contact_dialog = dialog
        dialog.open()
        return dialog
