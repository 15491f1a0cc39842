#!/usr/bin/python3
"""API request -> N workers connected, three ways, with Debian's Dask (see README.md).

  hub     POST /services/dask-gateway/api/v1/clusters/ and .../scale {count: N} on a running `greyhub serve`, then a
          distributed.Client through the hub's SNI port until N workers are connected (what greyhub.new_cluster does)
  local   distributed.LocalCluster(n_workers=N, processes=True) and a Client until N workers are connected
  hand    dask-scheduler --protocol tls + N `dask-worker --no-nanny` with a fresh certificate (the hub's programs and
          flags, without the hub), a Client until N workers are connected

Usage: bench.py GREYHUB_DLL [N ...]   (ROUNDS=3 by default; every run is a fresh cluster; the best and median are kept)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
PY = "/usr/bin/python3"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_child(code, env=None):
    """Runs `code` in a fresh Python and returns the float it prints last (seconds)."""
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return float(out.stdout.strip().splitlines()[-1])


LOCAL = """
import time, logging
logging.disable(logging.WARNING)
from distributed import LocalCluster, Client
t0 = time.perf_counter()
cluster = LocalCluster(n_workers={n}, threads_per_worker=1, processes=True, dashboard_address=None)
client = Client(cluster)
client.wait_for_workers({n}, timeout=300)
t = time.perf_counter() - t0
client.close(); cluster.close()
print(t)
"""

HAND = """
import os, subprocess, sys, tempfile, time, json
from distributed import Client
from distributed.security import Security
d = tempfile.mkdtemp()
crt, key = os.path.join(d, "c.crt"), os.path.join(d, "c.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "1",
                "-subj", "/CN=dask"], check=True, capture_output=True)
tls = ["--tls-ca-file", crt, "--tls-cert", crt, "--tls-key", key]
env = dict(os.environ, DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True")
sf = os.path.join(d, "s.json")
t0 = time.perf_counter()
procs = [subprocess.Popen(["dask-scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0",
                           "--dashboard-address", "127.0.0.1:0", "--scheduler-file", sf] + tls,
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
while not os.path.exists(sf):
    time.sleep(0.01)
time.sleep(0.01)
addr = json.load(open(sf))["address"]
for i in range({n}):
    procs.append(subprocess.Popen(["dask-worker", addr, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                   "--local-directory", d] + tls, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
client = Client(addr, security=Security(tls_ca_file=crt, tls_client_cert=crt, tls_client_key=key, require_encryption=True))
client.wait_for_workers({n}, timeout=300)
t = time.perf_counter() - t0
client.close()
for p in procs:
    p.terminate()
for p in procs:
    p.wait()
print(t)
"""

HUB = """
import os, time, logging, greyhub
logging.disable(logging.WARNING)
g = greyhub.Gateway()
t0 = time.perf_counter()
name = g.submit()
g.scale_cluster(name, {n})
t_api = time.perf_counter() - t0
cluster = g.connect(name)
client = cluster.get_client()
client.wait_for_workers({n}, timeout=300)
t = time.perf_counter() - t0
client.close()
g.stop_cluster(name)
print(t_api)
print(t)
"""


def hub_round(env, n):
    out = subprocess.run([PY, "-c", HUB.format(n=n)], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    api, total = [float(x) for x in out.stdout.strip().splitlines()[-2:]]
    return api, total


def start_hub(dll, extra):
    data = tempfile.mkdtemp(prefix="greyhub-clusters-bench-")
    port = free_port()
    env = dict(os.environ, DOTNET_NOLOGO="1")
    token = subprocess.run(["dotnet", dll, "token", "--admin", "--data-dir", data, "bench-admin"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    log = open(os.path.join(data, "hub.log"), "w")
    proc = subprocess.Popen(["dotnet", dll, "serve", "--urls", f"http://127.0.0.1:{port}", "--data-dir", data] + extra,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(900):
        try:
            with urllib.request.urlopen(urllib.request.Request(base + "/hub/api/", headers={"Authorization": "token " + token}), timeout=2):
                break
        except Exception:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("hub did not start; see " + log.name)
    return proc, base, token, data


def main():
    dll = sys.argv[1]
    ns = [int(x) for x in sys.argv[2:]] or [2, 8]
    extra = os.environ.get("HUB_ARGS", "").split()
    proc, base, token, data = start_hub(dll, extra)
    hub_env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(dll)), "python"),
                   JUPYTERHUB_API_URL=base + "/hub/api", JUPYTERHUB_API_TOKEN=token)
    results = {}
    try:
        hub_round(hub_env, 1)  # warm-up: JIT, first database writes
        for n in ns:
            rows = {"local": [], "hand": [], "hub": [], "hub_api": []}
            for _ in range(ROUNDS):
                # Interleaved, so that load from other work on the machine falls on all three alike.
                rows["local"].append(run_child(LOCAL.format(n=n)))
                rows["hand"].append(run_child(HAND.format(n=n)))
                api, total = hub_round(hub_env, n)
                rows["hub"].append(total)
                rows["hub_api"].append(api)
            results[n] = rows
            print(json.dumps({"n": n, **rows}), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    print()
    print(f"load average at the end: {os.getloadavg()}")
    print("| N | LocalCluster best / median | hand-started TLS best / median | hub best / median | hub − hand (median) | create+scale API calls (median) |")
    print("|---|---|---|---|---|---|")
    for n, r in results.items():
        med = {k: statistics.median(v) for k, v in r.items()}
        best = {k: min(v) for k, v in r.items()}
        print(f"| {n} | {best['local']:.2f} / {med['local']:.2f} s | {best['hand']:.2f} / {med['hand']:.2f} s | "
              f"{best['hub']:.2f} / {med['hub']:.2f} s | {med['hub'] - med['hand']:+.2f} s | {med['hub_api'] * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
