#!/usr/bin/python3
"""Route churn on `greyhub proxy`: N route adds + deletes (each with one proxied request), VmRSS and the GC's own
figures along the way (see README.md next to this file).

Usage: routes_memory.py [--changes 10000] [--every 1000] greyhub.dll
Needs dotnet-counters on PATH or in ~/.dotnet/tools (dotnet tool install -g dotnet-counters) for the GC columns.
"""
import argparse, csv, http.client, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
NGINX_SERVER = os.path.join(HERE, "..", "compute", "nginx-server.sh")
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def smaps(pid):
    """Resident KiB by kind of mapping: anonymous (GC heap, malloc arenas, stacks), the JIT's code, files."""
    kinds, kind = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and ":" in parts[3]:
                name = parts[5] if len(parts) > 5 else ""
                kind = ("anonymous" if not name else "jit (doublemapper)" if "doublemapper" in name
                        else "files (.so, .dll)" if name.startswith("/") else name)
            elif parts[0] == "Rss:":
                kinds[kind] = kinds.get(kind, 0) + int(parts[1])
    return kinds


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def request(conn, method, path, token=None, body=None):
    headers = {"Authorization": "token " + token} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    r.read()
    return r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=10000)
    ap.add_argument("--every", type=int, default=1000)
    ap.add_argument("dll")
    a = ap.parse_args()
    counters = shutil.which("dotnet-counters") or os.path.expanduser("~/.dotnet/tools/dotnet-counters")
    tmp = tempfile.mkdtemp(prefix="proxy-routes.")
    procs = []
    try:
        up = free_port()
        env = {"PATH": PATH, "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{up}/", "JUPYTERHUB_SERVICE_PREFIX": "/"}
        procs.append(subprocess.Popen(["/bin/sh", NGINX_SERVER, tmp], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        port, api, token = free_port(), free_port(), secrets.token_hex(16)
        os.makedirs(os.path.join(tmp, "home"))
        proxy = subprocess.Popen(["dotnet", os.path.abspath(a.dll), "proxy", "--ip", "127.0.0.1", "--port", str(port), "--api-ip", "127.0.0.1",
                                  "--api-port", str(api), "--data-dir", os.path.join(tmp, "data")],
                                 env={"PATH": PATH, "LANG": "C.UTF-8", "HOME": os.path.join(tmp, "home"), "CONFIGPROXY_AUTH_TOKEN": token},
                                 cwd=tmp, stdout=open(os.path.join(tmp, "proxy.log"), "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proxy)
        for _ in range(300):
            try:
                if request(http.client.HTTPConnection("127.0.0.1", api, timeout=5), "GET", "/api/routes", token) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        csv_path = os.path.join(tmp, "counters.csv")
        cnt = None
        if os.path.exists(counters):
            cnt = subprocess.Popen([counters, "collect", "-p", str(proxy.pid), "--format", "csv", "-o", csv_path, "--refresh-interval", "1",
                                    "--counters", "System.Runtime"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            procs.append(cnt)
            time.sleep(3)
        apic = http.client.HTTPConnection("127.0.0.1", api, timeout=10)
        pub = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        print(f"{'changes':>8} {'RSS MiB':>8} {'t s':>6}")
        print(f"{0:>8} {rss_kib(proxy.pid) / 1024:8.1f} {0:6.1f}", flush=True)
        t0 = time.monotonic()
        samples = []
        before = smaps(proxy.pid)
        threads0 = threads(proxy.pid)
        for i in range(1, a.changes + 1):
            path = f"/rt{i}"
            assert request(apic, "POST", f"/api/routes{path}", token, {"target": f"http://127.0.0.1:{up}"}) in (200, 201)
            assert request(pub, "GET", f"{path}/x", None) in (200, 404)  # nginx answers 404 for /rtN/x: proxied either way
            assert request(apic, "DELETE", f"/api/routes{path}", token) in (200, 204)
            if i % a.every == 0:
                samples.append((i, rss_kib(proxy.pid), time.monotonic() - t0, time.time()))
                print(f"{i:>8} {samples[-1][1] / 1024:8.1f} {samples[-1][2]:6.1f}", flush=True)
        time.sleep(3)
        print(f"RSS at the end {rss_kib(proxy.pid) / 1024:.1f} MiB; threads {threads0} -> {threads(proxy.pid)}")
        after = smaps(proxy.pid)
        for k in sorted(set(before) | set(after), key=lambda k: after.get(k, 0) - before.get(k, 0), reverse=True)[:6]:
            print(f"  resident {k}: {before.get(k, 0) / 1024:.1f} -> {after.get(k, 0) / 1024:.1f} MiB")
        if cnt:
            os.killpg(cnt.pid, signal.SIGINT)
            cnt.wait(15)
            with open(csv_path) as f:
                rows = list(csv.reader(f))
            want = ("heap.size", "committed", "collections", "working_set", "total_allocated", "fragmentation")
            series = {}
            for r in rows[1:]:
                if len(r) >= 5 and any(w in r[2] for w in want):
                    key = r[2] + (" " + r[3] if r[3] else "")
                    series.setdefault(key, []).append(r[4])
            for k, v in series.items():
                step = max(1, len(v) // 8)
                print(f"{k}: {' '.join(v[::step])} ... last {v[-1]}")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
