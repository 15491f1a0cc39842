"""A small Dask Gateway client for Greyhub (standard library + ``distributed``).

Inside a single-user server it needs nothing: the hub's address and token come from ``JUPYTERHUB_API_URL`` and
``JUPYTERHUB_API_TOKEN``. The hub speaks Dask Gateway's REST API, so the official ``dask-gateway`` client works too
where it is installed; this module is for images that only have ``distributed``.
"""

import atexit
import json
import os
import platform
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import weakref

import dask
import distributed
from distributed.security import Security

from .security import ClusterSecurity

__all__ = ["Gateway", "GatewayCluster", "GatewayError", "new_cluster", "client_versions"]


class GatewayError(Exception):
    """The gateway refused a request; ``status`` is the HTTP status and the message the gateway's reason."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class VersionMismatchWarning(UserWarning):
    """The client's Python, dask or distributed version differs from the cluster's."""


def client_versions():
    return {"python": platform.python_version(), "dask": dask.__version__, "distributed": distributed.__version__}


def _default_address():
    if os.environ.get("GREYHUB_GATEWAY_URL"):
        return os.environ["GREYHUB_GATEWAY_URL"].rstrip("/")
    api = os.environ.get("JUPYTERHUB_API_URL")
    if not api:
        raise GatewayError(0, "Set JUPYTERHUB_API_URL (or GREYHUB_GATEWAY_URL) to reach the hub")
    base = api.rstrip("/")
    if base.endswith("/hub/api"):
        base = base[: -len("/hub/api")]
    return base + "/services/dask-gateway"


class Gateway:
    """Dask Gateway's client surface: list, create, connect, scale, adapt and stop clusters."""

    def __init__(self, address=None, token=None, timeout=30):
        self.address = (address or _default_address()).rstrip("/")
        self.token = token or os.environ.get("JUPYTERHUB_API_TOKEN") or os.environ.get("JPY_API_TOKEN")
        if not self.token:
            raise GatewayError(0, "Set JUPYTERHUB_API_TOKEN to authenticate with the hub")
        self.timeout = timeout

    def _request(self, method, path, body=None, timeout=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.address + "/api" + path,
            data=data,
            method=method,
            headers={"Authorization": "jupyterhub " + self.token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                reason = json.loads(text).get("error") or json.loads(text).get("message")
            except ValueError:
                reason = text.decode(errors="replace")
            raise GatewayError(e.code, reason or e.reason) from None

    def cluster_options(self):
        return self._request("GET", "/v1/options")["cluster_options"]

    def list_clusters(self, status=None):
        query = "" if status is None else "?status=" + urllib.parse.quote(status if isinstance(status, str) else ",".join(status))
        return list(self._request("GET", "/v1/clusters/" + query).values())

    def get_cluster(self, name, wait=False):
        return self._request("GET", "/v1/clusters/" + name + ("?wait" if wait else ""), timeout=60 if wait else None)

    def submit(self, cluster_options=None, **kwargs):
        options = dict(cluster_options or {})
        options.update(kwargs)
        body = {"cluster_options": options, "client_versions": client_versions()}
        return self._request("POST", "/v1/clusters/", body)["name"]

    def wait_for_start(self, name, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            report = self.get_cluster(name, wait=True)
            status = report["status"]
            if status == "RUNNING":
                for warning in report.get("warnings") or []:
                    warnings.warn(warning, VersionMismatchWarning, stacklevel=3)
                return report
            if status in ("FAILED", "STOPPED", "STOPPING"):
                raise GatewayError(0, "Cluster %s %s: %s" % (name, status.lower(), report.get("reason")))
            if time.monotonic() > deadline:
                raise GatewayError(0, "Cluster %s did not start within %s s" % (name, timeout))
            time.sleep(0.5)

    def connect(self, name, shutdown_on_close=False, direct=None):
        return GatewayCluster(self, name, self.wait_for_start(name), shutdown_on_close, direct)

    def new_cluster(self, cluster_options=None, shutdown_on_close=True, **kwargs):
        name = self.submit(cluster_options, **kwargs)
        try:
            return self.connect(name, shutdown_on_close=shutdown_on_close)
        except BaseException:
            self.stop_cluster(name)
            raise

    def stop_cluster(self, name):
        self._request("DELETE", "/v1/clusters/" + name)

    def scale_cluster(self, name, n):
        self._request("POST", "/v1/clusters/%s/scale" % name, {"count": int(n)})

    def adapt_cluster(self, name, minimum=None, maximum=None, active=True):
        self._request("POST", "/v1/clusters/%s/adapt" % name, {"minimum": minimum, "maximum": maximum, "active": active})


_open_clusters = weakref.WeakSet()


@atexit.register
def _close_open_clusters():
    # Best effort only: a killed kernel runs no atexit; the hub then stops the cluster when its clients are gone.
    for cluster in list(_open_clusters):
        cluster.close()


class GatewayCluster:
    """A running cluster: its client, scale, adapt and shutdown."""

    def __init__(self, gateway, name, report, shutdown_on_close, direct=None):
        self.gateway = gateway
        self.name = name
        self.shutdown_on_close = shutdown_on_close
        if direct is None:
            direct = os.environ.get("GREYHUB_CLUSTER_DIRECT") == "1"
        # Through the hub's TLS port (routed by the server name, end-to-end TLS), unless asked to go straight to the
        # scheduler (a client on the scheduler's own network).
        self.direct = direct or not report.get("proxy_port")
        host = urllib.parse.urlsplit(gateway.address).hostname
        self.scheduler_address = (
            report["scheduler_address"] if self.direct else "tls://%s:%d" % (host, report["proxy_port"])
        )
        self._dir = tempfile.mkdtemp(prefix="greyhub-cluster-")
        self._cert = os.path.join(self._dir, "dask.crt")
        self._key = os.path.join(self._dir, "dask.pem")
        for path, text in ((self._cert, report["tls_cert"]), (self._key, report["tls_key"])):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)
        credentials = dict(tls_ca_file=self._cert, tls_client_cert=self._cert, tls_client_key=self._key, require_encryption=True)
        self.security = (
            Security(**credentials) if self.direct else ClusterSecurity(report["server_hostname"], **credentials)
        )
        self._clients = []
        self.closed = False
        _open_clusters.add(self)

    def __repr__(self):
        return "GatewayCluster<%s>" % self.name

    def get_client(self, set_as_default=True):
        client = distributed.Client(self.scheduler_address, security=self.security, set_as_default=set_as_default)
        self._clients.append(client)
        return client

    def scale(self, n):
        self.gateway.scale_cluster(self.name, n)

    def adapt(self, minimum=None, maximum=None, active=True):
        self.gateway.adapt_cluster(self.name, minimum, maximum, active)

    def report(self):
        return self.gateway.get_cluster(self.name)

    def shutdown(self):
        self.close(shutdown=True)

    def close(self, shutdown=None):
        if self.closed:
            return
        self.closed = True
        for client in self._clients:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        if self.shutdown_on_close if shutdown is None else shutdown:
            try:
                self.gateway.stop_cluster(self.name)
            except GatewayError:
                pass
        shutil.rmtree(self._dir, ignore_errors=True)
        _open_clusters.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()


def new_cluster(workers=None, shutdown_on_close=True, **cluster_options):
    """A new cluster of the caller's hub, with ``workers`` workers asked for: ``greyhub.new_cluster(workers=4).get_client()``."""
    cluster = Gateway().new_cluster(cluster_options, shutdown_on_close=shutdown_on_close)
    if workers:
        cluster.scale(workers)
    return cluster
