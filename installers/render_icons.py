"""Render the application icon (resources/icons/*.svg) to the hicolor PNG sizes and to a Windows .ico.

    .venv/bin/python installers/render_icons.py

Qt's own SVG renderer draws the PNGs, so nothing beyond the project's dependencies is needed; the
.ico holds every size up to 256 px (Pillow, which reportlab already depends on).
"""

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

APP_ID = "fr.france-services.BureauVirtuel"
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICONS / f"{APP_ID}.svg"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256)  # the hicolor theme's usual application sizes
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def write_ico(images: dict[int, QImage], path: Path) -> None:
    from PIL import Image

    largest = Image.open(io.BytesIO(png_bytes(images[max(ICO_SIZES)])))
    others = [Image.open(io.BytesIO(png_bytes(images[size]))) for size in ICO_SIZES[:-1]]
    largest.save(path, format="ICO", sizes=[(size, size) for size in ICO_SIZES], append_images=others)


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"SVG illisible : {SOURCE}", file=sys.stderr)
        return 1
    images = {size: render(renderer, size) for size in sorted({*SIZES, *ICO_SIZES})}
    for size in SIZES:
        target = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png_bytes(images[size]))
        print(target.relative_to(ICONS.parent.parent))
    ico = ICONS / f"{APP_ID}.ico"
    write_ico(images, ico)
    print(ico.relative_to(ICONS.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
