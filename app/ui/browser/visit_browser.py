"""The agent's browser for one citizen's visit, that forgets the citizen at "Terminer l'accompagnement".

Tabs of one off-the-record profile (see `visit.py`), the whitelist enforced on every navigation, frame,
redirect, pop-up and download (see `policy.py`, `page.py`, `interceptor.py`), French pages instead of
refused or unreachable sites (`messages.py`), big zoom steps and printing for the citizen.
"""

from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from app.models.workspace import Workspace
from app.ui.browser.messages import Kind
from app.ui.browser.page import GuardedPage
from app.ui.browser.policy import SitePolicy
from app.ui.browser.tab import BrowserTab
from app.ui.browser.visit import Visit, remove_leftover_folders
from app.ui.printing import new_printer
from app.ui.window_size import fit_to_screen

ZOOM_STEPS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)  # big steps, for citizens with poor sight
STATUS_MS = 15_000
WELCOME = "Ouvrez un site depuis le portail de Bureau virtuel pour commencer l'accompagnement."
NO_TAB = (
    "Aucun onglet ouvert. L'accompagnement continue (la personne reste connectée à ses sites) : "
    "cliquez sur « Terminer l'accompagnement » quand il est fini."
)
ENDED = (
    "Accompagnement terminé : les cookies, l'historique, les données des sites et les fichiers "
    "téléchargés de la personne ont été effacés."
)
ENDED_SHORT = "Accompagnement terminé : cookies, historique et fichiers de la personne effacés."
_Action = QWebEnginePage.WebAction


