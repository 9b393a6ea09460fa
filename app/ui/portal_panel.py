"""Accueil's portal: one search over everything, and the institutional links by theme.

Keyboard first: type, Down to go into the results, Enter to open; Ctrl+Entrée searches the web,
restricted to the whitelisted sites.
"""

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.permissions import Rule
from app.models.portal import PortalError
from app.models.shared_settings import SharedSettingError
from app.models.whitelist import load_whitelist
from app.models.workspace import Workspace
from app.ui.notices import notice_label, show_notice

if TYPE_CHECKING:
    from app.models.search import SearchIndex

HIT_ROLE = Qt.ItemDataRole.UserRole


class PortalPanel(QWidget):
    open_url = Signal(str)
    open_flow = Signal(str)
    show_referents = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._index: SearchIndex | None = None  # built on the first search, with the flows
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "Rechercher un site, un parcours, une étape, un référent… (↓ puis Entrée)"
        )
        self.search.setAccessibleName("Recherche")
        self.search.setToolTip(
            "Sites, parcours, étapes et référents : ↓ puis Entrée ouvre un résultat ; "
            "Ctrl+Entrée cherche sur le web (sites autorisés)."
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search)
        self.search.installEventFilter(self)
        web = QPushButton("Sur le web (sites autorisés)")
        web.setToolTip("Ctrl+Entrée : recherche sur le web, limitée aux sites de la liste blanche")
        web.clicked.connect(self.search_web)
        self.results = QListWidget()
        self.results.setAccessibleName("Résultats de la recherche")
        self.results.setAccessibleDescription("Entrée ou double-clic ouvre le résultat sélectionné.")
        self.results.itemActivated.connect(self._activate)
        self.results.setVisible(False)
        self.links = QTreeWidget()
        self.links.setColumnCount(2)
        self.links.setHeaderLabels(["Site", "Description"])
        self.links.setAccessibleName("Sites institutionnels")
        self.links.setAccessibleDescription(
            "Entrée ou double-clic ouvre le site dans le navigateur de l'accompagnement."
        )
        self.links.itemActivated.connect(self._activate_link)
        self.grouping = QComboBox()
        self.grouping.setAccessibleName("Regrouper les sites")
        self.grouping.setToolTip("Classe les sites institutionnels par thème ou par partenaire.")
        self.grouping.addItem("Par thème", "theme")
        self.grouping.addItem("Par partenaire", "partner")
        self.grouping.currentIndexChanged.connect(self._fill_links)
        self.add_link = QPushButton("Ajouter un lien local…")
        self.add_link.setToolTip(
            "Ajoute un site local à la liste et aux sites autorisés du poste (responsable)."
        )
        self.add_link.clicked.connect(self._add_local_link)
        self.remove_link = QPushButton("Retirer le lien local…")
        self.remove_link.setToolTip(
            "Retire de la liste le lien local choisi ; son site quitte les sites autorisés (responsable)."
        )
        self.remove_link.clicked.connect(self._remove_local_link)
        self.links.currentItemChanged.connect(lambda *_: self._enable_removal())
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(web)
        links_row = QHBoxLayout()
        links_caption = QLabel("Sites institutionnels (Entrée ou double-clic pour ouvrir) :")
        links_caption.setBuddy(self.links)
        links_caption.setWordWrap(True)  # gives way before the window outgrows a small screen
        links_row.addWidget(links_caption, 1)
        links_row.addWidget(self.grouping)
        links_row.addWidget(self.add_link)
        links_row.addWidget(self.remove_link)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.results, 2)
        layout.addLayout(links_row)
        layout.addWidget(self.links, 3)

    def refresh(self) -> None:
        """Links and the index follow local links and referents; only a responsable adds or removes links."""
        manager = self.workspace.workstation.refusal(Rule.LOCAL_LINKS) is None
        self.add_link.setVisible(manager)
        self.remove_link.setVisible(manager)
        if self._index is not None:
            self._index.close()
            self._index = None
        self._fill_links()
        if self.search.text():
            self._search(self.search.text())

    def _fill_links(self) -> None:
        catalogue = self.workspace.catalogue
        by_partner = self.grouping.currentData() == "partner"
        self.links.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for link in self.workspace.portal.links():
            if link.local:
                group = "Liens locaux"
            elif by_partner:
                group = (
                    catalogue.label("partners", link.partner) or "Services transverses et outils de l'agent"
                )
            else:
                group = catalogue.label("themes", link.theme) or "Outils de l'agent"
            if group not in groups:
                groups[group] = QTreeWidgetItem([group])
                font = groups[group].font(0)
                font.setBold(True)
                groups[group].setFont(0, font)
                groups[group].setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.links.addTopLevelItem(groups[group])
            item = QTreeWidgetItem([link.label, link.description])
            item.setData(0, HIT_ROLE, link.url)
            item.setData(1, HIT_ROLE, link.local)
            item.setToolTip(0, link.url)
            groups[group].addChild(item)
        self.links.expandAll()
        self.links.resizeColumnToContents(0)
        self._enable_removal()

    def _chosen_local_link(self) -> QTreeWidgetItem | None:
        item = self.links.currentItem()
        return item if item is not None and item.data(1, HIT_ROLE) else None

    def _enable_removal(self) -> None:
        self.remove_link.setEnabled(self._chosen_local_link() is not None)

    def index(self) -> "SearchIndex":
        from app.models.search import SearchIndex  # and the flows: loaded once the agent types

        if self._index is None:
            self._index = SearchIndex(
                self.workspace.catalogue,
                self.workspace.portal.links(),
                self.workspace.flows,
                self.workspace.referents.list(),
            )
        return self._index

    def _search(self, text: str) -> None:
        self.results.clear()
        self.results.setVisible(bool(text.strip()))
        if not text.strip():
            return
        from app.models.search import KINDS

        hits = self.index().search(text)
        if not hits:
            empty = QListWidgetItem("Aucun résultat. Ctrl+Entrée pour chercher sur les sites autorisés.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(empty)
            return
        kind = None
        for hit in hits:
            if hit.kind != kind:
                kind = hit.kind
                header = QListWidgetItem(KINDS[kind])
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                self.results.addItem(header)
            item = QListWidgetItem(f"   {hit.title} — {hit.detail}")
            item.setData(HIT_ROLE, hit)
            self.results.addItem(item)

    def hits(self) -> list:
        return [
            self.results.item(i).data(HIT_ROLE)
            for i in range(self.results.count())
            if self.results.item(i).data(HIT_ROLE)
        ]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    self.search_web()
                else:
                    self._activate(self._first_hit_item())
                return True
            if event.key() == Qt.Key.Key_Down and self.results.isVisible():
                self.results.setFocus()
                item = self._first_hit_item()
                if item is not None:
                    self.results.setCurrentItem(item)
                return True
        return super().eventFilter(watched, event)

    def _first_hit_item(self) -> QListWidgetItem | None:
        return next(
            (
                self.results.item(i)
                for i in range(self.results.count())
                if self.results.item(i).data(HIT_ROLE)
            ),
            None,
        )

    def _activate(self, item: QListWidgetItem | None) -> None:
        hit = item.data(HIT_ROLE) if item is not None else None
        if hit is None:
            return
        if hit.kind == "link":
            self.open_url.emit(hit.target)
        elif hit.kind in ("flow", "step"):
            self.open_flow.emit(hit.target)
        else:
            self.show_referents.emit()

    def _activate_link(self, item: QTreeWidgetItem) -> None:
        url = item.data(0, HIT_ROLE)
        if url:
            self.open_url.emit(url)

    def search_web(self) -> None:
        from app.models.search import web_search_url

        text = self.search.text().strip()
        if text:
            portal = self.workspace.portal
            self.open_url.emit(
                web_search_url(
                    text,
                    load_whitelist(portal.content).with_domains(portal.local_domains()),
                    portal.search_engine(),
                )
            )

    def _add_local_link(self) -> None:
        dialog = LocalLinkDialog(self.workspace, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def _remove_local_link(self) -> None:
        item = self._chosen_local_link()
        if item is None:
            return
        answer = QMessageBox.question(
            self,
            "Retirer le lien local",
            f"Retirer « {item.text(0)} » de la liste ? Son site ne sera plus autorisé dans le navigateur "
            "(sauf s'il l'a été pour une autre raison).",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.workspace.portal.remove_local_link(item.data(0, HIT_ROLE))
        except (PortalError, SharedSettingError) as error:
            QMessageBox.warning(self, "Retirer le lien local", str(error))
        self.refresh()


class LocalLinkDialog(QDialog):
    """A responsable adds a local link; its site joins the workstation's whitelist."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Ajouter un lien local")
        self.label = QLineEdit()
        self.label.setToolTip("Le nom du site tel qu'il apparaîtra dans la liste.")
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://www.exemple.fr")
        self.url.setToolTip("L'adresse complète du site, commençant par https://.")
        self.description = QLineEdit()
        self.description.setPlaceholderText("Une ligne : à quoi sert ce site")
        self.description.setToolTip("Une ligne qui dit à quoi sert ce site.")
        self.error = notice_label("Message d'erreur")
        form = QFormLayout(self)
        form.addRow(self.error)
        form.addRow("Nom :", self.label)
        form.addRow("Adresse :", self.url)
        form.addRow("Description :", self.description)
        note = QLabel("Le site sera ajouté à la liste des sites autorisés du poste, à votre nom.")
        note.setObjectName("hint")
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Ajouter")
        buttons.button(QDialogButtonBox.StandardButton.Save).setToolTip(
            "Ajoute le lien et autorise son site."
        )
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler (Échap)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Ferme sans rien ajouter.")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        agent = self.workspace.workstation.current_agent
        try:
            self.workspace.portal.add_local_link(
                self.label.text(), self.url.text(), self.description.text(), agent.name if agent else ""
            )
        except (PortalError, SharedSettingError) as error:
            show_notice(self.error, str(error))
            return
        self.accept()
