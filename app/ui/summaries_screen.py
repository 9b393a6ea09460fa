"""Synthèses: the structure's activity over a month, a quarter or a year, in figures, charts and tables,
and its export in PDF and CSV.

Reporting is the responsable's job (charter § 3.1): every agent may read the figures, only the
responsable exports them. Every number shown comes from the one `summarise` that the PDF and the CSV
render too, computed once per period (a year of a busy desk takes seconds) and again only when records
were added since.

The summary and the exports run in the background (`app.ui.background`): the window stays responsive
and the period controls usable while a year is counted; a result for a period no longer shown is
dropped, and closing the window cuts the work short rather than waiting for it.
"""

from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.pass_numerique import euros
from app.models.permissions import WHY_NOT, Rule
from app.models.workspace import Workspace
from app.reports.numbers import NBSP, change_in_words, duration, number, percent, time_spent
from app.reports.periods import MONTHS, Period
from app.reports.week import WEEKDAYS, week_profile
from app.ui.background import ANSWERS, Background
from app.ui.bar_chart import BarChart
from app.ui.notices import notice_label, show_notice
from app.ui.tables import Tabs, height_in_lines, name_tabs, read_only_table

if TYPE_CHECKING:
    from app.reports.aggregation import Counts, Summary

KINDS = (("Mois", "month"), ("Trimestre", "quarter"), ("Année", "year"))
QUARTERS = ("1er trimestre", "2e trimestre", "3e trimestre", "4e trimestre")
FIRST_YEAR = 2000  # the first year `Period` accepts
TOP = 10  # bars in a chart of many items; the tables below list them all
RECORD_TABLES = ("contacts", "escalations", "pass_ledger", "pass_issuances")


def _percent(part: int, whole: int) -> str:
    return percent(part, whole, thin="\u00a0")


def _contacts(count: int) -> str:
    return f"{number(count)} contact{'s' if count > 1 else ''}"


def _of(period: Period) -> str:
    """ "d'octobre 2026", "de mars 2026", "du 4e trimestre 2026", "de l'année 2026"."""
    if period.kind == "month":
        return ("d'" if period.label[0] in "aeiouyéâ" else "de ") + period.label
    return {"quarter": "du ", "year": "de l'"}[period.kind] + period.label


def _change_in_words(current: int, before: int, period: Period) -> str:
    """ "+12 % par rapport à octobre 2026 (110 contacts)": how the total moved against `period`,
    written as the PDF writes it (`signed_change`: "quasi stable" rather than "+0,0 %") and as the
    web structure page writes it (`change_in_words`)."""
    return change_in_words(current, before, period.compared_to, period.during, thin=NBSP)


def _duration(minutes: float | None) -> str:
    return "—" if minutes is None else duration(minutes)


def _figures_table(name: str, headers: list[str], description: str) -> QTableWidget:
    """Names in the first column, which takes the room; the numbers right after them, not at the far
    right of a wide screen where the eye loses the row."""
    table = read_only_table(name, headers, description)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setWordWrap(False)
    return table