class VisitBrowser(QMainWindow):
    visit_ended = Signal()

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, *, allow_http: bool = False
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.policy = SitePolicy(workspace.portal, allow_http=allow_http)  # allow_http: tests only
        self.visit: Visit | None = None  # started by the first site opened
        self.zoom = 1.0
        self._printer: QPrinter | None = None  # kept alive until the page is printed
        self.setWindowTitle("Navigateur de l'accompagnement — Bureau virtuel")
        fit_to_screen(self, QSize(1100, 800))

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Onglets de l'accompagnement")
        self.tabs.setAccessibleDescription("Les sites ouverts pour la personne ; Ctrl+W ferme l'onglet.")
        self.tabs.tabBar().setAccessibleName("Onglets de l'accompagnement")
        self.tabs.tabBar().setAccessibleDescription(
            "Flèches gauche et droite pour changer d'onglet ; Ctrl+W ferme l'onglet."
        )
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.tabCloseRequested.connect(lambda index: self.close_tab(self.tabs.widget(index)))  # type: ignore[arg-type]  # every tab is a BrowserTab
        self.tabs.currentChanged.connect(lambda _index: self._update_actions())
        self.empty = QLabel(WELCOME)
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tabs)
        self.setCentralWidget(self.stack)
        self._build_toolbar()
        remove_leftover_folders()
        self.set_zoom(1.0)
        self._update_actions()

    # Toolbar and shortcuts

    def _build_toolbar(self) -> None:
        bar = QToolBar("Navigation")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        icon = self.style().standardIcon
        self.back_action = self._action("Précédent", ["Alt+Left"], lambda: self._history("back"))
        self.back_action.setIcon(icon(QStyle.StandardPixmap.SP_ArrowBack))
        self.forward_action = self._action("Suivant", ["Alt+Right"], lambda: self._history("forward"))
        self.forward_action.setIcon(icon(QStyle.StandardPixmap.SP_ArrowForward))
        self.reload_action = self._action("Recharger", ["F5", "Ctrl+R"], self.reload)
        self.reload_action.setIcon(icon(QStyle.StandardPixmap.SP_BrowserReload))
        self.zoom_out_action = self._action(
            "Zoom −", ["Ctrl+-", QKeySequence.StandardKey.ZoomOut], self.zoom_out
        )
        self.zoom_reset_action = self._action("100 %", ["Ctrl+0"], lambda: self.set_zoom(1.0))
        self.zoom_in_action = self._action(
            # Not "Ctrl+Shift+=" besides "Ctrl++": Ctrl+Maj+= would match both, and an action whose
            # two shortcuts match one key press is ambiguous to Qt, which then does nothing.
            "Zoom +",
            ["Ctrl++", "Ctrl+=", QKeySequence.StandardKey.ZoomIn],
            self.zoom_in,
        )
        self.zoom_label = QLabel()
        self.zoom_label.setAccessibleName("Taille du texte")
        self.print_action = self._action("Imprimer", [QKeySequence.StandardKey.Print], self.print_page)
        self.close_tab_action = self._action(
            "Fermer l'onglet", ["Ctrl+W"], lambda: self.close_tab(self.current_tab())
        )
        self.downloads_button = QToolButton()
        self.downloads_button.setText("Téléchargements")
        self.downloads_button.setToolTip("Les fichiers de cet accompagnement (effacés quand il se termine)")
        self.downloads_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.downloads_menu = QMenu(self.downloads_button)
        self.downloads_menu.aboutToShow.connect(self._fill_downloads_menu)
        self.downloads_button.setMenu(self.downloads_menu)
        self.address = QLabel()
        self.address.setObjectName("address")
        self.address.setAccessibleName("Site affiché")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.address.setStyleSheet("QLabel#address { padding: 0 12px; font-weight: bold; }")
        self.end_button = QPushButton("&Terminer l'accompagnement")  # Alt+T: even from inside a page
        self.end_button.setObjectName("primary")
        self.end_button.setAccessibleName("Terminer l'accompagnement")
        self.end_button.setToolTip(
            "Ferme tous les onglets et efface les cookies, l'historique et les fichiers de la personne (Alt+T)."
        )
        self.end_button.clicked.connect(self.end_visit)
        for action in (self.back_action, self.forward_action, self.reload_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (self.zoom_out_action, self.zoom_reset_action, self.zoom_in_action):
            bar.addAction(action)
        self.zoom_label_action = bar.addWidget(self.zoom_label)  # a toolbar shows or hides the action
        bar.addSeparator()
        bar.addAction(self.print_action)
        bar.addWidget(self.downloads_button)
        # Second row: where the citizen is, and the end of the visit, never pushed out of sight.
        self.addToolBarBreak()
        site_bar = QToolBar("Site")
        site_bar.setMovable(False)
        self.addToolBar(site_bar)
        site_bar.addWidget(self.address)
        site_bar.addWidget(self.end_button)
        self.addAction(self.close_tab_action)

    def _action(self, text: str, shortcuts: list, slot) -> QAction:
        action = QAction(text, self)
        keys: list[QKeySequence] = []
        for key in shortcuts:  # a standard key may repeat an explicit one (Alt+Left is "Back" here)
            for sequence in (
                QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [key]
            ):
                if QKeySequence(sequence) not in keys:
                    keys.append(QKeySequence(sequence))
        action.setShortcuts(keys)
        action.setToolTip(f"{text} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    # Visits

    def open(self, url: str) -> None:
        """A new tab on `url` (https is assumed when no scheme is given), in the current visit."""
        address = QUrl(url.strip())
        if not address.scheme():
            address = QUrl("https://" + url.strip())
        self._new_tab().load(address)
        if not self.isVisible():
            self.show()
        self.raise_()
        self.activateWindow()

    def start_visit(self) -> Visit:
        """A fresh off-the-record profile and download folder; whatever the last visit left is destroyed."""
        if self.visit is not None:
            self._close_visit()
        self.policy.refresh()
        self.visit = Visit(self.policy, self)
        self.visit.download_refused.connect(self.show_status)
        self.visit.download_failed.connect(self.show_status)
        self.visit.download_finished.connect(
            lambda path: self.show_status(
                f"Fichier enregistré : {path.name} (menu Téléchargements ; effacé à la fin de l'accompagnement)."
            )
        )
        self.set_zoom(1.0)
        return self.visit

    def end_visit(self) -> None:
        """Terminer l'accompagnement: tabs, pages, profile (cookies, cache, storage, history) and files go."""
        self._close_visit()
        self.empty.setText(ENDED)
        self.show_status(ENDED_SHORT)
        self.visit_ended.emit()

    def _close_visit(self) -> None:
        while self.tabs.count():
            self._dispose_tab(self.tabs.widget(0))  # type: ignore[arg-type]  # every tab is a BrowserTab
        if self.visit is not None:
            self.visit.close()  # its profile is deleted after the pages, posted before it
            self.visit = None
        self.stack.setCurrentWidget(self.empty)
        self.set_zoom(1.0)
        self._update_actions()

    def closeEvent(self, event) -> None:
        self.end_visit()  # closing the window never leaves a citizen's session behind
        super().closeEvent(event)

    # Tabs

    def tab_list(self) -> list[BrowserTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]  # every tab is a BrowserTab

    def current_tab(self) -> BrowserTab | None:
        return self.tabs.currentWidget()  # type: ignore[return-value]  # every tab is a BrowserTab

    def _new_tab(self, *, background: bool = False) -> BrowserTab:
        visit = self.visit or self.start_visit()
        page = GuardedPage(visit.profile, self.policy, self._window_requested)
        tab = BrowserTab(self.workspace, page, self.zoom)
        tab.changed.connect(lambda: self._tab_changed(tab))
        tab.status.connect(self.show_status)
        tab.view.printRequested.connect(self.print_page)  # window.print()
        tab.view.printFinished.connect(self._print_finished)
        page.windowCloseRequested.connect(lambda: self.close_tab(tab))  # window.close() in a pop-up
        index = self.tabs.addTab(tab, "Nouvel onglet")
        if not background or self.tabs.count() == 1:
            self.tabs.setCurrentIndex(index)
        self.stack.setCurrentWidget(self.tabs)
        self._update_actions()
        return tab

    def _window_requested(self, window_type: QWebEnginePage.WebWindowType) -> GuardedPage:
        background = window_type == QWebEnginePage.WebWindowType.WebBrowserBackgroundTab
        return self._new_tab(background=background).page

    def close_tab(self, tab: BrowserTab | None) -> None:
        if tab is None or self.tabs.indexOf(tab) < 0:
            return
        self._dispose_tab(tab)
        if not self.tabs.count():
            self.empty.setText(NO_TAB)
            self.stack.setCurrentWidget(self.empty)
        self._update_actions()

    def _dispose_tab(self, tab: BrowserTab) -> None:
        self.tabs.removeTab(self.tabs.indexOf(tab))
        tab.page.triggerAction(_Action.Stop)
        tab.hide()
        tab.deleteLater()  # with its view and page, before the profile (deleteLater runs in order)

    def open_file(self, path: Path) -> None:
        """A file downloaded during this visit, in a new tab (PDF viewer, to print it)."""
        if self.visit is not None:
            self._new_tab().load(QUrl.fromLocalFile(str(path)))

    def _fill_downloads_menu(self) -> None:
        self.downloads_menu.clear()
        files = [path for path in (self.visit.downloads if self.visit else []) if path.exists()]
        for path in files:
            self.downloads_menu.addAction(path.name, partial(self.open_file, path))
        if not files:
            self.downloads_menu.addAction("Aucun fichier téléchargé pendant cet accompagnement").setEnabled(
                False
            )

    # Toolbar actions

    def _history(self, step: str) -> None:
        # Not WebAction.Back: Chromium skips the entries a script added without a click, which leaves
        # the button enabled and doing nothing.
        if (tab := self.current_tab()) is not None:
            getattr(tab.page.history(), step)()

    def reload(self) -> None:
        if (tab := self.current_tab()) is not None:
            tab.reload()

    def set_zoom(self, factor: float) -> None:
        """The whole visit follows the citizen's eyes: every tab, and the tabs opened later."""
        self.zoom = factor
        for tab in self.tab_list():
            tab.set_zoom(factor)
        self.zoom_label.setText(f"Taille : {round(factor * 100)} %")
        self.zoom_label_action.setVisible(abs(factor - 1.0) > 0.001)

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOM_STEPS if z > self.zoom + 0.001), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        self.set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < self.zoom - 0.001), ZOOM_STEPS[0]))

    def print_page(self) -> None:
        """Imprimer: the system's dialog (a printer, or a PDF file)."""
        if self.current_tab() is None or self._printer is not None:
            return
        printer = new_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Imprimer la page")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        if (tab := self.current_tab()) is None or self._printer is not None:
            return
        self._printer = printer
        self.show_status("Impression en cours…")
        tab.view.print(printer)

    def _print_finished(self, ok: bool) -> None:
        self._printer = None
        self.show_status("Page imprimée." if ok else "L'impression a échoué.")

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_MS)

    # Labels

    def _tab_changed(self, tab: BrowserTab) -> None:
        index = self.tabs.indexOf(tab)
        if index < 0:
            return
        title = tab.title()
        self.tabs.setTabText(index, title if len(title) <= 28 else title[:27] + "…")
        self.tabs.setTabToolTip(index, title)
        if tab is self.current_tab():
            self._update_actions()

    def _update_actions(self) -> None:
        tab = self.current_tab()
        history = tab.page.history() if tab is not None else None
        self.back_action.setEnabled(history is not None and history.canGoBack())
        self.forward_action.setEnabled(history is not None and history.canGoForward())
        for action in (self.reload_action, self.print_action, self.close_tab_action):
            action.setEnabled(tab is not None)
        self.downloads_button.setEnabled(self.visit is not None)
        self.end_button.setEnabled(self.visit is not None)
        if tab is None:
            self.address.setText("")
            self.address.setToolTip("")
            return
        url = tab.address()
        host = url.host()
        if tab.message is not None:
            text = {
                Kind.BLOCKED: "Site bloqué : ",
                Kind.OFFLINE: "Site injoignable : ",
                Kind.CERTIFICATE: "Connexion non sûre : ",
                Kind.CRASHED: "Page arrêtée : ",
            }[tab.message.kind] + (host or url.scheme())
        elif url.isLocalFile():
            text = f"Fichier téléchargé : {Path(url.toLocalFile()).name}"
        else:
            label = self.policy.site_label(host)
            text = f"{host} — {label}" if host and label else host
        self.address.setText(text)
        self.address.setToolTip(url.toDisplayString())

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            for tab in self.tab_list():  # the agent may have changed in the main window
                tab.refresh_notice()
        super().changeEvent(event)
