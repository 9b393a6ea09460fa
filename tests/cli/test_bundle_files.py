"""The installers' files (installers/): desktop entry, AppStream metadata, icons, the Linux launcher that
checks the system libraries, the install script and the Windows script's references.

Parsed in Python; `desktop-file-validate` and `appstreamcli` also run when the machine has them. The
bundle itself is built and self-tested by installers/build-linux.sh (.ci/run)."""

import configparser
import os
import re
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT

APP_ID = "fr.france-services.BureauVirtuel"
LINUX = ROOT / "installers" / "linux"
ICONS = ROOT / "resources" / "icons"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# What bureau-virtuel.sh looks for in the linker cache: every library the bundle leaves to the system.
SYSTEM_LIBRARIES = (
    "libEGL.so.1",
    "libGL.so.1",
    "libxcb.so.1",
    "libdrm.so.2",
    "libgbm.so.1",
    "libwayland-client.so.0",
    "libwayland-server.so.0",
)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return parser["Desktop Entry"]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def test_desktop_entry_launches_the_command_with_the_icon() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Bureau virtuel"
    assert entry["Comment"] and entry["GenericName"]
    assert entry["Exec"].split()[0] == entry["TryExec"] == "bureau-virtuel"
    assert "bureau-virtuel" in PROJECT["scripts"]  # the same command as a pip install
    assert entry["Terminal"] == "false"
    assert entry["Icon"] == APP_ID
    assert entry["Categories"].endswith(";") and "Office" in entry["Categories"].split(";")
    assert entry["Keywords"].endswith(";") and "France Services" in entry["Keywords"].split(";")
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_appstream_metadata_names_the_desktop_entry_icon_and_release() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.tag == "component" and component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("metadata_license") == "CC0-1.0"
    assert component.findtext("project_license") == PROJECT["license"] == "EUPL-1.2"
    assert component.findtext("name") == desktop_entry()["Name"]
    assert component.findtext("summary")
    assert len(component.findall("description/p")) >= 1 and len(component.findall("description/ul/li")) >= 3
    launchable = component.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert (LINUX / launchable.text).is_file()
    icon = component.find("icon")
    assert icon is not None and icon.get("type") == "stock" and icon.text == desktop_entry()["Icon"]
    assert component.find("content_rating").get("type") == "oars-1.1"
    assert component.findtext("provides/binary") == "bureau-virtuel"
    releases = component.findall("releases/release")
    assert releases and releases[0].get("version") == PROJECT["version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", releases[0].get("date"))
    if shutil.which("appstreamcli"):
        result = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_icons_exist_at_every_hicolor_size_and_in_the_windows_ico() -> None:
    svg = ET.parse(ICONS / f"{APP_ID}.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 256 256"
    for size in HICOLOR_SIZES:
        assert png_size(ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png") == (size, size)
    ico = (ICONS / f"{APP_ID}.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = {(ico[6 + 16 * i] or 256, ico[7 + 16 * i] or 256) for i in range(count)}  # 0 means 256
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= sizes


def fake_bundle(folder: Path, cache: list[str]) -> dict[str, str]:
    """The launcher beside a stand-in program that prints its arguments, and an `ldconfig` on PATH
    whose cache lists `cache`; returns the environment to run it with."""
    folder.mkdir()
    shutil.copy2(LINUX / "bureau-virtuel.sh", folder / "bureau-virtuel.sh")
    program = folder / "bureau-virtuel"
    program.write_text('#!/bin/sh\necho "lancé : $*"\nexit 7\n', encoding="utf-8")
    program.chmod(0o755)
    tools = folder.parent / "outils"
    tools.mkdir(exist_ok=True)
    lines = "".join(
        f"\\t{name} (libc6,x86-64) => /lib/x86_64-linux-gnu/{name}\\n" for name in cache
    )  # as `ldconfig -p` prints them
    ldconfig = tools / "ldconfig"
    ldconfig.write_text(f'#!/bin/sh\nprintf "{len(cache)} libs found in cache\\n{lines}"\n', encoding="utf-8")
    ldconfig.chmod(0o755)
    return {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}", "BUREAU_VIRTUEL_SKIP_CHECK": "0"}


def test_the_launcher_starts_the_program_when_the_system_has_the_libraries(tmp_path: Path) -> None:
    env = fake_bundle(tmp_path / "bundle", list(SYSTEM_LIBRARIES))
    result = subprocess.run(
        [str(tmp_path / "bundle" / "bureau-virtuel.sh"), "--self-test", "--data-dir", "/tmp/x y"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 7, result.stderr  # the program's own status
    assert result.stdout == "lancé : --self-test --data-dir /tmp/x y\n"


def test_the_launcher_names_the_missing_packages_in_french(tmp_path: Path) -> None:
    present = [name for name in SYSTEM_LIBRARIES if name not in ("libEGL.so.1", "libgbm.so.1")]
    env = fake_bundle(tmp_path / "bundle", present)
    launcher = str(tmp_path / "bundle" / "bureau-virtuel.sh")
    result = subprocess.run([launcher, "--self-test"], capture_output=True, text=True, env=env)
    assert result.returncode == 127
    assert result.stdout == ""  # the program did not start
    assert "ne peut pas démarrer" in result.stderr
    assert "sudo apt-get install libegl1 libgbm1\n" in result.stderr
    skipped = subprocess.run(
        [launcher], capture_output=True, text=True, env={**env, "BUREAU_VIRTUEL_SKIP_CHECK": "1"}
    )
    assert skipped.returncode == 7 and skipped.stdout == "lancé : \n"


def test_the_readme_in_the_bundle_asks_for_every_package_the_launcher_checks() -> None:
    readme = (LINUX / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert readme.startswith(f"Bureau virtuel {PROJECT['version']} ")
    command = next(line for line in readme.splitlines() if "apt-get install" in line).split()
    launcher = (LINUX / "bureau-virtuel.sh").read_text(encoding="utf-8")
    checked = re.findall(r"(lib[\w.-]+\.so\.\d+):([\w.-]+)", launcher)
    assert [library for library, _ in checked] == list(SYSTEM_LIBRARIES)
    for _, package in [*checked, ("fonts", "fonts-dejavu-core")]:
        assert package in command
        assert package in launcher


@pytest.mark.parametrize("prefix_name", ["local", "avec espace"])
def test_install_script_installs_the_menu_entry_and_uninstalls_it(tmp_path: Path, prefix_name: str) -> None:
    bundle = tmp_path / "bureau-virtuel"
    env = fake_bundle(bundle, list(SYSTEM_LIBRARIES))
    for name in ("install.sh", DESKTOP.name, METAINFO.name):
        shutil.copy2(LINUX / name, bundle / name)
    shutil.copytree(ICONS, bundle / "_internal" / "resources" / "icons")
    prefix = tmp_path / prefix_name
    installed = subprocess.run(
        ["sh", str(bundle / "install.sh"), "--prefix", str(prefix)], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    app = prefix / "lib" / "bureau-virtuel"
    assert (app / "_internal" / "resources" / "icons" / f"{APP_ID}.svg").is_file()
    assert (prefix / "bin" / "bureau-virtuel").resolve() == (app / "bureau-virtuel.sh").resolve()
    installed_entry = prefix / "share" / "applications" / DESKTOP.name
    entry = installed_entry.read_text(encoding="utf-8")
    launcher = f"{app}/bureau-virtuel.sh"
    exec_value = f'"{launcher}"' if " " in launcher else launcher  # quoted, as the specification says
    assert f"\nExec={exec_value}\n" in entry and f"\nTryExec={launcher}\n" in entry
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(installed_entry)], capture_output=True, text=True
        )
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    assert (prefix / "share" / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    icons = prefix / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in HICOLOR_SIZES:
        assert png_size(icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png") == (size, size)
    ran = subprocess.run(
        [str(prefix / "bin" / "bureau-virtuel"), "--help"], capture_output=True, text=True, env=env
    )
    assert ran.stdout == "lancé : --help\n"  # through the launcher, found from the symlink

    data = tmp_path / "donnees-gardees"
    data.mkdir()
    removed = subprocess.run(
        ["sh", str(app / "install.sh"), "--uninstall", "--prefix", str(prefix)],
        capture_output=True,
        text=True,
    )
    assert removed.returncode == 0, removed.stderr
    assert not app.exists() and not (prefix / "bin" / "bureau-virtuel").exists()
    assert not (prefix / "share" / "applications" / DESKTOP.name).exists()
    assert not list(icons.glob(f"*/apps/{APP_ID}.*"))
    assert data.is_dir()


def test_windows_installer_script_points_at_the_bundle_and_the_icon() -> None:
    script = (ROOT / "installers" / "windows" / "bureau-virtuel.iss").read_text(encoding="utf-8-sig")
    defines = dict(re.findall(r'^#define (\w+) "([^"]*)"', script, re.MULTILINE))
    assert defines["AppVersion"] == PROJECT["version"]
    assert defines["AppExe"] == "bureau-virtuel.exe"
    assert 'MessagesFile: "compiler:Languages\\French.isl"' in script
    icon = re.search(r"^SetupIconFile=\{#Root\}\\(.+)$", script, re.MULTILINE)[1]
    assert (ROOT / icon.replace("\\", "/")).is_file()
    assert re.search(r'^Source: "\{#Root\}\\dist\\bureau-virtuel\\\*"', script, re.MULTILINE)
    assert "sont conservées" in script  # the uninstaller says the agents' data is kept
    windows_readme = (ROOT / "installers" / "windows" / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert windows_readme.startswith(f"Bureau virtuel {PROJECT['version']} ")
