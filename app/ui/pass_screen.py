"""Pass numérique: the stock at a glance, the ledger, the qualified places, and the actions.

Any agent assesses and hands out; receiving booklets, cancelling or returning cheques, the alert
threshold and the directory of places are the responsable's.
"""

import itertools
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.pass_numerique import EVENT_LABELS, BookletStock, compact_numbers, euros
from app.models.permissions import Rule
from app.models.workspace import Workspace
from app.ui.places_panel import PlacesPanel
from app.ui.refused_pass_dialog import describe
from app.ui.tables import Tabs, height_in_lines, name_tabs, read_only_table

# The remark column says it in words ("⚠ Expire dans…", "⚠ Périmé…"): the colour only repeats it.
WARNING_BACKGROUND = QColor("#fff4d6")
EXPIRED_BACKGROUND = QColor("#ffe9e9")
ROW_TEXT = QColor("#161616")  # dark on those light backgrounds, whatever the system's palette


def _remark(booklet: BookletStock, today: date) -> str:
    if booklet.available == 0:
        return "Épuisé"
    if booklet.expired(today):
        return "⚠ Périmé : annulez les chèques restants"
    if booklet.expires_soon(today):
        days = (booklet.valid_until - today).days
        return f"⚠ Expire dans {days} jour{'s' if days > 1 else ''}"
    return ""


