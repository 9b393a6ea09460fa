"""The guides' pictures come from the real application: docs/screenshots.py makes every picture a guide
shows, and docs/images holds nothing that no guide shows."""

import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDES = (DOCS / "guide-agent.md", DOCS / "guide-responsable.md")
PICTURE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def pictures() -> dict[str, str]:
    """Every picture the guides show: file name → alt text."""
    found: dict[str, str] = {}
    for guide in GUIDES:
        for alt, target in PICTURE.findall(guide.read_text(encoding="utf-8")):
            assert target.startswith("images/") and target.endswith(".png"), f"{guide.name}: {target}"
            found[target.removeprefix("images/")] = alt
    return found


def test_the_guides_show_the_committed_pictures_and_only_them() -> None:
    shown = pictures()
    assert len(shown) >= 20
    assert all(len(alt) >= 20 for alt in shown.values()), "every picture needs a meaningful alt text"
    committed = {path.name for path in (DOCS / "images").glob("*.png")}
    assert sorted(set(shown) - committed) == [], "pictures missing from docs/images"
    assert sorted(committed - set(shown)) == [], "pictures in docs/images that no guide shows"


def test_the_script_makes_every_picture_of_the_guides(tmp_path: Path, qapp) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, str(DOCS / "screenshots.py"), "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    made = {path.name for path in tmp_path.glob("*.png")}
    shown = pictures()
    assert sorted(set(shown) - made) == [], "pictures the guides show but the script no longer makes"
    assert sorted(made - set(shown)) == [], "pictures the script makes but no guide shows"
    for name in shown:
        image = QImage(str(tmp_path / name))
        assert not image.isNull(), name
        assert 300 <= image.width() <= 1600 and 20 <= image.height() <= 1400, (name, image.size())
        small = image.scaled(48, 48, Qt.AspectRatioMode.IgnoreAspectRatio)
        colours = {small.pixel(x, y) for x in range(48) for y in range(48)}
        assert len(colours) > 4, f"{name} looks blank"
        assert (tmp_path / name).stat().st_size < 400_000, f"{name} is too big to commit"
