#!/usr/bin/python3
"""API request -> N workers connected, three ways, with Debian's Dask (see README.md).

  hub     POST /services/dask-gateway/api/v1/clusters/ and .../scale {count: N} on a running `greyhub serve`, then a
          distributed.Client through the hub's SNI port until N workers are connected (what greyhub.new_cluster does)
  local   distributed.LocalCluster(n_workers=N, processes=True) and a Client until N workers are connected
  hand    dask-scheduler --protocol tls + N `dask-worker --no-nanny` with a fresh certificate (the hub's programs and
          flags, without the hub), a Client until N workers are connected

Usage: bench.py GREYHUB_DLL [N ...]   (ROUNDS=3 by default; every run is a fresh cluster; the best and median are kept;
WARMUP=10 clusters of 2 workers first, unmeasured, so the hub's JIT is past its warm-up)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hubproc import cpu_seconds  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
WARMUP = int(os.environ.get("WARMUP", "10"))
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

# Both timed children measure from t0 in CLOCK_BOOTTIME, the clock of /proc/PID/stat's start time, and print, besides the
# total, when the scheduler's process and the last worker's process started: where the time goes.
CLOCKS = """
import os, time
TICKS = os.sysconf("SC_CLK_TCK")
def started(pid):
    # When a process started, in CLOCK_BOOTTIME seconds (10 ms resolution).
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[19]) / TICKS
def now():
    return time.clock_gettime(time.CLOCK_BOOTTIME)
def registered(client, t0_wall):
    # When the last worker registered with the scheduler (its add-worker event, wall clock), from the request: exact,
    # where wait_for_workers only sees it at its next 100 ms poll.
    last = client.run_on_scheduler(lambda dask_scheduler: max(
        t for t, m in dask_scheduler.get_events("all") if isinstance(m, dict) and m.get("action") == "add-worker"))
    return last - t0_wall
"""

HAND = CLOCKS + """
import subprocess, sys, tempfile, json
from distributed import Client
from distributed.security import Security
d = tempfile.mkdtemp()
crt, key = os.path.join(d, "c.crt"), os.path.join(d, "c.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "1",
                "-subj", "/CN=dask"], check=True, capture_output=True)
