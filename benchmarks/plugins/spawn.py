#!/usr/bin/python3
"""Spawn latency and hub CPU per spawn: JupyterHub's spawner through the bridge vs Greyhub's local engine vs JupyterHub 3.0.

Three hubs, each starting a real jupyterhub-singleuser (Debian's) for one user, R rounds interleaved (one round of each
hub, then the next):

  bridge      `greyhub serve` whose spawner is the JupyterHub bridge (python/greyhub_bridge) hosting Debian's
              jupyterhub.spawner.SimpleLocalProcessSpawner (LocalProcessSpawner running as the hub's own account)
  local       `greyhub serve` with its own local engine
  jupyterhub  Debian's JupyterHub 3.0 (/usr/bin/python3 -m jupyterhub), the same SimpleLocalProcessSpawner, its
              configurable-http-proxy, a service token with the admin role

A round is POST /hub/api/users/U/server -> the progress stream says ready -> the first 200 through the proxy on
/user/U/api, then DELETE -> the model shows no server. For each it reads the CPU (user + system, /proc/PID/stat) of the
hub (for JupyterHub: the hub plus its proxy; Greyhub's proxy is in the hub) and, for the bridge, of the bridge process.
The server's own start (its process start -> its port answers) is timed by a watcher that finds the process by its
JUPYTERHUB_USER / JUPYTERHUB_SERVICE_URL and polls its port, so "hub overhead" = spawn time - own start.

For the bridge it also counts the protocol calls of each spawn and the time the bridge spent answering them (tornado's
access log, turned on in the bridge's config), and times the batched POST /v1/spawner/poll for 1 and --poll-servers
(default 1,000) servers against a bridge it starts alone.

Usage: spawn.py --greyhub src/Greyhub.Host/bin/Release/net10.0/greyhub.dll [--greyhub-before OTHER/greyhub.dll]
                [--warmup 10] [--rounds 10] [--hubs bridge,local,jupyterhub] [--keep]
Each hub first spawns --warmup times unmeasured (JIT and tiered compilation, Python imports), then its idle CPU is
measured (its timers and health checks, ms per second) and --rounds spawns are measured.
Stdlib only; starts and stops only its own processes, by PID (servers are stopped through their hub; any left are
ended by PID at the end).
"""
import argparse
import json
import re
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hubproc import TICKS, call, cpu_seconds, free_port, greyhub_command, jupyterhub_config, stop  # noqa: E402

ROOT = os.geteuid() == 0
ARGS = ["--allow-root"] if ROOT else []


def wait_up(url, proc, token=None, seconds=300):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited with {proc.returncode}")
        if call("GET", url, token, timeout=5)[0] == 200:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    except OSError:
        return {}


def start_seconds(pid):
    """The process's start, in seconds since boot (CLOCK_BOOTTIME)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19]) / TICKS


class Watcher(threading.Thread):
    """Finds USER's server process (by its environment) and times its start -> first answer on its own port."""

    def __init__(self, user, known):
        super().__init__(daemon=True)
        self.user, self.known, self.own, self.pid, self.done = user.encode(), known, None, None, threading.Event()

    def run(self):
        end = time.monotonic() + 300
        while not self.done.is_set() and time.monotonic() < end and self.pid is None:
            for d in os.listdir("/proc"):
                if d.isdigit() and int(d) not in self.known:
                    env = environ(int(d))
                    if env.get(b"JUPYTERHUB_USER") == self.user and b"JUPYTERHUB_SERVICE_URL" in env:
                        self.pid, self.url = int(d), env[b"JUPYTERHUB_SERVICE_URL"].decode().rstrip("/") + "/api"
                        break
            time.sleep(0.005)
        while not self.done.is_set() and self.pid is not None and time.monotonic() < end:
            if call("GET", self.url, timeout=5)[0] != 0:  # any answer: its port is up
                self.own = time.clock_gettime(time.CLOCK_BOOTTIME) - start_seconds(self.pid)
                return
            time.sleep(0.005)


def follow(base, token, user, seconds=300):
    req = urllib.request.Request(f"{base}/hub/api/users/{user}/server/progress", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=seconds) as r:
        for line in r:
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if event.get("ready"):
                    return
                if event.get("failed"):
                    raise RuntimeError(f"{user}'s spawn failed: {event}")
    raise RuntimeError(f"{user}'s progress ended without ready")


ACCESS = re.compile(r"^\d{3} (?:GET|POST) /v1/(\S+) \(.*\) ([0-9.]+)ms$")
# Calls whose time is waiting for news (a long poll), not work: counted, their time left out.
WAITING = {"spawner/progress", "spawner/wait"}


