"""The main window: navigation to every screen, Ctrl+N from anywhere, F1 for the keys, and the status bar.

Keyboard first: at start and after Ctrl+1 to Ctrl+6 the focus is in the screen's search or first
field, so that what the agent types lands there; Tab walks through that screen, then the status bar,
then the list of screens (its arrows change screen), and back.
"""

from datetime import datetime
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.workspace import Workspace
from app.sync.status import freshness, read_status
from app.ui.home import HomeScreen
from app.ui.notices import notice_label, show_notice
from app.ui.window_size import fit_to_screen, remember_geometry, restore_geometry

if TYPE_CHECKING:
    from app.ui.browser import VisitBrowser
    from app.ui.contact_form import ContactDialog
    from app.ui.history import HistoryScreen
    from app.ui.pass_screen import PassScreen
    from app.ui.settings import SettingsScreen
    from app.ui.shortcuts_dialog import ShortcutsDialog
    from app.ui.sync_controller import SyncController

SCREENS = ("Accueil", "Parcours", "Contacts", "Pass numérique", "Synthèses", "Paramètres")
SCREEN_HELP = {
    "Accueil": "Les contacts du jour, la recherche et les sites institutionnels",
    "Parcours": "Les parcours guidés par situation de vie et les sollicitations des référents",
    "Contacts": "L'historique des contacts, à filtrer, corriger ou supprimer",
    "Pass numérique": "Évaluer l'autonomie, remettre des chèques, suivre le stock",
    "Synthèses": "Les chiffres de la structure par période, à exporter",
    "Paramètres": "La structure, les agents, l'affichage, les référents et le serveur",
}


def clock_time(moment: datetime) -> str:
    """ "14 h 02" on the workstation's clock."""
    local = moment.astimezone()
    return f"{local:%H} h {local:%M}"


def failure_sentence(moment: datetime) -> str:
    """What the agent reads after a pass that failed unexpectedly (its exception is in the journal)."""
    return f"⚠ Dernière synchronisation échouée à {clock_time(moment)} : erreur inattendue (voir le journal)"


class ElidedLabel(QLabel):
    """A label that ends with "…" when it has to give way (its tooltip keeps the whole text)."""

    def set_full_text(self, text: str) -> None:
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        text = self.fontMetrics().elidedText(self.toolTip(), Qt.TextElideMode.ElideRight, self.width())
        if text != self.text():
            self.setText(text)


