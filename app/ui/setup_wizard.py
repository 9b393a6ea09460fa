"""First start: set up a new structure (from the real list or by hand, its format, the agents), or join
a structure already enrolled on the reporting server (its address and a one-time code: the structure
and its records come from the server)."""

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.models.structures import Structure, StructureList, search_structures, shipped_list
from app.models.workspace import Workspace
from app.models.workstation import ROLES, SetupError, Workstation
from app.ui.enter_key import on_enter
from app.ui.notices import notice_label, show_notice
from app.ui.stops_editor import StopsEditor

if TYPE_CHECKING:
    from app.ui.sync_controller import SyncController

CANCEL_DESCRIPTION = "Quitte sans rien enregistrer."


class ModePage(QWizardPage):
    """New structure, or one of the structure's other workstations joining it."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Mise en service du poste")
        self.setSubTitle(
            "Première mise en service de la structure, ou nouveau poste d'une structure déjà inscrite ?"
        )
        self.new = QRadioButton("Mettre en service une nouvelle structure")
        self.new.setToolTip("Choisir la structure, son format et ses agents sur ce poste.")
        self.join = QRadioButton("Rejoindre une structure déjà inscrite")
        self.join.setToolTip(
            "Un autre poste de la structure envoie déjà ses données au serveur de reporting : ce poste "
            "reçoit la structure et ses enregistrements avec un code d'inscription du responsable."
        )
        self.new.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.new)
        layout.addWidget(self.join)
        layout.addStretch(1)

    def nextId(self) -> int:
        wizard = self.wizard()
        return wizard.page_ids["join" if self.join.isChecked() else "structure"]  # type: ignore[attr-defined]  # the page's wizard is a SetupWizard


class JoinPage(QWizardPage):
    """Enrol with the server's address and a one-time code, then receive the structure's records with a
    progress bar, in the background (the sync worker, with its own database connection): the window
    stays responsive, and Annuler stops the reception after the page under way. Stopped or cut midway,
    what was received stays and "Reprendre" goes on from there."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.enrolled = False
        self.done = False
        self.busy = False
        self.sync: SyncController | None = None  # made at the first "Rejoindre"
        self.setTitle("Rejoindre une structure déjà inscrite")
        self.setSubTitle(
            "Adresse du serveur de reporting et code d'inscription à usage unique, donnés par l'administrateur du serveur."
        )
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://reporting.exemple.fr")
        self.server.setAccessibleName("Adresse du serveur")
        self.server.setToolTip("L'adresse du serveur de reporting de la structure.")
        self.code = QLineEdit()
        self.code.setPlaceholderText("7KQM-2WXP-H9TD")
        self.code.setAccessibleName("Code d'inscription")
        self.code.setToolTip(
            "Le code à usage unique donné par l'administrateur du serveur (valable 7 jours)."
        )
        self.start = QPushButton("&Rejoindre")
        self.start.setToolTip("Inscrit le poste et reçoit la structure et ses enregistrements.")
        self.start.clicked.connect(self.run)
        on_enter(self.code, self.run)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Réception des données de la structure")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.message = notice_label("Message")
        form = QFormLayout()
        form.addRow("Serveur :", self.server)
        form.addRow("Code :", self.code)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.start)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def _worker(self) -> "SyncController":
        if self.sync is None:  # the network stack loads only for a join
            from app.ui.sync_controller import SyncController

            self.sync = SyncController(self.workspace.path.parent, self)
            self.sync.join_enrolled.connect(self._enrolled)
            self.sync.join_progress.connect(self._progress)
            self.sync.joined.connect(self._joined)
            self.sync.join_stopped.connect(self._stopped)
            self.sync.reattribution_needed.connect(self._confirm)
        return self.sync

    def run(self) -> None:
        """Enrol (once: a retry after a cut only resumes the reception), then receive the records."""
        if self.busy or self.done:
            return
        self._busy(True)
        if self.enrolled:
            self._worker().request_join()
        else:
            self._worker().request_join(self.server.text(), self.code.text())

    def interrupt(self) -> None:
        """Annuler during the reception: it stops after the page under way ("Reprendre" goes on)."""
        if self.sync is not None:
            self.sync.stop_join()

    def shut_down(self) -> None:
        """The wizard closes: stop a reception under way and end the worker's thread."""
        if self.sync is not None:
            self.sync.stop()
            self.sync = None

    def _enrolled(self, message: str) -> None:
        self.enrolled = True
        show_notice(self.message, message, ok=True)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setValue(done * 100 // max(total, 1))

    def _confirm(self, server_url: str, code: str, question: str) -> None:
        """Records made here under another structure: re-attributed only if the agent says so."""
        answer = QMessageBox.question(self, "Rattacher les enregistrements ?", question)
        if answer == QMessageBox.StandardButton.Yes:
            self._worker().request_join(server_url, code, reattribute=True)
            return
        show_notice(self.message, "Poste non inscrit : rien n'a été modifié.")
        self._busy(False)

    def _stopped(self, resumable: bool, message: str) -> None:
        show_notice(self.message, message)
        if resumable:
            self.start.setText("&Reprendre")
        self._busy(False)

    def _joined(self, received: int) -> None:
        self._busy(False)
        self.done = True
        self.progress.setValue(100)
        structure = self.workspace.workstation.structure
        name = structure.name if structure else ""
        show_notice(
            self.message,
            f"Poste rattaché à « {name} » : {received} enregistrement{'s' if received > 1 else ''} "
            f"reçu{'s' if received > 1 else ''} des autres postes.",
            ok=True,
        )
        self.server.setEnabled(False)
        self.code.setEnabled(False)
        self.start.setEnabled(False)
        self.setCommitPage(True)  # enrolled in the server's structure: no way back to typing another one
        # When the structure brought its agents this page is the last, and a commit page does not hide
        # its own Back button: without this, Back would lead to setting up another structure.
        self.wizard().setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.completeChanged.emit()

    def _busy(self, busy: bool) -> None:
        """While the worker enrols or receives: no second start, no way back; Annuler stops it."""
        self.busy = busy
        self.start.setEnabled(not busy and not self.done)
        self.server.setEnabled(not busy and not self.enrolled)
        self.code.setEnabled(not busy and not self.enrolled)
        wizard = self.wizard()
        wizard.button(QWizard.WizardButton.BackButton).setEnabled(not busy)
        wizard.button(QWizard.WizardButton.CancelButton).setToolTip(
            "Interrompt la réception après la page en cours : ce qui est reçu est gardé, « Reprendre » "
            "continue."
            if busy
            else CANCEL_DESCRIPTION
        )

    def isComplete(self) -> bool:
        return self.done

    def nextId(self) -> int:
        # Agents come with the structure (shared settings); a structure without any makes one here.
        return -1 if self.done and self.workspace.workstation.agents() else self.wizard().page_ids["agents"]  # type: ignore[attr-defined]  # the page's wizard is a SetupWizard


class StructurePage(QWizardPage):
    def __init__(self, structure_list: StructureList | None = None) -> None:
        """`structure_list`: the newest list the workstation has (the shipped one by default)."""
        super().__init__()
        self.structure_list = structure_list or shipped_list()
        self.setTitle("Votre structure France Services")
        self.setSubTitle("Cherchez-la par son nom, sa commune, son code postal ou son matricule.")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Ex. : Valserhône, 01200, Guise…")
        self.search.setAccessibleName("Rechercher une structure")
        self.search.setToolTip(
            "Nom, commune, code postal ou matricule ; puis Tab pour choisir dans la liste."
        )
        self.results = QListWidget()
        self.results.setAccessibleName("Structures trouvées")
        self.results.setAccessibleDescription("Flèches pour choisir votre structure, puis Suivant (Alt+S).")
        self.search.textChanged.connect(self._search)
        self.results.currentItemChanged.connect(lambda *_: self.completeChanged.emit())
        self.manual = QCheckBox("Ma structure n'est pas dans la liste : je la saisis")
        self.manual.setToolTip("Affiche les champs pour saisir la structure à la main.")
        self.manual.toggled.connect(self._toggle_manual)
        self.manual_form = QWidget()
        form = QFormLayout(self.manual_form)
        self.name = QLineEdit()
        self.commune = QLineEdit()
        self.departement = QLineEdit()
        self.departement.setMaxLength(3)
        self.matricule = QLineEdit()
        self.matricule.setPlaceholderText("facultatif")
        for label, widget, description in (
            ("Nom :", self.name, "Le nom de la structure France Services."),
            ("Commune :", self.commune, "La commune où se trouve la structure."),
            ("Département :", self.departement, "Le numéro du département, ex. 01 ou 2A."),
            ("Matricule :", self.matricule, "Facultatif : le matricule donné par l'ANCT."),
        ):
            widget.setAccessibleName(label.rstrip(" :"))
            widget.setToolTip(description)
            widget.textChanged.connect(lambda *_: self.completeChanged.emit())
            form.addRow(label, widget)
        self.manual_form.setVisible(False)
        source = QLabel(f"Source : {self.structure_list.source}.")
        source.setTextFormat(Qt.TextFormat.PlainText)
        source.setObjectName("source")
        source.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(source)
        layout.addWidget(self.manual)
        layout.addWidget(self.manual_form)
        self._search("")

    def _search(self, text: str) -> None:
        self.results.clear()
        for structure in search_structures(text, 200, self.structure_list.open_structures):
            item = QListWidgetItem(structure.describe())
            item.setData(Qt.ItemDataRole.UserRole, structure)
            self.results.addItem(item)
        if self.results.count() and text.strip():
            self.results.setCurrentRow(0)
        self.completeChanged.emit()

    def _toggle_manual(self, manual: bool) -> None:
        typed = " ".join(self.search.text().split())
        if manual and typed and not (self.name.text() or self.commune.text()):
            # What the agent searched for is most likely the structure's name: not to be typed twice.
            self.name.setText(typed)
        self.manual_form.setVisible(manual)
        self.results.setEnabled(not manual)
        self.search.setEnabled(not manual)
        self.completeChanged.emit()

    def structure(self) -> Structure | None:
        if self.manual.isChecked():
            name, commune = self.name.text().strip(), self.commune.text().strip()
            if not (name and commune and self.departement.text().strip()):
                return None
            matricule = self.matricule.text().strip() or f"local-{commune.lower().replace(' ', '-')}"
            return Structure(matricule, name, commune, self.departement.text().strip())
        item = self.results.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def isComplete(self) -> bool:
        return self.structure() is not None


class FormatPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Site fixe ou itinérant")
        self.setSubTitle("Un bus France Services tient des permanences dans plusieurs communes.")
        self.fixed = QRadioButton("Site fixe")
        self.itinerant = QRadioButton(
            "Structure itinérante (bus) : les contacts sont rattachés à l'arrêt du jour"
        )
        self.fixed.setChecked(True)
        self.fixed.setToolTip("La structure reçoit toujours au même endroit.")
        self.itinerant.setToolTip("Un bus : les arrêts se saisissent ci-dessous.")
        self.stops = StopsEditor()
        self.current = QComboBox()
        self.current.setAccessibleName("Arrêt actuel")
        self.current.setToolTip(
            "L'arrêt où le bus se trouve aujourd'hui ; il se change dans la barre d'état."
        )
        self.stops.list.model().rowsInserted.connect(self._refresh_current)
        self.stops.list.model().rowsRemoved.connect(self._refresh_current)
        self.bus = QWidget()
        bus_layout = QVBoxLayout(self.bus)
        bus_layout.addWidget(QLabel("Arrêts (communes) de la tournée :"))
        bus_layout.addWidget(self.stops)
        row = QHBoxLayout()
        row.addWidget(QLabel("Arrêt actuel :"))
        row.addWidget(self.current, 1)
        bus_layout.addLayout(row)
        self.itinerant.toggled.connect(self._toggle)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fixed)
        layout.addWidget(self.itinerant)
        layout.addWidget(self.bus)
        self._toggle(False)

    def initializePage(self) -> None:
        structure = self.wizard().structure_page.structure()  # type: ignore[attr-defined]  # the page's wizard is a SetupWizard
        if structure is not None:
            (self.itinerant if structure.itinerant else self.fixed).setChecked(True)
            if structure.itinerant and not self.stops.stops():
                self.stops.list.addItem(structure.commune)

    def _toggle(self, itinerant: bool) -> None:
        self.bus.setVisible(itinerant)
        self.completeChanged.emit()

    def _refresh_current(self) -> None:
        current = self.current.currentText()
        self.current.clear()
        self.current.addItems(self.stops.stops())
        if current in self.stops.stops():
            self.current.setCurrentText(current)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.fixed.isChecked() or bool(self.stops.stops())

    def nextId(self) -> int:
        # The first start goes on to the agents; "Corriger la structure…" (structure_dialog.py) ends here.
        return self.wizard().page_ids.get("agents", -1)  # type: ignore[attr-defined]  # the page's wizard is a SetupWizard


class AgentsPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Les agents de ce poste")
        self.setSubTitle(
            "Un profil par agent : nom ou initiales, et rôle. Le responsable accède aux synthèses. "
            "Changer d'agent se fait en un clic dans la barre d'état."
        )
        self.name = QLineEdit()
        self.name.setPlaceholderText("Nom ou initiales, ex. : Camille R.")
        self.name.setAccessibleName("Nom de l'agent")
        self.name.setToolTip("Nom ou initiales de l'agent, puis Entrée pour l'ajouter.")
        self.role = QComboBox()
        self.role.setAccessibleName("Rôle")
        self.role.setToolTip("Un responsable accède aussi aux synthèses et aux réglages du portail.")
        for role, label in ROLES.items():
            self.role.addItem(label, role)
        self.role.setCurrentIndex(self.role.findData("responsable"))
        add = QPushButton("Ajouter")
        add.setToolTip("Ajoute l'agent à la liste ci-dessous.")
        add.clicked.connect(self.add_agent)
        on_enter(self.name, self.add_agent)
        self.list = QListWidget()
        self.list.setAccessibleName("Agents ajoutés")
        self.list.setAccessibleDescription("Les agents de ce poste, avec leur rôle.")
        self.list.model().rowsInserted.connect(lambda *_: self.completeChanged.emit())
        self.name.textChanged.connect(lambda *_: self.completeChanged.emit())
        self.error = notice_label("Message d'erreur")
        row = QHBoxLayout()
        row.addWidget(self.name, 1)
        row.addWidget(self.role)
        row.addWidget(add)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.list)
        layout.addWidget(self.error)

    def add_agent(self) -> None:
        name = " ".join(self.name.text().split())
        if not name:
            return
        if any(existing.casefold() == name.casefold() for existing, _ in self.agents()):
            show_notice(self.error, f"Un agent « {name} » est déjà dans la liste.")
            return
        item = QListWidgetItem(f"{name} — {self.role.currentText()}")
        item.setData(Qt.ItemDataRole.UserRole, (name, self.role.currentData()))
        self.list.addItem(item)
        self.name.clear()
        self.role.setCurrentIndex(self.role.findData("agent"))
        show_notice(self.error, "")

    def agents(self) -> list[tuple[str, str]]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def isComplete(self) -> bool:
        return bool(self.agents()) or bool(self.name.text().strip())

    def nextId(self) -> int:
        return -1


