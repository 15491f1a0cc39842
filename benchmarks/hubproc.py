"""What the hub benchmarks share: a free loopback port, a process's CPU time, the command that runs a Greyhub build,
a JSON call over HTTP, and stopping a process they started. Standard library only; each script imports it from benchmarks/."""
import json
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid, default=None):
    """User + system CPU of a process so far (its children not included); `default` when it is gone, if given."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        if default is None:
            raise
        return default
    # After the ")" of comm: field 3 is index 0, so utime (14) and stime (15) are 11 and 12.
    return (int(fields[11]) + int(fields[12])) / TICKS


def call(method, url, token=None, body=None, timeout=30):
    """(status, body bytes) of one request, a JSON body if given, `Authorization: token` if given; status 0 when
    nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def greyhub_command(greyhub):
    """greyhub.dll runs with dotnet (the build); anything else is the published greyhub executable."""
    return ["dotnet", greyhub] if greyhub.endswith(".dll") else [greyhub]


def stop(proc, patience=60):
    """SIGTERM, then SIGKILL after `patience` seconds, for a process this script started."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(patience)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def jupyterhub_config(d, pub, hub_port, chp_api, db_url):
    """The start of a jupyterhub_config.py for Debian's JupyterHub 3.0 on loopback, its files under `d`: DummyAuthenticator,
    its configurable-http-proxy on `chp_api`, and a service "bench" with the admin role whose token the hub reads from
    BENCH_TOKEN. Each benchmark appends its own spawner lines."""
    return f"""import os
c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.port = {pub}
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{chp_api}'
c.ConfigurableHTTPProxy.pid_file = '{d}/proxy.pid'
c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'
c.JupyterHub.db_url = '{db_url}'
c.JupyterHub.cookie_secret_file = '{d}/cookie_secret'
c.JupyterHub.pid_file = '{d}/jupyterhub.pid'
c.JupyterHub.services = [{{'name': 'bench', 'api_token': os.environ['BENCH_TOKEN']}}]
c.JupyterHub.load_roles = [{{'name': 'admin', 'services': ['bench']}}]
"""
