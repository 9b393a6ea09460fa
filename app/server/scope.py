"""What a web account may see: the one rule every page, export and JSON answer goes through.

A national account sees every structure, a département account the structures of its départements,
a structure account its own. Pages narrow a scope further (one département, one structure) with
`narrowed`, which never widens it: asking for what lies outside gives an empty scope, and the pages
answer 404 for it, the same as for what does not exist.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, false, select, true

from app.server.schema import structures


@dataclass(frozen=True)
class Scope:
    """`departements` None means every département; `structure` None every structure of them."""

    departements: frozenset[str] | None = None
    structure: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.departements == frozenset()

    @property
    def is_national(self) -> bool:
        return self.departements is None and self.structure is None

    def narrowed(self, departement: str | None = None, structure: str | None = None) -> "Scope":
        """This scope cut down to one département and/or one structure (empty if outside it)."""
        departements = self.departements
        if departement is not None:
            # A structure's account sees its structure, never a département's figures.
            allowed = self.structure is None and (departements is None or departement in departements)
            departements = frozenset({departement}) if allowed else frozenset()
        if structure is not None and self.structure not in (None, structure):
            departements = frozenset()
        return Scope(departements, structure if structure is not None else self.structure)


def scope_of(role: str, departements: tuple[str, ...], structure: str | None) -> Scope:
    """The scope of an account (`app.server.web.accounts.Account`'s fields)."""
    if role == "national":
        return Scope()
    if role == "departement":
        return Scope(frozenset(departements))
    if role == "structure" and structure:
        return Scope(structure=structure)
    return Scope(frozenset())  # an account without a valid scope sees nothing


def visible(scope: Scope) -> ColumnElement[bool]:
    """The condition on the `structures` table of what `scope` may see."""
    conditions: list[ColumnElement[bool]] = []
    if scope.departements is not None:
        conditions.append(
            structures.c.departement.in_(sorted(scope.departements)) if scope.departements else false()
        )
    if scope.structure is not None:
        conditions.append(structures.c.matricule == scope.structure)
    if not conditions:
        return true()
    return conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]


def visible_structure(connection: Connection, scope: Scope, matricule: str) -> Row[Any] | None:
    """The structure `matricule` if `scope` may see it, else None (as if it did not exist)."""
    return connection.execute(
        select(structures).where(visible(scope), structures.c.matricule == matricule)
    ).first()
