"""A scripted local HTTP server standing in for a source's API in tests.

``MockServer(replies)`` serves the scripted ``Reply`` objects one per request, in order,
on 127.0.0.1 at an ephemeral port, in a background thread, and records every request
(method, path, query, headers and body). A request beyond the script gets a 410 with a JSON error,
which the client treats as fatal, so a test that makes too many requests fails at once.

    with MockServer([Reply(200, page), Reply(503), Reply(200, last)]) as server:
        fetcher = OpenAlexFetcher(..., base_url=server.url, session=server.session())

GET and POST are both served from the same script. ``MockServer(replies, tls=True)``
serves https with a self-signed certificate no client trusts (a certificate that fails
verification).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``body`` is sent as given (bytes or str) or as JSON (anything else). ``delay`` makes
    the server wait that many seconds before answering (a read hang). ``declared_length``
    announces a longer Content-Length than the body and closes the connection early (a
    body cut off in transit).
    """

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    declared_length: int | None = None

    def payload(self) -> bytes:
        """The body as bytes."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    method: str = "GET"
    body: bytes = b""


class MockServer:
    """The scripted server; a context manager that starts and stops it."""

    def __init__(self, replies: Iterable[Reply], tls: bool = False) -> None:
        self._replies = list(replies)
        self.tls = tls
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests: list[Recorded] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        if tls:
            self._httpd.socket = untrusted_tls().wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The server's base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    @property
    def unused(self) -> int:
        """How many scripted replies were never served."""
        with self._lock:
            return len(self._replies)

    @staticmethod
    def session() -> requests.Session:
        """A requests session that ignores proxy settings from the environment."""
        session = requests.Session()
        session.trust_env = False
        return session

    def __enter__(self) -> MockServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, recorded: Recorded) -> Reply:
        """Record a request and take the next scripted reply (410 when none is left)."""
        with self._lock:
            self.requests.append(recorded)
            if self._replies:
                return self._replies.pop(0)
        return Reply(410, {"error": "mock", "message": "no scripted reply left"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        """A request handler class bound to this server's script."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(self.rfile.read(length))

            def _answer(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                reply = server._next(
                    Recorded(
                        parts.path,
                        parse_qs(parts.query),
                        dict(self.headers.items()),
                        self.command,
                        body,
                    )
                )
                if reply.delay and server._stop.wait(reply.delay):
                    return
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if "content-type" not in {k.lower() for k in reply.headers}:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(reply.declared_length or len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        return Handler


def untrusted_tls() -> ssl.SSLContext:
    """A server TLS context with a new self-signed certificate for 127.0.0.1 (skips the
    test when the ``cryptography`` package is absent)."""
    import pytest

    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "qcm mock server")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = f"{folder}/cert.pem", f"{folder}/key.pem"
        with open(cert_file, "wb") as handle:
            handle.write(certificate.public_bytes(serialization.Encoding.PEM))
        with open(key_file, "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        context.load_cert_chain(cert_file, key_file)
    return context


def closed_port_url() -> str:
    """The URL of a local port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def hanging_connect_url() -> Iterator[str]:
    """The URL of a local port where a connection hangs until the client's connect
    timeout: the port listens with a full accept queue (one connection made and never
    accepted), so the kernel drops new connection requests (Linux)."""
    with socket.socket() as server, socket.socket() as filler:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        filler.connect(server.getsockname())
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
