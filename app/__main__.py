"""`python -m app` is the `bureau-virtuel` command."""

import sys

from app.cli import main

sys.exit(main())
