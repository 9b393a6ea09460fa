"""PySide6 screens. Thin: every rule lives in `app.models`; widgets only show and collect."""
