"""Entry point of the PyInstaller bundle: the same `bureau-virtuel` command as `app.cli:main`."""

import os
import sys

if __name__ == "__main__":
    # A windowed Windows build has no console: give print() somewhere harmless to write.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

    from app.cli import main

    sys.exit(main())
