#!/usr/bin/python3
"""First-spawn hub CPU, JIT vs ReadyToRun (issue #14). See README.md beside this file.

Publishes src/Greyhub.Host twice, self-contained for linux-x64, identical but for PublishReadyToRun (false: every method
is compiled by the JIT when first called; true: what scripts/publish.sh ships). Then, RUNS times for each, alternating:
a fresh data folder, `greyhub serve` on a free 127.0.0.1 port, an admin token from `greyhub token`, a user, her server
(Debian's jupyterhub-singleuser) started through the API and followed until ready; the hub process's own CPU time
(utime + stime from /proc/PID/stat) is read when the hub first answers and when the server is ready, then the server
is stopped and the hub ended by its PID. The server's CPU is not counted (its own process, in its own session).

    benchmarks/install/first_spawn_cpu.py [--runs 3] [--keep-builds DIR] [--skip-publish DIR]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hubproc import cpu_seconds, free_port  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROJECT = os.path.join(REPO, "src", "Greyhub.Host", "Greyhub.Host.csproj")


def publish(out, r2r):
    target = os.path.join(out, "r2r" if r2r else "jit")
    subprocess.run(["dotnet", "publish", PROJECT, "-c", "Release", "-r", "linux-x64", "--self-contained", "true",
                    f"-p:PublishReadyToRun={'true' if r2r else 'false'}", "--artifacts-path",
                    os.path.join(out, "build-r2r" if r2r else "build-jit"), "-o", target, "-nologo", "-v", "quiet"],
                   check=True)
    return os.path.join(target, "greyhub")


def call(base, method, path, token=None, timeout=30):
    request = urllib.request.Request(base + path, method=method)
    if token:
        request.add_header("Authorization", "token " + token)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
        return response.status, json.loads(body) if body else None


def one_run(greyhub, env):
    data = tempfile.mkdtemp(prefix="greyhub-bench-install-")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = open(os.path.join(data, "hub.log"), "w")
    started = time.monotonic()
    hub = subprocess.Popen([greyhub, "serve", "--urls", base.rstrip("/"), "--data-dir", data],
                           cwd=data, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    token = None
    try:
        while True:
            if hub.poll() is not None:
                raise RuntimeError(f"greyhub exited with {hub.returncode}; log in {data}/hub.log")
            try:
                if call(base, "GET", "hub/api/", timeout=5)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        answering_wall = time.monotonic() - started
        answering_cpu = cpu_seconds(hub.pid)
        token = subprocess.run([greyhub, "token", "--admin", "--data-dir", data, "admin"], cwd=data, check=True,
                               capture_output=True, text=True).stdout.strip()
        call(base, "POST", "hub/api/users/alice", token)
        spawn_start = time.monotonic()
        call(base, "POST", "hub/api/users/alice/server", token)
        while True:
            _, user = call(base, "GET", "hub/api/users/alice", token)
            server = user["servers"].get("")
            if server and server["ready"]:
                break
            time.sleep(0.1)
        spawn_wall = time.monotonic() - spawn_start
        ready_cpu = cpu_seconds(hub.pid)
        return answering_wall, answering_cpu, spawn_wall, ready_cpu
    finally:
        if token:
            try:
                call(base, "DELETE", "hub/api/users/alice/server", token, timeout=60)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(30)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-publish", metavar="DIR", help="use DIR/jit/greyhub and DIR/r2r/greyhub from an earlier run")
    parser.add_argument("--keep-builds", metavar="DIR", help="publish into DIR and keep it (for --skip-publish)")
    parser.add_argument("--no-pgo-variant", action="store_true",
                        help="also ReadyToRun with DOTNET_TieredPGO=0 (no instrumented re-JIT of hot ReadyToRun methods)")
    args = parser.parse_args()
    if shutil.which("jupyterhub-singleuser") is None:
        sys.exit("jupyterhub-singleuser is missing: apt-get install -y jupyterhub python3-ipykernel")
    if args.skip_publish:
        builds = {"JIT": os.path.join(args.skip_publish, "jit", "greyhub"), "ReadyToRun": os.path.join(args.skip_publish, "r2r", "greyhub")}
        out = None
    else:
        out = args.keep_builds or tempfile.mkdtemp(prefix="greyhub-bench-publish-")
        os.makedirs(out, exist_ok=True)
        builds = {"JIT": publish(out, False), "ReadyToRun": publish(out, True)}
    variants = {name: (path, dict(os.environ)) for name, path in builds.items()}
    if args.no_pgo_variant:
        variants["R2R, no PGO"] = (builds["ReadyToRun"], dict(os.environ, DOTNET_TieredPGO="0"))
    results = {name: [] for name in variants}
    try:
        for run in range(args.runs):
            for name, (greyhub, env) in variants.items():
                r = one_run(greyhub, env)
                results[name].append(r)
                print(f"run {run + 1} {name:10}: answering after {r[0]:.2f} s wall, {r[1]:.2f} s CPU; "
                      f"first server ready {r[2]:.2f} s after the request; hub CPU through it {r[3]:.2f} s", flush=True)
    finally:
        if out and not args.keep_builds:
            shutil.rmtree(out, ignore_errors=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    print("| build | hub CPU to first answer (s) | hub CPU, first answer to server ready (s) | hub CPU in all (s) | first spawn wall (s) |")
    print("|---|---|---|---|---|")
    for name, rs in results.items():
        fmt = lambda value: " / ".join(f"{value(r):.2f}" for r in rs)
        print(f"| {name} | {fmt(lambda r: r[1])} | {fmt(lambda r: r[3] - r[1])} | {fmt(lambda r: r[3])} | {fmt(lambda r: r[2])} |")
    medians = {name: sorted(r[3] for r in rs)[len(rs) // 2] for name, rs in results.items()}
    print("\nmedian hub CPU through the first spawn: " + ", ".join(
        f"{name} {m:.2f} s ({m / medians['JIT']:.0%} of JIT)" for name, m in medians.items()))


if __name__ == "__main__":
    main()
