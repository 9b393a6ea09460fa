"""docs/DEPLOYMENT.md read as an administrator runs it: its `bureau-virtuel-server` commands are
those of the real parser, and the ones that reach the server's database run under the server's
account, whom PostgreSQL's `peer` authentication recognises (the guide's section 2)."""

import re
import shlex

import pytest

from app.server.cli import build_parser
from tests.live_server import ROOT

GUIDE = ROOT / "docs" / "DEPLOYMENT.md"
PROGRAM = "bureau-virtuel-server"
AS_SERVER_ACCOUNT = "su - bureau-virtuel -c '"
# Run elsewhere than on the server: the content editor's key is made on their own computer, and the
# systemd unit names its user in `User=`.
ELSEWHERE = ("content-key", "publish-content", "ExecStart=")


def _commands() -> list[str]:
    """Every line of the guide's code blocks that runs the program (continued lines joined)."""
    blocks = re.findall(r"^```\w*\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if PROGRAM in line and not line.lstrip().startswith("#")]


def _arguments(line: str) -> list[str]:
    """The program's arguments on `line` (inside a `su -c '…'`, up to its closing quote)."""
    after = line.split(PROGRAM, 1)[1]
    if line.startswith(AS_SERVER_ACCOUNT):
        after = after.rsplit("'", 1)[0]
    return shlex.split(after)


def test_the_guide_runs_commands() -> None:
    assert len(_commands()) >= 8


@pytest.mark.parametrize("line", _commands())
def test_each_command_of_the_guide_is_one_the_server_knows(line: str) -> None:
    try:
        build_parser().parse_args(_arguments(line))
    except SystemExit as error:
        pytest.fail(f"{line!r}: refused by the parser ({error.code})")


@pytest.mark.parametrize("line", _commands())
def test_commands_on_the_database_run_under_the_servers_account(line: str) -> None:
    if any(marker in line for marker in ELSEWHERE):
        return
    assert line.startswith(AS_SERVER_ACCOUNT), line


@pytest.mark.parametrize("line", [line for line in _commands() if "import-structures" in line])
def test_the_list_the_guide_imports_ships_with_the_program(line: str) -> None:
    """The path is from the server account's home, where the guide checks the program out in `app/`."""
    listed = [argument for argument in _arguments(line) if argument.endswith((".csv", ".geojson"))]
    assert listed and all(argument.startswith("app/") for argument in listed), line
    assert all((ROOT / argument.removeprefix("app/")).is_file() for argument in listed), line