def bridge_calls(hub, since):
    """The protocol calls in the bridge's log (tornado's access lines) after offset `since`: {"calls": count of calls
    that answer at once (health-check handshakes left out), "ms": the bridge's time answering them, "waits": count of
    long-polled calls (progress, wait), "handshakes": health checks, "by": count per call}, and the new offset."""
    path = hub.get("bridge_log")
    if not path or not os.path.exists(path):
        return None, since
    with open(path, errors="replace") as f:
        f.seek(since)
        text = f.read()
        end = f.tell()
    out = {"calls": 0, "ms": 0.0, "waits": 0, "handshakes": 0, "by": {}}
    for line in text.splitlines():
        m = ACCESS.match(line.strip().split("] ", 1)[-1])
        if m:
            call_name = m.group(1)
            out["by"][call_name] = out["by"].get(call_name, 0) + 1
            if call_name in WAITING:
                out["waits"] += 1
            elif call_name == "handshake":
                out["handshakes"] += 1
            else:
                out["calls"] += 1
                out["ms"] += float(m.group(2))
    return out, end


def log_size(hub):
    path = hub.get("bridge_log")
    return os.path.getsize(path) if path and os.path.exists(path) else 0


def round_trip(hub, user):
    """One spawn and stop; returns the measures."""
    log0 = log_size(hub)
    pids = hub["cpu_pids"]()
    bridge = hub.get("bridge_pid", lambda: None)()
    known = {int(d) for d in os.listdir("/proc") if d.isdigit()}
    watcher = Watcher(user, known)
    watcher.start()
    c0, b0, t0 = sum(cpu_seconds(p, 0) for p in pids), cpu_seconds(bridge, 0) if bridge else 0, time.monotonic()
    status, body = call("POST", f"{hub['base']}/hub/api/users/{user}/server", hub["token"])
    if status not in (201, 202):
        raise RuntimeError(f"{hub['name']}: POST {user}'s server: {status} {body[:300]!r}")
    follow(hub["base"], hub["token"], user)
    t_ready = time.monotonic()
    end = t_ready + 120
    while call("GET", f"{hub['base']}/user/{user}/api", hub["token"], timeout=10)[0] != 200:
        if time.monotonic() > end:
            raise RuntimeError(f"{hub['name']}: /user/{user}/api never answered 200")
        time.sleep(0.005)
    t_proxied = time.monotonic()
    bridge = bridge or hub.get("bridge_pid", lambda: None)()
    c1, b1 = sum(cpu_seconds(p, 0) for p in pids), cpu_seconds(bridge, 0) if bridge else 0
    watcher.done.set()
    watcher.join(10)
    server_pid = watcher.pid
    hub["servers"].add(server_pid) if server_pid else None
    calls, _ = bridge_calls(hub, log0)
    status, body = call("DELETE", f"{hub['base']}/hub/api/users/{user}/server", hub["token"])
    if status not in (202, 204):
        raise RuntimeError(f"{hub['name']}: DELETE {user}'s server: {status} {body[:300]!r}")
    end = time.monotonic() + 120
    while True:
        s, b = call("GET", f"{hub['base']}/hub/api/users/{user}", hub["token"])
        if s == 200 and not json.loads(b).get("servers"):
            break
        if time.monotonic() > end:
            raise RuntimeError(f"{hub['name']}: {user}'s server did not stop")
        time.sleep(0.01)
    t_stopped = time.monotonic()
    c2, b2 = sum(cpu_seconds(p, 0) for p in pids), cpu_seconds(bridge, 0) if bridge else 0
    return {"ready_s": t_ready - t0, "proxied_s": t_proxied - t0, "own_s": watcher.own, "hub_cpu": c1 - c0,
            "bridge_cpu": (b1 - b0) if bridge else None, "stop_s": t_stopped - t_proxied, "stop_cpu": c2 - c1,
            "stop_bridge_cpu": (b2 - b1) if bridge else None,
            "calls": calls and calls["calls"], "calls_ms": calls and calls["ms"], "waits": calls and calls["waits"],
            "handshakes": calls and calls["handshakes"], "by": calls and calls["by"]}


