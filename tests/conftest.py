"""Shared fixtures: a real SQLite file per test, real Qt widgets offscreen, nothing mocked."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # QtWebEngine aborts as root

import pytest

from app.models.structures import Structure
from app.models.workspace import Workspace, open_workspace

ROOT = Path(__file__).resolve().parent.parent
FIXED = Structure("1", "Valserhône", "Valserhône", "01")
BUS = Structure("3", "Thiérache Sambre et Oise", "Guise", "02", itinerant=True)


@pytest.fixture(autouse=True)
def test_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The OS keyring is outside the product: every test, and its subprocesses, get a private one."""
    import keyring

    from tests.keyring_backend import TestKeyring

    monkeypatch.setenv("BUREAU_VIRTUEL_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.TestKeyring")
    previous = keyring.get_keyring()
    backend = TestKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "donnees"


@pytest.fixture
def workspace(data_dir: Path) -> Workspace:
    ws = open_workspace(data_dir)
    yield ws
    ws.close()


@pytest.fixture
def desk(workspace: Workspace) -> Workspace:
    """A fixed France Services with a manager and an agent."""
    workspace.workstation.set_up(FIXED, [], None, [("Camille R.", "responsable"), ("Karim B.", "agent")])
    return workspace


@pytest.fixture
def bus(workspace: Workspace) -> Workspace:
    """An itinerant France Services (a bus) with three stops."""
    workspace.workstation.set_up(
        BUS, ["Guise", "Wassigny", "Étreux"], "Wassigny", [("Julie M.", "responsable")]
    )
    return workspace


def run_cli(*args: str, data_dir: Path, check: bool = False, **kwargs):
    """The real `bureau-virtuel` command in a subprocess."""
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "app", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        **kwargs,
    )
    if check and result.returncode != 0:
        raise AssertionError(result.stderr)
    return result