tls = ["--tls-ca-file", crt, "--tls-cert", crt, "--tls-key", key]
env = dict(os.environ, DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True")
sf = os.path.join(d, "s.json")
t0, t0_wall = now(), time.time()
# Each process in its own session, as the local engine starts jobs (setsid): with the kernel's autogroup scheduling, a
# session is one CPU share, so on a loaded machine processes sharing the benchmark's session would start slower.
procs = [subprocess.Popen(["dask-scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0",
                           "--dashboard-address", "127.0.0.1:0", "--scheduler-file", sf] + tls,
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
while not os.path.exists(sf):
    time.sleep(0.01)
time.sleep(0.01)
addr = json.load(open(sf))["address"]
for i in range({n}):
    procs.append(subprocess.Popen(["dask-worker", addr, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                   "--local-directory", d] + tls, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True))
client = Client(addr, security=Security(tls_ca_file=crt, tls_client_cert=crt, tls_client_key=key, require_encryption=True))
client.wait_for_workers({n}, timeout=300)
t = now() - t0
reg = registered(client, t0_wall)
sched = started(procs[0].pid) - t0
last_worker = max(started(p.pid) for p in procs[1:]) - t0
client.close()
for p in procs:
    p.terminate()
for p in procs:
    p.wait()
print(sched, last_worker, reg)
print(t)
"""

HUB = CLOCKS + """
import logging, greyhub
logging.disable(logging.WARNING)
g = greyhub.Gateway()
t0, t0_wall = now(), time.time()
name = g.submit()
g.scale_cluster(name, {n})
t_api = now() - t0
cluster = g.connect(name)
client = cluster.get_client()
client.wait_for_workers({n}, timeout=300)
t = now() - t0
reg = registered(client, t0_wall)
# The cluster's processes carry its name on their command line (the scheduler's job name, the workers' --name).
starts = {{}}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\\0", b" ").decode()
        if name in cmd and ("dask-scheduler" in cmd or "dask-worker" in cmd) and " -c " not in cmd:
            starts.setdefault("worker" if "dask-worker" in cmd else "scheduler", []).append(started(int(pid)) - t0)
    except OSError:
        pass
client.close()
g.stop_cluster(name)
print(min(starts.get("scheduler", [float("nan")])), max(starts.get("worker", [float("nan")])), reg)
print(t_api)
print(t)
"""


def hand_round(n):
    out = subprocess.run([PY, "-c", HAND.format(n=n)], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    lines = out.stdout.strip().splitlines()
    sched, worker, reg = [float(x) for x in lines[-2].split()]
    return sched, worker, reg, float(lines[-1])


def hub_round(env, n, hub_pid):
    cpu = cpu_seconds(hub_pid)
    out = subprocess.run([PY, "-c", HUB.format(n=n)], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    lines = out.stdout.strip().splitlines()
    sched, worker, reg = [float(x) for x in lines[-3].split()]
    return sched, worker, reg, float(lines[-2]), float(lines[-1]), cpu_seconds(hub_pid) - cpu


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
        # Warm-up: .NET's tiered JIT recompiles the hub's hot code (at tier 1, after 30 calls) for many clusters after the
        # start; measured by hub_cpu.py, the hub's CPU per cluster fell from ~0.9 s to ~0.15 s over the first ten clusters.
        # A long-running hub is past that, so the measured rounds start after WARMUP (10) clusters.
        warm = [hub_round(hub_env, 2, proc.pid)[5] for _ in range(WARMUP)]
        print(json.dumps({"warm-up hub CPU per cluster (s)": warm}), flush=True)
        for n in ns:
            rows = {k: [] for k in ("local", "hand", "hand_sched", "hand_worker", "hand_reg", "hub", "hub_api", "hub_sched", "hub_worker", "hub_reg", "hub_cpu")}
            for _ in range(ROUNDS):
                # Interleaved, so that load from other work on the machine falls on all three alike.
                rows["local"].append(run_child(LOCAL.format(n=n)))
                sched, worker, reg, total = hand_round(n)
                rows["hand"].append(total)
                rows["hand_reg"].append(reg)
                rows["hand_sched"].append(sched)
                rows["hand_worker"].append(worker)
                sched, worker, reg, api, total, cpu = hub_round(hub_env, n, proc.pid)
                rows["hub"].append(total)
                rows["hub_reg"].append(reg)
                rows["hub_api"].append(api)
                rows["hub_sched"].append(sched)
                rows["hub_worker"].append(worker)
                rows["hub_cpu"].append(cpu)
            results[n] = rows
            print(json.dumps({"n": n, **rows}), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    print()
    print(f"load average at the end: {os.getloadavg()}")
    print("| N | LocalCluster best / median | hand-started TLS best / median | hub best / median | hub − hand (median) | create+scale API calls (median) | hub CPU per cluster (median) |")
    print("|---|---|---|---|---|---|---|")
    for n, r in results.items():
        med = {k: statistics.median(v) for k, v in r.items()}
        best = {k: min(v) for k, v in r.items()}
        print(f"| {n} | {best['local']:.2f} / {med['local']:.2f} s | {best['hand']:.2f} / {med['hand']:.2f} s | "
              f"{best['hub']:.2f} / {med['hub']:.2f} s | {med['hub'] - med['hand']:+.2f} s | {med['hub_api'] * 1000:.0f} ms | "
              f"{med['hub_cpu'] * 1000:.0f} ms |")
    print()
    print("Where the time goes (medians, seconds from the first request or the first process start):")
    print("| N | scheduler process started: hand / hub | last worker process started: hand / hub | "
          "last worker started after the scheduler: hand / hub | last worker registered at the scheduler: hand / hub |")
    print("|---|---|---|---|---|")
    for n, r in results.items():
        med = {k: statistics.median(v) for k, v in r.items()}
        gap = {k: statistics.median(w - s for s, w in zip(r[k + "_sched"], r[k + "_worker"])) for k in ("hand", "hub")}
        print(f"| {n} | {med['hand_sched']:.2f} / {med['hub_sched']:.2f} | {med['hand_worker']:.2f} / {med['hub_worker']:.2f} | "
              f"{gap['hand']:.2f} / {gap['hub']:.2f} | {med['hand_reg']:.3f} / {med['hub_reg']:.3f} |")


if __name__ == "__main__":
    main()