def start_greyhub(name, greyhub, tmp, bridge_config=None):
    data = os.path.join(tmp, name)
    os.makedirs(data)
    token = subprocess.run(greyhub_command(greyhub) + ["token", "--admin", "--data-dir", data, "bench-admin"], check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1].strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["--Greyhub:Culler:Enabled=false"]
    config = None
    if bridge_config is not None:
        config = os.path.join(data, "greyhub_bridge_config.py")
        with open(config, "w") as f:
            f.write(bridge_config)
        at = "--Greyhub:Compute:Remote:jupyterhub:"
        bridge_dir = os.path.join(os.path.dirname(os.path.abspath(greyhub)), "python", "greyhub_bridge")
        args += ["--Greyhub:Spawner:Plugin=jupyterhub", at + "Command:0=/usr/bin/python3", at + "Command:1=" + bridge_dir,
                 at + "Command:2=-f", at + "Command:3=" + config, at + "LogFile=" + os.path.join(data, "bridge.log")]
    log = open(os.path.join(data, "hub.log"), "w")
    proc = subprocess.Popen(greyhub_command(greyhub) + ["serve", "--urls", base, "--data-dir", data] + args, stdout=log, stderr=log)
    hub = {"name": name, "base": base, "token": token, "procs": [proc], "logs": [log], "servers": set(),
           "cpu_pids": lambda: [proc.pid]}
    if config:
        def bridge_pid():
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        with open(f"/proc/{d}/cmdline", "rb") as f:
                            if config.encode() in f.read().split(b"\0"):
                                return int(d)
                    except OSError:
                        pass
            return None
        hub["bridge_pid"] = bridge_pid
        hub["bridge_log"] = os.path.join(data, "bridge.log")
    wait_up(f"{base}/hub/api/", proc, token)
    return hub


