#!/usr/bin/python3
"""Chunk GETs through the hub's /data/ against nginx serving the same files statically (issue #18's benchmark).

One hub (the Release build of src/Greyhub.Host, its own data folder, SQLite) and one nginx on free loopback ports
serve the same folder under the same URLs (/data/chunks/small/N, /data/chunks/big/N, /data/field/...). The hub is
asked with a user's token header, as a reader's client sends it; nginx with none. Three measurements, each in rounds
that alternate which server goes first, because the machine is shared and its load drifts:

1. wrk, 1 KiB and 1 MiB chunks (a different key each request): req/s, p50, p99, and each server's CPU per request
   (its own processes' user+system time over the run divided by the requests; less sensitive to the load than req/s);
2. 64 readers (processes x threads, one keep-alive connection each) reading random 1 MiB chunks: aggregate MB/s,
   every body compared with the file;
3. xarray's mean of a 1 GiB float32 variable over HTTP through the hub (fsspec + aiohttp) against from local disk.

usage: bench.py GREYHUB_DLL [--rounds N] [--seconds S] [--connections C] [--threads T] [--sizes 1k,1m] [--warmup S]
                [--skip-readers] [--skip-xarray] [--out DIR]
Prints a table per measurement (Markdown) and, with --out, writes every run's numbers to DIR/results.json."""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from hubproc import call, cpu_seconds, free_port, greyhub_command, stop  # noqa: E402

PY = "/usr/bin/python3"  # Debian's, with zarr, xarray, fsspec and aiohttp
SMALL, BIG = 1024, 1 << 20
SMALL_KEYS, BIG_KEYS = 1000, 256


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def make_chunks(root):
    for name, size, n in (("small", SMALL, SMALL_KEYS), ("big", BIG, BIG_KEYS)):
        d = os.path.join(root, "chunks", name)
        os.makedirs(d)
        for i in range(n):
            with open(os.path.join(d, str(i)), "wb") as f:
                f.write(os.urandom(size))


def make_field(path):
    """1 GiB of float32 (256 x 1024 x 1024) in 16 MiB chunks, uncompressed, so 1 GiB crosses the wire."""
    script = (
        "import sys, dask.array as da, xarray as xr\n"
        "a = da.arange(256 * 1024 * 1024, chunks=4 * 1024 * 1024, dtype='float32').reshape((256, 1024, 1024)) % 1000\n"
        "ds = xr.Dataset({'t': (('z', 'y', 'x'), a.rechunk((4, 1024, 1024)))})\n"
        "ds.to_zarr(sys.argv[1], encoding={'t': {'compressor': None}}, consolidated=True)\n")
    subprocess.run([PY, "-c", script, path], check=True)


