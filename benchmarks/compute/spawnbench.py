#!/usr/bin/python3
"""Spawn-latency measurement for run.sh (Debian /usr/bin/python3, stdlib only).

  spawnbench.py spawn --base URL --admin-token T --tokens FILE --users u1,u2 [--body JSON] [--pattern S]
                      [--pids-out FILE] [--timeout S] [--no-first200]
        one round: N threads behind a barrier each POST /hub/api/users/{u}/server; 201 = ready, 202 = follow
        /server/progress (SSE) to the "ready": true event; then poll GET /user/{u}/api/status through the hub's
        public port with the user's token every 10 ms until 200. Meanwhile a watcher finds each user's
        single-user process in /proc (cmdline contains PATTERN, environ JUPYTERHUB_USER=u), reads its
        JUPYTERHUB_SERVICE_URL, waits for that port to LISTEN (/proc/net/tcp, every 3 ms) and then sends one
        GET {service url}api directly to the server: its answer = "serving". Prints one JSON object per user.
        --first200-path P --tight [--poll-interval S]: poll /user/{u}/P instead, on one kept-alive connection every S
        seconds (the in-process route-change measurement: ready -> first 200)
  spawnbench.py routelat --api URL --token T --proxy URL --target URL [--n 20] [--interval S]
        route changes on a standalone proxy (CHP's REST API): POST /api/routes/<fresh path> -> first 200 on
        <path>/x.txt through the proxy (kept-alive, every S seconds), then DELETE; one JSON line per change
  spawnbench.py routesum FILE.jsonl...     route-change lines (routelat's, or spawn records) -> median, max, ...
  spawnbench.py stop --base URL --admin-token T --users u1,u2 [--pids FILE] [--timeout S]
        DELETE /hub/api/users/{u}/server for all users at once, wait until GET /hub/api/users/{u} has
        servers == {} and the recorded server processes are gone. Prints a JSON summary.
  spawnbench.py find --user NAME --pattern S
        print the JUPYTERHUB_SERVICE_URL of the running process of NAME (or nothing)
  spawnbench.py duel FILE.jsonl           interleaved proxy runs -> medians per proxy and per-round ratios
  spawnbench.py summary FILE.jsonl...      aggregate spawn rounds (see run.sh) -> JSON
  spawnbench.py wrk FILE                   wrk --latency output -> JSON (rps, p50..p99 ms, requests, errors)
  spawnbench.py report RESULTS_DIR         markdown report from the JSON files run.sh collected
  spawnbench.py set FILE KEY[.KEY...] JSON  set a (nested) key in a JSON file (created if missing)

All timestamps are CLOCK_BOOTTIME seconds (the clock /proc/PID/stat start times use).
"""
import argparse
import http.client
import json
import os
import re
import socket
import statistics
import sys
import threading
import time
import urllib.parse

CLK_TCK = os.sysconf("SC_CLK_TCK")
DEBUG = os.environ.get("SPAWNBENCH_DEBUG") == "1"