def _takes_typing(widget: QWidget) -> bool:
    """A field Tab stops on, shown and usable (a scroll area stands back for what it holds)."""
    return (
        bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.isVisibleTo(widget.window())
        and widget.isEnabled()
        and not isinstance(widget, QScrollArea)
    )


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.setWindowTitle("Bureau virtuel — France Services")
        if not restore_geometry(self, workspace.db, "main"):
            fit_to_screen(self, QSize(1200, 760))
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
        self.nav.setAccessibleName("Écrans")
        self.nav.setAccessibleDescription(
            "Flèches haut et bas pour changer d'écran ; Ctrl+1 à Ctrl+6 depuis n'importe où ; F1 : raccourcis."
        )
        self._fit_navigation()
        self.stack = QStackedWidget()
        for number, name in enumerate(SCREENS, start=1):
            self.nav.addItem(name)
            self.nav.item(number - 1).setToolTip(f"{SCREEN_HELP[name]} (Ctrl+{number})")
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self._holders[name] = holder
            self.stack.addWidget(holder)
        self._stale: set[str] = set()  # built screens to re-read when next shown
        self.nav.currentRowChanged.connect(self._show_screen)
        # Above every screen while the newest list of structures says this one closed.
        self.closure_banner = notice_label("Structure fermée")
        right = QVBoxLayout()
        right.addWidget(self.closure_banner)
        right.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

        # Every shortcut that works everywhere is an action of this window: F1 lists them from here.
        self.new_contact_action = QAction("Nouveau contact", self)
        self.new_contact_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_contact_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.new_contact_action.triggered.connect(self.open_contact_form)
        self.addAction(self.new_contact_action)
        self.new_person_action = QAction("Nouvelle personne (la durée du contact compte d'ici)", self)
        self.new_person_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_person_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.new_person_action.triggered.connect(self.new_person)
        self.addAction(self.new_person_action)
        for number, name in enumerate(SCREENS, start=1):
            action = QAction(f"Écran « {name} »", self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, row=number - 1: self.go_to(row))
            self.addAction(action)
        switch = QAction("Changer d'agent", self)
        switch.setShortcut(QKeySequence("Ctrl+Shift+A"))
        switch.triggered.connect(self._focus_agent_switch)
        self.addAction(switch)
        self.shortcuts_action = QAction("Raccourcis clavier (cette liste)", self)
        self.shortcuts_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.shortcuts_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.addAction(self.shortcuts_action)

        self.contact_dialog: ContactDialog | None = None  # the form currently open, if any
        self.shortcuts_dialog: ShortcutsDialog | None = None  # F1's list, while open
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._offer_help_key)
        self.browser: VisitBrowser | None = None  # made when the first site is opened
        self.sync: SyncController | None = None  # attached after the window is shown
        self.online: bool | None = None  # from the last sync pass
        self.home.new_contact.connect(self.open_contact_form)
        self.home.portal.open_url.connect(self.open_url)
        self.home.portal.open_flow.connect(self.open_flow)
        self.home.portal.show_referents.connect(lambda: self.nav.setCurrentRow(5))
        self.screen_named("Accueil")  # before the status bar, so Tab already goes screen → status bar
        self._build_status_bar()
        self.nav.setCurrentRow(0)
        self.refresh()
        self.focus_screen()  # Accueil's search: typing "carte grise" at start searches

    def screen_named(self, name: str) -> QWidget:
        """The screen called `name`, built on first use."""
        if name not in self._built:
            widget = self._builders[name]()
            self._holders[name].layout().addWidget(widget)  # type: ignore[union-attr]  # the holder's own layout
            widget.show()  # now, not at the next turn of the event loop: Tab may come first
            self._built[name] = widget
            if name != "Accueil":  # Accueil is built in __init__, before the status bar and refresh()
                self._status_bar_last_in_tab_order()
                if hasattr(widget, "refresh"):
                    widget.refresh()
        return self._built[name]

    @property
    def screens(self) -> dict[str, QWidget]:
        return {name: self.screen_named(name) for name in SCREENS}

    @property
    def history(self) -> "HistoryScreen":
        return cast("HistoryScreen", self.screen_named("Contacts"))  # what its builder makes

    @property
    def flows_screen(self) -> QWidget:
        return self.screen_named("Parcours")

    @property
    def settings(self) -> "SettingsScreen":
        return cast("SettingsScreen", self.screen_named("Paramètres"))  # what its builder makes

    @property
    def pass_screen(self) -> "PassScreen":
        return cast("PassScreen", self.screen_named("Pass numérique"))  # what its builder makes

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
        self.structure_label = ElidedLabel()
        self.structure_label.setAccessibleName("Structure")
        # The first thing to give way on a small screen or at a large text size (its tooltip keeps it whole).
        self.structure_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.stop_caption = QLabel("&Arrêt :")
        self.stop_switch = QComboBox()
        self.stop_switch.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.stop_switch.setMinimumContentsLength(10)
        self.stop_switch.setAccessibleName("Arrêt actuel du bus")
        self.stop_switch.setToolTip(
            "La commune où le bus se trouve : les nouveaux contacts y sont rattachés."
        )
        self.stop_switch.activated.connect(self._stop_chosen)
        self.stop_caption.setBuddy(self.stop_switch)
        self.agent_switch = QComboBox()
        self.agent_switch.setAccessibleName("Agent actuel")
        self.agent_switch.setToolTip("Changer d'agent (Ctrl+Maj+A) : les nouveaux contacts sont à son nom.")
        self.agent_switch.activated.connect(self._agent_chosen)
        agent_caption = QLabel("Agent :")
        agent_caption.setBuddy(self.agent_switch)
        self.sync_label = QLabel()
        self.sync_label.setAccessibleName("État de la synchronisation")
        self.quarantine_button = QPushButton()
        self.quarantine_button.setFlat(True)
        self.quarantine_button.setAccessibleName("Enregistrements refusés par le serveur")
        self.quarantine_button.setToolTip(
            "Affiche les enregistrements (contacts, sollicitations, Pass numérique) que le serveur a refusés, "
            "avec le motif."
        )
        self.quarantine_button.clicked.connect(self.show_quarantine)
        bar.addWidget(self.structure_label, 1)
        bar.addPermanentWidget(self.stop_caption)
        bar.addPermanentWidget(self.stop_switch)
        bar.addPermanentWidget(agent_caption)
        bar.addPermanentWidget(self.agent_switch)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.quarantine_button)

    def refresh(self) -> None:
        """Re-read what the screens and the status bar show after any change."""
        workstation = self.workspace.workstation
        structure = workstation.structure
        self.structure_label.set_full_text(
            f"{structure.name} — {structure.commune}" if structure else "Poste non configuré"
        )
        closed = self.workspace.closure_notice(structure.matricule) if structure else None
        show_notice(self.closure_banner, closed or "")
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
        if self.browser is not None:  # a site removed by the structure is refused from now on
            self.browser.policy.refresh()
        self._stale = set(self._built)
        self._refresh_if_stale()

    def _show_sync_status(self) -> None:
        status = read_status(self.workspace.db)
        full_state = None  # the state in full for the tooltip and screen readers, when it differs
        if not status.server_url:
            state = "Non inscrit"
        elif status.unauthorized:
            state = "⚠ Accès refusé par le serveur"
        elif self.sync is not None and self.sync.running:
            state = "Synchronisation…"
        elif self.sync is not None and self.sync.failed_at is not None:
            state = f"⚠ Synchronisation échouée à {clock_time(self.sync.failed_at)} (voir le journal)"
            full_state = failure_sentence(self.sync.failed_at)
        else:
            state = {None: "Serveur non joint", True: "En ligne", False: "Hors ligne"}[self.online]
        last = []
        if status.last_success:
            moment = status.last_success.astimezone()
            when = f"{moment:%H:%M}" if moment.date() == datetime.now().date() else f"{moment:%d/%m %H:%M}"
            last.append(f"dernier envoi {when}")
        # Short on the status bar, which must fit a small screen; in full for the tooltip and screen readers.
        records = f"{status.pending} enregistrement{'s' if status.pending > 1 else ''}"
        waiting = f"{records} (contacts, sollicitations, Pass numérique) en attente d'envoi"
        self.sync_label.setText(" · ".join([state, f"{status.pending} en attente d'envoi", *last]))
        # How fresh the other workstations' records are: in full for the tooltip and screen readers.
        fresh = [sentence] if (sentence := freshness(self.workspace.db).sentence()) else []
        self.sync_label.setToolTip(" · ".join([full_state or state, waiting, *last, *fresh]))
        self.sync_label.setAccessibleDescription(self.sync_label.toolTip())  # read out when it changes
        self.quarantine_button.setText(
            f"⚠ {status.quarantined} refusé{'s' if status.quarantined > 1 else ''}"
        )
        self.quarantine_button.setVisible(status.quarantined > 0)
        self.home.show_pending(status.pending)

    def attach_sync(self, controller: "SyncController") -> None:
        """Background sync, attached once the window is on screen (it loads the network stack)."""
        self.sync = controller
        controller.started.connect(self._show_sync_status)
        controller.report_ready.connect(self._sync_report)
        controller.pass_failed.connect(self._sync_failed)
        controller.enrolled.connect(self._enrolled)
        controller.reattribution_needed.connect(lambda *asked: self.settings.confirm_reattribution(*asked))
        if "Paramètres" in self._built:
            self._connect_settings_to_sync(self.settings)

    def _connect_settings_to_sync(self, settings: "SettingsScreen") -> None:
        sync = self.sync
        assert sync is not None  # called once it is attached
        settings.enrol_requested.connect(sync.request_enrolment)
        settings.sync_requested.connect(lambda: sync.request(force=True))

    def _sync_report(self, report) -> None:
        if report.enrolled and not report.busy:
            self.online = not report.offline and report.error is None
        if "Paramètres" in self._built:
            self.settings.sync_result.setText(report.summary())
        self.refresh()

    def _sync_failed(self) -> None:
        self.online = None  # the pass did not get far enough to know
        if "Paramètres" in self._built:
            assert self.sync is not None and self.sync.failed_at is not None  # it reported the failure
            self.settings.sync_result.setText(failure_sentence(self.sync.failed_at) + ".")
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
        remember_geometry(self, self.workspace.db, "main")
        if self.sync is not None:
            self.sync.stop()
        for screen in self._built.values():
            if hasattr(screen, "stop_background"):
                screen.stop_background()  # long work cut short: closing does not wait for it
        if self.browser is not None:
            self.browser.close()  # ends the visit: the citizen's session is forgotten
            self.browser.deleteLater()  # after the visit's pages and profile, never left to the GC
            self.browser = None
        super().closeEvent(event)

    def _show_screen(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        self._refresh_if_stale()

    def go_to(self, row: int) -> None:
        """Ctrl+1…6: that screen, with the focus in its search or first field."""
        self.nav.setCurrentRow(row)
        self.focus_screen()

    def focus_screen(self) -> None:
        """The focus in the screen shown: the field it names as its `entry_field` (Accueil's
        search…), or else its first field, so that what the agent types lands there, not in the
        list of screens. (Not a focus proxy: Tab would then skip what comes before it.)"""
        screen = self.screen_named(SCREENS[self.stack.currentIndex()])
        entry = getattr(screen, "entry_field", None)
        if entry is not None:
            entry.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        widget = screen.nextInFocusChain()
        while widget is not None and widget is not screen and screen.isAncestorOf(widget):
            if _takes_typing(widget):
                widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return
            widget = widget.nextInFocusChain()

    def _status_bar_last_in_tab_order(self) -> None:
        """A screen built later is put at the end of the Tab order; put it before the status bar.

        Tab order is then: the list of screens, the screen shown, the stop and the agent, the
        refused records.
        """
        tail = (self.stop_switch, self.agent_switch, self.quarantine_button)
        last = self.previousInFocusChain()  # the end of the chain: the new screen's last widget
        while (
            last is not None
            and last is not self.nav
            and (
                last in tail
                or not last.focusPolicy() & Qt.FocusPolicy.TabFocus  # setTabOrder ignores the others
                or last.focusProxy() is not None  # a scroll area's viewport stands for the area
            )
        ):
            last = last.previousInFocusChain()
        for widget in tail:
            assert last is not None  # a focus chain is a loop through the window
            QWidget.setTabOrder(last, widget)
            last = widget

    def _fit_navigation(self) -> None:
        """The list of screens as wide as its longest name at the current text size."""
        font = QFont(self.font())
        font.setBold(True)  # the current screen's name is bold
        metrics = QFontMetrics(font)
        widest = max(metrics.horizontalAdvance(name) for name in SCREENS)
        self.nav.setFixedWidth(widest + 3 * metrics.height())

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_navigation()  # Paramètres › Affichage changed the text size
        super().changeEvent(event)

    def _offer_help_key(self, _old: QWidget | None, new: QWidget | None) -> None:
        """F1 in every modal dialog, as soon as it has the focus: the window's own F1 is blocked while
        a dialog is modal. (Not in other windows: two F1 shortcuts there would cancel each other.)"""
        window = new.window() if new is not None else None
        if window is None or window is self or not window.isModal() or window.property("helpKey"):
            return
        window.setProperty("helpKey", True)
        QShortcut(QKeySequence(Qt.Key.Key_F1), window, self.show_shortcuts)

    def show_shortcuts(self):
        """F1: the keyboard shortcuts, from wherever the agent is (a dialog included)."""
        from app.ui.shortcuts_dialog import ShortcutsDialog

        if self.shortcuts_dialog is not None and self.shortcuts_dialog.isVisible():
            self.shortcuts_dialog.raise_()
            return self.shortcuts_dialog
        opener = QApplication.activeModalWidget() or self
        dialog = ShortcutsDialog(self.actions(), opener)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: setattr(self, "shortcuts_dialog", None))
        dialog.finished.connect(lambda _code: opener.activateWindow())  # back where the agent was
        self.shortcuts_dialog = dialog
        dialog.open()
        return dialog

    def _refresh_if_stale(self) -> None:
        """Only the screen on display reads the database now; the others when they are shown."""
        name = SCREENS[self.stack.currentIndex()]
        if name not in self._built:
            self.screen_named(name)  # a new screen reads the database as it is built
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

    def new_person(self) -> None:
        """« Nouvelle personne »: the visit, whose length the next contact records, starts now."""
        start = self.workspace.visit.new_person()
        self.statusBar().showMessage(
            f"Nouvelle personne : la visite compte depuis {clock_time(start)}.", 8000
        )

    def open_contact_form(self, prefill: dict | None = None):
        return self._open_form(prefill=prefill or None)

    def open_url(self, url: str) -> None:
        """A whitelisted site in the visit's embedded browser (loaded on first use: QtWebEngine is big)."""
        if not self.workspace.portal.whitelist().allows(url):
            self.statusBar().showMessage("Ce site n'est pas sur la liste des sites autorisés du poste.", 8000)
            return
        self.workspace.visit.begin()  # a first action for the person, unless a visit is under way
        if self.browser is None:
            from app.ui.browser import VisitBrowser

            self.browser = VisitBrowser(self.workspace)
        browser = self.browser
        browser.open(url)
        browser.show()
        browser.raise_()
        browser.activateWindow()

    def open_flow(self, situation_id: str):
        from app.ui.flow_dialog import FlowDialog

        self.workspace.visit.begin()  # a first action for the person, unless a visit is under way
        dialog = FlowDialog(self.workspace, self.workspace.flows[situation_id], self)
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
