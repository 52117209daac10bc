"""TLS verification is on by default: a central with a private CA is refused until its CA is configured."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sync.enrollment import CentralCredentials
from sync.errors import TlsError
from sync.testing.central_stub import start_central_stub
from tests.support.records import make_lead
from sync.transports.central import CentralTransport
from sync.worker import SyncWorker

from .conftest import fast_backoff


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A private CA (what a company's own central system would use) and a server certificate for
    127.0.0.1 signed by it: (ca, cert, key)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not installed (apt-get install openssl)")
    d = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"), "-days", "2",
             "-subj", "/CN=leadkiosk test CA")
    _openssl("req", *ec, "-keyout", str(d / "key.pem"), "-out", str(d / "s.csr"), "-subj", "/CN=127.0.0.1")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                               "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", str(d / "s.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
             "-CAcreateserial", "-out", str(d / "cert.pem"), "-days", "2", "-extfile", str(d / "ext.cnf"))
    return d / "ca.pem", d / "cert.pem", d / "key.pem"


@pytest.fixture
def tls_central(self_signed):
    _, cert, key = self_signed
    server, state = start_central_stub(certfile=str(cert), keyfile=str(key))
    dev = state.add_device()
    yield server, state, dev
    server.stop()


def _creds(server, dev, **kw) -> CentralCredentials:
    return CentralCredentials(url=server.url, device_id=dev["device_id"], token=dev["token"],
                              signing_secret=dev["signing_secret"], **kw)


def test_self_signed_refused_by_default(tls_central, store) -> None:
    server, state, dev = tls_central
    assert server.url.startswith("https://")
    t = CentralTransport(_creds(server, dev), timeout=(2.0, 5.0))
    lead = store.save(make_lead(1))
    with pytest.raises(TlsError, match="certificate"):
        t.send([lead])
    worker = SyncWorker(store, [t], backoff=lambda: fast_backoff())
    worker.run_once(max_wait_s=0.2)
    st = worker.status()["destinations"]["central"]
    assert st["pending"] == 1 and "TLS" in st["last_error"]
    assert state.leads == {}
    worker.stop()


def test_trusted_with_configured_ca(tls_central, self_signed, store) -> None:
    server, state, dev = tls_central
    ca, _, _ = self_signed
    store.save(make_lead(1))
    worker = SyncWorker(store, [CentralTransport(_creds(server, dev, ca_file=str(ca)))],
                        backoff=lambda: fast_backoff())
    worker.run_once()
    assert len(state.leads) == 1 and store.pending("central") == []
    worker.stop()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_insecure_only_when_asked(tls_central, store) -> None:
    server, state, dev = tls_central
    creds = _creds(server, dev, insecure=True)
    assert creds.verify is False and _creds(server, dev).verify is True
    store.save(make_lead(1))
    worker = SyncWorker(store, [CentralTransport(creds)], backoff=lambda: fast_backoff())
    worker.run_once()
    assert len(state.leads) == 1
    worker.stop()

