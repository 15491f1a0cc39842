#!/usr/bin/python3
"""Helpers for benchmarks/engines/run.sh (Debian /usr/bin/python3, standard library only).

  engbench.py ports N                          N distinct free TCP ports on 127.0.0.1, one per line
  engbench.py spawn --base B --token T --user U [--body JSON] [--timeout S]
        POST /hub/api/users/U/server; 201 = ready, 202 = follow /server/progress (SSE) to the "ready" event.
        Prints one JSON object: code, secs (POST -> ready), error.
  engbench.py stop --base B --token T --users u1,u2 [--concurrency N] [--timeout S]
        DELETE /hub/api/users/{u}/server (at most N at once), then wait until GET /hub/api/users/{u} has
        servers == {}. Prints JSON: secs, codes, not_empty; exit 1 if something did not stop.
  engbench.py start-many --base B --token T --users FILE|u1,u2 [--batch N] [--body JSON] [--timeout S]
        spawn the users in batches of N (each batch at once, the next once all are ready or failed).
        Prints JSON: ok, failed (user -> error), secs, per-batch seconds.
  engbench.py count-ready --base B --token T    users whose default server is ready (GET /hub/api/users?state=ready)
  engbench.py not-ready --base B --token T --users FILE|u1,u2   those of the users without a ready server (a,b,c)
  engbench.py metric --base B --token T NAME...  sum of the /hub/metrics samples with exactly these names
  engbench.py cpu PID                           "utime+stime cutime+cstime" of PID in clock ticks (0 0 if gone)
  engbench.py sdiag                             slurmctld's REQUEST_JOB_INFO* RPC count so far (sdiag; all clients)
  engbench.py my-jobs JOBS_DIR                  Slurm job ids (squeue) whose working folder is under JOBS_DIR
  engbench.py my-procs DIR PATTERN...           PIDs (host PID namespace, not in a container) whose HOME is under
                                                DIR and whose cmdline contains one of the patterns
  engbench.py summary FILE.jsonl                spawn rounds -> JSON (n, med, min, max, codes, errors)
  engbench.py set FILE KEY JSON                 set a key in a JSON object file (created if missing)
  engbench.py report RESULTS_DIR                the markdown tables
"""
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse


def now():
    return time.monotonic()


def split_url(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port or 80


def request(base, method, path, token=None, body=None, timeout=60, headers=None):
    host, port = split_url(base)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    h = dict(headers or {})
    if token:
        h["Authorization"] = "token " + token
    if body is not None:
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def arg(argv, name, default=None):
    if name in argv:
        i = argv.index(name)
        return argv[i + 1]
    return default


# ---------- spawn / stop ----------

def follow_progress(base, user, token, timeout):
    host, port = split_url(base)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", f"/hub/api/users/{user}/server/progress",
                     headers={"Authorization": "token " + token, "Accept": "text/event-stream"})
        r = conn.getresponse()
        if r.status != 200:
            return None, f"progress {r.status}: {r.read()[:200]!r}"
        last = None
        while True:
            line = r.fp.readline()
            if not line:
                return None, f"progress stream ended without ready (last: {last})"
            line = line.strip()
            if line.startswith(b"data:"):
                try:
                    ev = json.loads(line[5:])
                except ValueError:
                    continue
                last = ev.get("message")
                if ev.get("ready"):
                    return now(), None
                if ev.get("failed"):
                    return None, "spawn failed: " + str(ev.get("message"))
    except OSError as e:
        return None, f"progress: {e!r}"
    finally:
        conn.close()


def spawn_one(base, token, user, body, timeout):
    rec = {"user": user}
    t0 = now()
    try:
        status, data = request(base, "POST", f"/hub/api/users/{user}/server", token, body=body, timeout=timeout)
    except Exception as e:   # noqa: BLE001
        rec["error"] = f"POST: {e!r}"
        return rec
    rec["code"] = status
    if status == 201:
        rec["secs"] = now() - t0
    elif status == 202:
        t, err = follow_progress(base, user, token, timeout)
        if err:
            rec["error"] = err
        else:
            rec["secs"] = t - t0
    else:
        rec["error"] = f"POST {status}: {data[:300].decode(errors='replace')}"
    return rec