def now():
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def split_url(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port or 80, (u.path or "/") + (("?" + u.query) if u.query else "")


def request(base, method, path, token=None, body=None, timeout=60, headers=None):
    host, port, prefix = split_url(base)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    h = dict(headers or {})
    if token:
        h["Authorization"] = "token " + token
    if body is not None:
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, prefix.rstrip("/") + path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, data
    finally:
        conn.close()


# ---------- /proc watcher ----------

def read_proc(pid, name):
    with open(f"/proc/{pid}/{name}", "rb") as f:
        return f.read()


def proc_start(pid):
    """process start (fork) time in CLOCK_BOOTTIME seconds, 1/CLK_TCK resolution"""
    rest = read_proc(pid, "stat").decode().rsplit(")", 1)[1].split()
    return int(rest[19]) / CLK_TCK


def proc_env(pid):
    env = {}
    for item in read_proc(pid, "environ").split(b"\0"):
        k, sep, v = item.partition(b"=")
        if sep:
            env[k.decode(errors="replace")] = v.decode(errors="replace")
    return env


def listening_ports():
    ports = set()
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(fn) as f:
                next(f)
                for line in f:
                    parts = line.split(None, 4)
                    if len(parts) > 3 and parts[3] == "0A":
                        ports.add(int(parts[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


class Watcher(threading.Thread):
    """Finds the single-user processes of the given users and times when they first serve.

    One thread: every 3 ms it lists /proc for new processes (until every user's process is found) and reads
    /proc/net/tcp{,6} (while some server does not serve yet). When a server's port LISTENs (or every 0.5 s
    regardless, as a fallback) a probe thread sends one GET {service url}api, which blocks until the server
    serves; the time of its answer is "serving".
    """

    def __init__(self, users, pattern, pids_out=None, interval=0.003):
        super().__init__(daemon=True)
        self.users = set(users)
        self.pattern = pattern.encode()
        self.pids_out = pids_out
        self.interval = interval
        self.info = {u: {} for u in users}   # user -> pid, t_proc, url, t_listen, t_serving, serving_status
        self.stop_evt = threading.Event()
        self.known = set(int(p) for p in os.listdir("/proc") if p.isdigit())
        self.pending = {}   # pid -> first seen (cmdline did not match yet: fork before exec)
        self.probing = set()
        self.last_try = {}

    def scan(self, t):
        try:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            return
        for pid in pids:
            if pid in self.known:
                continue
            first = self.pending.setdefault(pid, t)
            try:
                cmd = read_proc(pid, "cmdline")
                if self.pattern not in cmd:
                    if t - first > 3:
                        self.known.add(pid)
                        self.pending.pop(pid, None)
                    continue
                env = proc_env(pid)
            except OSError:
                self.known.add(pid)
                self.pending.pop(pid, None)
                continue
            user = env.get("JUPYTERHUB_USER")
            url = env.get("JUPYTERHUB_SERVICE_URL")
            if DEBUG:
                print(f"watcher: {t - first:.3f}s pid {pid} cmdline {cmd[:100]!r} user {user!r} url {url!r}", file=sys.stderr)
            if not env and t - first < 3:
                continue   # environ not readable yet (mid-exec): look again
            if user in self.users and not url and t - first < 30:
                # a wrapper (e.g. a shell that exports JUPYTERHUB_SERVICE_URL and then execs the server) that
                # has not exec'd yet: look again, the same PID gets the URL in its environ after the exec
                continue
            self.known.add(pid)
            self.pending.pop(pid, None)
            if user not in self.users or not url:
                continue
            rec = self.info[user]
            if "pid" in rec:
                rec.setdefault("extra_pids", []).append(pid)   # e.g. a shell and its child
            else:
                try:
                    rec["t_proc"] = proc_start(pid)
                except OSError:
                    rec["t_proc"] = t
                rec["pid"] = pid
                rec["url"] = url
                rec["port"] = split_url(url)[1]
                rec["t_found"] = t
            if self.pids_out:
                with open(self.pids_out, "a") as f:
                    f.write(f"{pid}|{self.pattern.decode()}\n")

    def run(self):
        while not self.stop_evt.is_set():
            t = now()
            if any("pid" not in r for r in self.info.values()):
                self.scan(t)
            waiting = [u for u, r in self.info.items() if "pid" in r and "t_serving" not in r and u not in self.probing]
            if waiting:
                ports = listening_ports()
                for u in waiting:
                    rec = self.info[u]
                    listening = rec["port"] in ports
                    if listening:
                        rec.setdefault("t_listen", t)
                    if listening or t - self.last_try.get(u, 0) > 0.5:
                        self.last_try[u] = t
                        self.probing.add(u)
                        threading.Thread(target=self.probe, args=(u,), daemon=True).start()
            self.stop_evt.wait(self.interval)

    def probe(self, user):
        rec = self.info[user]
        host, port, prefix = split_url(rec["url"])
        try:
            conn = http.client.HTTPConnection(host, port, timeout=60)
            conn.request("GET", prefix + "api")
            r = conn.getresponse()
            r.read()
            rec["t_serving"] = now()
            rec["serving_status"] = r.status
            conn.close()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            self.probing.discard(user)


# ---------- spawn ----------

def follow_progress(base, user, token, timeout):
    host, port, prefix = split_url(base)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", prefix.rstrip("/") + f"/hub/api/users/{user}/server/progress",
                     headers={"Authorization": "token " + token, "Accept": "text/event-stream"})
        r = conn.getresponse()
        if r.status != 200:
            return None, f"progress {r.status}: {r.read()[:200]!r}"
        while True:
            line = r.fp.readline()
            if not line:
                return None, "progress stream ended without ready"
            line = line.strip()
            if line.startswith(b"data:"):
                try:
                    ev = json.loads(line[5:])
                except ValueError:
                    continue
                if ev.get("ready"):
                    return now(), None
                if ev.get("failed"):
                    return None, "spawn failed: " + str(ev.get("message"))
    finally:
        conn.close()


def spawn_one(base, user, admin, token, body, barrier, res, timeout, first200):
    rec = res[user]
    barrier.wait()
    rec["t_post"] = now()
    try:
        status, data = request(base, "POST", f"/hub/api/users/{user}/server", admin, body=body, timeout=timeout)
    except Exception as e:   # noqa: BLE001
        rec["error"] = f"POST: {e!r}"
        return
    rec["t_resp"] = now()
    rec["code"] = status
    if status == 201:
        rec["t_ready"] = rec["t_resp"]
    elif status == 202:
        t, err = follow_progress(base, user, admin, timeout)
        if err:
            rec["error"] = err
            return
        rec["t_ready"] = t
    else:
        rec["error"] = f"POST {status}: {data[:300]!r}"
        return
    if not first200:
        return
    if first200 == "tight":   # the route-change measurement: one kept-alive connection, <= 1 ms between tries
        t, tries, last = poll_200(base.rstrip("/") + f"/user/{user}/{FIRST200_PATH}", now() + timeout, POLL_INTERVAL,
                                  {"Authorization": "token " + token} if token else None)
        rec["first200_misses"] = tries - 1
        rec["first200_last"] = last
        if t is None:
            rec["error"] = f"no 200 on /user/{user}/{FIRST200_PATH} via the proxy (last: {last})"
        else:
            rec["t_first200"] = t
        return
    deadline = now() + timeout
    while now() < deadline:
        try:
            status, _ = request(base, "GET", f"/user/{user}/api/status", token, timeout=10)
        except Exception:   # noqa: BLE001
            status = 0
        if status == 200:
            rec["t_first200"] = now()
            return
        rec["first200_misses"] = rec.get("first200_misses", 0) + 1
        time.sleep(0.01)
    rec["error"] = "no 200 on /api/status via the proxy"


FIRST200_PATH = "api/status"
POLL_INTERVAL = 0.001


def poll_200(url, deadline, interval=0.0005, headers=None):
    """GET url on one kept-alive connection (reconnecting when it closes) until 200, sleeping `interval` between
    tries -> (time of the 200 or None, tries, last status or error)"""
    host, port, path = split_url(url)
    conn = None
    tries = 0
    last = None
    try:
        while now() < deadline:
            tries += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=10)
                conn.request("GET", path, headers=headers or {})
                r = conn.getresponse()
                r.read()
                last = r.status
                if r.status == 200:
                    return now(), tries, last
                if r.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                last = type(e).__name__
                if conn is not None:
                    conn.close()
                conn = None
            time.sleep(interval)
        return None, tries, last
    finally:
        if conn is not None:
            conn.close()


def cmd_spawn(a):
    global FIRST200_PATH, POLL_INTERVAL
    sys.setswitchinterval(0.0005)   # keep timestamps of waiting threads within ~1 ms
    FIRST200_PATH = a.first200_path.lstrip("/")
    POLL_INTERVAL = a.poll_interval
    users = a.users.split(",")
    tokens = json.load(open(a.tokens)) if a.tokens else {}
    res = {u: {"user": u} for u in users}
    w = Watcher(users, a.pattern, a.pids_out)
    w.start()
    time.sleep(0.05)
    barrier = threading.Barrier(len(users))
    threads = [threading.Thread(target=spawn_one,
                                args=(a.base, u, a.admin_token, tokens.get(u), a.body, barrier, res, a.timeout,
                                      False if a.no_first200 else ("tight" if a.tight else True)))
               for u in users]
    t0 = now()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # give the watcher time to record "serving" if the hub answered before our probe did
    deadline = now() + 10
    while now() < deadline and any("t_serving" not in w.info[u] and "pid" in w.info[u] for u in users):
        time.sleep(0.01)
    w.stop_evt.set()
    for u in users:
        res[u].update(w.info[u])
        res[u]["t_round"] = t0
        print(json.dumps(res[u]))


# ---------- stop ----------

def pid_alive(pid):
    try:
        st = read_proc(pid, "stat").decode().rsplit(")", 1)[1].split()[0]
        return st not in ("Z", "X")
    except OSError:
        return False


def cmd_stop(a):
    users = a.users.split(",")
    out = {}
    t0 = now()

    def one(u):
        try:
            status, data = request(a.base, "DELETE", f"/hub/api/users/{u}/server", a.admin_token, timeout=a.timeout)
        except Exception as e:   # noqa: BLE001
            out[u] = f"DELETE failed: {e!r}"
            return
        out[u] = status
    threads = [threading.Thread(target=one, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = {u: s for u, s in out.items() if s not in (202, 204, 400, 404)}
    deadline = now() + a.timeout
    left = set(users)
    while left and now() < deadline:
        for u in list(left):
            try:
                status, data = request(a.base, "GET", f"/hub/api/users/{u}", a.admin_token, timeout=10)
                if status == 200 and json.loads(data).get("servers", {}) == {}:
                    left.discard(u)
            except Exception:   # noqa: BLE001
                pass
        if left:
            time.sleep(0.05)
    t_api = now() - t0
    pids = []
    if a.pids and os.path.exists(a.pids):
        for line in open(a.pids):
            pid, _, pat = line.strip().partition("|")
            if pid.isdigit():
                pids.append((int(pid), pat))
    while now() < deadline and any(pid_alive(p) and pat.encode() in read_proc_safe(p) for p, pat in pids):
        time.sleep(0.05)
    alive = [p for p, pat in pids if pid_alive(p) and pat.encode() in read_proc_safe(p)]
    print(json.dumps({"delete_codes": out, "bad": bad, "not_empty": sorted(left), "alive": alive,
                      "api_s": round(t_api, 3), "total_s": round(now() - t0, 3)}))
    if left or bad or alive:
        sys.exit(1)


def read_proc_safe(pid):
    try:
        return read_proc(pid, "cmdline")
    except OSError:
        return b""


def cmd_find(a):
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            if a.pattern.encode() not in read_proc(p, "cmdline"):
                continue
            env = proc_env(p)
        except OSError:
            continue
        if env.get("JUPYTERHUB_USER") == a.user and env.get("JUPYTERHUB_SERVICE_URL"):
            print(env["JUPYTERHUB_SERVICE_URL"])
            return


# ---------- route changes ----------

def cmd_routelat(a):
    """a standalone proxy (CHP's REST API): add a route for a fresh path, then GET {path}/x.txt through the proxy on a
    kept-alive connection (<= 1 ms between tries) until 200; delete the route; N times. One JSON line per try."""
    sys.setswitchinterval(0.0005)
    auth = {"Authorization": "token " + a.token}
    body = json.dumps({"target": a.target})
    for i in range(1, a.n + 1):
        path = f"{a.prefix}{os.getpid()}-{i}"
        url = a.proxy.rstrip("/") + path + "/" + a.suffix
        rec = {"i": i, "path": path}
        try:   # before the route exists the proxy must not answer 200 (else the measurement measures nothing)
            rec["before"], _ = request(url, "GET", "", timeout=10)
        except Exception as e:   # noqa: BLE001
            rec["before"] = type(e).__name__
        t0 = now()
        try:
            status, data = request(a.api, "POST", "/api/routes" + path, a.token, body=body, timeout=10)
        except Exception as e:   # noqa: BLE001
            status, data = 0, repr(e).encode()
        t_api = now()
        rec["post"] = status
        if status // 100 != 2:
            rec["error"] = f"POST /api/routes{path} -> {status}: {data[:200]!r}"
        else:
            t, tries, last = poll_200(url, t_api + a.timeout, a.interval)
            rec.update(api_s=t_api - t0, tries=tries, last=last)
            if t is None:
                rec["error"] = f"no 200 on {path}/{a.suffix} within {a.timeout} s (last: {last})"
            else:
                rec["route_s"] = t - t0
                rec["after_api_s"] = t - t_api
        try:
            rec["delete"], _ = request(a.api, "DELETE", "/api/routes" + path, a.token, timeout=10)
        except Exception as e:   # noqa: BLE001
            rec["delete"] = type(e).__name__
        print(json.dumps(rec), flush=True)
        time.sleep(a.pause)


def cmd_routesum(a):
    """route-change JSON lines -> {n, med, max, min, errors, ...}. Standalone proxies: route_s (POST /api/routes ->
    first 200). In-process hub (spawn records): t_ready -> t_first200, and t_post -> t_first200."""
    recs = [json.loads(line) for f in a.files for line in open(f) if line.strip()]
    vals, post_vals, tries, errors, before = [], [], [], [], []
    for r in recs:
        if r.get("error"):
            errors.append(r["error"])
        if "route_s" in r:
            vals.append(r["route_s"])
        elif "t_first200" in r and "t_ready" in r:
            vals.append(r["t_first200"] - r["t_ready"])
            post_vals.append(r["t_first200"] - r["t_post"])
        if "tries" in r:
            tries.append(r["tries"])
        elif "first200_misses" in r:
            tries.append(r["first200_misses"] + 1)
        if "before" in r:
            before.append(r["before"])
    out = {"n": len(vals), "med": med(vals), "min": min(vals, default=None), "max": max(vals, default=None),
           "all": vals, "tries_med": med(tries), "tries_max": max(tries, default=None), "errors": errors[:5],
           "n_errors": len(errors), "before": sorted({str(b) for b in before})}
    if post_vals:
        out["post_med"] = med(post_vals)
        out["post_max"] = max(post_vals)
    print(json.dumps(out))


# ---------- summaries ----------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def cmd_summary(a):
    """each FILE = one round (JSON lines, one per user) -> per-round values, then median/min/max over rounds"""
    rounds = []
    for fn in a.files:
        recs = [json.loads(line) for line in open(fn) if line.strip()]
        errors = [f"{r['user']}: {r['error']}" for r in recs if r.get("error")]
        def d(r, a_, b_):
            return (r[b_] - r[a_]) if a_ in r and b_ in r else None
        ready = [d(r, "t_post", "t_ready") for r in recs]
        first = [d(r, "t_post", "t_first200") for r in recs]
        own = [d(r, "t_proc", "t_serving") for r in recs]
        dispatch = [d(r, "t_post", "t_proc") for r in recs]
        notice = [d(r, "t_serving", "t_ready") for r in recs]
        total_over = [(x - y) if x is not None and y is not None else None for x, y in zip(ready, own)]
        t_post0 = min(r["t_post"] for r in recs if "t_post" in r)
        all_ready = max(r["t_ready"] for r in recs if "t_ready" in r) - t_post0 if all("t_ready" in r for r in recs) else None
        all_first = max(r["t_first200"] for r in recs if "t_first200" in r) - t_post0 if all("t_first200" in r for r in recs) else None
        codes = {}
        for r in recs:
            codes[str(r.get("code"))] = codes.get(str(r.get("code")), 0) + 1
        rounds.append({
            "n": len(recs), "errors": errors, "codes": codes,
            "all_ready": all_ready, "all_first200": all_first,
            "ready_med": med(ready), "first200_med": med(first), "own_start_med": med(own),
            "dispatch_med": med(dispatch), "notice_med": med(notice),
            "notice_max": max([x for x in notice if x is not None], default=None),
            "notice_min": min([x for x in notice if x is not None], default=None),
            "total_overhead_med": med(total_over),
            "missing_serving": sum(1 for r in recs if "t_serving" not in r),
            "serving_status": sorted({r.get("serving_status") for r in recs if "serving_status" in r}),
        })
    agg = {"rounds": rounds}
    keys = [k for k in rounds[0] if k not in ("n", "errors", "codes", "missing_serving", "serving_status")] if rounds else []
    for k in keys:
        vals = [r[k] for r in rounds if r[k] is not None]
        agg[k] = {"med": statistics.median(vals), "min": min(vals), "max": max(vals)} if vals else None
    codes = {}
    for r in rounds:
        for c, n in r["codes"].items():
            codes[c] = codes.get(c, 0) + n
    agg["codes"] = codes
    agg["errors"] = [e for r in rounds for e in r["errors"]]
    agg["missing_serving"] = sum(r["missing_serving"] for r in rounds)
    agg["serving_status"] = sorted({s for r in rounds for s in r["serving_status"]})
    print(json.dumps(agg))


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * UNITS_MS[m.group(2)] if m else None


def parse_wrk(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    out = {}
    m = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    out["rps"] = float(m.group(1)) if m else None
    for q, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", text, re.M):
        out["p" + q] = to_ms(v)
    m = re.search(r"^\s*(\d+) requests in ([0-9.]+\w+)", text, re.M)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["sockerr"] = sum(int(x) for x in m.groups()) if m else 0
    return out


def cmd_wrk(a):
    print(json.dumps(parse_wrk(a.file)))


def cmd_duel(a):
    """interleaved proxy runs (JSON lines: proxy, round, threads, rps, p50, p99, requests, cpu_s) -> medians per wrk
    thread count and proxy"""
    runs = [json.loads(line) for line in open(a.file) if line.strip()]
    out = {"rounds": max((r["round"] for r in runs), default=0), "groups": []}
    for threads in dict.fromkeys(r.get("threads", 0) for r in runs):
        group = {"threads": threads, "proxies": {}}
        mine_t = [r for r in runs if r.get("threads", 0) == threads]
        for name in dict.fromkeys(r["proxy"] for r in mine_t):
            mine = [r for r in mine_t if r["proxy"] == name]
            group["proxies"][name] = {
                "rps": med([r["rps"] for r in mine]),
                "rps_all": [r["rps"] for r in mine],
                "p50": med([r.get("p50") for r in mine]),
                "p99": med([r.get("p99") for r in mine]),
                "p99_all": [r.get("p99") for r in mine],
                "us_per_req": med([1e6 * r["cpu_s"] / r["requests"] if r["requests"] else None for r in mine]),
                "errors": sum(r["non2xx"] + r["sockerr"] for r in mine),
            }
        # the ratio of each round (both loaded within seconds of each other), then its median
        by_round = {}
        for r in mine_t:
            by_round.setdefault(r["round"], {})[r["proxy"]] = r
        for x, y in (("greyhub", "chp"), ("nginx", "chp"), ("greyhub", "nginx"), ("greyhub", "direct"), ("chp", "direct"),
                     ("greyproxy", "chp"), ("greyproxy", "nginx"), ("greyproxy", "greyhub"), ("greyproxy", "direct")):
            vals = [d[x]["rps"] / d[y]["rps"] for d in by_round.values() if d.get(x) and d.get(y) and d[y]["rps"]]
            group[f"{x}_over_{y}"] = {"med": med(vals), "min": min(vals, default=None), "max": max(vals, default=None)}
        # requests per proxy CPU-second: what each proxy could serve with a core to itself
        for x in ("greyhub", "greyproxy", "nginx"):
            vals = [(d[x]["requests"] / d[x]["cpu_s"]) / (d["chp"]["requests"] / d["chp"]["cpu_s"])
                    for d in by_round.values() if d.get(x) and d.get("chp") and d[x]["cpu_s"] and d["chp"]["cpu_s"]
                    and d["chp"]["requests"]]
            group[f"{x}_over_chp_per_cpu"] = {"med": med(vals), "min": min(vals, default=None), "max": max(vals, default=None)}
        for name, x in group["proxies"].items():   # requests per proxy CPU-second (median over the rounds)
            x["per_cpu"] = med([r["requests"] / r["cpu_s"] for r in mine_t if r["proxy"] == name and r.get("cpu_s")])
        out["groups"].append(group)
    print(json.dumps(out))


# ---------- report ----------

def load(dirname, hub):
    p = os.path.join(dirname, hub + ".json")
    return json.load(open(p)) if os.path.exists(p) else None


def g(obj, *keys):
    for k in keys:
        if obj is None:
            return None
        obj = obj.get(k) if isinstance(obj, dict) else None
    return obj


def fs(x):   # seconds -> text
    if x is None:
        return "-"
    if x < 0.1:
        return f"{x * 1000:.1f} ms"
    return f"{x:.2f} s"


def fms(x):
    if x is None:
        return "-"
    return f"{x:.0f}" if x >= 100 else (f"{x:.1f}" if x >= 10 else f"{x:.2f}")


def frps(x):
    return "-" if x is None else (f"{x:.0f}" if x >= 100 else f"{x:.1f}")


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    r = a / b
    return f"{r:.0f}×" if r >= 10 else (f"{r:.2f}×" if r >= 0.1 else f"{r:.3f}×")


def spread(s):
    """{'med','min','max'} of seconds -> 'med (min–max)'"""
    if not s:
        return "-"
    if s["min"] == s["max"]:
        return fs(s["med"])
    return f"{fs(s['med'])} ({fs(s['min'])}–{fs(s['max'])})"


def mib(kib):
    return "-" if not kib else f"{kib / 1024:.1f}"


def cmd_report(a):
    gh = load(a.dir, "greyhub")
    jh = load(a.dir, "jupyterhub")
    meta = json.load(open(os.path.join(a.dir, "meta.json")))
    L = []
    L.append(f"## Compute: spawn latency and proxy throughput, Greyhub vs JupyterHub 3.0 + CHP ({meta['stamp']})")
    L.append("")
    L.append(f"- machine: {meta['cores']} cores, {meta['mem']}, load average at start {meta['load']} (shared with other work)")
    L.append(f"- Greyhub: {g(gh, 'desc') or 'not run'}")
    L.append(f"- JupyterHub: {g(jh, 'desc') or 'not run'}")
    L.append(f"- spawn: `POST /hub/api/users/{{u}}/server` (admin token; 201 = ready, 202 = follow `/server/progress` to `\"ready\": true`), "
             f"1 user: median of {meta['reps']} rounds after 1 unmeasured warm-up; {meta['nconc']} users concurrently behind a barrier: "
             f"{meta['reps']} rounds, value = median over rounds (min–max); servers stopped with `DELETE` and `servers == {{}}` awaited between rounds")
    L.append("- \"serving\" = the single-user server's own port (from `JUPYTERHUB_SERVICE_URL` in /proc/PID/environ of the process) first answers "
             "`GET /user/{u}/api` (probe sent when the port LISTENs, /proc/net/tcp read every 3 ms); \"process start\" = /proc/PID/stat "
             f"start time (1/{CLK_TCK} s resolution)")
    L.append(f"- wrk: `wrk -t{meta['threads']} -c{meta['connections']} -d{meta['duration']} --latency` after a {meta['warmup']} unreported warm-up; "
             "single-user runs with `-H \"Authorization: token <u1 token>\"`; fast upstream = nginx (1 worker) serving a 1 KiB file "
             "(`benchmarks/compute/nginx-server.sh`)")
    L.append("")
    L.append("| metric | Greyhub | JupyterHub 3.0 / CHP | Greyhub / JH | target | met |")
    L.append("|---|---:|---:|---:|---|---|")

    def row_s(label, key, sub="med", target="", check=None):
        a_ = g(gh, *key)
        b_ = g(jh, *key)
        av = a_.get(sub) if isinstance(a_, dict) else a_
        bv = b_.get(sub) if isinstance(b_, dict) else b_
        met = "-"
        if check and av is not None:
            met = "yes" if check(av, bv) else "**no**"
        L.append(f"| {label} | {spread(a_) if isinstance(a_, dict) else fs(a_)} | {spread(b_) if isinstance(b_, dict) else fs(b_)} | {ratio(av, bv)} | {target} | {met} |")

    one = ("spawn1",)
    many = ("spawnN",)
    n = meta["nconc"]
    row_s("1 user: POST → ready", one + ("ready_med",))
    row_s("1 user: POST → first proxied 200 on `/user/u1/api/status`", one + ("first200_med",))
    row_s("1 user: server's own start (process start → serving)", one + ("own_start_med",))
    row_s("1 user: POST → process start (hub before the exec)", one + ("dispatch_med",))
    row_s("1 user: **hub overhead = serving → ready**", one + ("notice_med",), target="≤ 10 ms", check=lambda a_, b_: a_ <= 0.010)
    row_s("1 user: POST → ready minus the server's own start (all hub time)", one + ("total_overhead_med",), target="(≤ 10 ms)", check=lambda a_, b_: a_ <= 0.010)
    row_s(f"{n} users: POST → all ready", many + ("all_ready",))
    row_s(f"{n} users: per-user POST → ready (median of {n})", many + ("ready_med",))
    row_s(f"{n} users: POST → all first proxied 200", many + ("all_first200",))
    row_s(f"{n} users: server's own start (median of {n})", many + ("own_start_med",))
    row_s(f"{n} users: POST → process start (median of {n})", many + ("dispatch_med",))
    row_s(f"{n} users: **hub overhead = serving → ready** (median of {n})", many + ("notice_med",), target="≤ 10 ms", check=lambda a_, b_: a_ <= 0.010)
    row_s(f"{n} users: hub overhead, worst of {n}", many + ("notice_max",))
    row_s(f"{n} users: POST → ready minus the server's own start (median of {n})", many + ("total_overhead_med",), target="(≤ 10 ms)", check=lambda a_, b_: a_ <= 0.010)

    def wrk_rows(label, key, target_rps=None, target_p99=None):
        a_ = g(gh, "wrk", key)
        b_ = g(jh, "wrk", key)
        met_rps = met_p99 = "-"
        if target_rps and a_ and b_ and a_.get("rps") and b_.get("rps"):
            met_rps = "yes" if a_["rps"] >= target_rps * b_["rps"] else "**no**"
        if target_p99 and a_ and a_.get("p99") is not None:
            met_p99 = "yes" if a_["p99"] <= target_p99 else "**no**"
        L.append(f"| {label} req/s | {frps(g(a_, 'rps'))} | {frps(g(b_, 'rps'))} | {ratio(g(a_, 'rps'), g(b_, 'rps'))} | {'≥ %d× CHP' % target_rps if target_rps else ''} | {met_rps} |")
        L.append(f"| {label} p50 ms | {fms(g(a_, 'p50'))} | {fms(g(b_, 'p50'))} | {ratio(g(a_, 'p50'), g(b_, 'p50'))} | | |")
        L.append(f"| {label} p99 ms | {fms(g(a_, 'p99'))} | {fms(g(b_, 'p99'))} | {ratio(g(a_, 'p99'), g(b_, 'p99'))} | {'≤ %g ms' % target_p99 if target_p99 else ''} | {met_p99} |")
        errs = [f"{h}: {x['non2xx']} non-2xx, {x['sockerr']} socket errors" for h, x in (("Greyhub", a_), ("JH", b_))
                if x and (x.get("non2xx") or x.get("sockerr"))]
        if errs:
            L.append(f"| {label} errors | {'; '.join(errs)} | | | | |")

    wrk_rows("`/user/u1/api` through the proxy", "u1_proxy")
    wrk_rows("`/user/u1/api` direct on the server's port", "u1_direct")
    wrk_rows("fast upstream `/user/fast/x.txt` through the proxy", "fast_proxy", target_rps=10, target_p99=5)
    wrk_rows("fast upstream direct on nginx", "fast_direct")
    wrk_rows("reference: fast upstream through nginx as the proxy (1 worker, kept-alive upstream)", "fast_nginxproxy")
    ga, gb = g(gh, "wrk", "fast_proxy", "rps"), g(gh, "wrk", "fast_nginxproxy", "rps")
    if ga and gb:
        L.append(f"| Greyhub's proxy req/s as a share of nginx-as-proxy's (same phase) | {100 * ga / gb:.0f} % | | | | |")
    ga, gb = g(jh, "wrk", "fast_nginxproxy", "rps"), g(jh, "wrk", "fast_proxy", "rps")
    if ga and gb:
        L.append(f"| nginx-as-proxy req/s ÷ CHP's (JupyterHub phase): what 10× CHP asks of a proxy here | | {ga / gb:.1f}× | | | |")
    ga, jb = g(gh, "cpu", "fast_proxy"), g(jh, "cpu", "fast_proxy")
    L.append(f"| proxy CPU % during the fast-upstream run (100 = 1 core) | {ga if ga is not None else '-'} | {jb if jb is not None else '-'} (CHP) | | | |")
    ga, jb = g(gh, "percpu", "fast_proxy"), g(jh, "percpu", "fast_proxy")
    L.append(f"| fast upstream through the proxy: requests per proxy CPU-second | {frps(ga)} | {frps(jb)} | {ratio(ga, jb)} | | |")
    L.append(f"| proxy VmRSS before the proxy runs, MiB | {mib(g(gh, 'rss', 'proxy_before'))} | {mib(g(jh, 'rss', 'proxy_before'))} (CHP) | {ratio(g(gh, 'rss', 'proxy_before'), g(jh, 'rss', 'proxy_before'))} | | |")
    L.append(f"| proxy VmRSS after {g(gh, 'rss', 'requests') or '-'} / {g(jh, 'rss', 'requests') or '-'} requests to the fast upstream through it, MiB | "
             f"{mib(g(gh, 'rss', 'proxy_after'))} | {mib(g(jh, 'rss', 'proxy_after'))} (CHP) | {ratio(g(gh, 'rss', 'proxy_after'), g(jh, 'rss', 'proxy_after'))} | | |")
    def series(d):
        ser = g(d, "rss", "series")
        if not ser or len(ser) < 2:
            return "-"
        step = max(1, len(ser) // 8)
        pts = ser[::step] + ([ser[-1]] if (len(ser) - 1) % step else [])
        return "; ".join(f"{n / 1000:.0f}k → {k / 1024:.1f}" for n, k in pts) + f" (push: {g(d, 'rss', 'push_s')} s)"
    L.append(f"| proxy VmRSS along the push (requests → MiB) | {series(gh)} | {series(jh)} | | | |")
    if jh and g(jh, "rss", "hub_after"):
        L.append(f"| JupyterHub hub process VmRSS at the end (not in the proxy), MiB | | {mib(g(jh, 'rss', 'hub_after'))} | | | |")
    L.append("")
    L.append("Greyhub is hub and proxy in one process, so its VmRSS row is the whole hub; for JupyterHub it is CHP alone (the hub "
             "process is listed separately). Spawn rows: median over rounds, (min–max) over rounds. \"hub overhead\" = the time from the "
             "server first answering on its own port until the hub reports it ready (201 / the ready event); the row below it also "
             "counts the hub's time before the process starts. Ratios = Greyhub / JupyterHub (lower is better for times).")
    for hub, d in (("Greyhub", gh), ("JupyterHub", jh)):
        if not d:
            continue
        notes = []
        for k in ("spawn1", "spawnN"):
            s = d.get(k) or {}
            if s.get("codes"):
                notes.append(f"{k} POST answers {s['codes']}")
            if s.get("errors"):
                notes.append(f"{k} errors: {s['errors'][:5]}")
            if s.get("missing_serving"):
                notes.append(f"{k}: {s['missing_serving']} spawns without a 'serving' time")
        if d.get("warmup_s") is not None:
            notes.append(f"warm-up spawn POST → ready {fs(d['warmup_s'])}")
        if d.get("notes"):
            notes += d["notes"]
        if notes:
            L.append("")
            L.append(f"{hub}: " + "; ".join(str(x) for x in notes))
    duel_path = os.path.join(a.dir, "duel.json")
    duel = json.load(open(duel_path)) if os.path.exists(duel_path) else None
    if duel and duel.get("groups"):
        L.append("")
        L.append(f"### The proxy, interleaved: Greyhub (in-process and `greyhub proxy`), CHP and nginx in front of one upstream, loaded in turn ({duel['rounds']} rounds, medians)")
        L.append("")
        L.append("The rows above measure each hub in its own phase, minutes apart; this machine's speed drifts by ±20 % over minutes. "
                 "Here the proxies run at the same time in front of the same nginx (`/user/fast/x.txt`) and wrk loads them in turn "
                 f"(`-c{meta['connections']}`, one unreported warm-up each; each round loads every proxy once per wrk thread count). "
                 "\"Greyhub\" is the hub's in-process proxy (`greyhub serve`, the hub's own port); \"greyhub proxy\" is the same Release "
                 "build's proxy brick in its own process, started with CHP's command line (`--ip --port --api-ip --api-port`, token in "
                 "`CONFIGPROXY_AUTH_TOKEN`) and given its route through the REST API exactly as CHP is. "
                 "CHP is the Debian package's configurable-http-proxy started as JupyterHub starts it, with the route JupyterHub would add. "
                 "wrk, the proxy and the upstream share this machine's cores: a second wrk thread adds nothing to the load a single one "
                 "can make and takes CPU from the proxy and the upstream, so the runs with one thread are the measure; the runs with two "
                 "show how much that costs each proxy.")
        L.append("")
        L.append("| wrk | proxy | req/s | ÷ CHP | share of nginx-as-proxy | p50 ms | p99 ms | req per proxy CPU-second | proxy CPU µs per request | req/s each round | p99 each round |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for grp in duel["groups"]:
            for name, label in (("greyhub", "Greyhub, in-process (`greyhub serve`)"), ("greyproxy", "Greyhub, own process (`greyhub proxy`)"),
                                ("chp", "CHP"), ("nginx", "nginx as the proxy (1 worker)")):
                x = grp["proxies"].get(name)
                if not x:
                    continue
                oc = g(grp, f"{name}_over_chp", "med")
                on = g(grp, f"{name}_over_nginx", "med")
                L.append(f"| -t{grp['threads']} | {label} | {frps(x['rps'])} | {'-' if oc is None else f'{oc:.1f}×'} | "
                         f"{'-' if on is None else f'{100 * on:.0f} %'} | {fms(x['p50'])} | {fms(x['p99'])} | {frps(x.get('per_cpu'))} | {fms(x['us_per_req'])} | "
                         f"{', '.join(frps(v) for v in x['rps_all'])} | {', '.join(fms(v) for v in x['p99_all'])} |")
        def rr(grp, k):
            v = grp.get(k) or {}
            return "-" if v.get("med") is None else f"{v['med']:.2f}× ({v['min']:.2f}–{v['max']:.2f})"
        L.append("")
        L.append("÷ CHP and the share of nginx-as-proxy are medians of the per-round ratios (each round loads the proxies within "
                 "seconds of each other).")
        L.append("")
        for grp in duel["groups"]:
            for name, label in (("greyhub", "Greyhub in-process"), ("greyproxy", "`greyhub proxy`")):
                if name not in grp["proxies"]:
                    continue
                gx = g(grp, f"{name}_over_chp", "med")
                gn = g(grp, f"{name}_over_nginx", "med")
                p99 = g(grp, "proxies", name, "p99")
                L.append(f"- wrk -t{grp['threads']}, {label}: **÷ CHP, req/s** {rr(grp, f'{name}_over_chp')}, "
                         f"target ≥ 10× {'met' if gx is not None and gx >= 10 else '**not met**'}; **share of nginx-as-proxy** "
                         f"{rr(grp, f'{name}_over_nginx')}, target ≥ 0.80× {'met' if gn is not None and gn >= 0.8 else '**not met**'}; "
                         f"**p99** {fms(p99)} ms, target ≤ 5 ms {'met' if p99 is not None and p99 <= 5 else '**not met**'}; "
                         f"requests per proxy CPU-second ÷ CHP's {rr(grp, f'{name}_over_chp_per_cpu')}")
            L.append(f"- wrk -t{grp['threads']}: nginx-as-proxy ÷ CHP {rr(grp, 'nginx_over_chp')}; `greyhub proxy` ÷ in-process "
                     f"{rr(grp, 'greyproxy_over_greyhub')}")
            errs = [f"{n}: {x['errors']}" for n, x in grp["proxies"].items() if x.get("errors")]
            if errs:
                L.append(f"  - non-2xx responses or socket errors: {'; '.join(errs)}")
    slow_path = os.path.join(a.dir, "duel-u1.json")
    slow = json.load(open(slow_path)) if os.path.exists(slow_path) else None
    if slow and slow.get("groups"):
        grp = slow["groups"][0]
        L.append("")
        L.append(f"### The single-user server's `/api` through each proxy, interleaved ({slow['rounds']} rounds, medians)")
        L.append("")
        L.append("u1's `jupyterhub-singleuser` (Python, one core at most) behind Greyhub, behind `greyhub proxy` and the same standalone CHP (route "
                 f"`/user/u1` added through their API) and on its own port, loaded in turn (`wrk -t{grp['threads']} -c{meta['connections']}` with u1's token).")
        L.append("")
        L.append("| path | req/s | p50 ms | p99 ms | proxy CPU µs per request | req/s each round |")
        L.append("|---|---:|---:|---:|---:|---|")
        for name, label in (("greyhub", "through Greyhub (in-process)"), ("greyproxy", "through `greyhub proxy`"), ("chp", "through CHP"),
                            ("direct", "direct on the server's port")):
            x = grp["proxies"].get(name)
            if x:
                L.append(f"| {label} | {frps(x['rps'])} | {fms(x['p50'])} | {fms(x['p99'])} | {fms(x['us_per_req']) if name != 'direct' else '-'} | "
                         f"{', '.join(frps(v) for v in x['rps_all'])} |")
        def rr1(k):
            v = grp.get(k) or {}
            return "-" if v.get("med") is None else f"{v['med']:.2f}× ({v['min']:.2f}–{v['max']:.2f})"
        L.append("")
        L.append(f"- Greyhub ÷ CHP {rr1('greyhub_over_chp')}; Greyhub ÷ direct {rr1('greyhub_over_direct')}; `greyhub proxy` ÷ CHP "
                 f"{rr1('greyproxy_over_chp')}; `greyhub proxy` ÷ direct {rr1('greyproxy_over_direct')}; CHP ÷ direct {rr1('chp_over_direct')} "
                 "(median of the per-round ratios, min–max)")
    routes = [(label, json.load(open(os.path.join(a.dir, f"route-{k}.json"))))
              for k, label in (("greyhub", "Greyhub, in-process (hub spawn of an nginx server: ready → first 200)"),
                               ("greyproxy", "`greyhub proxy` (POST /api/routes → first 200)"),
                               ("chp", "CHP (POST /api/routes → first 200)"))
              if os.path.exists(os.path.join(a.dir, f"route-{k}.json"))]
    if routes:
        L.append("")
        L.append("### Route change → first proxied 200")
        L.append("")
        L.append("Standalone proxies: a route for a fresh path (`/rt<pid>-<i>`, target: a catch-all nginx answering 200) is added with "
                 "`POST /api/routes/...`; the clock starts before the POST is sent and stops at the first 200 on `<path>/x.txt` through the "
                 "proxy, polled on one kept-alive connection with ≤ 0.5 ms between tries; then the route is deleted. In-process Greyhub has "
                 "no route API: its route is added by the hub when a server becomes ready, so user `rt` is spawned (profile nginx) and the "
                 "time from ready (201 / the ready event) to the first 200 on `/user/rt/x.txt` is measured the same way, then the server "
                 "is stopped (its route goes with it).")
        L.append("")
        L.append("| proxy | n | median ms | max ms | min ms | tries per change (median, max) | target < 100 ms | notes |")
        L.append("|---|---:|---:|---:|---:|---|---|---|")
        for label, r in routes:
            met = "-" if r.get("max") is None else ("yes" if r["max"] < 0.1 and not r.get("n_errors") else "**no**")
            notes = []
            if r.get("post_med") is not None:
                notes.append(f"POST → first 200 median {1000 * r['post_med']:.0f} ms, max {1000 * r['post_max']:.0f} ms")
            if r.get("before"):
                notes.append(f"answer before the route existed: {', '.join(r['before'])}")
            if r.get("n_errors"):
                notes.append(f"{r['n_errors']} errors: {r['errors']}")
            ms = lambda v: "-" if v is None else f"{1000 * v:.1f}"
            L.append(f"| {label} | {r['n']} | {ms(r.get('med'))} | {ms(r.get('max'))} | {ms(r.get('min'))} | "
                     f"{fms(r.get('tries_med'))}, {r.get('tries_max')} | {met} | {'; '.join(notes)} |")
    gp = load(a.dir, "greyproxy")
    if gp:
        L.append("")
        L.append("### `greyhub proxy` (its own process)")
        L.append("")
        L.append(f"{gp.get('desc', '')}")
        L.append("")
        L.append("| metric | value |")
        L.append("|---|---|")
        L.append(f"| VmRSS right after start (route added, no request yet), MiB | {mib(g(gp, 'rss', 'proxy_before'))} |")
        L.append(f"| VmRSS after {g(gp, 'rss', 'requests') or '-'} requests through it (nearly all to the fast upstream), MiB | {mib(g(gp, 'rss', 'proxy_after'))} |")
        ser = g(gp, "rss", "series") or []
        if len(ser) >= 3:
            mid = ser[len(ser) // 2]
            L.append(f"| VmRSS growth over the second half ({mid[0] / 1000:.0f}k → {ser[-1][0] / 1000:.0f}k requests), MiB | "
                     f"{(ser[-1][1] - mid[1]) / 1024:+.1f} |")
        L.append(f"| VmRSS along the interleaved runs, the single-user runs, the route changes and the push (requests through it → MiB) | {series(gp)} |")
        for n_ in gp.get("notes") or []:
            L.append(f"| note | {n_} |")
    L.append("")
    L.append("### Every wrk run")
    L.append("")
    L.append("| hub | run | URL | req/s | p50 ms | p75 ms | p90 ms | p99 ms | requests | non-2xx | socket errors | proxy CPU % | upstream CPU % |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for hub, d in (("Greyhub", gh), ("JupyterHub", jh)):
        for k, x in (d or {}).get("wrk", {}).items():
            L.append(f"| {hub} | {k} | `{x.get('url', '')}` | {frps(x.get('rps'))} | {fms(x.get('p50'))} | {fms(x.get('p75'))} | {fms(x.get('p90'))} | "
                     f"{fms(x.get('p99'))} | {x.get('requests')} | {x.get('non2xx')} | {x.get('sockerr')} | {x.get('proxy_cpu', '-')} | {x.get('upstream_cpu', '-')} |")
    print("\n".join(L))


def cmd_set(a):
    data = json.load(open(a.file)) if os.path.exists(a.file) else {}
    obj = data
    keys = a.key.split(".")
    for k in keys[:-1]:
        obj = obj.setdefault(k, {})
    obj[keys[-1]] = json.loads(a.value)
    tmp = a.file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, a.file)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("spawn")
    s.add_argument("--base", required=True)
    s.add_argument("--admin-token", required=True)
    s.add_argument("--tokens")
    s.add_argument("--users", required=True)
    s.add_argument("--body")
    s.add_argument("--pattern", default="jupyterhub-singleuser")
    s.add_argument("--pids-out")
    s.add_argument("--timeout", type=float, default=120)
    s.add_argument("--no-first200", action="store_true")
    s.add_argument("--first200-path", default="api/status", help="polled as /user/{u}/PATH after ready")
    s.add_argument("--tight", action="store_true", help="poll on one kept-alive connection every --poll-interval s")
    s.add_argument("--poll-interval", type=float, default=0.0005)
    s = sub.add_parser("routelat")
    s.add_argument("--api", required=True, help="the proxy's REST API base, http://127.0.0.1:PORT")
    s.add_argument("--token", required=True)
    s.add_argument("--proxy", required=True, help="the proxy's public base")
    s.add_argument("--target", required=True, help="route target: an upstream answering 200 on any path")
    s.add_argument("--n", type=int, default=20)
    s.add_argument("--prefix", default="/rt")
    s.add_argument("--suffix", default="x.txt")
    s.add_argument("--interval", type=float, default=0.0005)
    s.add_argument("--timeout", type=float, default=10)
    s.add_argument("--pause", type=float, default=0.05)
    s = sub.add_parser("routesum")
    s.add_argument("files", nargs="+")
    s = sub.add_parser("stop")
    s.add_argument("--base", required=True)
    s.add_argument("--admin-token", required=True)
    s.add_argument("--users", required=True)
    s.add_argument("--pids")
    s.add_argument("--timeout", type=float, default=60)
    s = sub.add_parser("find")
    s.add_argument("--user", required=True)
    s.add_argument("--pattern", default="jupyterhub-singleuser")
    s = sub.add_parser("summary")
    s.add_argument("files", nargs="+")
    s = sub.add_parser("wrk")
    s.add_argument("file")
    s = sub.add_parser("duel")
    s.add_argument("file")
    s = sub.add_parser("report")
    s.add_argument("dir")
    s = sub.add_parser("set")
    s.add_argument("file")
    s.add_argument("key")
    s.add_argument("value")
    a = p.parse_args()
    {"spawn": cmd_spawn, "stop": cmd_stop, "find": cmd_find, "summary": cmd_summary, "wrk": cmd_wrk,
     "report": cmd_report, "set": cmd_set, "duel": cmd_duel, "routelat": cmd_routelat,
     "routesum": cmd_routesum}[a.cmd](a)


if __name__ == "__main__":
    main()
