"""First start: choose the structure (from the real list or by hand), its format, and the agents."""

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
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.models.structures import Structure, search_structures
from app.models.workstation import ROLES, SetupError, Workstation
from app.ui.enter_key import on_enter
from app.ui.notices import notice_label, show_notice
from app.ui.stops_editor import StopsEditor


class StructurePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.manual)
        layout.addWidget(self.manual_form)
        self._search("")

    def _search(self, text: str) -> None:
        self.results.clear()
        for structure in search_structures(text, limit=200):
            item = QListWidgetItem(structure.describe())
            item.setData(Qt.ItemDataRole.UserRole, structure)
            self.results.addItem(item)
        if self.results.count() and text.strip():
            self.results.setCurrentRow(0)
        self.completeChanged.emit()

    def _toggle_manual(self, manual: bool) -> None:
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
            return Structure(matricule, name, commune, self.departement.text().strip().zfill(2))
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
        structure = self.wizard().structure_page.structure()
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


class SetupWizard(QWizard):
    """Shown once, on a workstation that is not set up yet; writes everything in one transaction."""

    def __init__(self, workstation: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workstation = workstation
        self.setWindowTitle("Bureau virtuel — mise en service du poste")
        buttons = QWizard.WizardButton
        for button, text, description in (
            (buttons.NextButton, "&Suivant >", "Passe à l'étape suivante."),
            (buttons.BackButton, "< &Précédent", "Revient à l'étape précédente."),
            (buttons.FinishButton, "&Terminer", "Enregistre la mise en service et ouvre Bureau virtuel."),
            (buttons.CancelButton, "Annuler", "Quitte sans rien enregistrer."),
        ):
            self.setButtonText(button, text)
            self.button(button).setToolTip(description)
        self.structure_page = StructurePage()
        self.format_page = FormatPage()
        self.agents_page = AgentsPage()
        for page in (self.structure_page, self.format_page, self.agents_page):
            self.addPage(page)
        self.setMinimumSize(720, 520)

    def accept(self) -> None:
        self.agents_page.add_agent()  # a name typed but not yet added counts
        structure = chosen_structure(self.structure_page, self.format_page)
        if structure is None:
            return
        try:
            self.workstation.set_up(
                structure,
                self.format_page.stops.stops(),
                self.format_page.current.currentText() or None,
                self.agents_page.agents(),
            )
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