def user_servers(base, token, user):
    status, data = request(base, "GET", f"/hub/api/users/{user}", token, timeout=30)
    if status != 200:
        return None
    return json.loads(data).get("servers", {})


def stop_users(base, token, users, concurrency, timeout):
    t0 = now()
    codes = {}
    left = set()
    lock = threading.Lock()
    sem = threading.Semaphore(concurrency)

    def one(u):
        with sem:
            try:
                status, _ = request(base, "DELETE", f"/hub/api/users/{u}/server", token, timeout=timeout)
            except Exception as e:   # noqa: BLE001
                status = f"DELETE failed: {e!r}"
            # wait until this one is gone before taking the next slot, so a batch really is a batch
            deadline = now() + timeout
            done = False
            while now() < deadline:
                try:
                    if user_servers(base, token, u) == {}:
                        done = True
                        break
                except Exception:   # noqa: BLE001
                    pass
                time.sleep(0.1)
            with lock:
                codes[u] = status
                if not done:
                    left.add(u)

    threads = [threading.Thread(target=one, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"secs": round(now() - t0, 3), "codes": sorted(set(str(c) for c in codes.values())),
            "not_empty": sorted(left)}


def users_arg(value):
    if os.path.exists(value):
        return [u for u in open(value).read().split() if u]
    return [u for u in value.split(",") if u]


def cmd_spawn(argv):
    rec = spawn_one(arg(argv, "--base"), arg(argv, "--token"), arg(argv, "--user"), arg(argv, "--body"),
                    float(arg(argv, "--timeout", "180")))
    print(json.dumps(rec))


def cmd_stop(argv):
    out = stop_users(arg(argv, "--base"), arg(argv, "--token"), users_arg(arg(argv, "--users")),
                     int(arg(argv, "--concurrency", "20")), float(arg(argv, "--timeout", "120")))
    print(json.dumps(out))
    sys.exit(1 if out["not_empty"] else 0)


def cmd_start_many(argv):
    base, token = arg(argv, "--base"), arg(argv, "--token")
    users = users_arg(arg(argv, "--users"))
    batch = int(arg(argv, "--batch", "20"))
    body = arg(argv, "--body")
    timeout = float(arg(argv, "--timeout", "300"))
    t0 = now()
    ok, failed, batches = [], {}, []
    for i in range(0, len(users), batch):
        group = users[i:i + batch]
        res = {}
        tb = now()
        threads = [threading.Thread(target=lambda u=u: res.__setitem__(u, spawn_one(base, token, u, body, timeout)))
                   for u in group]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for u in group:
            if "secs" in res[u]:
                ok.append(u)
            else:
                failed[u] = res[u].get("error", "?")
        batches.append(round(now() - tb, 2))
        print(f"  started {len(ok)}/{len(users)} ({len(failed)} failed), batch {len(batches)} took {batches[-1]} s",
              file=sys.stderr, flush=True)
    print(json.dumps({"ok": len(ok), "failed": failed, "secs": round(now() - t0, 2), "batches": batches}))


def ready_users(base, token):
    ready, offset = set(), 0
    while True:
        status, data = request(base, "GET", f"/hub/api/users?state=ready&offset={offset}&limit=200", token,
                               headers={"Accept": "application/jupyterhub-pagination+json"})
        if status != 200:
            raise SystemExit(f"GET /hub/api/users -> {status}: {data[:200]!r}")
        j = json.loads(data)
        items = j["items"] if isinstance(j, dict) else j
        ready.update(u["name"] for u in items if (u.get("servers") or {}).get("", {}).get("ready"))
        nxt = j.get("_pagination", {}).get("next") if isinstance(j, dict) else None
        if not items or not nxt:
            return ready
        offset = nxt["offset"]


def cmd_not_ready(argv):
    ready = ready_users(arg(argv, "--base"), arg(argv, "--token"))
    print(",".join(u for u in users_arg(arg(argv, "--users")) if u not in ready))


def cmd_count_ready(argv):
    print(len(ready_users(arg(argv, "--base"), arg(argv, "--token"))))


def cmd_metric(argv):
    base, token = arg(argv, "--base"), arg(argv, "--token")
    names = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or not argv[i - 1].startswith("--"))]
    status, data = request(base, "GET", "/hub/metrics", token)
    if status != 200:
        raise SystemExit(f"/hub/metrics -> {status}")
    out = []
    for name in names:
        total = 0.0
        for line in data.decode().splitlines():
            m = re.match(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
            if m and m.group(1) == name:
                total += float(m.group(3))
        out.append(repr(total))
    print(" ".join(out))


def cmd_cpu(argv):
    try:
        with open(f"/proc/{argv[0]}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        # after "comm)": state=0 ... utime=11 stime=12 cutime=13 cstime=14
        print(int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]))
    except (OSError, IndexError, ValueError):
        print(0, 0)


