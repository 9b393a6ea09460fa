"""Paramètres: the structure, the display, a bus's stops, the agents of the workstation, where data lives,
and the journal for the support."""

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.journal.export import export_journal
from app.journal.files import journal_folder
from app.models.permissions import Rule
from app.models.portal import PortalError
from app.models.settings import get_setting
from app.models.shared_settings import SharedSettingError
from app.models.workspace import Workspace
from app.models.workstation import ROLES, TEXT_SCALES, THEMES, SetupError
from app.sync.status import SERVER_URL, UNAUTHORIZED
from app.ui.enter_key import on_enter
from app.ui.notices import notice_label, show_notice
from app.ui.referents_panel import ReferentsPanel
from app.ui.settings_history import SettingsHistoryDialog
from app.ui.stops_editor import StopsEditor
from app.ui.theme import apply_display


class SettingsScreen(QWidget):
    changed = Signal()
    enrol_requested = Signal(str, str, bool)  # server URL, code, re-attribution confirmed
    sync_requested = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        title = QLabel("Paramètres")
        title.setObjectName("screenTitle")
        self.structure = QLabel()
        self.structure.setWordWrap(True)
        structure_box = QGroupBox("Structure")
        self.correct_button = QPushButton("Corriger la structure…")
        self.correct_button.setAccessibleName("Corriger la structure")
        self.correct_button.clicked.connect(self._correct_structure)
        self.structure_note = QLabel()
        self.structure_note.setWordWrap(True)
        structure_row = QHBoxLayout()
        structure_row.addWidget(self.correct_button)
        structure_row.addWidget(self.structure_note, 1)
        structure_layout = QVBoxLayout(structure_box)
        structure_layout.addWidget(self.structure)
        structure_layout.addLayout(structure_row)

        display_box = QGroupBox("Affichage (pour tous les agents de ce poste)")
        self.theme = QComboBox()
        self.theme.setAccessibleName("Thème")
        self.theme.setToolTip(
            "Contraste élevé : fond noir, texte blanc et jaune, contour épais autour du contrôle actif. "
            "Appliqué tout de suite."
        )
        for key, label in THEMES.items():
            self.theme.addItem(label, key)
        self.text_scale = QComboBox()
        self.text_scale.setAccessibleName("Taille du texte")
        self.text_scale.setToolTip(
            "Par rapport à la taille du texte réglée dans le système. Appliquée tout de suite."
        )
        for scale, label in TEXT_SCALES.items():
            self.text_scale.addItem(label, scale)
        self.theme.activated.connect(self._display_chosen)
        self.text_scale.activated.connect(self._display_chosen)
        display = QFormLayout(display_box)
        display.addRow("&Thème :", self.theme)
        display.addRow("Taille du te&xte :", self.text_scale)

        self.stops_box = QGroupBox("Tournée du bus : arrêts")
        self.stops = StopsEditor()
        save_stops = QPushButton("Enregistrer les arrêts")
        save_stops.setToolTip("Enregistre la liste des arrêts ci-dessus pour ce poste.")
        save_stops.clicked.connect(self._save_stops)
        self.stops.button_row.insertWidget(1, save_stops)
        QVBoxLayout(self.stops_box).addWidget(self.stops)

        agents_box = QGroupBox("Agents de ce poste")
        self.agents = QListWidget()
        self.agents.setAccessibleName("Agents")
        self.agents.setAccessibleDescription("Les agents qui travaillent sur ce poste, avec leur rôle.")
        self.agents.setMaximumHeight(110)
        self.agent_name = QLineEdit()
        self.agent_name.setPlaceholderText("Nom ou initiales")
        self.agent_name.setAccessibleName("Nom du nouvel agent")
        self.agent_name.setToolTip("Nom ou initiales de l'agent à ajouter, puis Entrée.")
        self.agent_role = QComboBox()
        self.agent_role.setAccessibleName("Rôle du nouvel agent")
        self.agent_role.setToolTip("Un responsable accède aussi aux synthèses et aux réglages du portail.")
        for role, label in ROLES.items():
            self.agent_role.addItem(label, role)
        add_agent = QPushButton("Ajouter l'agent")
        add_agent.setToolTip("Ajoute l'agent à ce poste ; il apparaît dans la barre d'état.")
        add_agent.clicked.connect(self._add_agent)
        on_enter(self.agent_name, self._add_agent)
        row = QHBoxLayout()
        row.addWidget(self.agent_name, 1)
        row.addWidget(self.agent_role)
        row.addWidget(add_agent)
        self.history_button = QPushButton("Historique des paramètres partagés…")
        self.history_button.setToolTip(
            "Chaque modification des agents, arrêts, référents, lieux qualifiés, liens locaux, sites "
            "autorisés, seuil d'alerte et moteur de recherche faite sur les postes de la structure, et "
            "celle qui est appliquée."
        )
        self.history_button.clicked.connect(self._show_history)
        self.deactivate_agent_button = QPushButton("Désactiver l'agent sélectionné…")
        self.deactivate_agent_button.setToolTip(
            "Un agent parti n'est plus proposé ; ses contacts restent à son nom dans l'historique (responsable)."
        )
        self.deactivate_agent_button.clicked.connect(self._deactivate_agent)
        agents_layout = QVBoxLayout(agents_box)
        agents_layout.addWidget(self.agents)
        agents_layout.addLayout(row)
        agents_layout.addWidget(self.deactivate_agent_button, alignment=Qt.AlignmentFlag.AlignLeft)
        agents_layout.addWidget(self.history_button)

        data_box = QGroupBox("Données")
        data = QFormLayout(data_box)
        # Read-only field rather than a label: a long path scrolls instead of widening the screen,
        # and can be selected and copied for a backup.
        database = QLineEdit(str(workspace.path))
        database.setReadOnly(True)
        database.setToolTip(
            "Le fichier où ce poste garde ses données : à sauvegarder (voir le guide du responsable)."
        )
        data.addRow("Base de données :", database)
        versions = workspace.catalogue.versions
        references = QLabel(
            f"partenaires {versions['partners']} · bouquet {versions['bouquet']} · champs {versions['fields']}"
        )
        references.setWordWrap(True)
        data.addRow("Référentiels :", references)
        self.journal_button = QPushButton("Exporter le &journal…")
        self.journal_button.setToolTip(
            "Enregistre le journal technique du poste (sans contenu des contacts) dans un fichier zip, "
            "à transmettre au support."
        )
        self.journal_button.clicked.connect(self.export_journal)
        self.journal_result = notice_label("Résultat de l'export du journal")
        data.addRow("Support :", self.journal_button)
        data.addRow(self.journal_result)

        sync_box = QGroupBox("Serveur de reporting")
        self.sync_status = QLabel()
        self.sync_status.setWordWrap(True)
        self.server_url = QLineEdit()
        self.server_url.setPlaceholderText("https://reporting.exemple.fr")
        self.server_url.setAccessibleName("Adresse du serveur de reporting")
        self.server_url.setToolTip(
            "L'adresse donnée par l'administrateur du serveur, commençant par https://."
        )
        self.enrolment_code = QLineEdit()
        self.enrolment_code.setPlaceholderText("Code à usage unique, ex. 7KQM-2WXP-H9TD")
        self.enrolment_code.setAccessibleName("Code d'inscription")
        self.enrolment_code.setToolTip("Le code à usage unique donné par l'administrateur du serveur.")
        self.enrol_button = QPushButton("Inscrire ce poste")
        self.enrol_button.setToolTip(
            "Inscrit ce poste auprès du serveur avec l'adresse et le code ci-dessus."
        )
        self.enrol_button.clicked.connect(self._enrol)
        self.sync_button = QPushButton("Synchroniser maintenant")
        self.sync_button.setToolTip("Envoie tout de suite au serveur les contacts en attente.")
        self.sync_button.clicked.connect(self.sync_requested)
        self.sync_result = QLabel()
        self.sync_result.setWordWrap(True)
        self.sync_result.setAccessibleName("Résultat")
        sync_form = QFormLayout(sync_box)
        sync_form.addRow(self.sync_status)
        sync_form.addRow("Adresse :", self.server_url)
        sync_form.addRow("Code :", self.enrolment_code)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enrol_button)
        buttons.addWidget(self.sync_button)
        buttons.addStretch(1)
        sync_form.addRow(buttons)
        sync_form.addRow(self.sync_result)

        content = QWidget()
        layout = QVBoxLayout(content)
        portal_box = QGroupBox("Portail : recherche sur le web et sites autorisés")
        self.engine = QLineEdit()
        self.engine.setAccessibleName("Adresse du moteur de recherche")
        self.engine.setToolTip("{query} marque l'endroit où vont les mots cherchés.")
        self.engine_button = QPushButton("Enregistrer le moteur")
        self.engine_button.setToolTip("Enregistre l'adresse du moteur de recherche (responsable).")
        self.engine_button.clicked.connect(self._save_engine)
        self.engine_result = QLabel()
        self.engine_result.setWordWrap(True)
        self.engine_result.setAccessibleName("Résultat")
        engine_row = QHBoxLayout()
        engine_row.addWidget(self.engine, 1)
        engine_row.addWidget(self.engine_button)
        engine_row.addWidget(self.engine_result)
        self.sites = QListWidget()
        self.sites.setAccessibleName("Sites autorisés par la structure")
        self.sites.setAccessibleDescription(
            "Les sites ajoutés aux sites autorisés du portail (hors liens locaux), avec le motif."
        )
        self.sites.setMaximumHeight(110)
        self.remove_site_button = QPushButton("Retirer le site sélectionné")
        self.remove_site_button.setToolTip(
            "Le navigateur des postes de la structure refuse ce site après leur prochaine synchronisation "
            "(responsable)."
        )
        self.remove_site_button.clicked.connect(self._remove_site)
        self.sites_result = QLabel()
        self.sites_result.setWordWrap(True)
        self.sites_result.setAccessibleName("Résultat")
        sites_row = QHBoxLayout()
        sites_row.addWidget(self.remove_site_button)
        sites_row.addWidget(self.sites_result, 1)
        portal_layout = QVBoxLayout(portal_box)
        portal_layout.addLayout(engine_row)
        portal_layout.addWidget(QLabel("Sites autorisés par la structure :"))
        portal_layout.addWidget(self.sites)
        portal_layout.addLayout(sites_row)
        self.referents = ReferentsPanel(workspace)
        self.referents.changed.connect(self.changed)
        widgets = (
            title,
            structure_box,
            display_box,
            self.stops_box,
            agents_box,
            self.referents,
            portal_box,
            sync_box,
            data_box,
        )
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)
        scroll = QScrollArea()  # the screen grows with the sections; small screens scroll
        scroll.setAccessibleName("Paramètres")
        scroll.setAccessibleDescription(
            "Tab va de réglage en réglage ; les flèches et Page préc./Page suiv. font défiler l'écran."
        )
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        QVBoxLayout(self).addWidget(scroll)

    def refresh(self) -> None:
        workstation = self.workspace.workstation
        structure = workstation.structure
        self.structure.setText(structure.describe() if structure else "Poste non configuré.")
        self.stops_box.setVisible(bool(structure and structure.itinerant))
        self.stops.list.clear()
        self.stops.list.addItems(workstation.stops)
        server = get_setting(self.workspace.db, SERVER_URL)
        if server and get_setting(self.workspace.db, UNAUTHORIZED, False):
            self.sync_status.setText(
                f"⚠ Le serveur {server} n'accepte plus ce poste (révoqué ou réinscrit ailleurs). Les contacts "
                "restent sur le poste : demandez un nouveau code au responsable et inscrivez le poste à nouveau."
            )
            self.server_url.setText(server)
        elif server:
            self.sync_status.setText(
                f"Poste inscrit auprès de {server}. Les contacts y sont envoyés automatiquement."
            )
            self.server_url.setText(server)
        else:
            self.sync_status.setText(
                "Poste non inscrit : les contacts restent sur ce poste. Pour les envoyer au serveur de reporting, "
                "saisissez son adresse et le code d'inscription donné par l'administrateur du serveur."
            )
        self.referents.refresh()
        self._show_structure_rule(bool(server), workstation.refusal(Rule.STRUCTURE))
        self.theme.setCurrentIndex(self.theme.findData(workstation.theme))
        self.text_scale.setCurrentIndex(self.text_scale.findData(workstation.text_scale))
        self.engine.setText(self.workspace.portal.search_engine())
        engine_refused = workstation.refusal(Rule.SEARCH_ENGINE)
        self.engine.setEnabled(engine_refused is None)
        self.engine_button.setEnabled(engine_refused is None)
        self.sites.clear()
        for domain, (reason, added_by) in self.workspace.portal.allowed_sites().items():
            entry = QListWidgetItem(f"{domain} — {reason} (ajouté par {added_by})")
            entry.setData(Qt.ItemDataRole.UserRole, domain)
            self.sites.addItem(entry)
        self.remove_site_button.setEnabled(
            workstation.refusal(Rule.ALLOWED_SITES) is None and self.sites.count() > 0
        )
        self.agents.clear()
        for agent in workstation.agents():
            entry = QListWidgetItem(f"{agent.name} — {ROLES[agent.role]}")
            entry.setData(Qt.ItemDataRole.UserRole, agent.id)
            self.agents.addItem(entry)
        self.deactivate_agent_button.setEnabled(
            workstation.refusal(Rule.AGENTS) is None and self.agents.count() > 1
        )

    def _show_structure_rule(self, enrolled: bool, why_not: str | None) -> None:
        """The button says beforehand what Workstation.correct_structure would refuse (`why_not`:
        the model's sentence when the current agent may not)."""
        if enrolled:
            note = "La structure vient du serveur de reporting : elle ne peut pas être modifiée sur ce poste."
        else:
            note = why_not or ""
        self.correct_button.setEnabled(not enrolled and why_not is None)
        self.correct_button.setToolTip(
            note
            or "Choisir à nouveau la structure dans la liste officielle, site fixe ou itinérant, et les arrêts."
        )
        self.structure_note.setText(note)

    def _correct_structure(self) -> None:
        from app.ui.structure_dialog import StructureCorrection

        dialog = StructureCorrection(self.workspace, self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def export_journal(self) -> None:
        """Paramètres › "Exporter le journal…": a zip where the agent chooses, for the support."""
        folder = journal_folder()
        if folder is None:
            show_notice(
                self.journal_result, "Le journal n'est pas enregistré sur ce poste : rien à exporter."
            )
            return
        suggested = Path.home() / f"journal-bureau-virtuel-{date.today():%Y-%m-%d}.zip"
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Exporter le journal", str(suggested), "Archive zip (*.zip)"
        )
        if not chosen:
            return
        target = Path(chosen)
        if target.suffix.lower() != ".zip":
            target = target.with_name(target.name + ".zip")
        try:
            export_journal(folder, target)
        except OSError as error:
            show_notice(
                self.journal_result,
                f"Impossible d'écrire « {target} » ({error.strerror or error}) : choisissez un autre dossier.",
            )
            return
        show_notice(
            self.journal_result, f"Journal exporté dans « {target} », à transmettre au support.", ok=True
        )

    def _display_chosen(self) -> None:
        """Remembered for the next start, and applied at once to every open window."""
        theme, text_scale = self.theme.currentData(), self.text_scale.currentData()
        self.workspace.workstation.set_display(theme, text_scale)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_display(app, theme, text_scale)
        self.changed.emit()  # the screens re-read (and re-fit their tables) when next shown

    def _save_engine(self) -> None:
        agent = self.workspace.workstation.current_agent
        try:
            self.workspace.portal.set_search_engine(self.engine.text(), agent.name if agent else "")
        except (PortalError, SharedSettingError) as error:
            self.engine_result.setText(f"⚠ {error}")
            return
        self.engine_result.setText("✔ Enregistré.")

    def _remove_site(self) -> None:
        entry = self.sites.currentItem()
        if entry is None:
            self.sites_result.setText("⚠ Choisissez d'abord un site dans la liste.")
            return
        domain = entry.data(Qt.ItemDataRole.UserRole)
        try:
            self.workspace.portal.remove_domain(domain)
        except (PortalError, SharedSettingError) as error:
            self.sites_result.setText(f"⚠ {error}")
            return
        self.refresh()
        self.sites_result.setText(f"✔ « {domain} » retiré des sites autorisés.")
        self.changed.emit()

    def _enrol(self) -> None:
        url, code = self.server_url.text().strip(), self.enrolment_code.text().strip()
        if not url or not code:
            self.sync_result.setText("⚠ Indiquez l'adresse du serveur et le code d'inscription.")
            return
        self.enrol_button.setEnabled(False)
        self.sync_result.setText("Inscription en cours…")
        self.enrol_requested.emit(url, code, False)

    def confirm_reattribution(self, url: str, code: str, question: str) -> None:
        """Records made here under another structure: enrol only once the user agreed to give them
        to the server's structure (the same code works again from this workstation)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Structure des enregistrements", question, parent=self)
        attach = box.addButton("Rattacher et inscrire", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(attach)
        box.exec()
        if box.clickedButton() is not attach:
            self.show_enrolment(False, "Poste non inscrit : rien n'a été modifié sur ce poste.")
            return
        self.sync_result.setText("Inscription en cours…")
        self.enrol_requested.emit(url, code, True)

    def show_enrolment(self, ok: bool, message: str) -> None:
        self.enrol_button.setEnabled(True)
        self.sync_result.setText(message if ok else f"⚠ {message}")
        if ok:
            self.enrolment_code.clear()
            self.refresh()

    def _save_stops(self) -> None:
        try:
            self.workspace.workstation.set_stops(self.stops.stops(), self.workspace.workstation.current_stop)
        except (SetupError, SharedSettingError) as error:
            QMessageBox.warning(self, "Arrêts", str(error))
            return
        self.changed.emit()

    def _show_history(self) -> None:
        SettingsHistoryDialog(self.workspace.shared, self).open()

    def _deactivate_agent(self) -> None:
        entry = self.agents.currentItem()
        if entry is None:
            QMessageBox.information(
                self, "Agents", "Sélectionnez d'abord l'agent à désactiver dans la liste."
            )
            return
        name = entry.text().split(" — ")[0]
        answer = QMessageBox.question(
            self,
            "Désactiver l'agent",
            f"Désactiver « {name} » ? Il ne sera plus proposé ; ses contacts restent à son nom.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.workspace.workstation.deactivate_agent(entry.data(Qt.ItemDataRole.UserRole))
        except (SetupError, SharedSettingError) as error:
            QMessageBox.warning(self, "Agents", str(error))
            return
        self.refresh()
        self.changed.emit()

    def _add_agent(self) -> None:
        try:
            self.workspace.workstation.add_agent(self.agent_name.text(), self.agent_role.currentData())
        except (SetupError, SharedSettingError) as error:
            QMessageBox.warning(self, "Agents", str(error))
            return
        self.agent_name.clear()
        self.refresh()
        self.changed.emit()