def start_jupyterhub(tmp):
    d = os.path.join(tmp, "jupyterhub")
    os.makedirs(os.path.join(d, "home"))
    pub, hubp, chpapi = free_port(), free_port(), free_port()
    svc = secrets.token_hex(24)
    with open(os.path.join(d, "jupyterhub_config.py"), "w") as f:
        f.write(jupyterhub_config(d, pub, hubp, chpapi, f'sqlite:///{d}/jupyterhub.sqlite') + f"""c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'
c.SimpleLocalProcessSpawner.home_dir_template = '{d}/home/{{username}}'
c.Spawner.args = {ARGS!r}
""")
    log = open(os.path.join(d, "jupyterhub.log"), "w")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": d, "NODE_PATH": "/usr/share/nodejs",
           "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(24), "BENCH_TOKEN": svc}
    proc = subprocess.Popen(["/usr/bin/python3", "-m", "jupyterhub", "-f", os.path.join(d, "jupyterhub_config.py")], cwd=d,
                            env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{pub}"
    hub = {"name": "jupyterhub", "base": base, "token": svc, "procs": [proc], "logs": [log], "servers": set()}
    wait_up(f"{base}/hub/api/", proc)
    chp = int(open(os.path.join(d, "proxy.pid")).read().strip())
    hub["cpu_pids"] = lambda: [proc.pid, chp]
    hub["chp"] = chp
    return hub


def shut(hub):
    for p in hub["procs"]:
        stop(p)
    if hub.get("chp"):  # JupyterHub ends its proxy; only if it did not, by the PID it wrote
        try:
            os.kill(hub["chp"], signal.SIGTERM)
        except OSError:
            pass
    for pid in hub["servers"]:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for log in hub["logs"]:
        log.close()


def bridge_call(port, secret, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/{path}", data=None if body is None else json.dumps(body).encode(), headers={
        "Authorization": f"Bearer {secret}", "Greyhub-Plugin-Protocol": "1", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


def bridge_poll(bridge_dir, tmp, n_servers, repeat):
    """The bridge's POST /v1/spawner/poll timed from this script (urllib on loopback: the round trip, JSON both ways,
    and SimpleLocalProcessSpawner.poll() per server): 1 server, and N servers in one call, each state naming a live
    process (a `sleep` this script starts), so every poll answers "running". The first N-server call builds the N
    Spawner objects from their states (as after a bridge restart); the others reuse them."""
    port, secret = free_port(), secrets.token_hex(16)
    config = os.path.join(tmp, "poll_config.py")
    with open(config, "w") as f:
        f.write(f"c.Bridge.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'\nc.Bridge.server_log_dir = {os.path.join(tmp, 'poll-logs')!r}\n")
    log = open(os.path.join(tmp, "poll-bridge.log"), "w")
    env = dict(os.environ, GREYHUB_PLUGIN_PORT=str(port), GREYHUB_PLUGIN_SECRET=secret)
    env.pop("GREYHUB_PLUGIN_NAME", None)
    bridge = subprocess.Popen(["/usr/bin/python3", bridge_dir, "-f", config], env=env, stdout=log, stderr=log)
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        end = time.monotonic() + 120
        while True:
            try:
                bridge_call(port, secret, "v1/handshake", None)
                break
            except OSError:
                if bridge.poll() is not None or time.monotonic() > end:
                    raise RuntimeError("the bridge did not answer its handshake (see poll-bridge.log with --keep)")
                time.sleep(0.05)

        def state(i):
            return json.dumps({"bridge": 1, "user": {"name": f"p{i}", "admin": False, "groups": []}, "server_name": "",
                               "base_url": f"/user/p{i}/", "service_prefix": f"/user/p{i}/", "url": "http://127.0.0.1:1/",
                               "spawner": {"pid": sleeper.pid}, "log": None}, sort_keys=True)

        states = [state(i) for i in range(n_servers)]

        def timed(batch):
            t = time.perf_counter()
            answer = bridge_call(port, secret, "v1/spawner/poll", {"servers": batch})
            elapsed = time.perf_counter() - t
            if len(answer["statuses"]) != len(batch) or not all(s["running"] for s in answer["statuses"]):
                raise RuntimeError(f"poll answered {answer['statuses'][:2]}")
            return elapsed

        one = [timed(states[:1]) for _ in range(repeat * 10)]
        first = timed(states)
        many = [timed(states) for _ in range(repeat)]
        cpu_before = cpu_seconds(bridge.pid)
        timed(states)
        cpu = cpu_seconds(bridge.pid) - cpu_before
        return {"one_ms": statistics.median(one) * 1000, "first_ms": first * 1000, "many_ms": statistics.median(many) * 1000,
                "many_cpu_ms": cpu * 1000, "n": n_servers}
    finally:
        stop(sleeper, 5)
        stop(bridge)
        log.close()


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, scale=1.0, digits=2):
    return "–" if v is None else f"{v * scale:.{digits}f}"


def idle_cpu(hub, seconds):
    """The hub's CPU per second while nothing happens (its timers, health checks, pollers), in ms/s."""
    pids = hub["cpu_pids"]()
    c0, t0 = sum(cpu_seconds(p, 0) for p in pids), time.monotonic()
    time.sleep(seconds)
    return (sum(cpu_seconds(p, 0) for p in pids) - c0) / (time.monotonic() - t0) * 1000


BRIDGE_CONFIG = ("import logging\n_access = logging.getLogger('tornado.access')\n"
                 "_access.setLevel(logging.INFO)\n_access.addHandler(logging.StreamHandler())\n"
                 "c.Bridge.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'\n"
                 "c.SimpleLocalProcessSpawner.home_dir_template = {home!r} + '/{{username}}'\n"
                 "c.Spawner.args = {args!r}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--greyhub", required=True, help="greyhub.dll (Release build) or the published greyhub executable")
    p.add_argument("--greyhub-before", help="another build (e.g. of main) to compare: adds the hubs bridge-before and local-before")
    p.add_argument("--rounds", type=int, default=10, help="measured spawns per hub")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured spawns per hub first (JIT, tiered compilation, imports)")
    p.add_argument("--idle", type=float, default=5.0, help="seconds of each hub's idle CPU measured after the warm-up")
    p.add_argument("--hubs", help="default: bridge,local,jupyterhub (and bridge-before,local-before with --greyhub-before)")
    p.add_argument("--poll-servers", type=int, default=1000, help="servers in the bridge's batched poll (0: skip it)")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    a = p.parse_args()
    if not shutil.which("jupyterhub-singleuser"):
        sys.exit("jupyterhub-singleuser is missing: apt-get install -y jupyterhub")
    tmp = tempfile.mkdtemp(prefix="plugin-spawn-bench-")
    default = "bridge-before,bridge,local-before,local,jupyterhub" if a.greyhub_before else "bridge,local,jupyterhub"
    names = [n for n in (a.hubs or default).split(",") if n]
    hubs = {}
    results = {n: [] for n in names}
    idle = {}
    poll = None
    users = [f"u{i}" for i in range(a.warmup + a.rounds)]
    try:
        if a.poll_servers:
            bridge_dir = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "greyhub_bridge"))
            poll = bridge_poll(bridge_dir, tmp, a.poll_servers, 10)
            print(f"# bridge poll: {json.dumps({k: round(v, 1) for k, v in poll.items()})}", file=sys.stderr, flush=True)
        for n in names:
            build = a.greyhub_before if n.endswith("-before") else a.greyhub
            if build is None:
                sys.exit(f"hub {n} needs --greyhub-before")
            kind = n.removesuffix("-before")
            if kind == "bridge":
                # tornado's access line for every protocol call (with its time) on the bridge's stderr, its LogFile
                hubs[n] = start_greyhub(n, build, tmp, BRIDGE_CONFIG.format(home=os.path.join(tmp, n + "-home"), args=ARGS))
            elif kind == "local":
                hubs[n] = start_greyhub(n, build, tmp)
            elif kind == "jupyterhub":
                hubs[n] = start_jupyterhub(tmp)
            else:
                sys.exit(f"unknown hub {n}")
            s, b = call("POST", f"{hubs[n]['base']}/hub/api/users", hubs[n]["token"], {"usernames": users})
            if s != 201:
                raise RuntimeError(f"{n}: POST /hub/api/users: {s} {b[:300]!r}")
        # Rounds are interleaved (one spawn of each hub, then the next); the warm-up rounds are not counted.
        for r, user in enumerate(users):
            if r == a.warmup:
                for n in names:
                    idle[n] = idle_cpu(hubs[n], a.idle)
                print(f"# idle CPU ms/s: {json.dumps({k: round(v, 1) for k, v in idle.items()})}", file=sys.stderr, flush=True)
            for n in names:
                m = round_trip(hubs[n], user)
                print(f"# {n} round {r}{' (warm-up)' if r < a.warmup else ''}: {json.dumps({k: v if not isinstance(v, float) else round(v, 3) for k, v in m.items()})}"
                      f" (load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
                if r >= a.warmup:
                    results[n].append(m)
    finally:
        for h in hubs.values():
            shut(h)
        if a.keep:
            print(f"# logs in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"# load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
          f"medians of {a.rounds} rounds after {a.warmup} warm-up rounds per hub")
    print("| hub | POST → ready s | POST → proxied 200 s | server's own start s | hub overhead s | hub CPU ms / spawn | hub idle CPU ms/s | bridge CPU ms / spawn | stop s | hub CPU ms / stop | bridge CPU ms / stop |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in names:
        rs = results[n]
        if not rs:
            continue
        mm = {k: med(r[k] for r in rs) for k in rs[0] if k != "by"}
        overhead = med(r["ready_s"] - r["own_s"] for r in rs if r["own_s"] is not None)
        print(f"| {n} | {fmt(mm['ready_s'])} | {fmt(mm['proxied_s'])} | {fmt(mm['own_s'])} | {fmt(overhead)} | {fmt(mm['hub_cpu'], 1000, 0)} | "
              f"{fmt(idle.get(n), 1, 1)} | {fmt(mm['bridge_cpu'], 1000, 0)} | {fmt(mm['stop_s'])} | {fmt(mm['stop_cpu'], 1000, 0)} | {fmt(mm['stop_bridge_cpu'], 1000, 0)} |")
    rows = [(n, [r for r in results[n] if r.get("calls") is not None]) for n in names]
    rows = [(n, rs) for n, rs in rows if rs]
    if rows:
        print()
        print("Protocol calls of one spawn (POST → proxied 200), from the bridge's access log, medians:")
        print()
        print("| hub | calls answered at once | bridge ms answering them | long-polled calls (waiting) | health-check handshakes | all calls of the measured spawns by kind |")
        print("|---|---:|---:|---:|---:|---|")
        for n, rs in rows:
            by = {}
            for r in rs:
                for k, v in (r["by"] or {}).items():
                    by[k] = by.get(k, 0) + v
            print(f"| {n} | {med(r['calls'] for r in rs):.0f} | {med(r['calls_ms'] for r in rs):.1f} | {med(r['waits'] for r in rs):.0f} | "
                  f"{med(r['handshakes'] for r in rs):.0f} | {', '.join(f'{k} {v}' for k, v in sorted(by.items()))} |")
    if poll:
        print()
        print("| bridge POST /v1/spawner/poll (from this script) | ms |")
        print("|---|---:|")
        print(f"| 1 server, median of 100 | {poll['one_ms']:.2f} |")
        print(f"| {poll['n']:,} servers in one call, first (builds the Spawners from their states) | {poll['first_ms']:.1f} |")
        print(f"| {poll['n']:,} servers in one call, median of 10 | {poll['many_ms']:.1f} |")
        print(f"| {poll['n']:,} servers in one call, the bridge's CPU | {poll['many_cpu_ms']:.0f} |")


if __name__ == "__main__":
    main()