class PassScreen(QWidget):
    changed = Signal()
    contact_requested = Signal(dict)  # prefill for the contact that follows a handing out

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        title = QLabel("Pass numérique")
        title.setObjectName("screenTitle")
        self.stock_figure = QLabel()
        self.stock_figure.setObjectName("figure")
        self.stock_figure.setAccessibleName("Chèques disponibles")
        self.alerts = QLabel()
        self.alerts.setObjectName("warning")
        self.alerts.setWordWrap(True)
        self.alerts.setAccessibleName("Alertes du stock")
        self.assess_button = QPushButton("É&valuer l'autonomie…")
        self.assess_button.setObjectName("primary")
        self.entry_field = self.assess_button  # after Ctrl+4, Entrée starts the usual assessment
        self.assess_button.setToolTip(
            "Dix questions sur les usages numériques de la personne, puis son niveau et quoi lui proposer (Alt+V)."
        )
        self.assess_button.clicked.connect(self.open_assessment)
        self.issue_button = QPushButton("Remettre des &chèques…")
        self.issue_button.setToolTip("Remettre des chèques à une personne et imprimer son reçu (Alt+C).")
        self.issue_button.clicked.connect(lambda: self.open_issuance())
        self.receive_button = QPushButton("Recevoir un ca&rnet…")
        self.receive_button.setToolTip("Faire entrer un nouveau carnet dans le stock (responsable, Alt+R).")
        self.receive_button.clicked.connect(self.open_reception)
        self.cancel_button = QPushButton("Ann&uler des chèques…")
        self.cancel_button.setToolTip(
            "Sortir du stock des chèques perdus, abîmés, volés ou périmés (responsable, Alt+U)."
        )
        self.cancel_button.clicked.connect(lambda: self.open_movement("annule"))
        self.return_button = QPushButton("Remettre en s&tock…")
        self.return_button.setToolTip(
            "Faire revenir en stock des chèques remis par erreur ou rapportés (responsable, Alt+T)."
        )
        self.return_button.clicked.connect(lambda: self.open_movement("retour"))
        self.threshold = QSpinBox()
        self.threshold.setRange(0, 10_000)
        self.threshold.setSuffix(" chèques")
        self.threshold.setAccessibleName("Seuil d'alerte du stock")
        self.threshold.setToolTip("Une alerte s'affiche quand le stock utilisable passe sous ce seuil.")
        self.threshold.editingFinished.connect(self._threshold_edited)
        self.refused = QLabel()
        self.refused.setObjectName("warning")
        self.refused.setWordWrap(True)
        self.refused.setAccessibleName("Mouvements refusés par le serveur")
        self.resolve_button = QPushButton("Ré&gulariser un mouvement refusé…")
        self.resolve_button.setToolTip(
            "Un chèque a été remis, annulé ou remis en stock sur un autre poste avant celui-ci (responsable, Alt+G)."
        )
        self.resolve_button.clicked.connect(self.open_resolution)
        self.notice = QLabel()
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)

        self.stock = read_only_table(
            "Stock par carnet",
            [
                "Financeur",
                "Carnet",
                "En stock",
                "Remarque",  # beside the count, not past the right edge at a large font
                "Remis",
                "Annulés",
                "Valeur du chèque",
                "Valable jusqu'au",
            ],
            "Chaque carnet reçu : chèques en stock, remis, annulés, validité ; la colonne Remarque signale "
            "en toutes lettres un carnet épuisé, bientôt expiré ou périmé. Les flèches parcourent les lignes.",
        )
        self.ledger = read_only_table(
            "Registre des mouvements",
            ["Date", "Mouvement", "Financeur", "Carnet", "Chèques", "Nombre", "Valeur", "Motif", "Agent"],
            "Chaque réception, remise, annulation ou retour de chèques, du plus récent au plus ancien.",
        )
        self.places = PlacesPanel(workspace)
        self.places.changed.connect(self.changed)
        self.tabs = Tabs()
        self.tabs.addTab(self.stock, "Stock par carnet")
        self.tabs.addTab(self.ledger, "Registre")
        self.tabs.addTab(self.places, "Lieux qualifiés")
        name_tabs(
            self.tabs,
            "Stock, registre et lieux qualifiés",
            "Le stock par carnet, le registre des mouvements et l'annuaire des lieux qualifiés.",
        )

        header = QHBoxLayout()
        figure = QVBoxLayout()
        figure.addWidget(self.stock_figure)
        caption = QLabel("chèques utilisables en stock")
        caption.setObjectName("caption")
        figure.addWidget(caption)
        # The threshold under the figure it watches (in the row of buttons, it widened the screen
        # past a laptop's width at a large font).
        threshold_row = QHBoxLayout()
        threshold_caption = QLabel("Seuil d'a&lerte :")
        threshold_caption.setBuddy(self.threshold)
        threshold_row.addWidget(threshold_caption)
        threshold_row.addWidget(self.threshold)
        threshold_row.addStretch(1)
        figure.addLayout(threshold_row)
        header.addLayout(figure)
        header.addWidget(self.alerts, 1)
        agent_actions = QHBoxLayout()
        agent_actions.addWidget(self.assess_button)
        agent_actions.addWidget(self.issue_button)
        agent_actions.addStretch(1)
        manager_actions = QHBoxLayout()
        for widget in (self.receive_button, self.cancel_button, self.return_button, self.resolve_button):
            manager_actions.addWidget(widget)
        manager_actions.addStretch(1)
        # At a large font the screen scrolls as a whole rather than squeezing the tables to a row
        # (Tab scrolls to the control it reaches).
        height_in_lines(self.tabs, minimum=12)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(title)
        layout.addLayout(header)
        layout.addLayout(agent_actions)
        layout.addLayout(manager_actions)
        layout.addWidget(self.refused)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        chain = (
            self.threshold,
            self.assess_button,
            self.issue_button,
            self.receive_button,
            self.cancel_button,
            self.return_button,
            self.resolve_button,
            self.tabs.tabBar(),
        )
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def refresh(self) -> None:
        today = date.today()
        passes = self.workspace.passes
        summary = passes.summary(today)
        self.stock_figure.setText(f"{summary.available}  ({euros(summary.value_cents)})")
        alerts = []
        if summary.low:
            alerts.append(
                f"⚠ Stock bas : {summary.available} chèque{'s' if summary.available > 1 else ''}, "
                f"sous le seuil de {summary.threshold}. Demandez un nouveau carnet à votre financeur."
            )
        if summary.expiring:
            alerts.append(
                f"⚠ {summary.expiring} chèque{'s' if summary.expiring > 1 else ''} expire"
                f"{'nt' if summary.expiring > 1 else ''} d'ici 30 jours : ils sont proposés en premier."
            )
        if summary.expired:
            alerts.append(
                f"⚠ {summary.expired} chèque{'s' if summary.expired > 1 else ''} périmé"
                f"{'s' if summary.expired > 1 else ''} encore en stock : annulez-les (motif « Périmé »)."
            )
        self.alerts.setText("\n".join(alerts))
        self.alerts.setVisible(bool(alerts))
        why_not = self.workspace.workstation.refusal(Rule.PASS_STOCK)
        for widget in (self.receive_button, self.cancel_button, self.return_button, self.threshold):
            widget.setEnabled(why_not is None)
        self.notice.setText(why_not or "")
        refused = passes.refused_moves()
        plural = "s" if len(refused) > 1 else ""
        heading = (
            f"⚠ {len(refused)} mouvement{plural} refusé{plural} par le serveur (chèque déjà utilisé sur un "
            f"autre poste), compté{plural} nulle part : un responsable doit le{plural} régulariser."
        )
        self.refused.setText(
            "\n".join([heading, *(f"• {describe(move)}" for move in refused)]) if refused else ""
        )
        self.refused.setVisible(bool(refused))
        self.resolve_button.setVisible(bool(refused))
        self.resolve_button.setEnabled(self.workspace.workstation.refusal(Rule.PASS_REFUSED) is None)
        self.threshold.blockSignals(True)
        self.threshold.setValue(summary.threshold)
        self.threshold.blockSignals(False)
        self._fill_stock(passes.booklets(), today)
        self._fill_ledger()
        self.places.refresh()

    def _fill_stock(self, booklets: list[BookletStock], today: date) -> None:
        self.stock.setRowCount(len(booklets))
        for row, booklet in enumerate(booklets):
            remark = _remark(booklet, today)
            values = (
                booklet.funder,
                booklet.booklet,
                f"{booklet.available} / {booklet.total}",
                remark,
                str(booklet.handed_out),
                str(booklet.cancelled),
                euros(booklet.value_cents),
                f"{booklet.valid_until:%d/%m/%Y}",
            )
            background = None
            if remark.startswith("⚠"):
                background = EXPIRED_BACKGROUND if booklet.expired(today) else WARNING_BACKGROUND
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if background is not None:
                    cell.setBackground(QBrush(background))
                    cell.setForeground(QBrush(ROW_TEXT))
                if column in (2, 4, 5, 6):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.stock.setItem(row, column, cell)
        self.stock.resizeColumnsToContents()

    def _fill_ledger(self) -> None:
        lines = self.workspace.passes.ledger()
        catalogue = self.workspace.catalogue
        reasons = {**catalogue.pass_cancel_reasons, **catalogue.pass_return_reasons}
        self.ledger.setRowCount(len(lines))
        for row, line in enumerate(lines):
            values = (
                f"{line.occurred_at.astimezone():%d/%m/%Y %H:%M}",
                EVENT_LABELS[line.event],
                line.funder,
                line.booklet,
                compact_numbers(line.cheques),
                str(len(line.cheques)),
                euros(len(line.cheques) * line.value_cents),
                reasons[line.reason].label if line.reason in reasons else (line.reason or ""),
                line.agent,
            )
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if column in (5, 6):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.ledger.setItem(row, column, cell)
        self.ledger.resizeColumnsToContents()

    def _threshold_edited(self) -> None:
        self.workspace.passes.set_threshold(self.threshold.value())
        self.refresh()

    # --- dialogs ------------------------------------------------------------------------------
    def _after(self, dialog: QDialog) -> None:
        def finished(_code: int) -> None:
            self.refresh()
            self.changed.emit()

        dialog.finished.connect(finished)
        dialog.open()

    def open_reception(self):
        from app.ui.pass_dialogs import ReceiveBookletDialog

        dialog = ReceiveBookletDialog(self.workspace, self)
        self._after(dialog)
        return dialog

    def open_movement(self, event: str):
        from app.ui.pass_dialogs import MovementDialog

        dialog = MovementDialog(self.workspace, event, self)
        self._after(dialog)
        return dialog

    def open_resolution(self):
        """The oldest refused move first; the screen lists the others."""
        from app.ui.refused_pass_dialog import ResolveRefusedDialog

        refused = self.workspace.passes.refused_moves()
        if not refused:
            return None
        dialog = ResolveRefusedDialog(self.workspace, refused[0], self)
        self._after(dialog)
        return dialog

    def open_assessment(self):
        from app.ui.assessment_dialog import AssessmentDialog

        self.workspace.visit.begin()  # a first action for the person, unless a visit is under way
        dialog = AssessmentDialog(self.workspace, self)
        dialog.issue_requested.connect(
            lambda found: self.open_issuance(cheques=found.cheques, level=found.level)
        )
        dialog.open()
        self.assessment_dialog = dialog
        return dialog

    def open_issuance(self, *, cheques: int = 0, level: str | None = None, contact_id: str | None = None):
        from app.ui.issuance_dialog import IssuanceDialog

        dialog = IssuanceDialog(self.workspace, self, cheques=cheques, level=level, contact_id=contact_id)

        def finished(_code: int) -> None:
            self.refresh()
            self.changed.emit()
            if dialog.issuance is not None and contact_id is None:
                self.contact_requested.emit(dialog.contact_prefill())

        dialog.finished.connect(finished)
        dialog.open()
        self.issuance_dialog = dialog
        return dialog
