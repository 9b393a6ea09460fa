"""argparse speaking French: the workstation's and the server's commands are used by French staff."""

import argparse
from typing import Any

_FRENCH = {  # in order: the longer phrases before "argument "
    "one of the arguments ": "une de ces options est obligatoire : ",
    " is required": "",
    "not allowed with argument ": "incompatible avec l'option ",
    "the following arguments are required:": "arguments obligatoires manquants :",
    "unrecognized arguments:": "arguments non reconnus :",
    "expected one argument": "une valeur est attendue",
    "invalid choice:": "choix invalide :",
    "(choose from": "(choix possibles :",
    "invalid int value:": "nombre entier invalide :",
    "argument ": "option ",
}


class FrenchArgumentParser(argparse.ArgumentParser):
    """French help option and section titles; errors as one French line with exit status 2; the
    epilog may be a function, called when the help is shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "add_help": False})
        self._positionals.title = "commandes"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def format_help(self) -> str:
        if callable(self.epilog):  # worked out only when the help is shown: it may read files
            self.epilog = self.epilog()
        return super().format_help()

    def error(self, message: str) -> None:  # type: ignore[override]
        for english, french in _FRENCH.items():
            message = message.replace(english, french)
        self.exit(2, f"Erreur : {message} (voir {self.prog} --help)\n")
