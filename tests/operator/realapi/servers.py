"""etcd and apiextensions-apiserver, run on free ports of 127.0.0.1 for a test session.

The server runs standalone, without a kube-apiserver beside it:

- TLS with a certificate of a CA made here, which also signs the tests'
  client certificate in the group ``system:masters`` (``--client-ca-file``):
  the privileged group is allowed everything without a SubjectAccessReview.
- The "core" kubeconfigs (``--kubeconfig``, ``--authentication-kubeconfig``,
  ``--authorization-kubeconfig``) are required and name a server that does not
  exist: nothing asks it anything with the admission plugins (which watch
  namespaces and webhook configurations) and priority-and-fairness off, and
  ``--authentication-skip-lookup``. Only the informer of Services (for
  conversion webhooks, unused here) waits for it, so readiness is asked
  without the ``informer-sync`` check.
"""

import contextlib
import dataclasses
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.fakes.servers import HOST, free_port, wait_for_port

BUILD_SCRIPT = Path(__file__).with_name("build-apiextensions-apiserver")
ADMISSION_PLUGINS = (
    "NamespaceLifecycle,MutatingAdmissionPolicy,MutatingAdmissionWebhook,"
    "ValidatingAdmissionPolicy,ValidatingAdmissionWebhook"
)
NOWHERE_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: none, user: {}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


class Unavailable(Exception):
    """The real API server cannot be had here; the message says why."""


def build() -> dict[str, str]:
    """The binaries' paths by name (``apiserver``, ``etcd``), built first if need be."""
    try:
        result = subprocess.run(
            [sys.executable, str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=40 * 60, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise Unavailable(f"{BUILD_SCRIPT.name} took more than {exc.timeout} s") from exc
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
        raise Unavailable(lines[-1])
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


@dataclasses.dataclass(frozen=True)
class Credentials:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca))
        context.load_cert_chain(str(self.client_cert), str(self.client_key))
        return context


def make_credentials(directory: Path) -> Credentials:
    """A CA, the server's certificate for 127.0.0.1 and an admin client certificate, by openssl."""
    if shutil.which("openssl") is None:
        raise Unavailable("openssl is not installed")
    directory.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=realapi-ca")
    for name, subject, extensions in (
        ("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"),
        ("client", "/O=system:masters/CN=realapi-tests", "extendedKeyUsage=clientAuth\n"),
    ):
        (directory / f"{name}.ext").write_text(extensions)
        openssl("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject)
        openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext",
        )  # fmt: skip
    return Credentials(
        ca=directory / "ca.crt",
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
        client_cert=directory / "client.crt",
        client_key=directory / "client.key",
    )


@contextlib.contextmanager
def process(command: list[str], log: Path) -> Iterator[subprocess.Popen]:
    """A process in its own group, stopped with the group (SIGTERM, then SIGKILL)."""
    with open(log, "wb") as output:
        proc = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@dataclasses.dataclass(frozen=True)
class RealAPI:
    url: str
    credentials: Credentials
    log: Path

    def status(self, path: str) -> int:
        """The status a plain, blocking GET of ``path`` answers (for start-up; the tests use aiohttp)."""
        try:
            with urllib.request.urlopen(self.url + path, context=self.credentials.client_context(), timeout=5):
                return 200
        except urllib.error.HTTPError as exc:
            return exc.code


def _wait_ready(api: RealAPI, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"apiextensions-apiserver exited ({proc.returncode}):\n{_tail(api.log)}")
        with contextlib.suppress(OSError):
            if api.status("/readyz?exclude=informer-sync") == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"apiextensions-apiserver not ready after {timeout} s:\n{_tail(api.log)}")


@contextlib.contextmanager
def run_real_api(binaries: dict[str, str], directory: Path) -> Iterator[RealAPI]:
    """etcd and apiextensions-apiserver on free ports, files under ``directory``; stopped afterwards."""
    credentials = make_credentials(directory / "pki")
    etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
    etcd_url, peer_url = f"http://{HOST}:{etcd_port}", f"http://{HOST}:{peer_port}"
    etcd = [
        binaries["etcd"],
        f"--data-dir={directory / 'etcd'}",
        f"--listen-client-urls={etcd_url}",
        f"--advertise-client-urls={etcd_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=default={peer_url}",
        "--unsafe-no-fsync",  # a throw-away store: durability buys nothing
        "--log-level=warn",
    ]
    kubeconfig = directory / "nowhere.kubeconfig"
    kubeconfig.write_text(NOWHERE_KUBECONFIG)
    server = [
        binaries["apiserver"],
        f"--etcd-servers={etcd_url}",
        f"--bind-address={HOST}",
        f"--secure-port={api_port}",
        f"--tls-cert-file={credentials.server_cert}",
        f"--tls-private-key-file={credentials.server_key}",
        f"--client-ca-file={credentials.ca}",
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--authentication-skip-lookup",
        f"--disable-admission-plugins={ADMISSION_PLUGINS}",
        "--enable-priority-and-fairness=false",
        "--profiling=false",
    ]
    with process(etcd, directory / "etcd.log"):
        wait_for_port(etcd_port)
        with process(server, directory / "apiserver.log") as proc:
            api = RealAPI(url=f"https://{HOST}:{api_port}", credentials=credentials, log=directory / "apiserver.log")
            _wait_ready(api, proc, timeout=60)
            yield api
