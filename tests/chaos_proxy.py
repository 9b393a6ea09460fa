"""A TCP proxy on loopback that damages the network between the workstation and the server.

Modes, switchable while it runs:
- "forward": pass bytes both ways, with random faults: a connection cut while the request goes up,
  a connection cut after the server answered (so the server committed but the client never hears
  it), and random delays. Seeded, so a failing run can be replayed.
- "portal": answer every request itself with 200 and an HTML page, as a captive portal does.
- "status": answer every request itself with a fixed status (429 with Retry-After, 500…).
Only loopback addresses are ever used.
"""

import contextlib
import random
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Faults:
    cut_request: float = 0.0  # chance, per chunk sent up, to cut the connection
    cut_response: float = 0.0  # chance, per chunk coming back, to cut instead of forwarding
    delay: float = 0.0  # chance, per chunk, to wait up to max_delay seconds first
    max_delay: float = 0.2


@dataclass
class Counters:
    connections: int = 0
    cut_requests: int = 0
    cut_responses: int = 0
    delays: int = 0
    canned: int = 0


@dataclass
class ChaosProxy:
    target_port: int
    seed: int = 0
    faults: Faults = field(default_factory=Faults)
    mode: str = "forward"
    status: int = 500
    retry_after: str | None = None
    canned_prefix: str = ""  # in "portal"/"status" mode, only requests whose path starts with this
    counters: Counters = field(default_factory=Counters)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.running = True
        self.sockets: set[socket.socket] = set()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def chance(self, probability: float) -> bool:
        with self.lock:
            return self.random.random() < probability

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.counters.connections += 1
            self.sockets.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.mode == "forward":
            upstream = self._connect(client)
            if upstream is not None:
                threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
                self._pump(upstream, client, False)
            return
        request = self._read_request(client)
        path = request.split(b" ", 2)[1].decode(errors="replace") if request.count(b" ") >= 2 else ""
        if path.startswith(self.canned_prefix):
            self._canned(client)
            return
        # Forward this one request, asking the server to close afterwards, so that the client's
        # next request comes on a new connection and is inspected too.
        upstream = self._connect(client)
        if upstream is not None:
            upstream.sendall(request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
            self._pump(upstream, client, False)

    def _connect(self, client: socket.socket) -> socket.socket | None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        except OSError:
            self._close(client)
            return None
        self.sockets.add(upstream)
        return upstream

    def _pump(self, source: socket.socket, sink: socket.socket, upwards: bool) -> None:
        faults = self.faults
        try:
            while chunk := source.recv(65536):
                if self.chance(faults.delay):
                    self.counters.delays += 1
                    time.sleep(self.random.uniform(0, faults.max_delay))
                if upwards and self.chance(faults.cut_request):
                    self.counters.cut_requests += 1
                    sink.sendall(chunk[: len(chunk) // 2])
                    break
                if not upwards and self.chance(faults.cut_response):
                    self.counters.cut_responses += 1
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        self._close(source)
        self._close(sink)

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        """One whole HTTP request (headers and body), as bytes."""
        client.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return data
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(body) < length:
                chunk = client.recv(65536)
                if not chunk:
                    break
                body += chunk
                data += chunk
        except OSError:
            pass
        client.settimeout(None)
        return data

    def _canned(self, client: socket.socket) -> None:
        """Answer the request already read without asking the server."""
        self.counters.canned += 1
        try:
            if self.mode == "portal":
                page = b"<html><body><h1>Bienvenue sur le Wi-Fi</h1><a href='/login'>Se connecter</a></body></html>"
                status, headers = "200 OK", "Content-Type: text/html; charset=utf-8\r\n"
            else:
                page = b'{"detail": "busy"}'
                status, headers = f"{self.status} Canned", "Content-Type: application/json\r\n"
                if self.retry_after is not None:
                    headers += f"Retry-After: {self.retry_after}\r\n"
            client.sendall(
                f"HTTP/1.1 {status}\r\n{headers}Content-Length: {len(page)}\r\nConnection: close\r\n\r\n".encode()
                + page
            )
        except OSError:
            pass
        self._close(client)

    def _close(self, sock: socket.socket) -> None:
        self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes the other pump blocked in recv()
        sock.close()

    def cut(self, faults: Faults) -> None:
        """Cut every open connection now, and open the next ones with `faults` (a connection kept
        alive keeps the faults it started with)."""
        self.faults = faults
        for sock in list(self.sockets):
            self._close(sock)

    def close(self) -> None:
        """Stop accepting and cut every connection. Closing a listening socket does not wake a thread
        blocked in `accept()`; shutting it down does (accept fails at once), so the join below ends as
        soon as the accept thread has, instead of running into a timeout."""
        self.running = False
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the proxy's accept thread did not end"
        self.listener.close()
        for sock in list(self.sockets):
            self._close(sock)
