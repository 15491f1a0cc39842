#!/usr/bin/python3
"""API request -> N workers connected, three ways, with Debian's Dask (see README.md).

  hub     POST /services/dask-gateway/api/v1/clusters/ and .../scale {count: N} on a running `greyhub serve`, then a
          distributed.Client through the hub's SNI port until N workers are connected (what greyhub.new_cluster does)
  local   distributed.LocalCluster(n_workers=N, processes=True) and a Client until N workers are connected
  hand    dask-scheduler --protocol tls + N `dask-worker --no-nanny` with a fresh certificate (the hub's programs and
          flags, without the hub), a Client until N workers are connected

Usage: bench.py GREYHUB_DLL [N ...]   (ROUNDS=3 by default; every run is a fresh cluster; the best and median are kept;
WARMUP=10 clusters of 2 workers first, unmeasured, so the hub's JIT is past its warm-up; LOCAL=0 skips LocalCluster)
"""
import datetime
import json
import os
import re
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
LOCAL = os.environ.get("LOCAL", "1") != "0"  # LOCAL=0 leaves LocalCluster out (more hub/hand pairs in the same time)
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


LOCAL_CODE = """
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

# Both timed children measure from t0 (the first request, or the scheduler's Popen by hand) and print one JSON line: the
# client's view (wait_for_workers, which looks every 100 ms) and the scheduler-side timeline, which needs no polling:
#   init        the scheduler's Scheduler object made (its time_started: Python and distributed imported, preloads loaded)
#   ready       the scheduler listening: by hand, the script sees its --scheduler-file (it polls every millisecond); through
#               the hub, the preload's first report leaves (its "greyhub" event on the scheduler; the scheduler file and
#               the preload's start are a few lines apart in Scheduler.start)
#   answered    through the hub, the first report's answer (the hub launches the workers asked for while answering it)
#   launched    the workers' processes launched: by hand, after the Popen loop; through the hub, from its Debug line
#   workers     the last worker's process started (/proc/PID/stat, 10 ms resolution)
#   registered  the last worker's add-worker event at the scheduler
CLOCKS = """
import json, os, time
TICKS = os.sysconf("SC_CLK_TCK")
BOOT = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
def now():
    return time.time()
def started(pid):
    # When a process started, wall clock (10 ms resolution).
    with open("/proc/%d/stat" % pid) as f:
        return BOOT + int(f.read().rsplit(")", 1)[1].split()[19]) / TICKS
def timeline(client):
    def grab(dask_scheduler):
        events = dask_scheduler.get_events()
        adds = sorted(t for t, m in events.get("all", ()) if isinstance(m, dict) and m.get("action") == "add-worker")
        reports = [m for t, m in events.get("greyhub", ()) if isinstance(m, dict) and m.get("action") == "first-report"]
        return {{"init": dask_scheduler.time_started, "registered": adds[-1], "first_registered": adds[0],
                "report": reports[0] if reports else None}}
    return client.run_on_scheduler(grab)
"""

HAND = CLOCKS + """
import subprocess, sys, tempfile
from distributed import Client
from distributed.security import Security
d = tempfile.mkdtemp()
crt, key = os.path.join(d, "c.crt"), os.path.join(d, "c.pem")
LIKE_HUB = {like_hub}
# Like the hub's jobs (HAND_AS=hub, the default): an ECDSA P-256 key, the local engine's environment (cleared but for
# PATH, HOME and PYTHONPATH in the cluster's folder) and the hub's worker flags; HAND_AS=plain: RSA-2048, this
# environment, dask-worker's defaults.
newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] if LIKE_HUB else ["-newkey", "rsa:2048"]
subprocess.run(["openssl", "req", "-x509"] + newkey + ["-nodes", "-keyout", key, "-out", crt, "-days", "1",
                "-subj", "/CN=dask"], check=True, capture_output=True)
