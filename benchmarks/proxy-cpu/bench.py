#!/usr/bin/python3
"""CPU per proxied request, build against build, interleaved (see README.md next to this file).

Usage: bench.py [--rounds N] [--duration S] [--threads T] [--connections C] [--forms proxy,serve] LABEL=greyhub.dll ...

For every build it starts `greyhub proxy` (route /user/fast -> an nginx upstream of its own, added with CHP's REST API)
and `greyhub serve` (user `fast` spawned with an nginx profile: the hub's in-process proxy), then loads each in turn
with wrk on /user/fast/x.txt (1 KiB), ROUNDS times, and reports per build and form: req/s, and requests per proxy
CPU-second from /proc/PID/stat (utime+stime of the proxy's process over the wrk run), the figure that survives a
shared box. Everything binds 127.0.0.1; only processes it started are stopped, by PID.
"""
import argparse, json, os, re, secrets, shutil, signal, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
NGINX_SERVER = os.path.join(HERE, "..", "compute", "nginx-server.sh")
CLK = os.sysconf("SC_CLK_TCK")
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
started = []
sys.path.insert(0, os.path.join(HERE, ".."))
from hubproc import free_port  # noqa: E402
from hubproc import call as http  # noqa: E402


def log(*a):
    print(time.strftime("[%H:%M:%S]", time.gmtime()), *a, file=sys.stderr, flush=True)



def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])  # utime, stime


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0



def wait_for(url, proc, seconds=60, token=None):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"process {proc.pid} exited before {url} answered")
        if http("GET", url, token)[0] == 200:
            return
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer 200 in {seconds} s")


def start(args, cwd, env, logname):
    out = open(os.path.join(cwd, logname), "wb")
    p = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    started.append(p)
    return p


def start_upstream(tmp):
    port = free_port()
    env = {"PATH": PATH, "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}/user/fast/", "JUPYTERHUB_SERVICE_PREFIX": "/user/fast/"}
    p = start(["/bin/sh", NGINX_SERVER, tmp], tmp, env, f"nginx-{port}.log")
    end = time.monotonic() + 10
    while http("GET", f"http://127.0.0.1:{port}/user/fast/x.txt")[0] != 200:
        if time.monotonic() > end:
            raise SystemExit("nginx upstream did not start")
        time.sleep(0.05)
    return p, port


def start_greyproxy(label, dll, tmp, upstream_port):
    d = os.path.join(tmp, f"proxy-{label}")
    os.makedirs(os.path.join(d, "home"))
    port, api = free_port(), free_port()
    token = secrets.token_hex(16)
    env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": os.path.join(d, "home"), "CONFIGPROXY_AUTH_TOKEN": token}
    p = start(["dotnet", dll, "proxy", "--ip", "127.0.0.1", "--port", str(port), "--api-ip", "127.0.0.1", "--api-port", str(api),
               "--data-dir", os.path.join(d, "data")], d, env, "proxy.log")
    wait_for(f"http://127.0.0.1:{api}/api/routes", p, token=token)
    status, _ = http("POST", f"http://127.0.0.1:{api}/api/routes/user/fast", token, {"target": f"http://127.0.0.1:{upstream_port}"})
    if status not in (200, 201):
        raise SystemExit(f"adding the route failed: {status}")
    return {"proc": p, "pid": p.pid, "url": f"http://127.0.0.1:{port}/user/fast/x.txt", "api": f"http://127.0.0.1:{api}", "token": token}


def start_serve(label, dll, tmp):
    d = os.path.join(tmp, f"serve-{label}")
    data = os.path.join(d, "data")
    os.makedirs(os.path.join(d, "home"))
    os.makedirs(os.path.join(d, "ng"))
    env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": os.path.join(d, "home"),
           "Greyhub__Spawner__Command__0": "/usr/bin/jupyterhub-singleuser",
           "Greyhub__Spawner__Profiles__0__Name": "default",
           "Greyhub__Spawner__Profiles__1__Name": "nginx",
           "Greyhub__Spawner__Profiles__1__Command__0": "/bin/sh",
           "Greyhub__Spawner__Profiles__1__Command__1": os.path.abspath(NGINX_SERVER),
           "Greyhub__Spawner__Profiles__1__Command__2": os.path.join(d, "ng"),
           "Greyhub__Spawner__Profiles__1__Args": "",
           "Greyhub__Compute__Local__JobsDirectory": os.path.join(d, "jobs")}
    if os.getuid() == 0:
        env["Greyhub__Spawner__Args__0"] = "--allow-root"
    out = subprocess.run(["dotnet", dll, "token", "--admin", "--data-dir", data, "bench-admin"], env=env, cwd=d,
                         capture_output=True, text=True, check=True).stdout
    admin = out.strip().splitlines()[-1].strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    p = start(["dotnet", dll, "serve", "--urls", base, "--data-dir", data], d, env, "serve.log")
    wait_for(f"{base}/hub/api/", p)
    http("POST", f"{base}/hub/api/users/fast", admin)
    status, body = http("POST", f"{base}/hub/api/users/fast/server", admin, {"profile": "nginx"}, timeout=60)
    if status not in (201, 202):
        raise SystemExit(f"spawning fast failed: {status} {body[:300]!r}")
    url = f"{base}/user/fast/x.txt"
    end = time.monotonic() + 60
    while http("GET", url)[0] != 200:
        if time.monotonic() > end:
            raise SystemExit("fast's server did not answer through the hub")
        time.sleep(0.1)
    return {"proc": p, "pid": p.pid, "url": url, "base": base, "admin": admin}


