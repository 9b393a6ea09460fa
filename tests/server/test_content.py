"""`GET /api/v1/content`: the newest bundle `publish-content` stored, the same from every process and
on both databases, revalidated by its ETag (docs/SYNC_PROTOCOL.md "National content")."""

import requests
from sqlalchemy import Engine, select

from app.content.bundle import open_bundle
from app.content.keys import editor_key
from app.server.schema import content_bundles
from tests.content_editor import Editor, edit_json, editor_fixture  # noqa: F401 (the `editor` fixture)
from tests.live_server import LiveServer, run_server_cli
from tests.server.helpers import bearer


def test_published_content_is_served_with_its_etag_and_listed_in_the_session(
    editor: Editor, server: LiveServer, http: requests.Session, token: str, db: Engine
) -> None:
    url = f"{server.url}/api/v1/content"
    assert (
        "content" not in http.get(f"{server.url}/api/v1/session", headers=bearer(token)).json()["reference"]
    )
    none = http.get(url, headers=bearer(token))
    assert none.status_code == 404 and none.json()["detail"]["code"] == "not_found"
    assert http.get(url).status_code == 401

    for version in (2, 3):
        folder = editor.folder(version)
        text = f"Version {version}."
        edit_json(folder / "flows/naissance.json", lambda flow, text=text: flow["steps"][0].update(text=text))
        published = run_server_cli(
            server.database_url, "publish-content", str(folder), "--key", str(editor.key_path)
        )
        assert published.returncode == 0, published.stderr

    served = http.get(url, headers=bearer(token))
    assert served.status_code == 200
    assert open_bundle(served.content, editor_key()).version == 3, "the newest"
    etag = served.headers["ETag"]
    assert (
        http.get(f"{server.url}/api/v1/session", headers=bearer(token)).json()["reference"]["content"] == etag
    )
    assert http.get(url, headers={**bearer(token), "If-None-Match": etag}).status_code == 304
    with db.connect() as connection:
        stored = connection.execute(select(content_bundles.c.version, content_bundles.c.bundle)).all()
    assert sorted(version for version, _ in stored) == [2, 3], "every published version is kept"
    assert all(b"PRIVATE KEY" not in bytes(bundle) for _, bundle in stored)