tls = ["--tls-ca-file", crt, "--tls-cert", crt, "--tls-key", key]
if LIKE_HUB:
    os.makedirs(os.path.join(d, "python"))
    env = dict(PATH="/usr/local/bin:/usr/bin:/bin", HOME=d, PYTHONPATH=os.path.join(d, "python"),
               DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True", DASK_GATEWAY_CLUSTER_NAME="hand")
    worker_flags = ["--memory-limit", str(2 << 30), "--death-timeout", "60", "--local-directory", os.path.join(d, "work")]
else:
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True")
    worker_flags = ["--local-directory", d]
sf = os.path.join(d, "s.json")
t0 = time.time()
# Each process in its own session, as the local engine starts jobs (setsid): with the kernel's autogroup scheduling, a
# session is one CPU share, so on a loaded machine processes sharing the benchmark's session would start slower.
procs = [subprocess.Popen(["dask-scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0",
                           "--dashboard-address", "127.0.0.1:0", "--scheduler-file", sf] + tls,
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
# The address as soon as the scheduler has written it: every millisecond, until the file parses.
while True:
    try:
        with open(sf) as f:
            addr = json.load(f)["address"]
        break
    except (OSError, ValueError, KeyError):
        time.sleep(0.001)
ready = time.time()
for i in range({n}):
    procs.append(subprocess.Popen(["dask-worker", addr, "--name", "hand-%d" % i, "--nthreads", "1", "--no-nanny",
                                   "--no-dashboard"] + worker_flags + tls, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True))
launched = time.time()
client = Client(addr, security=Security(tls_ca_file=crt, tls_client_cert=crt, tls_client_key=key, require_encryption=True))
client.wait_for_workers({n}, timeout=300)
t = time.time() - t0
line = timeline(client)
line.update(t0=t0, total=t, ready=ready, answered=ready, launched=launched, scheduler=started(procs[0].pid),
            workers=max(started(p.pid) for p in procs[1:]))
client.close()
for p in procs:
    p.terminate()
for p in procs:
    p.wait()
print(json.dumps(line))
"""

HUB = CLOCKS + """
import logging, greyhub
logging.disable(logging.WARNING)
g = greyhub.Gateway()
t0 = time.time()
name = g.submit()
g.scale_cluster(name, {n})
t_api = time.time() - t0
cluster = g.connect(name)
client = cluster.get_client()
client.wait_for_workers({n}, timeout=300)
t = time.time() - t0
line = timeline(client)
# The cluster's processes carry its name on their command line (the scheduler's job name, the workers' --name).
starts = {{}}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\\0", b" ").decode()
        if name in cmd and ("dask-scheduler" in cmd or "dask-worker" in cmd) and " -c " not in cmd:
            starts.setdefault("worker" if "dask-worker" in cmd else "scheduler", []).append(started(int(pid)))
    except OSError:
        pass
client.close()
g.stop_cluster(name)
report = line.pop("report") or {{}}
line.update(t0=t0, total=t, api=t_api, name=name, ready=report.get("sent", float("nan")),
            answered=report.get("answered", float("nan")), scheduler=min(starts.get("scheduler", [float("nan")])),
            workers=max(starts.get("worker", [float("nan")])))
print(json.dumps(line))
"""

# The hub's own account of a cluster's start, from its Debug lines (ClusterService's create and ClusterScaler's launch).
HUB_LOG_ARGS = ["--Logging:LogLevel:Greyhub.Clusters=Debug", "--Logging:Console:FormatterOptions:SingleLine=true",
                "--Logging:Console:FormatterOptions:UseUtcTimestamp=true",
                "--Logging:Console:FormatterOptions:TimestampFormat=yyyy-MM-ddTHH:mm:ss.ffffff "]
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+) (\w+): (\S+)\[(\d+)\] (.*)$")


def hub_phases(log_path, name):
    """The create's and the first launch's phases (ms) and when the hub handled the first report (wall clock)."""
    out = {}
    with open(log_path, errors="replace") as f:
        for raw in f:
            m = LOG_LINE.match(raw.strip())
            if not m or name not in m.group(5):
                continue
            at = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
            event, text = int(m.group(4)), m.group(5)
            numbers = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?) ms", text)]
            if event == 2004 and "create" not in out:  # ClusterEvents.CreateTimes
                out["create"] = dict(zip(("total", "credentials", "gate", "check", "files", "row", "launch", "handle"), numbers))
            elif event == 2001 and "running_at" not in out:  # ClusterEvents.Running: the first report handled
                out["running_at"] = at
            elif event == 2015 and "launch" not in out:  # ClusterEvents.LaunchTimes
                out["launch"] = dict(zip(("total", "intents", "jobs", "handles"), numbers))
                out["launch_logged_at"] = at
    return out


def child(code, env=None):
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def hand_round(n):
    return child(HAND.format(n=n, like_hub=os.environ.get("HAND_AS", "hub") != "plain"))


def hub_round(env, n, hub_pid, log_path):
    cpu = cpu_seconds(hub_pid)
    r = child(HUB.format(n=n), env)
    r["cpu"] = cpu_seconds(hub_pid) - cpu
    r.update(hub_phases(log_path, r["name"]))
    # When the last worker's job was started: the launches' log line, less the handles' write that follows them.
    r["launched"] = r["launch_logged_at"] - r["launch"]["handles"] / 1000 if "launch" in r else float("nan")
    return r


def start_hub(dll, extra):
    data = tempfile.mkdtemp(prefix="greyhub-clusters-bench-")
    port = free_port()
    env = dict(os.environ, DOTNET_NOLOGO="1")
    token = subprocess.run(["dotnet", dll, "token", "--admin", "--data-dir", data, "bench-admin"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    log = open(os.path.join(data, "hub.log"), "w")
    proc = subprocess.Popen(["dotnet", dll, "serve", "--urls", f"http://127.0.0.1:{port}", "--data-dir", data] + HUB_LOG_ARGS + extra,
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
    log_path = os.path.join(data, "hub.log")
    results = {}
    try:
        # Warm-up: .NET's tiered JIT recompiles the hub's hot code (at tier 1, after 30 calls) for many clusters after the
        # start; measured by hub_cpu.py, the hub's CPU per cluster fell from ~0.9 s to ~0.15 s over the first ten clusters.
        # A long-running hub is past that, so the measured rounds start after WARMUP (10) clusters.
        warm = [hub_round(hub_env, 2, proc.pid, log_path)["cpu"] for _ in range(WARMUP)]
        print(json.dumps({"warm-up hub CPU per cluster (s)": warm}), flush=True)
        for n in ns:
            rows = {"local": [], "hand": [], "hub": []}
            for _ in range(ROUNDS):
                # Interleaved, so that load from other work on the machine falls on all three alike.
                if LOCAL:
                    rows["local"].append(run_child(LOCAL_CODE.format(n=n)))
                rows["hand"].append(hand_round(n))
                rows["hub"].append(hub_round(hub_env, n, proc.pid, log_path))
            results[n] = rows
            print(json.dumps({"n": n, **rows}), flush=True)
    finally:
        proc.terminate()
        proc.wait()
    report(results)


def report(results):
    med = statistics.median
    ms = lambda x: f"{x * 1000:.0f}"  # noqa: E731
    since = lambda r, k: r[k] - r["t0"]  # noqa: E731

    def paired(r, f):
        # The median of the rounds' differences: each hub round ran next to a hand round, under the same load.
        return med(f(u) - f(h) for h, u in zip(r["hand"], r["hub"]))

    print()
    print(f"load average at the end: {os.getloadavg()}")
    print("| N | LocalCluster best / median | hand-started TLS best / median | hub best / median | hub − hand: client view "
          "(wait_for_workers) | hub − hand: last worker registered (scheduler clock) | create+scale API calls | hub CPU per cluster |")
    print("|---|---|---|---|---|---|---|---|")
    for n, r in results.items():
        hand = [x["total"] for x in r["hand"]]
        hub = [x["total"] for x in r["hub"]]
        local = f"{min(r['local']):.2f} / {med(r['local']):.2f} s" if r["local"] else "not run"
        print(f"| {n} | {local} | {min(hand):.2f} / {med(hand):.2f} s | "
              f"{min(hub):.2f} / {med(hub):.2f} s | {paired(r, lambda x: x['total']) * 1000:+.0f} ms | "
              f"{paired(r, lambda x: since(x, 'registered')) * 1000:+.0f} ms | {ms(med(x['api'] for x in r['hub']))} ms | "
              f"{ms(med(x['cpu'] for x in r['hub']))} ms |")
    print()
    print("The scheduler-side timeline (medians, ms from the first request, or the scheduler's Popen by hand; hand / hub, "
          "then the paired median of hub − hand):")
    print("| N | scheduler process started | Scheduler object made | listening (file seen / first report sent) | "
          "last worker process started | last worker registered | listening → workers launched | "
          "Scheduler made → last worker registered |")
    print("|---|---|---|---|---|---|---|---|")
    for n, r in results.items():
        cols = []
        for f in (lambda x: since(x, "scheduler"), lambda x: since(x, "init"), lambda x: since(x, "ready"),
                  lambda x: since(x, "workers"), lambda x: since(x, "registered"), lambda x: x["launched"] - x["ready"],
                  lambda x: x["registered"] - x["init"]):
            cols.append(f"{ms(med(f(x) for x in r['hand']))} / {ms(med(f(x) for x in r['hub']))} ({paired(r, f) * 1000:+.0f})")
        print(f"| {n} | " + " | ".join(cols) + " |")
    print()
    print("The hub's own phases (its Debug lines; medians, ms):")
    print("| N | create: to the scheduler's launch | key + certificate | gate wait | limit check | files | row written | "
          "job started | first report: sent → handled | → answered | launches: intents written | jobs started | handles written |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, r in results.items():
        hub = r["hub"]
        c = lambda k: f"{med(x.get('create', {}).get(k, float('nan')) for x in hub):.1f}"  # noqa: E731
        lch = lambda k: f"{med(x.get('launch', {}).get(k, float('nan')) for x in hub):.1f}"  # noqa: E731
        handled = med(x.get("running_at", float("nan")) - x["ready"] for x in hub) * 1000
        answered = med(x["answered"] - x["ready"] for x in hub) * 1000
        print(f"| {n} | {c('total')} | {c('credentials')} | {c('gate')} | {c('check')} | {c('files')} | {c('row')} | "
              f"{c('launch')} | {handled:.1f} | {answered:.1f} | {lch('intents')} | {lch('jobs')} | {lch('handles')} |")


if __name__ == "__main__":
    main()