def nginx_conf(tmp, port, datasets):
    d = os.path.join(tmp, "nginx")
    os.makedirs(os.path.join(d, "logs"))
    user = "user root;" if os.getuid() == 0 else ""
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""{user}
worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=2000 inactive=60s;
    open_file_cache_valid 60s;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    default_type application/octet-stream;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /data/ {{ alias {datasets}/; }}
    }}
}}
""")
    return d, conf


def tree_cpu(pid):
    """CPU of a process and its direct children (nginx: the master and its workers)."""
    total = cpu_seconds(pid, 0.0)
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            total += sum(cpu_seconds(int(c), 0.0) for c in f.read().split())
    except OSError:
        pass
    return total


def wait_up(url, proc, headers=None):
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(base, prefix, keys, token, seconds, connections, pid, threads=1, headers=()):
    env = dict(os.environ, BENCH_KEYS=str(keys), BENCH_PREFIX=prefix)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", os.path.join(HERE, "rotate.lua")]
    if token:
        cmd += ["-H", f"Authorization: token {token}"]
    for h in headers:
        cmd += ["-H", h]
    load0, cpu0 = loadavg(), tree_cpu(pid)
    out = subprocess.run(cmd + [base], env=env, check=True, capture_output=True, text=True).stdout
    cpu = tree_cpu(pid) - cpu0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    lat = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk got errors from {base}{prefix}:\n{out}")
    return {"rps": rps, "p50_ms": lat["50"], "p99_ms": lat["99"], "cpu_us_per_req": cpu / total * 1e6,
            "requests": total, "load": (load0 + loadavg()) / 2}


def readers(port, prefix, local, token, seconds):
    load0 = loadavg()
    out = subprocess.run([PY, os.path.join(HERE, "readers.py"), "127.0.0.1", str(port), prefix, str(BIG_KEYS), local,
                          token, "4", "16", str(seconds)], check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    if r["errors"]:
        raise SystemExit(f"readers saw {r['errors']} errors on port {port}")
    r["mb_s"] = r["bytes"] / r["seconds"] / 1e6
    r["load"] = (load0 + loadavg()) / 2
    return r


def xmean(where, token=None):
    load0 = loadavg()
    cmd = [PY, os.path.join(HERE, "xmean.py"), where, "t"] + ([token] if token else [])
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    r["load"] = (load0 + loadavg()) / 2
    return r


def each(rows, key, fmt):
    return ", ".join(format(r[key], fmt) for r in rows)


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("greyhub")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (the client shares the 2 cores with the servers)")
    ap.add_argument("--sizes", default="1k,1m", help="chunk sizes to load: 1k, 1m or both")
    ap.add_argument("--skip-readers", action="store_true")
    # A/B switches for where the hub's time goes (not the benchmark proper):
    ap.add_argument("--hub-header", action="append", default=[],
                    help="extra request header for the hub only (e.g. 'Origin: http://x' sends it through the whole pipeline)")
    ap.add_argument("--hub-arg", action="append", default=[], help="extra `greyhub serve` argument (e.g. --Greyhub:Proxy:InlineScheduling=false)")
    ap.add_argument("--signed", action="store_true", help="the hub is read through a signed path URL instead of a token (no authentication)")
    ap.add_argument("--warmup", type=int, default=120, help="most seconds of hub warm-up per chunk size")
    ap.add_argument("--skip-xarray", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    a.skip_readers = a.skip_readers or a.signed  # the readers send the token header
    tmp = tempfile.mkdtemp(prefix="data-serving.")
    os.chmod(tmp, 0o755)
    data = os.path.join(tmp, "greyhub")
    datasets = os.path.join(data, "datasets")  # the hub's default allowed root
    procs = []
    results = {"wrk": [], "readers": [], "xarray": [], "connections": a.connections, "seconds": a.seconds, "threads": a.threads}
    sizes = [(label, prefix, keys) for flag, label, prefix, keys in (("1k", "1 KiB", "/data/chunks/small/", SMALL_KEYS),
             ("1m", "1 MiB", "/data/chunks/big/", BIG_KEYS)) if flag in a.sizes.split(",")]
    try:
        os.makedirs(datasets)
        make_chunks(datasets)
        if not a.skip_xarray:
            make_field(os.path.join(datasets, "field"))
        cmd = greyhub_command(a.greyhub)
        run = lambda *args: subprocess.run(cmd + list(args) + ["--data-dir", data], check=True, capture_output=True,
                                           text=True).stdout
        token = run("token", "reader").strip().splitlines()[-1].strip()
        run("data", "add", "chunks", "--path", os.path.join(datasets, "chunks"), "--format", "files", "--owner", "reader")
        if not a.skip_xarray:
            run("data", "add", "field", "--path", os.path.join(datasets, "field"), "--format", "zarr-v2", "--owner", "reader")

        hub_port, nginx_port = free_port(), free_port()
        log = open(os.path.join(tmp, "hub.log"), "w")
        hub = subprocess.Popen(cmd + ["serve", "--urls", f"http://127.0.0.1:{hub_port}", "--data-dir", data] + a.hub_arg,
                               stdout=log, stderr=log)
        procs.append(hub)
        ndir, conf = nginx_conf(tmp, nginx_port, datasets)
        nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-p", ndir, "-g", "daemon off;"])
        procs.append(nginx)
        servers = {"hub": (hub_port, token, hub.pid), "nginx": (nginx_port, "", nginx.pid)}
        wait_up(f"http://127.0.0.1:{hub_port}/data/chunks/small/0", hub, {"Authorization": f"token {token}"})
        wait_up(f"http://127.0.0.1:{nginx_port}/data/chunks/small/0", nginx)
        hub_prefix = {p: p for _, p, _ in sizes}
        if a.signed:
            status, body = call("POST", f"http://127.0.0.1:{hub_port}/hub/api/datasets/chunks/signed-url", token, {"expires_in": 86400})
            store = json.loads(body)["store_url"]
            store = store[store.index("/data/"):]
            hub_prefix = {p: store + p[len("/data/chunks/"):] for _, p, _ in sizes}
            servers["hub"] = (hub_port, "", hub.pid)
        extra = {"hub": a.hub_header, "nginx": []}

        # Warm-up: both servers' file caches fill, and the hub's JIT finishes tiering up (instrumented tier, then
        # optimised with PGO). On a loaded machine the tiering thread gets little CPU and that takes a minute or more,
        # so the hub is warmed until its CPU per request stops falling (two runs within 10 %), at most --warmup s.
        for name, (port, tok, pid) in servers.items():
            for _, prefix, keys in sizes:
                spent, last = 0, None
                while True:
                    path = hub_prefix[prefix] if name == "hub" else prefix
                    cost = wrk(f"http://127.0.0.1:{port}", path, keys, tok, 5, a.connections, pid, a.threads, extra[name])["cpu_us_per_req"]
                    spent += 5
                    print(f"warm-up {name} {prefix}: {cost:.0f} µs/request", file=sys.stderr, flush=True)
                    if name == "nginx" or (last is not None and abs(cost - last) < 0.1 * last) or spent >= a.warmup:
                        break
                    last = cost

        for r in range(a.rounds):
            order = ["nginx", "hub"] if r % 2 == 0 else ["hub", "nginx"]
            for size, prefix, keys in sizes:
                for name in order:
                    port, tok, pid = servers[name]
                    path = hub_prefix[prefix] if name == "hub" else prefix
                    row = wrk(f"http://127.0.0.1:{port}", path, keys, tok, a.seconds, a.connections, pid, a.threads, extra[name])
                    row.update(server=name, size=size, round=r)
                    results["wrk"].append(row)
                    print(json.dumps(row), flush=True)
            for name in order if not a.skip_readers else []:
                port, tok, _ = servers[name]
                row = readers(port, "/data/chunks/big/", os.path.join(datasets, "chunks", "big"), tok, a.seconds)
                row.update(server=name, round=r)
                results["readers"].append(row)
                print(json.dumps(row), flush=True)
            if not a.skip_xarray:
                where = {"hub": (f"http://127.0.0.1:{hub_port}/data/field", token),
                         "local": (os.path.join(datasets, "field"), None)}
                for name in (["local", "hub"] if r % 2 == 0 else ["hub", "local"]):
                    row = xmean(*where[name])
                    row.update(source=name, round=r)
                    results["xarray"].append(row)
                    print(json.dumps(row), flush=True)
    finally:
        for p in reversed(procs):
            stop(p)
        log_text = open(os.path.join(tmp, "hub.log")).read() if os.path.exists(os.path.join(tmp, "hub.log")) else ""
        shutil.rmtree(tmp, ignore_errors=True)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    report(results)
    if "fail" in log_text.lower() and "error" in log_text.lower():
        print("\n(the hub's log mentions failures; rerun with --out to keep results)", file=sys.stderr)


def report(res):
    print("\n## chunk GETs (wrk, %d thread(s), %d connections, %d s per run; medians over rounds)\n"
          % (res.get("threads", 1), res["connections"], res["seconds"]))
    print("| chunk | server | req/s | p50 ms | p99 ms | CPU µs/req | hub/nginx req/s (per round) | load avg |")
    print("|---|---|---|---|---|---|---|---|")
    for size in ("1 KiB", "1 MiB"):
        rows = {s: [r for r in res["wrk"] if r["size"] == size and r["server"] == s] for s in ("nginx", "hub")}
        if not rows["hub"]:
            continue
        ratios = [h["rps"] / n["rps"] for h, n in zip(rows["hub"], rows["nginx"])]
        for s in ("nginx", "hub"):
            rs = rows[s]
            ratio = ", ".join(f"{x:.2f}" for x in ratios) if s == "hub" else ""
            print(f"| {size} | {s} | {med(rs, 'rps'):.0f} | {med(rs, 'p50_ms'):.2f} | {med(rs, 'p99_ms'):.2f} | "
                  f"{med(rs, 'cpu_us_per_req'):.0f} | {ratio} | {min(r['load'] for r in rs):.1f}–{max(r['load'] for r in rs):.1f} |")
    if res["readers"]:
        print("\n## 64 readers (4 processes x 16 threads), random 1 MiB chunks, bodies checked\n")
        print("| server | MB/s (median) | per round | hub/nginx | load avg |")
        print("|---|---|---|---|---|")
        rows = {s: [r for r in res["readers"] if r["server"] == s] for s in ("nginx", "hub")}
        ratios = [h["mb_s"] / n["mb_s"] for h, n in zip(rows["hub"], rows["nginx"])]
        for s in ("nginx", "hub"):
            rs = rows[s]
            print(f"| {s} | {med(rs, 'mb_s'):.0f} | {each(rs, 'mb_s', '.0f')} | "
                  f"{', '.join(f'{x:.2f}' for x in ratios) if s == 'hub' else ''} | "
                  f"{min(r['load'] for r in rs):.1f}–{max(r['load'] for r in rs):.1f} |")
    if res["xarray"]:
        print("\n## xarray mean of 1 GiB float32 (16 MiB chunks, uncompressed)\n")
        print("| source | seconds (median) | per round | client CPU s | mean | load avg |")
        print("|---|---|---|---|---|---|")
        for s in ("local", "hub"):
            rs = [r for r in res["xarray"] if r["source"] == s]
            print(f"| {s} | {med(rs, 'seconds'):.2f} | {each(rs, 'seconds', '.2f')} | "
                  f"{med(rs, 'cpu'):.2f} | {rs[0]['mean']:.4f} | {min(r['load'] for r in rs):.1f}–{max(r['load'] for r in rs):.1f} |")


if __name__ == "__main__":
    main()
