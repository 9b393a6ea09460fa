"""Qt's own words and dates in French whatever the system's language (issue 17, point 7)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What an agent sees of Qt itself: the date picker of the contact form and a file dialog.
PROBE = """
from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import QCalendarWidget, QFileDialog, QToolButton
from app.ui.application import make_application

app = make_application()
calendar = QCalendarWidget()
calendar.setSelectedDate(QDate(2026, 11, 16))
month = [b.text() for b in calendar.findChildren(QToolButton) if b.objectName() == "qt_calendar_monthbutton"]
grid = calendar.findChild(object, "qt_calendar_calendarview").model()  # row 0: the days' names
days = [grid.data(grid.index(0, column)) for column in range(1, 8)]  # column 0: the week numbers
print("month", *month)
print("days", *days)
print("look", QCoreApplication.translate("QFileDialog", "Look in:"))
print("type", QCoreApplication.translate("QFileDialog", "Files of type:"))
"""


def test_the_date_picker_and_the_file_dialogs_speak_french_under_an_english_system(tmp_path) -> None:
    english = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "LANGUAGE": "en"}
    english["QT_QPA_PLATFORM"] = "offscreen"
    shown = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=english, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    lines = dict(line.split(" ", 1) for line in shown.stdout.splitlines())
    assert lines["month"] == "novembre"
    assert lines["days"].split() == ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
    assert lines["look"] == "Voir dans\xa0:"
    assert lines["type"].startswith("Fichiers de type")