def name_buttons(wizard: QWizard, finish: tuple[str, str], cancel_description: str) -> None:
    """French texts and descriptions of a wizard's buttons (the first start, "Corriger la structure…"):
    `finish` is the Finish button's text and description."""
    buttons = QWizard.WizardButton
    for button, text, description in (
        (buttons.NextButton, "&Suivant >", "Passe à l'étape suivante."),
        (buttons.CommitButton, "&Suivant >", "Passe à l'étape suivante."),
        (buttons.BackButton, "< &Précédent", "Revient à l'étape précédente."),
        (buttons.FinishButton, *finish),
        (buttons.CancelButton, "Annuler", cancel_description),
    ):
        wizard.setButtonText(button, text)
        wizard.button(button).setToolTip(description)


class SetupWizard(QWizard):
    """Shown once, on a workstation that is not set up yet; writes everything in one transaction."""

    def __init__(
        self, workstation: Workstation, parent: QWidget | None = None, workspace: Workspace | None = None
    ) -> None:
        """With the `workspace`, the first page also offers to join a structure already enrolled."""
        super().__init__(parent)
        self.workstation = workstation
        self.setWindowTitle("Bureau virtuel — mise en service du poste")
        name_buttons(
            self,
            ("&Terminer", "Enregistre la mise en service et ouvre Bureau virtuel."),
            CANCEL_DESCRIPTION,
        )
        self.mode_page = ModePage() if workspace is not None else None
        self.join_page = JoinPage(workspace) if workspace is not None else None
        self.structure_page = StructurePage(workspace.structure_list if workspace is not None else None)
        self.format_page = FormatPage()
        self.agents_page = AgentsPage()
        self.page_ids: dict[str, int] = {}
        for name, page in (
            ("mode", self.mode_page),
            ("structure", self.structure_page),
            ("format", self.format_page),
            ("join", self.join_page),
            ("agents", self.agents_page),
        ):
            if page is not None:
                self.page_ids[name] = self.addPage(page)
        self.setMinimumSize(720, 520)

    def joined(self) -> bool:
        return self.join_page is not None and self.join_page.done

    def reject(self) -> None:
        """Annuler (or Échap, or closing the window) while the structure's records are coming stops
        the reception and keeps the wizard open; otherwise it quits."""
        if self.join_page is not None and self.join_page.busy:
            self.join_page.interrupt()
            return
        super().reject()

    def done(self, result: int) -> None:
        if self.join_page is not None:
            self.join_page.shut_down()
        super().done(result)

    def accept(self) -> None:
        agents = self.workstation.agents()
        if self.joined() and agents:  # the structure came with its agents: a responsable works first
            if self.workstation.current_agent is None:
                self.workstation.first_agent_after_join()
            super().accept()
            return
        self.agents_page.add_agent()  # a name typed but not yet added counts
        if self.joined():  # the server's structure, its stops as enrolment left them
            structure = self.workstation.structure
            stops, current = self.workstation.stops, self.workstation.current_stop
        else:
            structure = chosen_structure(self.structure_page, self.format_page)
            stops, current = self.format_page.stops.stops(), self.format_page.current.currentText() or None
        if structure is None:
            return
        try:
            self.workstation.set_up(structure, stops, current, self.agents_page.agents())
        except SetupError as error:
            show_notice(self.agents_page.error, str(error))
            return
        super().accept()


def chosen_structure(structure_page: StructurePage, format_page: FormatPage) -> Structure | None:
    """The structure picked (or typed) on the first page, fixed or itinerant as the second says."""
    structure = structure_page.structure()
    if structure is None:
        return None
    return Structure(
        structure.matricule,
        structure.name,
        structure.commune,
        structure.departement,
        format_page.itinerant.isChecked(),
        structure.postal_code,
    )
