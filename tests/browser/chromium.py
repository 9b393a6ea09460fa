"""Debian's chromium and chromium-driver, driven by Selenium, for the web application's browser tests
(the `chromium` fixture is in conftest.py): where they are, and the screen sizes the pages are seen at."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
NEEDS_CHROMIUM = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="apt-get install chromium chromium-driver (see .ci/run)"
)
SIZES = {"ordinateur": (1366, 768), "telephone": (390, 844)}
