"""The French pages a tab shows instead of a site: refused, unreachable, stopped. Never a blank page."""

from dataclasses import dataclass
from enum import Enum
from html import escape

from PySide6.QtCore import QUrl

from app.ui.browser.policy import Refusal


class Kind(Enum):
    BLOCKED = "blocked"
    OFFLINE = "offline"
    CERTIFICATE = "certificate"
    CRASHED = "crashed"


@dataclass(frozen=True)
class Message:
    """What a tab shows instead of `url`."""

    kind: Kind
    url: QUrl
    refusal: Refusal | None = None
    detail: str = ""

    @property
    def host(self) -> str:
        return self.url.host().lower()

    @property
    def can_be_allowed(self) -> bool:
        """A responsable may add the site to the whitelist: only an https site that is not listed."""
        return self.kind is Kind.BLOCKED and self.refusal is Refusal.NOT_LISTED and bool(self.host)

    @property
    def title(self) -> str:
        return {
            Kind.BLOCKED: "Site non autorisé",
            Kind.OFFLINE: "Réseau indisponible",
            Kind.CERTIFICATE: "Connexion non sûre",
            Kind.CRASHED: "Page arrêtée",
        }[self.kind]

    def html(self) -> str:
        host = f"<strong>{escape(self.host)}</strong>" if self.host else "ce site"
        if self.kind is Kind.BLOCKED:
            heading = "Ce site n'est pas autorisé sur ce poste"
            paragraphs = _blocked(host, self)
        elif self.kind is Kind.OFFLINE:
            heading = "Le site n'a pas pu être ouvert"
            paragraphs = [
                f"Le réseau est indisponible ou le site ne répond pas : {host} n'a pas pu être ouvert.",
                "Vérifiez la connexion du poste (câble, Wi-Fi ou clé 4G), puis cliquez sur "
                "« Recharger » (F5).",
            ]
        elif self.kind is Kind.CERTIFICATE:
            heading = "La connexion n'est pas sûre"
            paragraphs = [
                f"Le certificat de {host} n'est pas valide : la page n'a pas été ouverte, pour protéger "
                "les informations de la personne.",
                "Réessayez plus tard ; si le problème continue, signalez-le à votre responsable.",
            ]
        else:
            heading = "La page s'est arrêtée"
            paragraphs = [
                f"La page de {host} s'est arrêtée de façon inattendue.",
                "Cliquez sur « Recharger » (F5) pour l'ouvrir de nouveau.",
            ]
        if self.detail:
            paragraphs.append(f'<span class="detail">Détail technique : {escape(self.detail)}</span>')
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        return PAGE.format(title=escape(self.title), heading=escape(heading), body=body)


def _blocked(host: str, message: Message) -> list[str]:
    if message.refusal is Refusal.NOT_SECURE:
        return [
            f"{host} n'utilise pas de connexion chiffrée (l'adresse ne commence pas par https).",
            "Le navigateur du poste n'ouvre que des sites sécurisés, pour protéger les informations "
            "de la personne accompagnée.",
        ]
    if message.refusal is Refusal.OTHER_SCHEME:
        scheme = escape(message.url.scheme() or "?")
        return [
            f"Ce lien ({scheme}:) ne s'ouvre pas dans le navigateur du poste.",
            "Seuls les sites autorisés, en https, s'ouvrent ici.",
        ]
    return [
        f"{host} : ce site n'est pas sur la liste des sites autorisés du poste.",
        "Pour protéger la personne accompagnée, le navigateur n'ouvre que les sites des partenaires "
        "France Services, FranceConnect et ses fournisseurs d'identité, et les sites ajoutés par un "
        "responsable de la structure.",
        "Un responsable peut autoriser ce site avec le bouton « Autoriser ce site » ; sa décision est "
        "enregistrée avec son nom.",
    ]


PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 18px; color: #161616;
       max-width: 44em; margin: 3em auto; padding: 0 1.5em; line-height: 1.5; }}
h1 {{ color: #000091; font-size: 1.6em; }}
.detail {{ color: #666666; font-size: 0.8em; }}
</style></head>
<body><h1>{heading}</h1>{body}</body></html>
"""
