"""A test stand-in for the OS keyring (outside the product), shared with subprocesses through a file.

Subprocesses select it with PYTHON_KEYRING_BACKEND=tests.keyring_backend.TestKeyring and find the
file in BUREAU_VIRTUEL_TEST_KEYRING.
"""

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class TestKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _file(self) -> Path:
        return Path(os.environ["BUREAU_VIRTUEL_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        return json.loads(self._file.read_text()) if self._file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = self._load()
        secrets[f"{service}/{username}"] = password
        self._file.write_text(json.dumps(secrets))

    def delete_password(self, service: str, username: str) -> None:
        secrets = self._load()
        secrets.pop(f"{service}/{username}", None)
        self._file.write_text(json.dumps(secrets))