class _Card(QFrame):
    """A headline figure: what it counts, the number in large, and a line or two of detail."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("card")
        heading = QLabel(caption)
        heading.setObjectName("caption")
        heading.setWordWrap(True)  # three cards abreast fit a laptop's width at a large font too
        self.figure = QLabel()
        self.figure.setObjectName("figure")
        self.figure.setAccessibleName(caption)
        self.detail = QLabel()
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName(f"{caption} : détail")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.figure)
        layout.addWidget(self.detail)
        layout.addStretch(1)

    def show_figure(self, figure: str, detail: str) -> None:
        self.figure.setText(figure)
        self.detail.setText(detail)


CALCULATING = "Calcul en cours…"
UNEXPECTED = "Erreur inattendue pendant le calcul de la synthèse (voir le journal). Réessayez plus tard."


class SummariesScreen(QWidget):
    exported = Signal(bool)  # an export ended: written, or not (the notice says why)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.summary: Summary | None = None
        self._computed_on: tuple | None = None  # the records the summary was computed from
        self._computing: tuple | None = None  # what is being counted in the background, if anything
        self._computing_job = 0  # its job number in `background`
        self.exporting = False
        self.background = Background(workspace.path.parent, "summaries", self)
        self._shown = Period.last_full_month(date.today())  # the period the widgets last showed whole
        title = QLabel("Synthèses")
        title.setObjectName("screenTitle")

        self.kind = QComboBox()
        self.entry_field = self.kind  # after Ctrl+5, the period first, not an export
        self.kind.setAccessibleName("Type de période")
        self.kind.setAccessibleDescription("Résumer un mois, un trimestre ou une année.")
        for text, kind in KINDS:
            self.kind.addItem(text, kind)
        self.year = QSpinBox()
        self.year.setRange(FIRST_YEAR, date.today().year)
        self.year.setAccessibleName("Année")
        self.year.setAccessibleDescription("L'année de la période : tapez-la ou changez-la avec les flèches.")
        self.year.setKeyboardTracking(False)  # "2025" typed is one change, not four
        self.number = QComboBox()
        self.number.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # months, then quarters
        self.number.setAccessibleDescription("Le mois ou le trimestre de la période.")
        self.previous_button = QPushButton("◀")
        self.previous_button.setAccessibleName("Période précédente")
        self.previous_button.setToolTip("Période précédente (Alt+Flèche gauche)")
        self.previous_button.setShortcut(QKeySequence("Alt+Left"))
        self.next_button = QPushButton("▶")
        self.next_button.setAccessibleName("Période suivante")
        self.next_button.setToolTip("Période suivante (Alt+Flèche droite)")
        self.next_button.setShortcut(QKeySequence("Alt+Right"))
        self.pdf_button = QPushButton("Exporter en P&DF…")
        self.pdf_button.setAccessibleName("Exporter en PDF")
        self.pdf_button.setToolTip("La synthèse de la période, mise en page pour être imprimée ou envoyée.")
        self.csv_button = QPushButton("Exporter en C&SV…")
        self.csv_button.setAccessibleName("Exporter en CSV")
        self.csv_button.setToolTip(
            "Deux fichiers pour un tableur : les chiffres de la synthèse, et les contacts anonymisés."
        )
        kind_caption = QLabel("&Période :")
        kind_caption.setBuddy(self.kind)
        self.year_caption = QLabel("A&nnée :")
        self.year_caption.setBuddy(self.year)
        self.number_caption = QLabel()
        self.number_caption.setBuddy(self.number)
        period_row = QHBoxLayout()
        for widget in (
            kind_caption,
            self.kind,
            self.number_caption,
            self.number,
            self.year_caption,
            self.year,
            self.previous_button,
            self.next_button,
        ):
            period_row.addWidget(widget)
        period_row.addStretch(1)
        title_row = QHBoxLayout()  # the exports beside the title leave the period row room to breathe
        title_row.addWidget(title)
        title_row.addStretch(1)
        title_row.addWidget(self.pdf_button)
        title_row.addWidget(self.csv_button)

        self.manager_notice = QLabel(WHY_NOT[Rule.EXPORT])
        self.manager_notice.setObjectName("hint")
        self.manager_notice.setWordWrap(True)
        self.export_notice = notice_label("Résultat de l'export")
        self.export_notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setAccessibleName("Structure et période")

        self.total_card = _Card("Contacts")
        self.solved_card = _Card("Résolus sur place")
        self.duration_card = _Card("Durée moyenne d'un contact")
        self.non_recours_card = _Card("Non-recours aux droits détectés")
        self.escalations_card = _Card("Sollicitations des référents partenaires")
        self.pass_card = _Card("Pass numérique")
        cards = QGridLayout()
        for index, card in enumerate(
            (
                self.total_card,
                self.solved_card,
                self.duration_card,
                self.non_recours_card,
                self.escalations_card,
                self.pass_card,
            )
        ):
            cards.addWidget(card, index // 3, index % 3)
        for column in range(3):
            cards.setColumnStretch(column, 1)

        self.partners_chart = BarChart("Par partenaire")
        self.situations_chart = BarChart("Par situation de vie")
        self.channels_chart = BarChart("Par canal")
        self.help_kinds_chart = BarChart("Par type d'aide")
        self.outcomes_chart = BarChart("Par issue")
        self.weekdays_chart = BarChart("Par jour de la semaine")
        self.hours_chart = BarChart("Par heure de la journée")
        self.agents_chart = BarChart("Par agent")
        self.places_chart = BarChart("Par lieu (arrêts du bus)")
        charts = QGridLayout()
        # Partners and situations have long names: a row each; the short lists go two by two.
        for index, chart in enumerate(
            (
                self.partners_chart,
                None,
                self.situations_chart,
                None,
                self.channels_chart,
                self.help_kinds_chart,
                self.outcomes_chart,
                self.agents_chart,
                self.weekdays_chart,
                self.hours_chart,
                self.places_chart,
            )
        ):
            if chart is None:
                continue
            frame = QFrame()
            frame.setObjectName("card")
            frame_layout = QVBoxLayout(frame)
            frame_layout.addWidget(chart)
            frame_layout.addStretch(1)
            wide = chart in (self.partners_chart, self.situations_chart)
            charts.addWidget(frame, index // 2, index % 2, 1, 2 if wide else 1)
        charts.setColumnStretch(0, 1)
        charts.setColumnStretch(1, 1)

        self.tables: dict[str, QTableWidget] = {}
        self.details = Tabs()
        name_tabs(
            self.details,
            "Tableaux détaillés",
            "Les chiffres exacts des graphiques, un tableau par onglet.",
        )
        height_in_lines(self.details, minimum=19)  # was 340 px: some rows, at any font size
        for name, first_column in (
            ("Partenaires", "Partenaire"),
            ("Situations", "Situation de vie"),
            ("Thématiques", "Thématique"),
            ("Agents", "Agent"),
            ("Lieux", "Lieu"),
        ):
            table = _figures_table(
                f"Contacts par {first_column.lower()}",
                [first_column, "Contacts", "Part"],
                f"Pour chaque {first_column.lower()} : le nombre exact de contacts et leur part du total.",
            )
            self.tables[name] = table
            self.details.addTab(table, name)
        self.week_table = _figures_table(
            "Contacts par jour et par heure",
            ["Jour"],
            "Les jours de la semaine en lignes, les heures en colonnes : le nombre de contacts de chacune.",
        )
        self.details.addTab(self.week_table, "Jours et heures")
        self.escalations_table = _figures_table(
            "Sollicitations par partenaire",
            ["Partenaire", "Sollicitations envoyées"],
            "Pour chaque partenaire : le nombre de sollicitations de ses référents envoyées sur la période.",
        )
        self.details.addTab(self.escalations_table, "Sollicitations")

        content = QWidget()
        content.setObjectName("summaryContent")
        body = QVBoxLayout(content)
        body.addWidget(self.subtitle)
        body.addLayout(cards)
        charts_title = QLabel("En un coup d'œil")
        charts_title.setObjectName("sectionTitle")
        body.addWidget(charts_title)
        body.addLayout(charts)
        tables_title = QLabel("Chiffres exacts")
        tables_title.setObjectName("sectionTitle")
        body.addWidget(tables_title)
        body.addWidget(self.details)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        scroll.setAccessibleName("Synthèse de la période")
        scroll.setAccessibleDescription(
            "Les chiffres clés, les graphiques et les tableaux de la période ; Tab mène aux tableaux détaillés."
        )

        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addLayout(period_row)
        layout.addWidget(self.manager_notice)
        layout.addWidget(self.export_notice)
        layout.addWidget(scroll, 1)

        self._set_widgets(self._shown)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.number.currentIndexChanged.connect(self._period_chosen)
        self.year.valueChanged.connect(self._period_chosen)
        self.previous_button.clicked.connect(lambda: self.set_period(self.period.previous()))
        self.next_button.clicked.connect(lambda: self.set_period(self.period.next()))
        self.pdf_button.clicked.connect(self._choose_pdf)
        self.csv_button.clicked.connect(self._choose_csv)

    # --- the period ---------------------------------------------------------------------------
    @property
    def period(self) -> Period:
        """The period the widgets show."""
        kind = self.kind.currentData()
        return Period(kind, self.year.value(), self.number.currentIndex() + 1 if kind != "year" else 0)

    def set_period(self, period: Period) -> None:
        """Show `period`, or the latest one that has begun if it lies in the future."""
        self.export_notice.hide()  # it told of another period's files
        self._set_widgets(period)
        self._show_period()

    def _set_widgets(self, period: Period) -> None:
        today = date.today()
        while period.start > today:
            period = period.previous()
        for widget in (self.kind, self.year, self.number):
            widget.blockSignals(True)
        self.kind.setCurrentIndex(self.kind.findData(period.kind))
        self.year.setValue(period.year)
        self.number.clear()
        if period.kind == "month":
            self.number.addItems([month.capitalize() for month in MONTHS])
            self.number_caption.setText("&Mois :")
            self.number.setAccessibleName("Mois")
        elif period.kind == "quarter":
            self.number.addItems(QUARTERS)
            self.number_caption.setText("&Trimestre :")
            self.number.setAccessibleName("Trimestre")
        self.number.setCurrentIndex(period.number - 1)
        self.number.setVisible(period.kind != "year")
        self.number_caption.setVisible(period.kind != "year")
        for widget in (self.kind, self.year, self.number):
            widget.blockSignals(False)
        self._shown = period
        self.previous_button.setEnabled(period.previous().year >= FIRST_YEAR)
        self.next_button.setEnabled(period.end <= today)

    def _kind_changed(self) -> None:
        """Another kind of period: the one holding the last day of what was shown (November → Q4)."""
        self.set_period(Period.containing(self.kind.currentData(), self._shown.last_day))

    def _period_chosen(self) -> None:
        self.set_period(self.period)

    # --- reading the records ------------------------------------------------------------------
    @property
    def manager(self) -> bool:
        return self.workspace.workstation.refusal(Rule.EXPORT) is None

    def refresh(self) -> None:
        """Called when the screen is shown after a change: who may export, and the figures if
        records were added since they were counted."""
        manager = self.manager
        self.manager_notice.setVisible(not manager)
        self._show_period()

    @property
    def calculating(self) -> bool:
        return self._computing is not None

    def _enable_exports(self) -> None:
        """Exports write the summary on screen: not while another is being counted or written."""
        ready = self.manager and not self.calculating and not self.exporting
        self.pdf_button.setEnabled(ready)
        self.csv_button.setEnabled(ready)

    def _records_state(self) -> tuple:
        """Records are only ever added (a correction or a removal supersedes the old one), so the
        largest rowid of each table tells whether anything changed; and the hour, because an
        escalation becomes late as time passes."""
        db = self.workspace.db
        last = tuple(db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] for table in RECORD_TABLES)
        return (*last, f"{datetime.now():%Y-%m-%d %H}")

    def _show_period(self) -> None:
        """Count the period shown in the background, unless its figures are on screen or coming."""
        from app.reports.aggregation import summarise

        period = self.period
        state = (period, self._records_state())
        if state == self._computing:
            return
        if self._computing is not None:  # another period was asked for meanwhile: that one is dropped
            self.background.cancel(self._computing_job)
            self._computing = None
        if state == self._computed_on:  # back to the figures on screen
            if self.summary is not None:
                self._fill(self.summary)  # its subtitle again, not « Calcul en cours… »
            self._enable_exports()
            return
        self._computing = state
        self.subtitle.setText(f"<b>{period.label[:1].upper()}{period.label[1:]}</b> · {CALCULATING}")
        self._enable_exports()
        self._computing_job = self.background.submit(
            lambda workspace: summarise(workspace, period),
            lambda summary: self._summarised(state, summary),
            lambda error: self._not_summarised(state, error),
        )

    def _summarised(self, state: tuple, summary: "Summary") -> None:
        if state != self._computing:  # cancelled, but it had started: dropped all the same
            return
        self._computing = None
        self.summary, self._computed_on = summary, state
        self._fill(summary)
        self._enable_exports()

    def _not_summarised(self, state: tuple, error: Exception) -> None:
        if state != self._computing:
            return
        self._computing = None
        self.summary = None  # a workstation not set up has no structure to sum up (SetupError)
        self.subtitle.setText(str(error) if isinstance(error, ANSWERS) else UNEXPECTED)
        self._enable_exports()

    def stop_background(self) -> None:
        """The window closes: cut the work under way short, do not wait for it."""
        self.background.stop()

    # --- showing the summary ------------------------------------------------------------------
    def _fill(self, summary: "Summary") -> None:
        catalogue = self.workspace.catalogue
        period = summary.period
        generated = summary.generated_at.astimezone()
        self.subtitle.setText(
            f"<b>{period.label[:1].upper()}{period.label[1:]}</b>"
            + (" (période en cours)" if summary.ongoing else "")
            + f" · {escape(summary.structure)}<br>Chiffres calculés le {generated:%d/%m/%Y à %H:%M}."
        )
        total = summary.total
        changes = [_change_in_words(total, summary.previous_total, period.previous())]
        if period.year_before() != period.previous():  # for a year, both are the year before
            changes.append(_change_in_words(total, summary.year_before_total, period.year_before()))
        self.total_card.show_figure(number(total), "\n".join(f"• {change}" for change in changes))
        solved = summary.solved_on_the_spot
        self.solved_card.show_figure(
            _percent(solved, total), f"{_contacts(solved)} sur {number(total)}" if total else "aucun contact"
        )
        self.duration_card.show_figure(
            _duration(summary.average_minutes),
            f"{time_spent(summary.total_minutes)} passées avec le public en tout" if total else "",
        )
        self.non_recours_card.show_figure(
            number(summary.non_recours),
            f"soit {_percent(summary.non_recours, total)} des contacts" if total else "",
        )
        late = summary.escalations_late
        self.escalations_card.show_figure(
            number(summary.escalations_sent),
            f"envoyée{'s' if summary.escalations_sent > 1 else ''} · "
            f"{number(summary.escalations_answered)} répondue{'s' if summary.escalations_answered > 1 else ''}"
            f" · {'⚠ ' if late else ''}{number(late)} en retard (72 h ouvrées, puis 15 jours ouvrés)",
        )
        handed = summary.pass_cheques_handed_out
        self.pass_card.show_figure(
            f"{number(handed)} chèque{'s' if handed > 1 else ''}",
            f"remis ({euros(summary.pass_value_handed_out_cents)}) · stock restant au "
            f"{summary.counted_to:%d/%m/%Y} : "
            f"{number(summary.pass_stock_left)} chèque{'s' if summary.pass_stock_left > 1 else ''}",
        )

        def labels(kind: str, counts: "Counts") -> list[tuple[str, int]]:
            return [(catalogue.label(kind, key), count) for key, count in counts.items()]

        partners = labels("partners", summary.by_partner)
        situations = labels("situations", summary.by_situation)
        themes = [
            (catalogue.label("themes", key) if key else "Sans thème", count)
            for key, count in summary.by_theme.items()
        ]
        channels = labels("channels", summary.by_channel)
        help_kinds = labels("help_kinds", summary.by_help_kind)
        outcomes = labels("outcomes", summary.by_outcome)
        agents = [(key or "Non renseigné", count) for key, count in summary.by_agent.items()]
        places = [(key or "Non renseigné", count) for key, count in summary.by_place.items()]
        self._chart(
            self.partners_chart, partners, total, ["Un contact peut concerner plusieurs partenaires."]
        )
        self._chart(self.situations_chart, situations, total)
        self._chart(self.channels_chart, channels, total)
        self._chart(self.help_kinds_chart, help_kinds, total)
        self._chart(self.outcomes_chart, outcomes, total)
        self._chart(self.agents_chart, agents, total)
        self._chart(self.places_chart, places, total)
        itinerant = bool(
            self.workspace.workstation.structure and self.workspace.workstation.structure.itinerant
        )
        self.places_chart.parentWidget().setVisible(itinerant or len(places) > 1)  # type: ignore[union-attr]  # the chart's frame
        weekdays, hours = self._week(summary)
        self._chart(self.weekdays_chart, weekdays, total)
        self._chart(self.hours_chart, hours, total)

        for name, rows in (
            ("Partenaires", partners),
            ("Situations", situations),
            ("Thématiques", themes),
            ("Agents", agents),
            ("Lieux", places),
        ):
            self._table(self.tables[name], [(label, number(n), _percent(n, total)) for label, n in rows])
        escalations = labels("partners", summary.escalations_by_partner)
        self._table(self.escalations_table, [(label, number(n)) for label, n in escalations])
        self._fill_week_table(summary)

    @staticmethod
    def _week(summary: "Summary") -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Contacts by weekday and by hour, as `app.reports.week` shows them."""
        week = week_profile(summary.by_weekday_hour)
        if week is None:
            return [], []
        days = [(WEEKDAYS[day].capitalize(), week.per_day[day]) for day in week.days]
        hours = [(f"{hour} h – {hour + 1} h", week.per_hour[hour]) for hour in week.hours]
        return days, hours

    @staticmethod
    def _chart(
        chart: BarChart, rows: list[tuple[str, int]], total: int, notes: list[str] | None = None
    ) -> None:
        shown = rows[:TOP] if len(rows) > TOP + 1 else rows  # "… et 1 autre" would hide one bar for nothing
        hidden = len(rows) - len(shown)
        more = [f"… et {hidden} autre{'s' if hidden > 1 else ''} : voir les chiffres exacts ci-dessous."]
        values = [f"{number(n)}  ({_percent(n, total)})" for _, n in shown]
        chart.set_bars(shown, values, (notes or []) + (more if hidden else []))

    @staticmethod
    def _table(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
        table.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if column:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, cell)

    def _fill_week_table(self, summary: "Summary") -> None:
        """Weekdays down, hours across: where the exact numbers of the two charts come from."""
        week = week_profile(summary.by_weekday_hour)
        days, hours = (week.days, week.hours) if week else ([], [])
        cells = week.cells if week else {}
        table = self.week_table
        table.setColumnCount(len(hours) + 2)
        table.setHorizontalHeaderLabels(["Jour", *(f"{hour} h" for hour in hours), "Total"])
        rows = [
            (
                WEEKDAYS[day].capitalize(),
                *(number(cells.get((day, hour), 0)) for hour in hours),
                number(week.per_day[day] if week else 0),
            )
            for day in days
        ]
        self._table(table, rows)

    # --- exports ------------------------------------------------------------------------------
    def _may_export(self) -> bool:
        if not self.manager:
            show_notice(
                self.export_notice,
                "Seul le responsable de la structure peut exporter les synthèses.",
                ok=False,
            )
        return self.manager

    def _suggested(self, suffix: str) -> str:
        return str(Path.home() / f"synthese-{self.period.slug}{suffix}")

    def _choose_pdf(self) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self, "Enregistrer la synthèse en PDF", self._suggested(".pdf"), "PDF (*.pdf)"
        )
        if target:
            self.export_pdf(Path(target))

    def _choose_csv(self) -> None:
        target, _ = QFileDialog.getSaveFileName(
            self,
            "Enregistrer la synthèse en CSV (un second fichier, les contacts, est écrit à côté)",
            self._suggested(".csv"),
            "CSV (*.csv)",
        )
        if target:
            self.export_csv(Path(target))

    def _start_export(self) -> "Summary | None":
        """The summary on screen, if it may be exported now; the buttons wait until it is written."""
        if not self._may_export() or self.summary is None or self.calculating or self.exporting:
            return None
        self.exporting = True
        self._enable_exports()
        return self.summary

    def _export_ended(self, notice: str, ok: bool) -> None:
        self.exporting = False
        self._enable_exports()
        show_notice(self.export_notice, notice, ok=ok)
        self.exported.emit(ok)

    def export_pdf(self, path: Path) -> Path | None:
        """Write the summary on screen as a PDF at `path` in the background (`exported` says when);
        the path it goes to, or None if refused."""
        summary = self._start_export()
        if summary is None:
            return None
        from app.reports.summary_pdf import write_summary_pdf

        path = path if path.suffix.lower() == ".pdf" else path.with_name(f"{path.name}.pdf")

        def written(written: Path) -> None:
            self._export_ended(f"Synthèse {_of(summary.period)} enregistrée en PDF : {written}", True)

        def failed(error: Exception) -> None:
            if isinstance(error, OSError):
                self._export_ended(
                    f"Le PDF n'a pas pu être enregistré dans {path.parent} : {error.strerror or error}.",
                    False,
                )
            else:
                self._export_ended("Erreur inattendue pendant l'export en PDF (voir le journal).", False)

        self.background.submit(
            lambda workspace: write_summary_pdf(summary, workspace.catalogue, path, self.background.stopping),
            written,
            failed,
        )
        return path

    def export_csv(self, path: Path) -> list[Path] | None:
        """Write the summary's figures at `path` and the anonymised contacts of the period beside it
        (`<stem>-contacts.csv`) in the background (`exported` says when); the two paths, or None if
        refused."""
        summary = self._start_export()
        if summary is None:
            return None
        from app.reports.summary_csv import write_contacts_csv, write_summary_csv

        path = path if path.suffix.lower() == ".csv" else path.with_name(f"{path.name}.csv")
        contacts_path = path.with_name(f"{path.stem}-contacts.csv")

        def write(workspace: Workspace) -> tuple[Path, int]:
            written = write_summary_csv(summary, workspace.catalogue, path)
            return written, write_contacts_csv(workspace, summary.period, contacts_path)

        def written(result: tuple[Path, int]) -> None:
            written, rows = result
            self._export_ended(
                f"Deux fichiers enregistrés dans {written.parent} : « {written.name} », les chiffres de la "
                f"synthèse {_of(summary.period)}, et « {contacts_path.name} », "
                f"{_contacts(rows)} anonymisé{'s' if rows > 1 else ''}, un par ligne.",
                True,
            )

        def failed(error: Exception) -> None:
            if isinstance(error, OSError):
                self._export_ended(
                    f"Les fichiers CSV n'ont pas pu être enregistrés dans {path.parent} : "
                    f"{error.strerror or error}.",
                    False,
                )
            else:
                self._export_ended("Erreur inattendue pendant l'export en CSV (voir le journal).", False)

        self.background.submit(write, written, failed)
        return [path, contacts_path]
