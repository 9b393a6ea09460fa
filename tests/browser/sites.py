"""Two whitelisted sites and a forbidden one, served by one local http server.

Chromium resolves the three real host names to 127.0.0.1 (--host-resolver-rules, set in conftest.py),
so the whitelist is checked on real names; the browser is built with allow_http=True because the
server speaks plain http.
"""

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

AMELI = "www.ameli.fr"  # whitelisted (ameli.fr)
CAF = "www.caf.fr"  # whitelisted (caf.fr)
FORBIDDEN = "forbidden.example.com"
HOST_RULES = f"MAP {AMELI} 127.0.0.1, MAP {CAF} 127.0.0.1, MAP {FORBIDDEN} 127.0.0.1"
ATTESTATION = "Attestation de droits — Assurance Maladie\n"


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    cookie: str | None


class Sites:
    def __init__(self) -> None:
        self.hits: list[Hit] = []
        sites = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                path = urlsplit(self.path).path
                sites.hits.append(Hit(host, path, self.headers.get("Cookie")))
                sites.respond(self, host, path)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def hit(self, host: str, path: str | None = None) -> list[Hit]:
        return [h for h in self.hits if h.host == host and (path is None or h.path == path)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def respond(self, handler: BaseHTTPRequestHandler, host: str, path: str) -> None:
        if host == FORBIDDEN:
            return self.html(handler, "Site interdit", "<p>Piège : cette page ne doit jamais s'afficher.</p>")
        if path == "/vers-interdit":
            handler.send_response(302)
            handler.send_header("Location", self.url(FORBIDDEN, "/piege"))
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        if path == "/attestation.txt":
            body = ATTESTATION.encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "text/plain; charset=utf-8")
            handler.send_header("Content-Disposition", 'attachment; filename="attestation.txt"')
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return None
        if path == "/cookie":
            return self.html(
                handler,
                "Connexion",
                "<p>Bienvenue Mme Dupont</p><script>localStorage.setItem('dossier', '1234');</script>",
                headers={"Set-Cookie": "session=dupont-1234; Path=/"},
            )
        if path == "/cadres":
            return self.html(
                handler,
                "Cadres",
                f'<iframe id="ok" src="{self.url(CAF, "/cadre")}"></iframe>'
                f'<iframe id="interdit" src="{self.url(FORBIDDEN, "/cadre")}"></iframe>',
            )
        links = (
            '<a id="plain" href="/deuxieme">Deuxième page</a> '
            f'<a id="caf" href="{self.url(CAF, "/")}">CAF</a> '
            '<a id="redirect" href="/vers-interdit">Redirection</a> '
            f'<a id="blank" target="_blank" href="{self.url(CAF, "/nouvel-onglet")}">Nouvel onglet</a> '
            '<a id="download" download href="/attestation.txt">Attestation</a> '
            '<a id="download-redirect" download href="/vers-interdit">Fichier ailleurs</a>'
        )
        return self.html(handler, f"{host} {path}", f"<h1>{host} {path}</h1><p>{links}</p>")

    @staticmethod
    def html(handler: BaseHTTPRequestHandler, title: str, body: str, headers: dict | None = None) -> None:
        data = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"
        encoded = data.encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(encoded)))
        handler.end_headers()
        handler.wfile.write(encoded)