def cmd_sdiag(argv):
    try:
        out = subprocess.run(["sdiag"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        print("nan")
        return
    n = sum(int(m) for m in re.findall(r"^\s*REQUEST_JOB_INFO\S*\s+\(\s*\d+\)\s+count:(\d+)", out, re.M))
    print(n)


def cmd_my_jobs(argv):
    root = os.path.realpath(argv[0]).rstrip("/") + "/"
    out = subprocess.run(["squeue", "-h", "-o", "%i|%Z"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"squeue failed: {out.stderr.strip()}")
    for line in out.stdout.splitlines():
        jid, _, wd = line.partition("|")
        if wd.strip().startswith(root) and jid.strip().isdigit():
            print(jid.strip())


def cmd_my_procs(argv):
    root = os.path.realpath(argv[0]).rstrip("/") + "/"
    pats = [p.encode() for p in argv[1:]]
    my_ns = os.readlink("/proc/self/ns/pid")
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        try:
            if os.readlink(f"/proc/{p}/ns/pid") != my_ns:
                continue   # inside a container: its engine removes it
            cmd = open(f"/proc/{p}/cmdline", "rb").read()
            if not any(x in cmd for x in pats):
                continue
            env = dict(kv.split(b"=", 1) for kv in open(f"/proc/{p}/environ", "rb").read().split(b"\0") if b"=" in kv)
        except (OSError, ValueError):
            continue
        home = env.get(b"HOME", b"").decode(errors="replace")
        if (home.rstrip("/") + "/").startswith(root):
            exe = cmd.split(b"\0")[0].decode(errors="replace")
            print(f"{p}|{exe}")


def cmd_ports(argv):
    socks = []
    try:
        for _ in range(int(argv[0])):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        for s in socks:
            print(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()


def cmd_summary(argv):
    recs = [json.loads(line) for fn in argv for line in open(fn) if line.strip()]
    secs = [r["secs"] for r in recs if "secs" in r]
    stops = [r["stop_secs"] for r in recs if "stop_secs" in r]
    codes = {}
    for r in recs:
        codes[str(r.get("code"))] = codes.get(str(r.get("code")), 0) + 1
    out = {"n": len(recs), "ok": len(secs), "codes": codes, "errors": [r["error"] for r in recs if r.get("error")]}
    if secs:
        out.update(med=statistics.median(secs), min=min(secs), max=max(secs), all=secs)
    if stops:
        out.update(stop_med=statistics.median(stops), stop_min=min(stops), stop_max=max(stops))
    print(json.dumps(out))


def cmd_set(argv):
    fn, key, value = argv
    obj = json.load(open(fn)) if os.path.exists(fn) else {}
    obj[key] = json.loads(value)
    with open(fn + ".tmp", "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(fn + ".tmp", fn)


# ---------- report ----------

def f(x, fmt="%.2f"):
    return "–" if x is None else fmt % x


def cmd_report(argv):
    d = argv[0]
    meta = json.load(open(os.path.join(d, "meta.json")))
    out = []
    out.append(f"Greyhub {meta.get('desc', '?')}; {meta.get('cores')} cores, {meta.get('mem')}, "
               f"load average at start {meta.get('load')}; {meta.get('stamp')}.")
    out.append("")
    sp = os.path.join(d, "spawn.json")
    if os.path.exists(sp):
        spawn = json.load(open(sp))
        out.append(f"### Spawn latency: `POST /hub/api/users/u1/server` → ready (real `jupyterhub-singleuser`), "
                   f"{meta.get('reps')} rounds after 1 warm-up")
        out.append("")
        out.append("| engine | median s | min s | max s | warm-up s | POST codes | stop median s | notes |")
        out.append("|---|---:|---:|---:|---:|---|---:|---|")
        for key in spawn.get("order", []):
            e = spawn[key]
            s = e.get("summary", {})
            codes = ", ".join(f"{k}×{v}" for k, v in sorted(s.get("codes", {}).items()))
            notes = "; ".join(e.get("notes", []) + [x[:160] for x in s.get("errors", [])[:2]])
            out.append(f"| {e['label']} | {f(s.get('med'))} | {f(s.get('min'))} | {f(s.get('max'))} | "
                       f"{f(e.get('warmup'))} | {codes or '–'} | {f(s.get('stop_med'))} | {notes} |")
        out.append("")
    pp = os.path.join(d, "poll.json")
    if os.path.exists(pp):
        poll = json.load(open(pp))
        out.append(f"### Poll cost: hub with N running Slurm-job servers (tiny HTTP server each), idle except its own "
                   f"polling, {meta.get('window')} s window")
        out.append("")
        out.append("| transport | PollInterval | running servers | hub CPU s/min | minus the 0-server hub | "
                   "hub's children CPU s/min (squeue) | slurmctld+slurmrestd CPU s/min | "
                   "polls (= Slurm status queries) in window | mean poll ms | "
                   "slurmctld job-info RPCs in window (all clients) | hub RSS MiB |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        rows = sorted(poll.get("rows", []), key=lambda r: (-r["interval"], r["servers"], r["transport"]))
        base = {}
        for r in rows:
            if r["servers"] == 0:
                base.setdefault(r["interval"], r["hub_cpm"])
                base[(r["interval"], r["transport"])] = r["hub_cpm"]
        for r in rows:
            b0 = base.get((r["interval"], r["transport"]), base.get(r["interval"]))
            delta = r["hub_cpm"] - b0 if r["servers"] and b0 is not None else None
            out.append(f"| {r['transport']} | {r['interval']} s | {r['servers']} | {f(r.get('hub_cpm'), '%.2f')} | "
                       f"{f(delta, '%+.2f')} | {f(r.get('child_cpm'), '%.2f')} | {f(r.get('slurm_cpm'), '%.2f')} | "
                       f"{f(r.get('polls'), '%.0f')} | {f(r.get('poll_ms'), '%.1f')} | {f(r.get('rpcs'), '%.0f')} | "
                       f"{f(r.get('rss_mib'), '%.0f')} |")
        out.append("")
        for n in poll.get("notes", []):
            out.append(f"- {n}")
        out.append("")
    for n in meta.get("notes", []):
        out.append(f"- {n}")
    print("\n".join(out).rstrip() + "\n")


COMMANDS = {
    "ports": cmd_ports, "spawn": cmd_spawn, "stop": cmd_stop, "start-many": cmd_start_many,
    "count-ready": cmd_count_ready, "not-ready": cmd_not_ready, "metric": cmd_metric, "cpu": cmd_cpu, "sdiag": cmd_sdiag,
    "my-jobs": cmd_my_jobs, "my-procs": cmd_my_procs, "summary": cmd_summary, "set": cmd_set,
    "report": cmd_report,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
