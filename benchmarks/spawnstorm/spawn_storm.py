#!/usr/bin/python3
"""Spawn storm: N simultaneous start requests, Greyhub vs Debian's JupyterHub 3.0, with the same STAND-IN server.

Each hub runs the stand-in single-user command (tests/Greyhub.Testing/Services/stand_in_singleuser.py, a few MB,
not jupyterhub-singleuser) so the figure is the hub's, not Python's import time. Every user asks for a server at
once, then follows its progress stream as the spawn page does. A 429 is retried after its Retry-After (what a
patient user does); the report counts them. Hub CPU is the hub process's (JupyterHub: hub + CHP), from /proc.

Usage: spawn_storm.py --greyhub-dll PATH [--users 100] [--hubs greyhub,jupyterhub]
Stdlib only. Starts and stops only its own processes, by PID.
"""
import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hubproc import cpu_seconds, free_port, jupyterhub_config, stop as stop_within  # noqa: E402


def stop(proc):
    stop_within(proc, 30)


HERE = os.path.dirname(os.path.abspath(__file__))
STAND_IN = os.path.join(HERE, "..", "..", "tests", "Greyhub.Testing", "Services", "stand_in_singleuser.py")


def call(method, url, token, body=None, timeout=600):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {token}"})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def wait_up(url, proc, seconds=90):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"hub exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    sys.exit(f"{url} did not answer in {seconds} s")


def follow(base, token, user):
    """Reads the user's progress stream until ready or failed; returns 'ready' or 'failed'."""
    req = urllib.request.Request(f"{base}/hub/api/users/{user}/server/progress", headers={"Authorization": f"token {token}"})
    for _ in range(3):
        try:
            with urllib.request.urlopen(req, timeout=900) as r:
                for line in r:
                    if line.startswith(b"data: "):
                        event = json.loads(line[6:])
                        if event.get("ready"):
                            return "ready"
                        if event.get("failed"):
                            return "failed"
        except urllib.error.HTTPError as e:
            if e.code != 400:
                raise
        # The stream ended without a verdict, or said "not starting" after a race: ask the model.
        status, _, body = call("GET", f"{base}/hub/api/users/{user}", token)
        server = json.loads(body).get("servers", {}).get("", {}) if status == 200 else {}
        if server.get("ready"):
            return "ready"
        time.sleep(0.5)
    return "failed"


def storm(base, token, users, hub_pids):
    results = {}
    throttled = [0]
    lock = threading.Lock()

    def one(user):
        while True:
            status, headers, _ = call("POST", f"{base}/hub/api/users/{user}/server", token)
            if status == 429:
                with lock:
                    throttled[0] += 1
                time.sleep(float(headers.get("Retry-After") or 30))
                continue
            break
        outcome = follow(base, token, user) if status in (201, 202) else f"http {status}"
        with lock:
            results[user] = outcome

    cpu0 = sum(cpu_seconds(p) for p in hub_pids)
    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    cpu = sum(cpu_seconds(p) for p in hub_pids) - cpu0
    ready = sum(1 for v in results.values() if v == "ready")
    return {"ready": ready, "failed": len(users) - ready, "throttled_429": throttled[0], "seconds": round(elapsed, 1), "hub_cpu_s": round(cpu, 1)}


def stop_servers(base, token, users):
    def one(user):
        call("DELETE", f"{base}/hub/api/users/{user}/server", token)
    threads = [threading.Thread(target=one, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_greyhub(dll, n, tmp):
    data = os.path.join(tmp, "greyhub")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    token = subprocess.run(["dotnet", dll, "token", "--admin", "--data-dir", data, "bench-admin"], check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1].strip()
    env = dict(os.environ, Greyhub__Spawner__Command__0="/usr/bin/python3", Greyhub__Spawner__Command__1="-S",
               Greyhub__Spawner__Command__2=STAND_IN)
    log = open(os.path.join(tmp, "greyhub.log"), "w")
    proc = subprocess.Popen(["dotnet", dll, "serve", "--urls", base, "--data-dir", data], env=env, stdout=log, stderr=log)
    users = [f"s{i}" for i in range(1, n + 1)]
    try:
        wait_up(f"{base}/hub/api/", proc)
        for i in range(0, n, 100):
            call("POST", f"{base}/hub/api/users", token, {"usernames": users[i:i + 100]})
        result = storm(base, token, users, [proc.pid])
        stop_servers(base, token, users)
        return result
    finally:
        stop(proc)
        log.close()


def run_jupyterhub(n, tmp):
    d = os.path.join(tmp, "jupyterhub")
    os.makedirs(os.path.join(d, "home"))
    pub, hubp, chpapi = free_port(), free_port(), free_port()
    svc = secrets.token_hex(24)
    with open(os.path.join(d, "jupyterhub_config.py"), "w") as f:
        f.write(jupyterhub_config(d, pub, hubp, chpapi, f'sqlite:///{d}/jupyterhub.sqlite') + f"""c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'
c.SimpleLocalProcessSpawner.home_dir_template = '{d}/home/{{username}}'
c.Spawner.cmd = ['/usr/bin/python3', '-S', '{STAND_IN}']
""")
    log = open(os.path.join(d, "jupyterhub.log"), "w")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": d, "NODE_PATH": "/usr/share/nodejs",
           "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(24), "BENCH_TOKEN": svc}
    proc = subprocess.Popen(["/usr/bin/jupyterhub", "-f", os.path.join(d, "jupyterhub_config.py")], cwd=d, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{pub}"
    users = [f"s{i}" for i in range(1, n + 1)]
    try:
        wait_up(f"{base}/hub/api/", proc)
        chp = int(open(os.path.join(d, "proxy.pid")).read().strip())
        call("POST", f"{base}/hub/api/users", svc, {"usernames": ["bench-admin"], "admin": True})
        token = json.loads(call("POST", f"{base}/hub/api/users/bench-admin/tokens", svc, {"note": "bench"})[2])["token"]
        for i in range(0, n, 100):
            call("POST", f"{base}/hub/api/users", token, {"usernames": users[i:i + 100]})
        result = storm(base, token, users, [proc.pid, chp])
        stop_servers(base, token, users)
        return result
    finally:
        stop(proc)
        log.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--greyhub-dll", required=True)
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--hubs", default="greyhub,jupyterhub")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="spawnstorm-")
    rows = []
    try:
        for hub in a.hubs.split(","):
            r = run_greyhub(a.greyhub_dll, a.users, tmp) if hub == "greyhub" else run_jupyterhub(a.users, tmp)
            rows.append((hub, r))
            print(f"# {hub}: {r}", file=sys.stderr, flush=True)
    finally:
        if a.keep:
            print(f"# logs in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"| hub ({a.users} simultaneous starts) | ready | failed | 429s retried | seconds until all ready | hub CPU s |")
    print("|---|---|---|---|---|---|")
    for hub, r in rows:
        print(f"| {hub} | {r['ready']} | {r['failed']} | {r['throttled_429']} | {r['seconds']} | {r['hub_cpu_s']} |")


if __name__ == "__main__":
    main()
