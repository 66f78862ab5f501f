"""An https webhook is delivered to the checked address, with the host's name kept for SNI and the certificate.

The receiver's certificate names only `hooks.test`, which resolves nowhere but in the guard: the delivery
succeeds only if it connects to the pinned address and still verifies the certificate against the name.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bank_router.events import Registration, RetryPolicy, WebhookBase, WebhookDispatcher, WebhookRegistry
from bank_router.events.bus import DECISION_MADE, EventBus
from bank_router.events.targets import TargetGuard
from bank_router.platform.db import make_engine

NAME = "hooks.test"


def _cert(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None, signer: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext, list[str]]]:
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test CA", ca_key, None, ca_key)
    leaf = _cert(NAME, leaf_key, ca.subject, ca_key)
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    client_ctx = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            hosts.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1]), client_ctx, hosts
    server.shutdown()
    server.server_close()


async def _to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"] if host == NAME else []


def test_https_delivery_is_pinned_and_verified_against_the_name(
    tmp_path: Path, tls_receiver: tuple[int, ssl.SSLContext, list[str]]
) -> None:
    port, client_ctx, hosts = tls_receiver
    engine = make_engine(f"sqlite:///{tmp_path}/hooks.sqlite")
    WebhookBase.metadata.create_all(engine)
    registry = WebhookRegistry(engine)
    hook = registry.create("demo", "s1", f"https://{NAME}:{port}/hook", [DECISION_MADE], "k" * 16)
    event = EventBus().publish(DECISION_MADE, {}, tenant="demo")

    async def deliver(hook: Registration, guard: TargetGuard) -> bool:
        client = httpx.AsyncClient(verify=client_ctx, timeout=5)
        dispatcher = WebhookDispatcher(registry, RetryPolicy(attempts=1, timeout=5), client=client, guard=guard)
        try:
            return await dispatcher.deliver(hook, event)
        finally:
            await dispatcher.stop()

    assert asyncio.run(deliver(hook, TargetGuard(allow_private=True, resolve=_to_loopback))) is True
    assert hosts == [f"{NAME}:{port}"]

    async def wrong_name(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    # The same address under a name the certificate does not carry: the TLS check refuses it.
    other = registry.create("demo", "s1", f"https://other.test:{port}/hook", [DECISION_MADE], "k" * 16)
    assert asyncio.run(deliver(other, TargetGuard(allow_private=True, resolve=wrong_name))) is False
    assert len(hosts) == 1
