"""Only the list the server sent can say a structure closed: the main window asks at every refresh,
so with none downloaded the shipped list (2,845 rows) is not parsed for an answer it cannot give.
The closed case, with a list a real server sent, is tests/e2e/test_structure_list.py."""

from app.models.structures import shipped_list
from app.models.workspace import Workspace


def test_no_downloaded_list_means_open_without_reading_the_shipped_one(desk: Workspace) -> None:
    shipped_list.cache_clear()
    assert desk.closure_notice(desk.workstation.structure.matricule) is None
    assert shipped_list.cache_info().misses == 0