def wrk(url, duration, threads, connections):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", url], capture_output=True, text=True).stdout
    m = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    return int(m.group(1)) if m else 0, int(bad.group(1)) if bad else 0, errs.group(1) if errs else ""


def measure(target, duration, threads, connections):
    u0, s0 = cpu_ticks(target["pid"])
    t0 = time.monotonic()
    n, bad, errs = wrk(target["url"], duration, threads, connections)
    elapsed = time.monotonic() - t0
    u1, s1 = cpu_ticks(target["pid"])
    if bad or errs or target["proc"].poll() is not None:
        raise SystemExit(f"{target['url']}: non-2xx {bad}, socket errors '{errs}', exit {target['proc'].poll()}")
    cpu = (u1 - u0 + s1 - s0) / CLK
    return {"requests": n, "rps": n / elapsed, "cpu_s": cpu, "user_s": (u1 - u0) / CLK, "sys_s": (s1 - s0) / CLK,
            "req_per_cpu_s": n / cpu if cpu else 0.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--forms", default="proxy,serve")
    ap.add_argument("--json")
    ap.add_argument("builds", nargs="+", help="LABEL=path/to/greyhub.dll")
    a = ap.parse_args()
    for tool in ("wrk", "dotnet", "/usr/sbin/nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing (apt-get install wrk nginx-light; dotnet from global.json)")
    builds = [b.split("=", 1) for b in a.builds]
    forms = a.forms.split(",")
    tmp = tempfile.mkdtemp(prefix="proxy-cpu.")
    targets = {}
    try:
        upstream, up_port = start_upstream(tmp)
        for label, dll in builds:
            if "proxy" in forms:
                targets[(label, "proxy")] = start_greyproxy(label, os.path.abspath(dll), tmp, up_port)
            if "serve" in forms:
                targets[(label, "serve")] = start_serve(label, os.path.abspath(dll), tmp)
        log("warming up", ", ".join(f"{l}/{f}" for l, f in targets))
        for t in targets.values():
            wrk(t["url"], 3, a.threads, a.connections)
        results = {k: [] for k in targets}
        for r in range(a.rounds):
            order = list(targets) if r % 2 == 0 else list(reversed(list(targets)))
            for k in order:
                m = measure(targets[k], a.duration, a.threads, a.connections)
                results[k].append(m)
                log(f"round {r + 1} {k[0]:>10} {k[1]:<5} {m['rps']:8.0f} req/s  {m['req_per_cpu_s']:8.0f} req/CPU-s "
                    f"({1e6 / m['req_per_cpu_s']:.1f} us/req: user {1e6 * m['user_s'] / m['requests']:.1f}, sys {1e6 * m['sys_s'] / m['requests']:.1f})  "
                    f"load {os.getloadavg()[0]:.2f}")
        print(f"\nwrk -t{a.threads} -c{a.connections} -d{a.duration}s, {a.rounds} interleaved rounds; medians (min-max)\n")
        print("| build | form | req/s | req per proxy CPU-s | us CPU/req | us user/req | us sys/req | RSS MiB |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for k, ms in results.items():
            per = [m["req_per_cpu_s"] for m in ms]
            us = [1e6 / p for p in per]
            print(f"| {k[0]} | {k[1]} | {statistics.median(m['rps'] for m in ms):.0f} | {statistics.median(per):.0f} ({min(per):.0f}-{max(per):.0f}) | "
                  f"{statistics.median(us):.1f} | {statistics.median(1e6 * m['user_s'] / m['requests'] for m in ms):.1f} | "
                  f"{statistics.median(1e6 * m['sys_s'] / m['requests'] for m in ms):.1f} | {rss_kib(targets[k]['pid']) / 1024:.1f} |")
        if len(builds) == 2:
            for form in forms:
                ka, kb = (builds[0][0], form), (builds[1][0], form)
                ratios = [b["req_per_cpu_s"] / x["req_per_cpu_s"] for x, b in zip(results[ka], results[kb])]
                print(f"\n{form}: CPU per request {kb[0]} vs {ka[0]}: {100 * (1 / statistics.median(ratios) - 1):+.1f} % "
                      f"(per-round ratios of req/CPU-s {', '.join(f'{r:.3f}' for r in ratios)})")
        if a.json:
            with open(a.json, "w") as f:
                json.dump({f"{k[0]}/{k[1]}": v for k, v in results.items()}, f, indent=1)
    finally:
        for (label, form), t in targets.items():
            if form == "serve":
                # the hub stops fast's nginx itself
                http("DELETE", f"{t['base']}/hub/api/users/fast/server", t["admin"], timeout=30)
        for p in reversed(started):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in started:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        time.sleep(0.5)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
