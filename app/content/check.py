"""The whole content checked before it is used or published: the server's `publish-content` and the
workstation that receives a bundle run this same check (one copy of each rule, in the models).

Every reference file makes a catalogue with the others, every portal link and every flow's link is
https and on the whitelist *of the same bundle*, every flow passes `check_flow` (its situation
exists, every branch reaches an end with its steps and documents, every step has its source and the
day it was checked).
"""

from datetime import date
from typing import Any, NoReturn

from app.content.bundle import REFERENCE_FILES, BundleError, Content
from app.models.flows import check_flow, parse_flow
from app.models.portal import LINKS_FILE, shipped_links
from app.models.reference import UNUSABLE, load_catalogue
from app.models.whitelist import load_whitelist

MAX_PROBLEMS_SHOWN = 3


def check_content(content: Content, today: date | None = None) -> None:
    """BundleError (French) naming the first problems, unless the content is whole and valid."""
    problems: list[str] = []
    for path in content.files:  # every file is JSON before any is read as flows, links or catalogue
        _json(content, path)
    for path in REFERENCE_FILES:
        data = _json(content, path)
        if not isinstance(data, dict) or type(data.get("version")) is not int or not data.get("date"):
            problems.append(f"{path} : version ou date absente")
    if problems:
        _refuse(problems)
    try:
        catalogue = load_catalogue.__wrapped__(content)
    except UNUSABLE:
        _refuse(["référentiels incomplets ou mal formés (partenaires, bouquet, choix du formulaire)"])
    try:
        whitelist = load_whitelist.__wrapped__(content)
        links = shipped_links.__wrapped__(content)
    except UNUSABLE:
        _refuse(["liens du portail ou liste blanche mal formés"])
    for partner in catalogue.partners.values():
        if not whitelist.allows(partner.site):
            problems.append(
                f"partenaire {partner.id} : site hors liste blanche ou non https : {partner.site}"
            )
    for link in links:
        if not whitelist.allows(link.url):
            problems.append(f"{LINKS_FILE} : lien hors liste blanche ou non https : {link.url}")
    flows = content.flow_files()
    if not flows:
        problems.append("aucun parcours")
    for path in flows:
        try:
            flow = parse_flow(_json(content, path))
        except UNUSABLE:
            problems.append(f"{path} : parcours mal formé")
            continue
        name = path.rsplit("/", 1)[-1]
        problems += [f"{path} : {problem}" for problem in check_flow(flow, catalogue, whitelist, name, today)]
    if problems:
        _refuse(problems)


def _json(content: Content, path: str) -> Any:
    try:
        return content.json(path)
    except (ValueError, RecursionError):
        _refuse([f"{path} : JSON illisible"])


def _refuse(problems: list[str]) -> NoReturn:
    more = len(problems) - MAX_PROBLEMS_SHOWN
    shown = " ; ".join(problems[:MAX_PROBLEMS_SHOWN]) + (f" ; et {more} autre(s)" if more > 0 else "")
    raise BundleError(f"contenu invalide : {shown}")
