"""An FTP/FTPS stand-in: pyftpdlib on loopback, in-process, serving a scratch directory.

Two users: ``writer`` may do everything, ``reader`` may only list and download (an upload is refused with 550,
as a real server refuses it). With ``tls`` the server offers explicit FTPS (AUTH TLS) with a self-signed
certificate made for 127.0.0.1; ``certificate_pem`` is what a client pins. Passive data connections use
ephemeral ports, so several servers run side by side.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import tempfile
import threading
from pathlib import Path
from typing import Any

from sandbox.storage.process import ServerUnavailable, StandIn

# pyftpdlib logs every command at INFO and sets up stderr logging when nothing handles its logger: quiet both.
logging.getLogger("pyftpdlib").addHandler(logging.NullHandler())
logging.getLogger("pyftpdlib").setLevel(logging.WARNING)

PERMISSIONS = {"writer": "elradfmwMT", "reader": "elr"}


def self_signed_certificate(host: str) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for ``host`` (an IP address or a name), valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        alternative: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alternative = x509.DNSName(host)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([alternative]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


class FtpServer(StandIn):
    """``with FtpServer(tls=True) as ftp:`` → ``ftp.host``, ``ftp.port``, ``ftp.root``, ``ftp.password``."""

    def __init__(self, tls: bool = False, host: str = "127.0.0.1", root: Path | None = None) -> None:
        try:
            from pyftpdlib.authorizers import DummyAuthorizer
            from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
            from pyftpdlib.ioloop import IOLoop
            from pyftpdlib.servers import FTPServer
        except ImportError:
            raise ServerUnavailable(
                "the FTP sandbox needs pyftpdlib: pip install 'identitysync-dataflow[sandbox]'"
            ) from None
        self.host = host
        self.tls = tls
        self.password = "sandbox-ftp-password"
        self._scratch = tempfile.TemporaryDirectory(prefix="dataflow-ftp-") if root is None else None
        self.root = Path(root or self._scratch.name)  # type: ignore[union-attr]
        self.certificate_pem = ""
        authorizer = DummyAuthorizer()
        for user, permissions in PERMISSIONS.items():
            authorizer.add_user(user, self.password, str(self.root), perm=permissions)
        handler: Any
        if tls:
            try:
                import OpenSSL  # noqa: F401  (pyftpdlib's TLS needs pyOpenSSL)
            except ImportError:
                raise ServerUnavailable("the FTPS sandbox needs pyOpenSSL: pip install pyopenssl") from None
            certificate, key = self_signed_certificate(host)
            self.certificate_pem = certificate.decode()
            pem = self.root.parent / f".{self.root.name}-ftps.pem" if root else Path(self._scratch.name + ".pem")
            pem.write_bytes(key + certificate)
            self._pem = pem
            handler = type("SandboxTlsHandler", (TLS_FTPHandler,), {"certfile": str(pem)})
            handler.tls_control_required = True
            handler.tls_data_required = True
        else:
            handler = type("SandboxHandler", (FTPHandler,), {})
        handler.authorizer = authorizer
        handler.banner = "dataflow FTP sandbox"
        handler.timeout = 60
        # An event loop of its own: pyftpdlib's default is one per process, which two servers cannot share.
        self._server = FTPServer((host, 0), handler, ioloop=IOLoop())
        self._server.max_cons = 64
        self.port = self._server.socket.getsockname()[1]
        self._thread: threading.Thread | None = None

    def start(self) -> FtpServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"timeout": 0.2, "handle_exit": False},  # no signal handlers or log set-up: it runs in a thread
            name="ftp-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.close_all()
        if self._thread is not None:
            self._thread.join(5)
        if self.tls:
            self._pem.unlink(missing_ok=True)
        if self._scratch is not None:
            self._scratch.cleanup()

    def info(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "service": "ftps" if self.tls else "ftp",
            "host": self.host,
            "port": self.port,
            "username": "writer",
            "password": self.password,
        }
        if self.tls:
            shown["tlsCertificate"] = self.certificate_pem
        return shown
